"""Argument checks shared by theory/ and simulate/: fail fast, naming the bad value and the accepted range."""

import math


def check_alpha(alpha: float, name: str = "alpha") -> float:
    """Moment order of the theorems: must lie in (1, 2]."""
    alpha = float(alpha)
    if not (1.0 < alpha <= 2.0) or math.isnan(alpha):
        raise ValueError(f"{name}={alpha!r} is outside the accepted range (1, 2]")
    return alpha


def check_tail(tail: float, name: str = "tail", *, needs_mean: bool = True) -> float:
    """Tail index of a noise law: > 1 when the noise must have a mean (every centred law here), else > 0."""
    tail = float(tail)
    low = 1.0 if needs_mean else 0.0
    if not tail > low or math.isnan(tail):
        raise ValueError(f"{name}={tail!r} is outside the accepted range ({low:g}, inf): the noise needs a mean")
    return tail


def check_positive(value: float, name: str) -> float:
    """A strictly positive finite number (mu, G, step constants, scales)."""
    v = float(value)
    if not (v > 0.0 and math.isfinite(v)):
        raise ValueError(f"{name}={value!r} is outside the accepted range (0, inf)")
    return v


def check_positive_int(value: int, name: str) -> int:
    """A strictly positive integer (iterations K, trials, dimension)."""
    if isinstance(value, bool) or int(value) != value or int(value) < 1:
        raise ValueError(f"{name}={value!r} is outside the accepted range: integers >= 1")
    return int(value)


def check_choice(value: str, choices, name: str) -> str:
    """One of a fixed set of names."""
    if value not in choices:
        raise ValueError(f"{name}={value!r} is not one of the accepted values: {', '.join(sorted(choices))}")
    return value
