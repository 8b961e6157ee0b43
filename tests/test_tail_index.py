"""Tail-index estimators: validation on laws of known tail, documented biases, input checks."""

import numpy as np
import pytest

from simulate.pieces.noise import sample
from theory.tail_index import hill, mohammadi

N = 100_000
REPS = 6


def _mean_estimate(estimator, noise, tail):
    return np.mean([estimator(sample(noise, tail, N, seed=r, stream=7)) for r in range(REPS)])


@pytest.mark.parametrize("tail", [1.2, 1.5, 1.8])
def test_hill_on_pareto_is_within_0_1(tail):
    assert abs(_mean_estimate(hill, "pareto", tail) - tail) <= 0.1


@pytest.mark.parametrize("tail", [1.2, 1.5, 1.8])
def test_mohammadi_on_stable_is_within_0_1(tail):
    assert abs(_mean_estimate(mohammadi, "stable", tail) - tail) <= 0.1


def test_documented_biases_are_real():
    # Mohammadi reads stable scaling: on Student-t and one-sided Pareto with tail 1.8 it is far too low.
    assert _mean_estimate(mohammadi, "student-t", 1.8) < 1.8 - 0.2
    assert _mean_estimate(mohammadi, "pareto-onesided", 1.8) < 1.8 - 0.2
    # Hill with k = sqrt(N) on stable 1.8 (tail only asymptotically a power) overshoots.
    assert _mean_estimate(hill, "stable", 1.8) > 1.8 + 0.03


def test_two_dimensional_input_is_read_as_vector_norms():
    x = sample("pareto", 1.5, 20_000, seed=1).reshape(10_000, 2)
    assert hill(x) == hill(np.linalg.norm(x, axis=1))


@pytest.mark.parametrize(
    "bad,message",
    [
        (np.array([]), "empty"),
        (np.array([1.0, np.nan, 2.0, 3.0, 4.0]), "1 non-finite values \\(first at index 1\\)"),
        (np.ones((2, 2, 2)), "3 dimensions"),
    ],
)
def test_bad_input_is_rejected(bad, message):
    for estimator in (hill, mohammadi):
        with pytest.raises(ValueError, match=message):
            estimator(bad)


def test_bad_parameters_name_the_range():
    x = sample("pareto", 1.5, 1000, seed=2)
    with pytest.raises(ValueError, match=r"k=1000 is outside the accepted range \[2, N - 1 = 999\]"):
        hill(x, k=1000)
    with pytest.raises(ValueError, match=r"block=1 is outside the accepted range \[2, N/2 = 500\]"):
        mohammadi(x, block=1)
