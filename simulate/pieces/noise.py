"""Built-in noise laws as ``engine.Noise`` pieces (``law``), their scalar samplers, and a plain-array API.

Laws (unit scale; multiply by ``scale``):
  gaussian          N(0, 1)
  pareto            symmetric Pareto: |xi| = U^(-1/a), random sign; E|xi|^p = a / (a - p) for p < a
  pareto-onesided   centred one-sided Pareto: U^(-1/a) - a/(a - 1); mean 0, clipping it is biased
  stable            symmetric a-stable, Chambers-Mallows-Stuck, characteristic function exp(-|t|^a); a = 2 is N(0, 2)
  student-t         Student-t with ``tail`` degrees of freedom (Bailey's polar method)
  student-t-onesided  centred one-sided Student-t: |T| - E|T|; mean 0, all the heavy tail on the positive side
The tail index of every heavy-tailed law is ``tail``: E|xi|^p is finite exactly for p < tail.
Every kernel sampler draws from the xoshiro256** state in column o of s (see ``simulate.engine.rng``). The Pareto
samplers use the branch-free ``vlog``/``vexp`` of ``simulate.engine.vecmath`` so that loops drawing them vectorise.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy import integrate, special, stats

from simulate.engine.interfaces import Noise
from simulate.engine.jit import jit_inline
from simulate.engine.primitives import std_normal
from simulate.engine.rng import new_stream, next_u64, uniform_open
from simulate.engine.vecmath import vexp, vlog
from theory.validation import check_choice, check_positive, check_positive_int, check_tail

_HALF_PI = 0.5 * math.pi
_TWO_POW_M53 = 1.0 / 9007199254740992.0


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
def student_t_abs_mean(nu):
    """E|T| for Student-t with nu > 1 degrees of freedom: sqrt(nu / pi) Gamma((nu - 1)/2) / Gamma(nu/2)."""
    return math.sqrt(nu / math.pi) * math.exp(math.lgamma(0.5 * (nu - 1.0)) - math.lgamma(0.5 * nu))


@jit_inline
def gaussian_sample(s, o, p):
    """p = (scale, tail): scale * N(0, 1) (the tail is not used)."""
    return p[0] * std_normal(s, o)


@jit_inline
def pareto_sample(s, o, p):
    """p = (scale, tail): scale * symmetric Pareto(tail)."""
    return p[0] * symmetric_pareto(s, o, p[1])


@jit_inline
def onesided_pareto_sample(s, o, p):
    """p = (scale, tail): scale * centred one-sided Pareto(tail)."""
    return p[0] * onesided_pareto(s, o, p[1])


@jit_inline
def stable_sample(s, o, p):
    """p = (scale, tail): scale * symmetric tail-stable."""
    return p[0] * symmetric_stable(s, o, p[1])


@jit_inline
def student_t_sample(s, o, p):
    """p = (scale, tail): scale * Student-t with tail degrees of freedom."""
    return p[0] * student_t(s, o, p[1])


@jit_inline
def onesided_student_t_sample(s, o, p):
    """p = (scale, tail): scale * (|T| - E|T|), T Student-t with tail degrees of freedom."""
    return p[0] * (abs(student_t(s, o, p[1])) - student_t_abs_mean(p[1]))


@jit_inline
def centred_bernoulli_sample(s, o, p):
    """p = (jump, prob, mean): mean - jump * Bernoulli(prob), mean zero when mean = prob * jump (Theorem 5's
    oracle: g = grad f_b(x) + this = x - jump with probability prob, else x)."""
    return p[2] - p[0] * (1.0 if uniform_open(s, o) < p[1] else 0.0)


@jit_inline
def no_noise(g, xi, x, o, k, s, so, p):
    """The exact gradient (a vector ``Noise.apply`` that adds nothing)."""
    pass


def _gaussian_moment(tail: float, p: float) -> float:
    """E|xi|^p of N(0, 1), every p."""
    return 2 ** (p / 2) * special.gamma((p + 1) / 2) / math.sqrt(math.pi)


def _pareto_moment(tail: float, p: float) -> float:
    """E|xi|^p = tail / (tail - p) for p < tail."""
    return tail / (tail - p) if p < tail else math.inf


def _stable_moment(tail: float, p: float) -> float:
    """E|xi|^p of the symmetric tail-stable law with characteristic function exp(-|t|^tail): finite for p < tail,
    every p at tail = 2 (N(0, 2))."""
    if tail == 2.0:
        return 2**p * special.gamma((p + 1) / 2) / math.sqrt(math.pi)
    if p >= tail:
        return math.inf
    return (
        2**p
        * special.gamma((1 + p) / 2)
        * special.gamma(1 - p / tail)
        / (math.sqrt(math.pi) * special.gamma(1 - p / 2))
    )


def _student_t_moment(tail: float, p: float) -> float:
    """E|xi|^p of Student-t with nu = tail degrees of freedom, p < nu."""
    if p >= tail:
        return math.inf
    nu = tail
    return (
        nu ** (p / 2)
        * special.gamma((p + 1) / 2)
        * special.gamma((nu - p) / 2)
        / (math.sqrt(math.pi) * special.gamma(nu / 2))
    )


def _onesided_pareto_moment(tail: float, p: float) -> float:
    """E|xi|^p of the centred one-sided Pareto xi = y - m, y Pareto(tail) on [1, inf) with density
    tail y^(-tail-1) and m = tail / (tail - 1), by quadrature; p < tail."""
    if p >= tail:
        return math.inf
    m = tail / (tail - 1.0)
    density = lambda y: tail * y ** (-tail - 1.0)  # noqa: E731
    below = integrate.quad(lambda y: (m - y) ** p * density(y), 1.0, m)[0]
    above = integrate.quad(lambda y: (y - m) ** p * density(y), m, math.inf, limit=200)[0]
    return below + above


def _onesided_student_t_moment(tail: float, p: float) -> float:
    """E|xi|^p of xi = |T| - E|T|, T Student-t with nu = tail degrees of freedom, by quadrature; p < nu."""
    if p >= tail:
        return math.inf
    m = student_t_abs_mean.py_func(tail)
    density = lambda y: 2.0 * stats.t.pdf(y, tail)  # noqa: E731
    below = integrate.quad(lambda y: (m - y) ** p * density(y), 0.0, m)[0]
    above = integrate.quad(lambda y: (y - m) ** p * density(y), m, math.inf, limit=200)[0]
    return below + above


@dataclass(frozen=True)
class Law:
    """A built-in noise law: its kernel sampler (``sample(s, o, (scale, tail))``) and the absolute moments of its
    unit-scale form (``abs_moment(tail, p)``: E|xi|^p, inf where infinite)."""

    sample: Callable
    abs_moment: Callable[[float, float], float]


LAWS = {
    "gaussian": Law(gaussian_sample, _gaussian_moment),
    "pareto": Law(pareto_sample, _pareto_moment),
    "pareto-onesided": Law(onesided_pareto_sample, _onesided_pareto_moment),
    "stable": Law(stable_sample, _stable_moment),
    "student-t": Law(student_t_sample, _student_t_moment),
    "student-t-onesided": Law(onesided_student_t_sample, _onesided_student_t_moment),
}
NOISES = tuple(LAWS)
NONE = Noise("none", apply=no_noise)


def law(
    name: str,
    tail: float,
    scale: float = 1.0,
    *,
    lift: str = "coordinate",
    scales=None,
    decay_t0: float = math.inf,
    decay_power: float = 0.0,
) -> Noise:
    """A built-in noise law as an ``engine.Noise``.

    Parameters
    ----------
    name : one of ``NOISES`` (see the module docstring).
    tail : the tail index (E|xi|^p finite exactly for p < tail; ignored for gaussian; at most 2 for stable).
    scale : the law is ``scale`` times the unit law (gradient units).
    lift : how vector problems draw it: "coordinate" (coordinate i is scales[i] times an i.i.d. draw) or "radial"
        (scales[0] |draw| times a uniform direction).
    scales : float64[d] for the lifts (default ones(1); give ``numpy.ones(d)`` for a problem in R^d).
    decay_t0, decay_power : vector noise is multiplied by (1 + k/decay_t0)^(-decay_power) at iteration k.

    Examples
    --------
    >>> pareto = law("pareto", 1.5)                      # symmetric Pareto, tail 1.5, unit scale
    >>> radial = law("stable", 1.7, lift="radial", scales=numpy.ones(100))
    """
    tail = validate_noise(name, tail)
    scale = check_positive(scale, "scale")
    scales = np.ones(1) if scales is None else np.ascontiguousarray(scales, dtype=np.float64)
    return Noise(
        name,
        sample=LAWS[name].sample,
        params=(scale, tail),
        lift=lift,
        lift_params=(scales, float(decay_t0), float(decay_power)),
    )


# not cached: its first argument is a function, which Numba cannot key a cache entry by; without the GIL, so that
# draws from different streams can run side by side (``engine.run.map_on_threads``)
@njit(error_model="numpy", nogil=True)
def _fill(sampler, params, seed, config_hash, trial, n):
    s = new_stream(seed, config_hash, trial)
    out = np.empty(n)
    for i in range(n):
        out[i] = sampler(s, 0, params)
    return out


def validate_noise(noise: str, tail: float) -> float:
    """Return the tail index or raise naming the bad value. ``tail`` is ignored (set to 2) for gaussian, but must
    still be a tail index."""
    check_choice(noise, NOISES, "noise")
    tail = check_tail(tail)  # a bad value is refused even where the law ignores it
    if noise == "gaussian":
        return 2.0
    if noise == "stable" and tail > 2.0:
        raise ValueError(f"tail={tail!r} is outside the accepted range (1, 2] for stable noise")
    return tail


def sample(noise: str, tail: float, n: int, *, scale: float = 1.0, seed: int = 0, stream: int = 0) -> np.ndarray:
    """``n`` i.i.d. draws of a built-in noise law from the same generator the kernels use (deterministic in seed,
    stream)."""
    return draw(law(noise, tail, scale), n, seed=seed, stream=stream)


def draw(piece: Noise, n: int, *, seed: int = 0, stream: int = 0) -> np.ndarray:
    """``n`` i.i.d. draws of any scalar ``engine.Noise`` law (a built-in one or your own), from one trial stream of
    the kernels' generator (deterministic in seed, stream). Compiles once per law and process (not cached)."""
    if piece.sample is None:
        raise ValueError(f"noise {piece.name!r} has no scalar sample to draw from")
    n = check_positive_int(n, "n")
    return _fill(piece.sample, piece.params, np.uint64(seed), np.uint64(0x5EED), np.uint64(stream), n)


def unit_abs_moment(noise: str, tail: float, p: float) -> float:
    """E|xi|^p of the unit-scale law (``LAWS[noise].abs_moment``); inf where that moment is infinite."""
    tail = validate_noise(noise, tail)
    p = check_positive(p, "p")
    return LAWS[noise].abs_moment(tail, p)


def scale_for_moment(noise: str, tail: float, p: float, target: float = 1.0) -> float:
    """Scale c such that E|c xi|^p = target, for p < tail (raises where that moment is infinite)."""
    target = check_positive(target, "target")
    m = unit_abs_moment(noise, tail, p)
    if not math.isfinite(m):
        raise ValueError(f"p={p!r} is outside the accepted range (0, tail={tail!r}): E|xi|^p is infinite")
    return (target / m) ** (1.0 / p)
