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
