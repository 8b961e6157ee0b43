"""clip-exponent-map at two (alpha, beta) cells on either side of beta = 1/alpha, one-sided (biased) Pareto."""

import pytest

from simulate.run.config import QuadraticRun
from simulate.run.runner import run_quadratic
from theory.exponents import clipping_map
from theory.fitting import fit_exponent


def test_prediction_has_its_kink_at_one_over_alpha():
    for alpha in (1.3, 1.7):
        b = 1 / alpha
        assert clipping_map(alpha, b, True) == pytest.approx(-2 * (alpha - 1) / alpha)
        assert clipping_map(alpha, b - 0.2, True) > clipping_map(alpha, b, True) < clipping_map(alpha, b + 0.2, True)
        assert clipping_map(alpha, 0.2, False) < clipping_map(alpha, 0.2, True)


@pytest.mark.parametrize("alpha,beta", [(1.6, 0.4), (1.4, 1.0)])  # beta below and above 1/alpha
def test_measured_cell_matches_the_map(alpha, beta):
    cfg = QuadraticRun(
        claim="clip-exponent-map",
        method="proj-gclip",
        noise="pareto-onesided",
        alpha=alpha,
        beta=beta,
        K=2**17,
        trials=1024,
        radius=10.0,
    )
    r = run_quadratic(cfg)
    fit = fit_exponent(r["k"], 2 * r["avg_gap"], "mean", n_boot=200)
    assert abs(fit.exponent - clipping_map(alpha, beta, True)) <= 0.07, fit


def test_symmetric_noise_is_faster_at_small_beta():
    base = dict(claim="clip-exponent-map", method="proj-gclip", alpha=1.5, beta=0.2, K=2**16, trials=512, radius=10.0)
    fits = {
        noise: fit_exponent(r["k"], 2 * r["avg_gap"], "mean", n_boot=200)
        for noise in ("pareto", "pareto-onesided")
        for r in [run_quadratic(QuadraticRun(noise=noise, **base))]
    }
    assert fits["pareto"].ci_high < fits["pareto-onesided"].ci_low
