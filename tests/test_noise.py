import math

import numpy as np
import pytest
from scipy import stats

from simulate.pieces.noise import sample, scale_for_moment, unit_abs_moment

N = 200_000


@pytest.mark.parametrize(
    "noise,tail",
    [
        ("gaussian", 2.0),
        ("pareto", 1.5),
        ("pareto-onesided", 1.5),
        ("stable", 1.5),
        ("stable", 2.0),
        ("student-t", 3.0),
        ("pareto", 1.2),
    ],
)
def test_fractional_moment_matches_closed_form(noise, tail):
    # p = tail/4 keeps E|xi|^(2p) finite, so the Monte-Carlo error is a few standard errors.
    p = tail / 4
    x = np.abs(sample(noise, tail, N, seed=1)) ** p
    se = x.std() / math.sqrt(N)
    assert abs(x.mean() - unit_abs_moment(noise, tail, p)) < 5 * se


@pytest.mark.parametrize("noise", ["pareto-onesided", "stable", "student-t", "gaussian", "pareto"])
def test_mean_zero(noise):
    tail = 2.5 if noise == "student-t" else 1.9
    x = sample(noise, tail, N, seed=2)
    # Trimmed check: the tail index 1.9 leaves the variance infinite, so compare the median-of-means.
    blocks = x[: N - N % 100].reshape(100, -1).mean(axis=1)
    assert abs(np.median(blocks)) < 0.05


@pytest.mark.parametrize("tail", [1.2, 1.6, 2.0])
def test_symmetric_pareto_tail_is_exact_power(tail):
    x = np.abs(sample("pareto", tail, N, seed=3))
    for t in (2.0, 10.0):
        p_hat = (x > t).mean()
        p = t ** (-tail)
        assert abs(p_hat - p) < 5 * math.sqrt(p * (1 - p) / N)
    assert x.min() >= 1.0


@pytest.mark.parametrize(
    "noise,tail,law",
    [
        ("gaussian", 2.0, stats.norm()),
        ("student-t", 3.0, stats.t(3)),
        ("student-t", 1.5, stats.t(1.5)),
        ("stable", 1.3, stats.levy_stable(1.3, 0.0)),
        ("stable", 1.7, stats.levy_stable(1.7, 0.0)),
        ("stable", 2.0, stats.norm(scale=math.sqrt(2))),
    ],
)
def test_ks_against_scipy(noise, tail, law):
    x = sample(noise, tail, 4000, seed=4)
    assert stats.kstest(x, law.cdf).pvalue > 1e-3


def test_ks_detects_a_wrong_law():
    # The KS check above can fail: stable(1.3) is not stable(1.7).
    x = sample("stable", 1.3, 4000, seed=4)
    assert stats.kstest(x, stats.levy_stable(1.7, 0.0).cdf).pvalue < 1e-3


def test_stable_is_finite_for_many_draws():
    x = sample("stable", 1.05, 1_000_000, seed=5)
    assert np.isfinite(x).all()


@pytest.mark.parametrize("noise,tail,p", [("pareto", 1.8, 1.5), ("student-t", 4.0, 2.0), ("gaussian", 2, 1.0)])
def test_scale_for_moment(noise, tail, p):
    c = scale_for_moment(noise, tail, p, target=3.0)
    assert math.isclose(c**p * unit_abs_moment(noise, tail, p), 3.0, rel_tol=1e-12)
    x = np.abs(sample(noise, tail, N, scale=c, seed=6)) ** (p / 4)
    assert (
        abs(
            x.mean() - 3.0 ** (1 / 4) * unit_abs_moment(noise, tail, p / 4) / unit_abs_moment(noise, tail, p) ** (1 / 4)
        )
        < 0.02
    )


def test_bad_inputs_name_the_value():
    with pytest.raises(ValueError, match=r"tail=0.9.*\(1, inf\)"):
        sample("pareto", 0.9, 10)
    with pytest.raises(ValueError, match=r"noise='cauchy'"):
        sample("cauchy", 1.5, 10)
    with pytest.raises(ValueError, match=r"tail=2.5.*\(1, 2\]"):
        sample("stable", 2.5, 10)
    with pytest.raises(ValueError, match=r"p=1.5.*infinite"):
        scale_for_moment("pareto", 1.5, 1.5)
    assert unit_abs_moment("pareto", 1.5, 1.6) == math.inf


def test_onesided_student_t_is_centred_with_its_tail_on_one_side():
    from simulate.pieces.noise import student_t_abs_mean, unit_abs_moment

    x = sample("student-t-onesided", 4.0, 400_000, seed=5)  # finite variance: a CI for the mean exists
    assert abs(x.mean()) < 5 * x.std() / math.sqrt(x.size)
    assert x.min() >= -student_t_abs_mean.py_func(4.0)  # |T| >= 0: nothing below -E|T|
    assert abs((x**2).mean() / unit_abs_moment("student-t-onesided", 4.0, 2.0) - 1) < 0.03
    magnitude = sample("student-t-onesided", 1.6, 400_000, seed=6) + student_t_abs_mean.py_func(1.6)  # |T|
    # tail index 1.6: P(|T| > 100) / P(|T| > 10) = 10^-1.6 within sampling error (about 0.03 in log10)
    ratio = (magnitude > 100).mean() / (magnitude > 10).mean()
    assert abs(math.log10(ratio) + 1.6) < 0.1
