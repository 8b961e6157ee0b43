"""Statistics of Remark 1 on samples of known law, and the claim on kernel runs (quick size)."""

import numpy as np
import pytest

from simulate.pieces.noise import sample
from simulate.run.config import QuadraticRun
from simulate.run.runner import run_quadratic
from theory import mean_square as ms


def test_growth_slope_matches_theory_for_infinite_mean():
    # v = xi^2 with xi of tail a: v has tail a/2 < 1, the typical mean grows like M^(2/a - 1).
    for a in (1.3, 1.6):
        v = sample("pareto", a, 1_000_000, seed=3) ** 2
        sizes = np.array([100, 1000, 10_000])
        assert abs(ms.growth_slope(v, sizes) - ms.predicted_growth_slope(a)) < 0.1


def test_growth_ratio_is_one_for_finite_variance():
    v = sample("gaussian", 2.0, 1_000_000, seed=4) ** 2
    lo, hi = ms.bootstrap(ms.growth_ratio, v, 50, seed=0)
    assert lo <= 1.0 <= hi


def test_wilson_interval():
    lo, hi = ms.wilson_interval(0, 10_000)
    assert lo == pytest.approx(0.0, abs=1e-12) and hi == pytest.approx(3.84e-4, rel=0.01)
    lo, hi = ms.wilson_interval(50, 100)
    assert lo < 0.5 < hi and hi - lo == pytest.approx(0.19, abs=0.01)


@pytest.mark.parametrize("n", [10, 1000, 12345])
def test_wilson_interval_is_exact_at_the_ends(n):
    # an observed 0 must lie inside its own CI exactly: rounding once left 2e-19 at n = 1000, and an exact check
    # "value <= 0" failed on a CI "wholly outside [-inf, 0]"
    assert ms.wilson_interval(0, n)[0] == 0.0 and ms.wilson_interval(n, n)[1] == 1.0


def test_typical_means_needs_batches():
    with pytest.raises(ValueError, match="need >= 5"):
        ms.typical_means(np.ones(100), np.array([50]))


@pytest.fixture(scope="module")
def fixed_k_runs():
    """Error at k = 100 over 10^5 trials: unclipped SGD vs GClip, tail 1.3 (E xi^2 infinite)."""
    base = dict(claim="test-rem1", noise="pareto", tail=1.3, alpha=1.3, K=100, trials=100_000, x0=0.0, per_decade=0)
    return {m: run_quadratic(QuadraticRun(method=m, **base))["last_dist"][:, 0] ** 2 for m in ("sgd", "gclip")}


def test_sgd_mean_square_grows_beyond_its_band(fixed_k_runs):
    lo, _ = ms.bootstrap(ms.growth_ratio, fixed_k_runs["sgd"], 100, seed=0)
    assert lo > 1.0


def test_gclip_mean_square_settles(fixed_k_runs):
    lo, hi = ms.bootstrap(ms.growth_ratio, fixed_k_runs["gclip"], 100, seed=0)
    assert lo <= 1.0 and hi < 1.05


def test_gclip_never_exceeds_a_large_error_at_the_edge():
    base = dict(
        claim="test-edge",
        noise="pareto",
        tail=1.05,
        alpha=1.05,
        K=1000,
        trials=2000,
        x0=0.0,
        step="constant",
        eta=1.0,
        per_decade=0,
    )
    sgd = run_quadratic(QuadraticRun(method="sgd", **base))
    gclip = run_quadratic(QuadraticRun(method="gclip", **base))
    # GClip's steps are bounded by eta tau_k = k^(1/1.05) < 1e6; SGD's are not (one draw above 1e6 suffices).
    assert gclip["max_dist"].max() < 1e6 and (gclip["diverged_at"] == 0).all()
    assert sgd["max_dist"].max() > gclip["max_dist"].max()


def test_median_ci_covers_the_median_of_a_heavy_tailed_law():
    """Order-statistic CI at 95%: over 400 samples of 101 symmetric-Pareto draws (median 0), coverage >= 0.95 up to
    sampling error (binomial SE ~ 0.011), for a law without a variance."""
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(400):
        x = rng.choice([-1.0, 1.0], 101) * rng.random(101) ** (-1 / 1.3)
        _, lo, hi = ms.median_ci(x)
        hits += lo <= 0.0 <= hi
    assert hits / 400 >= 0.93


def test_growth_typical_tells_infinite_from_finite_variance():
    rng = np.random.default_rng(1)
    heavy = (rng.random(10**6) ** (-1 / 1.3)) ** 2  # e^2 with tail 1.3 / 2 < 1: an infinite mean
    ratio, lo, _ = ms.growth_typical(heavy, 100, 10**4)
    assert lo > 1.1 and ratio > 5  # predicted (10^4 / 100)^(2/1.3 - 1) = 12
    light = rng.normal(size=10**6) ** 2
    ratio, lo, hi = ms.growth_typical(light, 100, 10**4)
    assert lo < 1.1 and abs(ratio - 1) < 0.02
