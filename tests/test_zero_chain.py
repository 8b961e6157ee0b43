"""The zero-chain f_d of Theorem 6: gradient against finite differences of the value, the stated properties, the
d/p law of oracle calls, and the implied bound's exponent."""

import numpy as np
import pytest

from simulate.claims.thm6_nonconvex_lower_bound import model as zc
from simulate.claims.thm6_nonconvex_lower_bound.experiment import STEP, TAU, check_properties
from theory.lower_bounds import zero_chain_horizon


def test_gradient_matches_finite_differences_of_the_value():
    rng = np.random.default_rng(0)
    g = np.empty(8)
    for _ in range(50):
        x = rng.uniform(-2, 2, 8)
        zc.gradient(x, g)
        h = 1e-6
        fd = np.array([(zc.value(x + h * e) - zc.value(x - h * e)) / (2 * h) for e in np.eye(8)])
        np.testing.assert_allclose(g, fd, atol=2e-6)


def test_stated_properties_hold_on_random_points():
    w = check_properties(3000, seed=1)
    assert w["smoothness"] <= 152
    assert w["grad_inf"] <= 23
    assert w["prog_excess"] <= 0
    assert w["min_grad_norm"] >= 1


def test_prog():
    assert zc.prog(np.array([0.0, 0.3, 0.0, 0.2]), 0.25) == 2
    assert zc.prog(np.zeros(3), 0.0) == 0


@pytest.mark.parametrize("clips", [False, True])
def test_oracle_calls_follow_d_over_p(clips):
    means = []
    for d, p in ((5, 0.05), (10, 0.2)):
        calls, mg = np.empty(300, dtype=np.int64), np.empty(300)
        zc.calls_to_finish(d, p, STEP, TAU, clips, 10**6, np.uint64(0), np.uint64(d), calls, mg)
        assert abs(calls.mean() * p / d - 1) <= 0.1
        assert mg.min() >= 1.0  # ||grad f_d|| >= 1 until the chain is finished
        means.append(calls.mean())
    assert means[0] > means[1]


@pytest.mark.parametrize("alpha", [1.3, 2.0])
def test_implied_bound_exponent(alpha):
    eps = np.geomspace(1e-5, 5e-3, 20)
    k = np.array([zero_chain_horizon(e, alpha) for e in eps])
    slope = np.polyfit(np.log(k), np.log(eps), 1)[0]
    assert abs(slope - (-(alpha - 1) / (3 * alpha - 2))) <= 0.05


def test_horizon_rejects_a_chain_of_length_zero():
    with pytest.raises(ValueError, match="eps=0.1 is too large"):
        zero_chain_horizon(0.1, 1.5)
