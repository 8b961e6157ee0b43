import numpy as np
import pytest

from simulate.run.config import checkpoints
from theory.fitting import fit_exponent, window_mask


def synthetic(exponent, trials=400, K=10**5, seed=0, spread=0.5, wiggle_sd=0.05):
    """Per-trial values C_t k^exponent e^(noise) with lognormal C_t and i.i.d. noise per checkpoint: the mean
    over trials decays with exactly ``exponent``."""
    k = checkpoints(K)
    rng = np.random.default_rng(seed)
    c = rng.lognormal(0.0, spread, size=(trials, 1))
    wiggle = np.exp(wiggle_sd * rng.normal(size=(trials, k.size)))
    return k, c * k**exponent * wiggle


@pytest.mark.parametrize("exponent", [-0.1667, -0.5, -1.0])
@pytest.mark.parametrize("stat", ["mean", "median", "q90"])
def test_recovers_known_exponent(exponent, stat):
    k, v = synthetic(exponent)
    fit = fit_exponent(k, v, stat, n_boot=300)
    assert abs(fit.exponent - exponent) < 0.01
    assert fit.ci_low <= exponent <= fit.ci_high
    assert fit.ci_high - fit.ci_low < 0.05
    assert fit.k_max == 10**5 and fit.k_min >= 10**3


def test_ci_coverage_is_roughly_95_percent():
    hits = 0
    for seed in range(40):
        k, v = synthetic(-0.4, trials=100, seed=seed, spread=0.2, wiggle_sd=1.0)
        fit = fit_exponent(k, v, "mean", n_boot=300, seed=seed)
        hits += fit.ci_low <= -0.4 <= fit.ci_high
    assert hits >= 33


def test_window_is_last_two_decades():
    k = checkpoints(10**6)
    m = window_mask(k)
    assert k[m].min() >= 10**4 and k[m].max() == 10**6 and k[~m].max() < 10**4


def test_diverged_trial_makes_the_mean_exponent_nan():
    k, v = synthetic(-0.5, trials=50)
    v[3, 20:] = np.inf
    fit = fit_exponent(k, v, "mean", n_boot=100)
    assert np.isnan(fit.exponent)
    assert np.isfinite(fit_exponent(k, v, "median", n_boot=100).exponent)


def test_bad_shapes_are_rejected():
    k, v = synthetic(-0.5, trials=10)
    with pytest.raises(ValueError, match="shape"):
        fit_exponent(k[:-1], v)
    with pytest.raises(ValueError, match="statistic='mode'"):
        fit_exponent(k, v, "mode")


def test_a_refit_of_the_same_arrays_reuses_its_bootstrap_and_other_arrays_do_not():
    """The sequential design refits a stopped configuration's arrays at every later look: the resampled exponents
    are computed once (memoised by content) and only the percentiles move with the CI level."""
    from theory import confidence
    from theory.fitting import _bootstrap_slopes

    rng = np.random.default_rng(3)
    k = np.unique(np.geomspace(1, 10**4, 40).astype(int))
    values = np.exp(rng.normal(size=(64, 1)) - 0.5 * np.log(k)) * rng.pareto(3.0, (64, k.size))
    before = _bootstrap_slopes.cache_info()
    first = fit_exponent(k, values, "median", seed=5)
    with confidence.at_level(0.9875):
        wider = fit_exponent(k, values, "median", seed=5)
    again = fit_exponent(k, values.copy(), "median", seed=5)
    after = _bootstrap_slopes.cache_info()
    assert after.misses - before.misses == 1 and after.hits - before.hits == 2
    assert again == first
    assert wider.exponent == first.exponent and wider.ci_low < first.ci_low and wider.ci_high > first.ci_high
    changed = values.copy()
    changed[0, -1] *= 2
    fit_exponent(k, changed, "median", seed=5)
    assert _bootstrap_slopes.cache_info().misses - after.misses == 1
