"""Rate fitting: the exponent of a per-checkpoint statistic against k, with a bootstrap-over-trials CI.

Asymptotic window: the last ``decades`` decades of the run, k in [k_max / 10**decades, k_max] (and k >= k_floor).
Early iterates carry the initial condition and the schedule's start-up (eta_1 = 2/mu overshoots), which decay
faster than the rate under test; two decades keep enough checkpoints for a stable slope. The fit is ordinary least
squares of log(statistic) on log(k) over the window's checkpoints, which are log-spaced, so every part of the
window weighs the same. ``drift`` is the slope over the window's second half minus its first half: near zero when
the window is asymptotic, clearly non-zero when the local slope is still moving (a log factor, a transient).
"""

import hashlib
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

import theory.confidence as confidence

STATISTICS = ("mean", "median", "q90")


@dataclass(frozen=True)
class FitResult:
    """A fitted exponent with its 95% bootstrap CI; k_min..k_max is the window used."""

    exponent: float
    ci_low: float
    ci_high: float
    k_min: int
    k_max: int
    drift: float
    n_points: int


def window_mask(k: np.ndarray, decades: float = 2.0, k_floor: int = 10) -> np.ndarray:
    """Checkpoints inside the asymptotic window [max(k_max / 10**decades, k_floor), k_max]."""
    k = np.asarray(k, dtype=float)
    lo = max(k.max() / 10.0**decades, k_floor)
    return k >= lo


def statistic(values: np.ndarray, name: str, axis: int = 0) -> np.ndarray:
    """Per-checkpoint statistic over trials (axis 0 of ``values``): mean, median or 90% quantile."""
    if name == "mean":
        return np.mean(values, axis=axis)
    if name == "median":
        return np.median(values, axis=axis)
    if name == "q90":
        return np.quantile(values, 0.9, axis=axis)
    raise ValueError(f"statistic={name!r} is not one of the accepted values: {', '.join(STATISTICS)}")


def slopes(logk: np.ndarray, logy: np.ndarray) -> np.ndarray:
    """OLS slope of each row of ``logy`` (..., n) against ``logk`` (n,); NaN where a row is not all finite."""
    x = logk - logk.mean()
    with np.errstate(invalid="ignore"):
        y = logy - logy.mean(axis=-1, keepdims=True)
        out = (y * x).sum(axis=-1) / (x * x).sum()
    return np.where(np.isfinite(logy).all(axis=-1), out, np.nan)


def window_drift(logk: np.ndarray, logy: np.ndarray) -> float:
    """Slope over the window's second half minus its first half (the halves share the middle point)."""
    half = logk.size // 2
    return float(slopes(logk[half:], logy[half:]) - slopes(logk[: half + 1], logy[: half + 1]))


def _log(y: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y > 0, np.log(np.where(y > 0, y, 1.0)), np.nan)


def fit_exponent(
    k: np.ndarray,
    values: np.ndarray,
    stat: str = "mean",
    *,
    decades: float = 2.0,
    k_floor: int = 10,
    n_boot: int = 1000,
    seed: int = 0,
) -> FitResult:
    """Fit the exponent of ``stat`` over trials of ``values`` (trials x checkpoints) against ``k``.

    The CI is the 2.5-97.5% percentile interval of the exponent refitted on trials resampled with replacement
    (``n_boot`` resamples, deterministic in ``seed``; 0: no CI, NaN). Diverged trials should carry +inf: a mean is
    then infinite and its exponent NaN, which is the honest answer.
    """
    k = np.asarray(k, dtype=float)
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[1] != k.size:
        raise ValueError(f"values has shape {values.shape}; expected (trials, {k.size})")
    mask = window_mask(k, decades, k_floor)
    if mask.sum() < MIN_WINDOW_POINTS:
        raise ValueError(f"only {int(mask.sum())} checkpoints in the fit window; need >= {MIN_WINDOW_POINTS} (raise K)")
    kw, vw = k[mask], values[:, mask]
    logk = np.log(kw)
    logy = _log(statistic(vw, stat))
    point = float(slopes(logk, logy)[()])
    drift = window_drift(logk, logy)

    if n_boot == 0:  # no CI asked for
        return FitResult(point, np.nan, np.nan, int(kw.min()), int(kw.max()), drift, int(kw.size))
    boot = _bootstrap_slopes(_Window(logk, vw), stat, n_boot, seed)
    boot = boot[np.isfinite(boot)]
    if boot.size < 0.9 * n_boot:
        lo = hi = np.nan
    else:
        lo, hi = np.quantile(boot, confidence.tails())
    return FitResult(point, float(lo), float(hi), int(kw.min()), int(kw.max()), drift, int(kw.size))


class _Window:
    """The fit window's log k and values, hashable by content, so that a refit of the same arrays (a look of the
    sequential design after its configuration stopped, a control that reuses a run) finds its bootstrap. The cache
    keeps the key: ``release`` hands the arrays over once, and the key keeps only their digest."""

    def __init__(self, logk: np.ndarray, values: np.ndarray):
        self._arrays = (logk, values)
        digest = hashlib.blake2b(digest_size=16)
        for a in (logk, values):
            digest.update(repr((a.dtype.str, a.shape)).encode())
            digest.update(np.ascontiguousarray(a).tobytes())
        self.digest = digest.digest()

    def release(self) -> tuple[np.ndarray, np.ndarray]:
        arrays, self._arrays = self._arrays, None
        return arrays

    def __hash__(self) -> int:
        return hash(self.digest)

    def __eq__(self, other) -> bool:
        return isinstance(other, _Window) and self.digest == other.digest


@lru_cache(maxsize=4096)  # 8 KB a fit at n_boot = 1000
def _bootstrap_slopes(window: _Window, stat: str, n_boot: int, seed: int) -> np.ndarray:
    """The exponent refitted on ``n_boot`` resamples of the trials (rows) of ``window.values``, deterministic in
    ``seed`` (read-only: the array is shared by every caller of the same arrays)."""
    logk, vw = window.release()
    rng = np.random.default_rng(seed)
    n = vw.shape[0]
    if stat == "mean":
        counts = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(float)
        finite = np.isfinite(vw)
        boot_stat = counts @ np.where(finite, vw, 0.0) / n
        boot_stat[(counts @ (~finite).astype(float)) > 0] = np.inf  # a resample holding a diverged trial
    else:
        # resample in chunks: a (n_boot, trials, checkpoints) array at once would take gigabytes
        idx = rng.integers(0, n, size=(n_boot, n))
        chunk = max(1, 2_000_000 // (n * vw.shape[1]))
        boot_stat = np.concatenate([statistic(vw[idx[i : i + chunk]], stat, axis=1) for i in range(0, n_boot, chunk)])
    boot = slopes(logk, _log(boot_stat))
    boot.flags.writeable = False
    return boot


MIN_WINDOW_POINTS = 3  # a slope and its drift (two half-window slopes sharing the middle point) need three points


def smallest_fit_horizon(checkpoints, decades: float = 2.0, k_floor: int = 10, limit: int = 10**6) -> int:
    """The smallest K whose checkpoints (``checkpoints(K)``) put ``MIN_WINDOW_POINTS`` inside the fit window."""
    for K in range(1, limit):
        if window_mask(checkpoints(K), decades, k_floor).sum() >= MIN_WINDOW_POINTS:
            return K
    raise ValueError(f"no K below {limit} gives {MIN_WINDOW_POINTS} checkpoints in the fit window")
