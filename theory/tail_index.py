"""Tail-index estimators for samples of gradient noise.

Both take a 1-D array of samples (a 2-D array is read as vectors, one per row, and reduced to their Euclidean
norms: heavy tails in [Z] are a property of the noise vector's norm). Non-finite values and empty input are
rejected with a message naming them.

- ``mohammadi``: the block estimator of Mohammadi et al. (2015, Cor. 2.4) used by Simsekli et al. (2019) and [Z]:
  split N = K1 K2 samples into K2 blocks of K1, Y_i = block sums;
  1/alpha = (1/log K1) [ (1/K2) sum log|Y_i| - (1/N) sum log|X_j| ]. It assumes symmetric alpha-stable data
  (it reads the alpha-stable scaling of sums); its estimate is capped at 2 by construction only asymptotically.
  K1 defaults to floor(sqrt(N)), the choice of Simsekli et al.
- ``hill``: the Hill estimator on the k largest |X|: 1/alpha = (1/k) sum_{i<k} log(X_(i) / X_(k)). Exact in
  expectation for a pure Pareto tail above X_(k); biased when the tail is only asymptotically a power (stable,
  Student-t) unless k/N -> 0. k defaults to floor(sqrt(N)) (a common rule balancing bias and variance).
"""

import math

import numpy as np


def _as_samples(x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim == 2:
        x = np.linalg.norm(x, axis=1)
    elif x.ndim != 1:
        raise ValueError(f"samples have {x.ndim} dimensions; expected 1 (scalars) or 2 (one vector per row)")
    if x.size == 0:
        raise ValueError("samples are empty; need at least 4 values")
    bad = ~np.isfinite(x)
    if bad.any():
        raise ValueError(f"samples contain {int(bad.sum())} non-finite values (first at index {int(np.argmax(bad))})")
    return x


def mohammadi(x, block: int | None = None) -> float:
    """Mohammadi block estimate of the tail index alpha of ``x`` (symmetric stable-like data)."""
    x = _as_samples(x)
    n = x.size
    k1 = int(math.isqrt(n)) if block is None else int(block)
    if not 2 <= k1 <= n // 2:
        raise ValueError(f"block={k1!r} is outside the accepted range [2, N/2 = {n // 2}]")
    k2 = n // k1
    x = x[: k1 * k2]
    if np.any(x == 0):
        x = x[x != 0]  # log|0| is -inf; exact zeros carry no tail information
        k2 = x.size // k1
        x = x[: k1 * k2]
    y = x.reshape(k2, k1).sum(axis=1)
    inv = (np.mean(np.log(np.abs(y))) - np.mean(np.log(np.abs(x)))) / math.log(k1)
    return 1.0 / inv


def hill(x, k: int | None = None) -> float:
    """Hill estimate of the tail index of |x| from its ``k`` largest values."""
    a = np.abs(_as_samples(x))
    n = a.size
    k = int(math.isqrt(n)) if k is None else int(k)
    if not 2 <= k < n:
        raise ValueError(f"k={k!r} is outside the accepted range [2, N - 1 = {n - 1}]")
    top = np.partition(a, n - k - 1)[n - k - 1 :]  # the k+1 largest; top[0] is X_(k+1), the threshold
    threshold = top.min()
    if threshold <= 0:
        raise ValueError("the (k+1)-th largest |x| is 0: too many zeros for the Hill estimator at this k")
    logs = np.log(np.sort(top)[1:] / threshold)
    return 1.0 / logs.mean()


def consistent_limit(tail: float) -> float:
    """What a consistent tail-index estimator tends to on samples of a law with tail index ``tail``: ``tail``."""
    return tail
