"""Theorem 5's exact two-point lower bound, and the Bernoulli-oracle kernel against a plain-NumPy reference."""

import numpy as np
import pytest
from scipy import stats

from simulate.claims.thm5_lower_bound.experiment import bernoulli_trajectory
from simulate.engine import run_trajectory
from simulate.engine.rng import uniforms
from simulate.run.config import checkpoints
from theory.lower_bounds import family, lower_bound, one_minus_tv


def test_family_matches_its_definition():
    gamma, p0, p1, jump = family(0.05, 1.5)
    assert gamma == pytest.approx(0.2**2)
    assert p0 == pytest.approx(2 * p1) and p0 * jump == pytest.approx(2 * 0.05) and p1 * jump == pytest.approx(0.05)
    assert p0 * jump**1.5 <= 1.0 + 1e-12  # E|g|^alpha at x = 0 is p jump^alpha <= 1


@pytest.mark.parametrize("k,p0,p1", [(50, 0.3, 0.15), (1000, 0.02, 0.01), (20_000, 1e-3, 5e-4)])
def test_one_minus_tv_matches_a_direct_sum(k, p0, p1):
    j = np.arange(k + 1)
    tv = 0.5 * np.abs(stats.binom.pmf(j, k, p0) - stats.binom.pmf(j, k, p1)).sum()
    assert one_minus_tv(k, p0, p1) == pytest.approx(1.0 - tv, rel=1e-9, abs=1e-15)


def test_one_minus_tv_does_not_underflow_to_zero():
    # Far apart binomials at k = 10^7: 1 - TV is tiny but must stay positive. Chernoff: it is about
    # exp(-k (sqrt(p0) - sqrt(p1))^2 / 2) = exp(-85.8) ~ 5e-38 up to polynomial factors.
    v = one_minus_tv(10**7, 2e-4, 1e-4)
    assert 1e-45 < v < 1e-33


@pytest.mark.parametrize("alpha,expected", [(1.2, -0.333), (1.5, -0.667), (1.8, -0.889), (2.0, -1.0)])
def test_lower_bound_exponent(alpha, expected):
    # docs/theory.md §5 records these slopes from an independent check; tolerance 0.02 is the declared criterion.
    ks = np.unique(np.round(np.logspace(4, 7, 10)).astype(int))
    lb = np.array([lower_bound(int(k), alpha) for k in ks])
    slope = np.polyfit(np.log(ks), np.log(lb[:, 0]), 1)[0]
    eps_slope = np.polyfit(np.log(ks), np.log(lb[:, 1]), 1)[0]
    assert abs(slope - (-2 * (alpha - 1) / alpha)) <= 0.02 and abs(slope - expected) <= 0.02
    assert abs(eps_slope - (-(alpha - 1) / alpha)) <= 0.03


def test_lower_bound_is_a_maximum_over_eps():
    lb, eps_star = lower_bound(5000, 1.5)
    from theory.lower_bounds import two_point_bound

    for eps in np.geomspace(1e-4, 0.125, 50):
        assert two_point_bound(5000, eps, 1.5) <= lb * (1 + 1e-9)
    assert 0 < eps_star <= 0.125


def test_bad_alpha_is_rejected():
    with pytest.raises(ValueError, match=r"alpha=2.5 is outside the accepted range \(1, 2\]"):
        lower_bound(10, 2.5)


@pytest.mark.parametrize("clips", [True, False])
def test_oracle_kernel_matches_numpy_reference(clips):
    eps, alpha, K, T = 0.08, 1.5, 400, 3
    _, p0, _, jump = family(eps, alpha)
    b = 2 * eps
    ks = checkpoints(K)
    seed, key = 3, 17
    method = "proj-gclip" if clips else "proj-sgd"
    out = run_trajectory(bernoulli_trajectory(method, jump, p0, b, 1 / alpha, ks, T, seed, key))["avg_gap"]
    for t in range(T):
        u = uniforms(seed, key, t, K)  # the same stream the kernel's trial t draws from
        x = xbar = 0.0
        ref = []
        for k in range(1, K + 1):
            xbar += 2.0 / (k + 1.0) * (x - xbar)
            g = x - jump * (u[k - 1] < p0)
            if clips:
                g = min(max(g, -(k ** (1 / alpha))), k ** (1 / alpha))
            x = min(max(x - 4.0 / (k + 1.0) * g, 0.0), 0.5)
            if k in ks:
                ref.append(0.5 * (xbar - b) ** 2)
        np.testing.assert_allclose(out[t], ref, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("kind", ["posterior-mean", "mle"])
def test_exact_estimators_never_beat_the_two_point_bound(kind):
    from theory.lower_bounds import estimator_risks, min_ratio_to_bound, two_point_bound

    for alpha in (1.3, 1.7):
        for k in (10, 300, 10_000):
            for eps in np.geomspace(1e-3, 0.125, 8):
                worst = max(estimator_risks(k, eps, alpha, kind))
                assert min_ratio_to_bound([worst], [two_point_bound(k, eps, alpha)]) >= 1.0


def test_the_bound_check_catches_a_cheating_estimator():
    # An "estimator" that peeks at nu has zero risk: the check used for every method must flag it.
    from theory.lower_bounds import min_ratio_to_bound, two_point_bound

    assert min_ratio_to_bound([0.0], [two_point_bound(100, 0.05, 1.5)]) < 1.0


def test_simulated_proj_gclip_stays_above_the_bound():
    from simulate.claims.thm5_lower_bound.experiment import simulate_family
    from theory.lower_bounds import two_point_bound

    alpha, ks = 1.6, checkpoints(3000)
    for eps in (0.01, 0.05, 0.125):
        gaps = [simulate_family("proj-gclip", alpha, eps, nu, ks, 512, seed=0) for nu in (0, 1)]
        upper = np.maximum(*(g.mean(axis=0) + 3 * g.std(axis=0, ddof=1) / np.sqrt(512) for g in gaps))
        bound = np.array([two_point_bound(int(k), eps, alpha) for k in ks])
        assert np.all(upper >= bound)


def test_envelope_fit_recovers_a_power_law_with_a_ci_that_covers_it():
    from simulate.claims.thm5_lower_bound.experiment import envelope_fit
    from theory.fitting import window_mask

    ks = checkpoints(10**5)
    rng = np.random.default_rng(0)
    # trial-level random factors (as a trajectory carries its luck along k), a different scale per cell
    cells = [scale * rng.exponential(size=(500, 1)) * ks**-0.6 for scale in (1.0, 0.5, 0.8)]
    fit = envelope_fit(ks, cells, window_mask(ks), seed=0)
    assert fit["ci_low"] <= -0.6 <= fit["ci_high"] and fit["ci_high"] - fit["ci_low"] < 0.01
    assert fit["fitted"] == pytest.approx(-0.6) and abs(fit["drift"]) < 1e-9
    # cells whose means cross inside the window (near k = 10^4): the envelope bends from one slope to the other
    crossing = [cells[0], 0.025 * rng.exponential(size=(500, 1)) * ks**-0.2]
    assert -0.6 < envelope_fit(ks, crossing, window_mask(ks), seed=0)["fitted"] < -0.2
    # a bend inside the window shows as drift
    bent = [c * (1 + 30 * ks**-0.5) for c in cells]
    assert abs(envelope_fit(ks, bent, window_mask(ks), seed=0)["drift"]) > 0.05


def test_the_two_point_bound_over_an_array_of_k_is_the_scalar_bound_at_each_k():
    from theory.lower_bounds import two_point_bound

    ks = np.unique(np.geomspace(1, 10**6, 60).astype(np.int64))
    for eps in (1e-4, 0.01, 0.125):
        at_once = two_point_bound(ks, eps, 1.5)
        assert np.array_equal(at_once, [two_point_bound(int(k), eps, 1.5) for k in ks])
