"""Argument checks shared by theory/ and simulate/: fail fast, naming the bad value and the accepted range."""

import dataclasses
import math
import numbers
import types

import numpy as np

SEED_LIMIT = 2**63  # seeds are in [0, 2**63): every stream key fits a signed 64-bit integer


def _number(value, name: str, accepted: str) -> float:
    """``value`` as a float, or a ValueError naming ``name`` when it is not a real number (str, None, bool, ...)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name}={value!r} is not a number; accepted range {accepted}")
    return float(value)


def check_alpha(alpha: float, name: str = "alpha") -> float:
    """Moment order of the theorems: must lie in (1, 2]."""
    alpha = _number(alpha, name, "(1, 2]")
    if not (1.0 < alpha <= 2.0):
        raise ValueError(f"{name}={alpha!r} is outside the accepted range (1, 2]")
    return alpha


def check_tail(tail: float, name: str = "tail", *, needs_mean: bool = True) -> float:
    """Tail index of a noise law: finite, and > 1 when the noise must have a mean (every centred law here), else > 0."""
    low = 1.0 if needs_mean else 0.0
    tail = _number(tail, name, f"({low:g}, inf)")
    if not (low < tail < math.inf):
        why = ": the noise needs a mean" if needs_mean and tail <= low else ""
        raise ValueError(f"{name}={tail!r} is outside the accepted range ({low:g}, inf){why}")
    return tail


def check_positive(value: float, name: str) -> float:
    """A strictly positive finite number (mu, G, step constants, scales)."""
    v = _number(value, name, "(0, inf)")
    if not (v > 0.0 and math.isfinite(v)):
        raise ValueError(f"{name}={value!r} is outside the accepted range (0, inf)")
    return v


def check_finite(value: float, name: str) -> float:
    """A finite real number (starting points, optima)."""
    v = _number(value, name, "finite numbers")
    if not math.isfinite(v):
        raise ValueError(f"{name}={value!r} is outside the accepted range: finite numbers")
    return v


def check_int(value: int, name: str, low: int = 1, high: int | None = None) -> int:
    """An integer in [low, high) (Python or NumPy integer; floats and bools are refused, even 1000.0)."""
    accepted = f"integers in [{low}, {high})" if high is not None else f"integers >= {low}"
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name}={value!r} is not an integer; accepted range: {accepted}")
    v = int(value)
    if v < low or (high is not None and v >= high):
        raise ValueError(f"{name}={value!r} is outside the accepted range: {accepted}")
    return v


def check_positive_int(value: int, name: str) -> int:
    """A strictly positive integer (iterations K, trials, dimension)."""
    return check_int(value, name, 1)


def check_seed(seed: int, name: str = "seed") -> int:
    """A base seed in [0, 2**63)."""
    return check_int(seed, name, 0, SEED_LIMIT)


def check_choice(value: str, choices, name: str) -> str:
    """One of a fixed set of names."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name}={value!r} is not one of the accepted values: {', '.join(sorted(choices))}")
    return value


def normalise_fields(obj, *, may_be_infinite: tuple[str, ...] = ()) -> None:
    """Check every field of a frozen dataclass against its annotated type and store it as a plain Python value.

    int fields take Python or NumPy integers (never floats or bools); float fields take real numbers, finite unless
    named in ``may_be_infinite``, never NaN; ``X | None`` fields also take None; str fields take str. NumPy scalars
    become Python ones (so hashing a configuration never meets a NumPy type); Python ints in float fields are kept as
    they are, so the keys of existing configurations do not move. Ranges are checked by the caller.
    """
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        kinds = set(f.type.__args__) if isinstance(f.type, types.UnionType) else {f.type}
        if value is None and type(None) in kinds:
            continue
        if int in kinds:
            value = check_int(value, f.name, -(2**63))
        elif float in kinds:
            number = _number(value, f.name, "real numbers")
            if math.isnan(number) or (math.isinf(number) and f.name not in may_be_infinite):
                raise ValueError(f"{f.name}={value!r} is outside the accepted range: finite numbers")
            value = number if isinstance(value, np.generic) else value
        elif str in kinds and not isinstance(value, str):
            raise ValueError(f"{f.name}={value!r} is not a name (str)")
        object.__setattr__(obj, f.name, value)
