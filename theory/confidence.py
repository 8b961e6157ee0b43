"""The level every confidence interval of the suite is computed at: 95%, or wider at the early looks of the default
profile's sequential design (``theory.sequential``), which sets it for the duration of a look with ``at_level``."""

from contextlib import contextmanager
from contextvars import ContextVar

from scipy.stats import norm

STANDARD_LEVEL = 0.95
_LEVEL: ContextVar[float] = ContextVar("ci_level", default=STANDARD_LEVEL)


def level() -> float:
    """The two-sided coverage every CI computed now must have (0.95 unless a look has widened it)."""
    return _LEVEL.get()


def tails() -> tuple[float, float]:
    """The (lower, upper) quantiles of a percentile interval at ``level()``: (0.025, 0.975) at 95%."""
    a = (1.0 - level()) / 2.0
    return a, 1.0 - a


def z() -> float:
    """The standard normal quantile of a two-sided interval at ``level()`` (1.96 at 95%)."""
    return float(norm.ppf(tails()[1]))


@contextmanager
def at_level(coverage: float):
    """Compute every CI inside the block at two-sided ``coverage`` (in (0, 1))."""
    if not 0.0 < coverage < 1.0:
        raise ValueError(f"coverage={coverage!r} is outside the accepted range (0, 1)")
    token = _LEVEL.set(coverage)
    try:
        yield
    finally:
        _LEVEL.reset(token)
