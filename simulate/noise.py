"""Scalar noise samplers for kernels, and a plain-array API for tests and notebooks.

Laws (unit scale; multiply by ``scale``):
  gaussian          N(0, 1)
  pareto            symmetric Pareto: |xi| = U^(-1/a), random sign; E|xi|^p = a / (a - p) for p < a
  pareto-onesided   centred one-sided Pareto: U^(-1/a) - a/(a - 1); mean 0, clipping it is biased
  stable            symmetric a-stable, Chambers-Mallows-Stuck, characteristic function exp(-|t|^a); a = 2 is N(0, 2)
  student-t         Student-t with ``tail`` degrees of freedom (Bailey's polar method)
The tail index of every heavy-tailed law is ``tail``: E|xi|^p is finite exactly for p < tail.
Every kernel sampler draws from the xoshiro256** state s[o:o+4] (see ``simulate.rng``). The Pareto samplers use the
branch-free ``vlog``/``vexp`` of ``simulate.vecmath`` so that loops drawing them vectorise.
"""

import math

import numpy as np
from scipy import integrate, special

from theory.validation import check_choice, check_positive, check_positive_int, check_tail

from .jit import jit, jit_inline
from .rng import new_stream, next_u64, uniform_open
from .vecmath import vexp, vlog

GAUSSIAN, PARETO, PARETO_ONESIDED, STABLE, STUDENT_T = 0, 1, 2, 3, 4
NOISE_CODES = {
    "gaussian": GAUSSIAN,
    "pareto": PARETO,
    "pareto-onesided": PARETO_ONESIDED,
    "stable": STABLE,
    "student-t": STUDENT_T,
}
_HALF_PI = 0.5 * math.pi
_TWO_POW_M53 = 1.0 / 9007199254740992.0


@jit_inline
def std_normal(s, o):
    """Standard normal by Box-Muller (one of the pair is used, so every call consumes exactly two draws)."""
    u1 = uniform_open(s, o)
    u2 = uniform_open(s, o)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@jit_inline
def symmetric_pareto(s, o, tail):
    """|xi| = U^(-1/tail) with a random sign; one 64-bit draw (bit 0 is the sign, bits 11..63 the uniform)."""
    r = next_u64(s, o)
    u = (np.float64(r >> np.uint64(11)) + 0.5) * _TWO_POW_M53
    mag = vexp(vlog(u) * (-1.0 / tail))
    return mag if (r & np.uint64(1)) == np.uint64(0) else -mag


@jit_inline
def onesided_pareto(s, o, tail):
    """U^(-1/tail) - tail/(tail - 1): centred, all the heavy tail on the positive side."""
    u = uniform_open(s, o)
    return vexp(vlog(u) * (-1.0 / tail)) - tail / (tail - 1.0)


@jit_inline
def symmetric_stable(s, o, tail):
    """Chambers-Mallows-Stuck for symmetric a-stable, a in (1, 2].

    V ~ U(-pi/2, pi/2) from an open uniform, so cos(V) > 0 and V never hits the edges; W ~ Exp(1) > 0.
    For a > 1 the factor (cos((1-a)V)/W)^((1-a)/a) is written as (W/cos((1-a)V))^((a-1)/a): its base is finite
    and positive for every draw, so nothing divides by zero near the edges of V's interval.
    """
    v = math.pi * (uniform_open(s, o) - 0.5)
    w = -math.log(uniform_open(s, o))
    a = tail
    if a == 2.0:
        return 2.0 * math.sin(v) * math.sqrt(w)
    left = math.sin(a * v) / math.exp(math.log(math.cos(v)) / a)
    right = math.exp(((a - 1.0) / a) * (math.log(w) - math.log(math.cos((1.0 - a) * v))))
    return left * right


@jit_inline
def student_t(s, o, nu):
    """Student-t with nu degrees of freedom, Bailey's (1994) polar method (exact, no gamma draws)."""
    while True:
        u = 2.0 * uniform_open(s, o) - 1.0
        v = 2.0 * uniform_open(s, o) - 1.0
        w = u * u + v * v
        if 0.0 < w <= 1.0:
            break
    return u * math.sqrt(nu * (math.exp(-2.0 * math.log(w) / nu) - 1.0) / w)


@jit_inline
def draw_noise(s, o, kind, tail, scale):
    """One scalar noise draw of law ``kind`` (a NOISE_CODES value) times ``scale``."""
    if kind == PARETO:
        return scale * symmetric_pareto(s, o, tail)
    if kind == PARETO_ONESIDED:
        return scale * onesided_pareto(s, o, tail)
    if kind == STABLE:
        return scale * symmetric_stable(s, o, tail)
    if kind == STUDENT_T:
        return scale * student_t(s, o, tail)
    return scale * std_normal(s, o)


@jit
def _fill(kind, tail, scale, seed, config_hash, trial, n):
    s = new_stream(seed, config_hash, trial)
    out = np.empty(n)
    for i in range(n):
        out[i] = draw_noise(s, 0, kind, tail, scale)
    return out


def validate_noise(noise: str, tail: float) -> tuple[int, float]:
    """Return (kernel code, tail) or raise naming the bad value. ``tail`` is ignored (set to 2) for gaussian."""
    check_choice(noise, NOISE_CODES, "noise")
    if noise == "gaussian":
        return GAUSSIAN, 2.0
    tail = check_tail(tail)
    if noise == "stable" and tail > 2.0:
        raise ValueError(f"tail={tail!r} is outside the accepted range (1, 2] for stable noise")
    return NOISE_CODES[noise], tail


def sample(noise: str, tail: float, n: int, *, scale: float = 1.0, seed: int = 0, stream: int = 0) -> np.ndarray:
    """``n`` i.i.d. draws of a noise law from the same generator the kernels use (deterministic in seed, stream)."""
    kind, tail = validate_noise(noise, tail)
    n = check_positive_int(n, "n")
    scale = check_positive(scale, "scale")
    return _fill(kind, tail, scale, np.uint64(seed), np.uint64(0x5EED), np.uint64(stream), n)


def unit_abs_moment(noise: str, tail: float, p: float) -> float:
    """E|xi|^p of the unit-scale law (exact, or by quadrature for the one-sided Pareto); inf when p >= tail."""
    kind, tail = validate_noise(noise, tail)
    p = check_positive(p, "p")
    if noise == "gaussian":
        return 2 ** (p / 2) * special.gamma((p + 1) / 2) / math.sqrt(math.pi)
    if p >= tail and not (noise == "stable" and tail == 2.0):
        return math.inf
    if noise == "pareto":
        return tail / (tail - p)
    if noise == "stable":
        if tail == 2.0:
            return 2**p * special.gamma((p + 1) / 2) / math.sqrt(math.pi)
        return (
            2**p
            * special.gamma((1 + p) / 2)
            * special.gamma(1 - p / tail)
            / (math.sqrt(math.pi) * special.gamma(1 - p / 2))
        )
    if noise == "student-t":
        nu = tail
        return (
            nu ** (p / 2)
            * special.gamma((p + 1) / 2)
            * special.gamma((nu - p) / 2)
            / (math.sqrt(math.pi) * special.gamma(nu / 2))
        )
    # one-sided centred Pareto: xi = y - m with y Pareto(tail) on [1, inf), density tail * y^(-tail-1)
    m = tail / (tail - 1.0)
    density = lambda y: tail * y ** (-tail - 1.0)  # noqa: E731
    below = integrate.quad(lambda y: (m - y) ** p * density(y), 1.0, m)[0]
    above = integrate.quad(lambda y: (y - m) ** p * density(y), m, math.inf, limit=200)[0]
    return below + above


def scale_for_moment(noise: str, tail: float, p: float, target: float = 1.0) -> float:
    """Scale c such that E|c xi|^p = target, for p < tail (raises where that moment is infinite)."""
    target = check_positive(target, "target")
    m = unit_abs_moment(noise, tail, p)
    if not math.isfinite(m):
        raise ValueError(f"p={p!r} is outside the accepted range (0, tail={tail!r}): E|xi|^p is infinite")
    return (target / m) ** (1.0 / p)
