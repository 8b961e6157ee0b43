"""The finite-k prediction: its ingredients against Monte Carlo, its limit against the theorem, and the kernel's
measured exponents against it (a sharper check than the asymptotic exponent)."""

import numpy as np
import pytest

from simulate.pieces.noise import sample
from simulate.run.config import QuadraticRun, checkpoints
from simulate.run.runner import run_config
from theory import finite_k
from theory.exponents import clipping_map, theorem4_gap
from theory.finite_k import clipped_moments, limit_sq_exponent, local_exponent, theorem4_second_moment
from theory.fitting import fit_exponent, window_mask


@pytest.mark.parametrize("noise", finite_k.MODEL_LAWS)
@pytest.mark.parametrize("tail", [1.2, 1.7, 2.0])
def test_clipped_moments_match_monte_carlo(noise, tail):
    # the closed forms (Pareto) and the numerical integrals (the other laws) against the sampler's own draws
    x = sample(noise, tail, 1_000_000, seed=11)
    for tau in (0.5, 3.0, 40.0):
        c = np.clip(x, -tau, tau)
        m, s = clipped_moments(noise, tail, np.array([tau]))
        se_m = c.std() / 1000.0
        se_s = (c**2).std() / 1000.0
        assert abs(c.mean() - m[0]) < 5 * se_m + 1e-12
        assert abs((c**2).mean() - s[0]) <= 5 * se_s + 1e-12


def test_unknown_noise_and_thresholds_beyond_the_table_are_rejected():
    with pytest.raises(ValueError, match="noise='cauchy'"):
        clipped_moments("cauchy", 1.5, np.array([1.0]))
    with pytest.raises(ValueError, match="tau outside"):
        clipped_moments("stable", 1.5, np.array([1e41]))


@pytest.mark.parametrize("noise,tail", [("stable", 1.5), ("student-t", 1.6), ("student-t-onesided", 1.6)])
def test_the_integrated_second_moment_grows_like_its_tail_far_out(noise, tail):
    # E clip_tau(xi)^2 ~ tau^(2 - tail) for a tail index below 2: the slope between 1e20 and 1e30 (where the
    # integrals rest on the laws' tail series and survival functions, beyond any Monte Carlo)
    _, s = clipped_moments(noise, tail, np.array([1e20, 1e30]))
    assert np.log(s[1] / s[0]) / np.log(1e10) == pytest.approx(2.0 - tail, abs=1e-3)


def test_a_gaussians_clipped_second_moment_is_its_closed_form():
    from scipy.stats import norm

    tau = np.array([0.01, 0.7, 3.0, 50.0])
    # E min(x^2, tau^2) = (2 Phi(tau) - 1) - 2 tau phi(tau) + 2 tau^2 (1 - Phi(tau))
    exact = (2 * norm.cdf(tau) - 1) - 2 * tau * norm.pdf(tau) + 2 * tau**2 * norm.sf(tau)
    _, s = clipped_moments("gaussian", 2.0, tau)
    np.testing.assert_allclose(s, exact, rtol=1e-4)


@pytest.mark.parametrize("alpha", [1.3, 1.5])
def test_recursion_tends_to_the_theorem_exponent(alpha):
    # Far from 2 the constant in the clipped second moment dies fast: by K = 2^20 the local slope is the theorem's.
    K = 2**20
    ks = checkpoints(K)
    v = theorem4_second_moment("pareto", alpha, alpha, K, ks)
    assert abs(local_exponent(ks, v, window_mask(ks)) - theorem4_gap(alpha)) < 0.02


def test_recursion_shows_the_log_factor_at_tail_two():
    # E min(xi^2, tau^2) = 1 + 2 log tau for tail 2, so the gap decays like log k / k: the slope stays above -1.
    K = 2**18
    ks = checkpoints(K)
    v = theorem4_second_moment("pareto", 2.0, 2.0, K, ks)
    slope = local_exponent(ks, v, window_mask(ks))
    assert -0.95 < slope < -0.85


def test_measured_exponents_follow_the_finite_k_prediction(thm4_quick_results):
    # The kernel's fitted exponent of E||xbar_k - x*|| agrees with the recursion's slope over the same window
    # within 0.025 (bootstrap CIs are about +-0.014 at 1024 trials; measured gaps were below 0.01).
    for cfg, arrays, _ in thm4_quick_results:
        k = arrays["k"]
        fit = fit_exponent(k, arrays["avg_dist"], "mean", n_boot=200)
        v = theorem4_second_moment(cfg.noise, cfg.tail, cfg.alpha, cfg.K, k, mu=cfg.mu, x0=cfg.x0, G=cfg.G)
        predicted = local_exponent(k, np.sqrt(v), window_mask(k))
        assert abs(fit.exponent - predicted) < 0.025, (cfg.alpha, fit.exponent, predicted)


def _loop_reference(noise, tail, alpha, K, ks, *, mu=1.0, x0=1.0, G=1.0, beta=None, step=None):
    """The same linearised recursion as a plain loop over every step (the vectorised one must reproduce it)."""
    eta0, k0, power = (4.0 / mu, 1.0, 1.0) if step is None else step
    beta = 1.0 / alpha if beta is None else beta
    me = mb = x0
    see = seb = sbb = x0 * x0
    out = {}
    for k in range(1, K + 1):
        m, s = (float(v[0]) for v in clipped_moments(noise, tail, np.array([G * k**beta])))
        eta, w = eta0 / (k + k0) ** power, 2.0 / (k + 1.0)
        a = 1.0 - mu * eta
        sbb = (1 - w) ** 2 * sbb + 2 * w * (1 - w) * seb + w * w * see
        seb = a * (1 - w) * seb + a * w * see - eta * m * ((1 - w) * mb + w * me)
        see = a * a * see - 2 * a * eta * m * me + eta * eta * s
        mb = (1 - w) * mb + w * me
        me = a * me - eta * m
        out[k] = sbb
    return np.array([out[int(q)] for q in ks])


@pytest.mark.parametrize(
    "noise,tail,alpha,beta,step",
    [
        ("pareto", 1.2, 1.2, None, None),
        ("pareto-onesided", 1.5, 1.4, None, None),
        ("pareto-onesided", 1.8, 1.8, 0.2, None),
        ("pareto-onesided", 1.6, 1.5, None, (1.0, 0.0, 1.0)),  # eta_k = 1/(mu k)
        ("pareto", 2.1, 2.0, 1.2, (0.3, 0.0, 1.0)),  # a step too small to forget x0 quickly
    ],
)
def test_vectorised_recursion_matches_a_step_by_step_loop(noise, tail, alpha, beta, step):
    K = 20_000
    ks = checkpoints(K)
    fast = theorem4_second_moment(noise, tail, alpha, K, ks, beta=beta, step=step)
    slow = _loop_reference(noise, tail, alpha, K, ks, beta=beta, step=step)
    assert np.max(np.abs(fast / slow - 1.0)) < 1e-11


@pytest.mark.parametrize("noise", ["pareto", "pareto-onesided", "stable", "student-t", "student-t-onesided"])
@pytest.mark.parametrize("alpha", [1.2, 1.5, 1.9])
def test_the_limit_at_tail_alpha_is_the_theorem_and_the_map(noise, alpha):
    assert limit_sq_exponent(noise, alpha, 1.0 / alpha) == pytest.approx(theorem4_gap(alpha), abs=1e-12)
    for beta in (0.2, 0.5, 1.0):
        expected = clipping_map(alpha, beta, noise.endswith("-onesided"))
        assert limit_sq_exponent(noise, alpha, beta) == pytest.approx(expected, abs=1e-12)


def test_the_recursion_approaches_its_limit_at_a_lighter_tail():
    # Symmetric Pareto, tail 1.5 with Theorem 4's schedule for alpha 1.4: the variance term -1 + (2 - 1.5)/1.4.
    limit = limit_sq_exponent("pareto", 1.5, 1 / 1.4)
    assert limit == pytest.approx(-1 + 0.5 / 1.4)
    K = 2**22
    ks = checkpoints(K)
    v = theorem4_second_moment("pareto", 1.5, 1.4, K, ks)
    near = finite_k.window_slopes(ks, v, np.array([2.0**14, 2.0**22]))
    assert abs(near[1] - limit) < abs(near[0] - limit) and abs(near[1] - limit) < 0.01


def test_horizon_needed_is_the_first_horizon_from_which_every_slope_is_within():
    horizons = np.array([1e3, 1e4, 1e5, 1e6])
    assert finite_k.horizon_needed(horizons, np.array([-0.3, -0.48, -0.42, -0.49]), -0.5, 0.025) == 1e6
    assert finite_k.horizon_needed(horizons, np.array([-0.3, -0.48, -0.49, -0.49]), -0.5, 0.025) == 1e4
    assert finite_k.horizon_needed(horizons, np.array([-0.3, -0.4, -0.42, -0.45]), -0.5, 0.025) == np.inf


def test_a_harmonic_step_run_follows_its_own_finite_k_prediction():
    # eta_k = 1/(mu k) (the positive control's step): the kernel's fitted exponent of E||xbar_k - x*||^2 agrees with
    # the recursion for that step within 0.05 (the exponent tolerance; bootstrap half-widths ~0.02 at 1024 trials).
    cfg = QuadraticRun(
        claim="t",
        method="proj-gclip",
        noise="pareto-onesided",
        alpha=1.5,
        tail=1.6,
        K=2**16,
        trials=1024,
        radius=10.0,
        step="harmonic",
        eta=1.0,
    )
    arrays = run_config(cfg)
    k = arrays["k"]
    fit = fit_exponent(k, 2.0 * arrays["avg_gap"], "mean", n_boot=200)
    v = theorem4_second_moment("pareto-onesided", 1.6, 1.5, cfg.K, k, step=cfg.step_schedule())
    assert abs(fit.exponent - local_exponent(k, v, window_mask(k))) < 0.05
