"""Does a Monte-Carlo mean settle as the number of trials M grows? Statistics for Remark 1.

For samples v with a finite mean, the mean over M samples converges; for v = e^2 with E e^2 infinite (e of tail
index a < 2, so v has tail index a/2 < 1) the mean over M samples typically grows like M^(2/a - 1).
"""

import math

import numpy as np

import theory.confidence as confidence


def typical_means(v: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """For each batch size M: the median over disjoint batches of M samples of their mean (the estimate a run
    with M trials typically reports). Needs at least 5 batches per size."""
    v = np.asarray(v, dtype=float)
    out = np.empty(len(sizes))
    for i, m in enumerate(sizes):
        n_batches = v.size // int(m)
        if n_batches < 5:
            raise ValueError(f"batch size {m} leaves {n_batches} batches of {v.size} samples; need >= 5")
        out[i] = np.median(v[: n_batches * int(m)].reshape(n_batches, int(m)).mean(axis=1))
    return out


def growth_ratio(v: np.ndarray) -> float:
    """Mean over all samples divided by the typical mean over batches of 1% of them."""
    v = np.asarray(v, dtype=float)
    return float(v.mean() / typical_means(v, np.array([v.size // 100]))[0])


def growth_slope(v: np.ndarray, sizes: np.ndarray) -> float:
    """Slope of log(typical mean) against log(batch size)."""
    x = np.log(np.asarray(sizes, dtype=float))
    y = np.log(typical_means(v, sizes))
    x = x - x.mean()
    return float((x * (y - y.mean())).sum() / (x * x).sum())


def predicted_growth_slope(tail: float) -> float:
    """2/a - 1 for the mean of e^2 when e has tail index a < 2; 0 when E e^2 is finite."""
    return 2.0 / tail - 1.0 if tail < 2.0 else 0.0


def clt_exponent() -> float:
    """The exponent in n of the typical error of a mean of n samples with finite variance (the central limit
    theorem): -1/2."""
    return -0.5


def predicted_growth(method: str, tail: float) -> float:
    """Predicted slope of the typical mean of e^2 against the batch size M for ``method``: ``predicted_growth_slope``
    for unclipped SGD, 0 for a clipped method (its iterates keep every moment)."""
    return predicted_growth_slope(tail) if method == "sgd" else 0.0


def predicted_growth_ratio(method: str, tail: float, ratio: float) -> float:
    """Predicted typical mean of e^2 over batches ``ratio`` times larger, over the smaller ones: ratio^(2/a - 1) for
    unclipped SGD, 1 for a clipped method."""
    return ratio ** predicted_growth_slope(tail) if method == "sgd" else 1.0


def settling_batches(trials: int) -> tuple[int, int]:
    """The two batch sizes (small, large) whose typical means a settling statistic of ``trials`` trials compares:
    at least 100, and 1% of the trials."""
    return max(100, trials // 10**4), trials // 100


def bootstrap(stat, v: np.ndarray, n_boot: int, seed: int) -> tuple[float, float]:
    """Percentile interval (at ``confidence.level()``) of ``stat`` on samples resampled with replacement (rows of
    ``v`` when 2-D)."""
    rng = np.random.default_rng(seed)
    n = len(v)
    vals = np.array([stat(v[rng.integers(0, n, n)]) for _ in range(n_boot)])
    lo, hi = np.quantile(vals, confidence.tails())
    return float(lo), float(hi)


def wilson_interval(successes: int, n: int) -> tuple[float, float]:
    """Wilson score interval (at ``confidence.level()``) for a binomial proportion."""
    if n == 0:
        return math.nan, math.nan
    z = confidence.z()
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # at no successes (all successes) the lower (upper) end is 0 (1) exactly; rounding would leave ~1e-19 there,
    # enough to put an observed 0 outside "value <= 0"
    low = 0.0 if successes == 0 else centre - half
    high = 1.0 if successes == n else centre + half
    return low, high


def mean_has_finite_variance(clipped: bool, noise: str, tail: float) -> bool:
    """May a mean over trials of a run's errors (|e| and e^2) be bootstrapped? A method that clips every step:
    yes (bounded steps); others only under Gaussian noise or a tail above 4. A percentile bootstrap of a mean is
    inconsistent under infinite variance (Athreya 1987), so no CI is reported where this is False."""
    return clipped or noise == "gaussian" or tail > 4.0


def median_ci(x: np.ndarray, level: float | None = None) -> tuple[float, float, float]:
    """Median of ``x`` with a distribution-free CI at ``level`` (None: ``confidence.level()``) from its order
    statistics (binomial(n, 1/2) ranks): valid for any law, heavy tails included, unlike a bootstrap of a mean."""
    level = confidence.level() if level is None else level
    from scipy.stats import binom

    s = np.sort(np.asarray(x, dtype=float))
    n = s.size
    j = max(int(binom.ppf((1.0 - level) / 2.0, n, 0.5)) - 1, 0)
    return float(np.median(s)), float(s[j]), float(s[n - 1 - j])


def growth_typical(v: np.ndarray, m_small: int, m_large: int) -> tuple[float, float, float]:
    """(typical mean over batches of m_large) / (typical mean over batches of m_small), each typical mean the
    median over disjoint batches, with a CI from the two medians' order-statistic intervals, each missing half
    as often as the level allows (95%: two 97.5% intervals)."""
    v = np.asarray(v, dtype=float)
    out = []
    for m in (m_small, m_large):
        n_batches = v.size // int(m)
        if n_batches < 20:
            raise ValueError(f"batch size {m} leaves {n_batches} batches of {v.size} samples; need >= 20")
        means = v[: n_batches * int(m)].reshape(n_batches, int(m)).mean(axis=1)
        out.append(median_ci(means, (1.0 + confidence.level()) / 2.0))
    (s, s_lo, s_hi), (b, b_lo, b_hi) = out
    return b / s, b_lo / s_hi, b_hi / s_lo
