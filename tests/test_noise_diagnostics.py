"""noise-diagnostics at small size: concentration of norms, running variance, estimates from kernel noise."""

import numpy as np
import pytest

from simulate.claims.noise_diagnostics.experiment import running_variance, vector_norms
from simulate.pieces.noise import sample
from simulate.run.config import QuadraticRun
from simulate.run.runner import run_quadratic
from theory.tail_index import hill, mohammadi


def _spread(r):
    return np.quantile(r, 0.99) / np.median(r)


def test_finite_variance_coordinates_concentrate_in_norm_but_radial_tails_do_not():
    d, n = 10_000, 400
    indep = vector_norms("pareto", 3.0, d, n, seed=1)  # heavy-tailed coordinates with finite variance
    radial = vector_norms(None, 3.0, d, n, seed=1)  # the same tail in the radius
    infinite = vector_norms("pareto", 1.5, d, n, seed=1)  # coordinates with infinite variance
    assert _spread(indep) < 1.2
    assert _spread(radial) > 2.0
    assert _spread(infinite) > 2.0
    assert hill(radial) < 4.5  # the radius's tail index 3 is still visible in the norm


def test_running_variance_matches_numpy():
    x = sample("student-t", 3.0, 5000, seed=2)
    n = np.array([10, 100, 5000])
    np.testing.assert_allclose(running_variance(x, n), [np.var(x[:m], ddof=1) for m in n], rtol=1e-9)


@pytest.mark.parametrize("noise,tail,estimator", [("pareto", 1.5, hill), ("stable", 1.5, mohammadi)])
def test_estimators_recover_the_tail_of_noise_recorded_in_a_kernel(noise, tail, estimator):
    cfg = QuadraticRun(
        claim="test-diag", method="sgd", noise=noise, tail=tail, alpha=tail, K=1000, trials=2048, per_decade=100
    )
    xi = run_quadratic(cfg)["noise"].ravel()
    groups = xi[: xi.size // 100_000 * 100_000].reshape(-1, 100_000)
    assert len(groups) >= 3
    assert abs(np.mean([estimator(g) for g in groups]) - tail) <= 0.1
