"""Built-in methods (optimisers) as ``engine.Method`` pieces, their schedules and the shared step helpers.

Every method's parameters are ``(schedule, own)``: schedule = (eta0, k0, power, G, beta) gives, at 1-based
iteration k, eta_k = eta0/(k + k0)^power, the global threshold tau_k = G k^beta and its growth k^beta (a constant
step is power = 0, beta = 0). ``own`` holds the method's other parameters. With g the stochastic gradient:
  sgd       x -= eta g
  gclip     x -= eta min(1, tau/||g||) g                 (proj-gclip, proj-sgd: then x = proj_X(x))
  cclip     x_i -= eta min(1, tau_i/|g_i|) g_i,  tau_i = B_i k^beta             own = (B,)
  nsgd      x -= eta g/||g||                              (no step when g = 0)
  signsgd   x -= eta sign(g)                              (sign(0) = 0)
  signum    m = b1 m + (1 - b1) g;  x -= eta sign(m)                             own = (b1,)
  rmsprop   v = b2 v + (1 - b2) g^2;  x -= eta g/(sqrt(v) + eps)                 own = (b2, eps)
  adam      m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  x -= eta mhat/(sqrt(vhat) + eps),
            mhat = m/(1 - b1^k), vhat = v/(1 - b2^k)  (bias-corrected, no weight decay)  own = (b1, b2, eps)
  acclip    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) |g|^p  (v holds tau^p, p = order, tau_0 = 0);
            x_i -= eta min(1, tau_i/(|m_i| + eps)) m_i with tau_i = v_i^(1/p)    own = (b1, b2, eps, order)
ACClip is Algorithm 1 of [Z] as recalled in docs/theory.md §3: clipping applied to the momentum, threshold from an
EMA of |g|^p; no bias correction, no weight decay, no global pre-clip (paper defaults b1 = 0.9, b2 = 0.99, eps = 1e-5,
p = 1). Scalar problems (d = 1) have sgd and gclip (and their projected forms); vector steps return the number of
clipping events of the step (GClip: 1 when it clipped; ACClip: coordinates clipped; else 0).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit

from simulate.engine.interfaces import Method
from simulate.engine.jit import JIT_OPTIONS, jit_inline
from theory import schedules
from theory.validation import check_finite, check_positive

power_step = njit(inline="always", **JIT_OPTIONS)(schedules.power_step)
clip_threshold = njit(inline="always", **JIT_OPTIONS)(schedules.clip_threshold)


@jit_inline
def power_schedule(k, p):
    """(eta_k, tau_k, k^beta) from p[0] = (eta0, k0, power, G, beta)."""
    eta0, k0, power, G, beta = p[0]
    growth = clip_threshold(k, 1.0, beta)
    return power_step(k, eta0, k0, power), G * growth, growth


@jit_inline
def clip_global(g, tau):
    """Scale ``g`` in place to norm min(||g||, tau); returns 1.0 when it clipped, else 0.0."""
    sq = 0.0
    for i in range(g.size):
        sq += g[i] * g[i]
    if sq > tau * tau:  # compare squares first: the sqrt and division only when clipping
        factor = tau / math.sqrt(sq)
        for i in range(g.size):
            g[i] *= factor
        return 1.0
    return 0.0


@jit_inline
def sign(z):
    return 1.0 if z > 0.0 else (-1.0 if z < 0.0 else 0.0)


# --- scalar steps: step(x, g, m, sched, p) -> (x, m) ---


@jit_inline
def sgd_scalar(x, g, m, sched, p):
    return x - sched[0] * g, m


@jit_inline
def gclip_scalar(x, g, m, sched, p):
    tau = sched[1]
    return x - sched[0] * min(max(g, -tau), tau), m


# --- vector steps: step(x, o, g, m, v, k, sched, p) -> clipping events ---


@jit_inline
def sgd_vector(x, o, g, m, v, k, sched, p):
    eta = sched[0]
    for i in range(g.size):
        x[o + i] -= eta * g[i]
    return 0.0


@jit_inline
def gclip_vector(x, o, g, m, v, k, sched, p):
    clipped = clip_global(g, sched[1])
    eta = sched[0]
    for i in range(g.size):
        x[o + i] -= eta * g[i]
    return clipped


@jit_inline
def cclip_vector(x, o, g, m, v, k, sched, p):
    eta, growth = sched[0], sched[2]
    B = p[1][0]
    for i in range(g.size):
        t = B[i] * growth
        x[o + i] -= eta * min(max(g[i], -t), t)
    return 0.0  # not counted: a count per coordinate costs this vectorised loop 5% (make bench)


@jit_inline
def nsgd_vector(x, o, g, m, v, k, sched, p):
    sq = 0.0
    for i in range(g.size):
        sq += g[i] * g[i]
    factor = 1.0 / math.sqrt(sq) if sq > 0.0 else 0.0
    eta = sched[0]
    for i in range(g.size):
        x[o + i] -= eta * factor * g[i]
    return 0.0


@jit_inline
def signsgd_vector(x, o, g, m, v, k, sched, p):
    eta = sched[0]
    for i in range(g.size):
        x[o + i] -= eta * sign(g[i])
    return 0.0


@jit_inline
def signum_vector(x, o, g, m, v, k, sched, p):
    eta, beta1 = sched[0], p[1][0]
    for i in range(g.size):
        m[o + i] = beta1 * m[o + i] + (1.0 - beta1) * g[i]
        x[o + i] -= eta * sign(m[o + i])
    return 0.0


@jit_inline
def rmsprop_vector(x, o, g, m, v, k, sched, p):
    eta = sched[0]
    beta2, eps = p[1]
    for i in range(g.size):
        v[o + i] = beta2 * v[o + i] + (1.0 - beta2) * g[i] * g[i]
        denom = math.sqrt(v[o + i]) + eps
        x[o + i] -= eta * g[i] / denom if denom > 0.0 else 0.0  # eps = 0 and g = 0 so far: no step
    return 0.0


@jit_inline
def adam_vector(x, o, g, m, v, k, sched, p):
    eta = sched[0]
    beta1, beta2, eps = p[1]
    c1 = 1.0 - beta1**k
    c2 = 1.0 - beta2**k
    for i in range(g.size):
        m[o + i] = beta1 * m[o + i] + (1.0 - beta1) * g[i]
        v[o + i] = beta2 * v[o + i] + (1.0 - beta2) * g[i] * g[i]
        denom = math.sqrt(v[o + i] / c2) + eps
        x[o + i] -= eta * (m[o + i] / c1) / denom if denom > 0.0 else 0.0
    return 0.0


@jit_inline
def acclip_vector(x, o, g, m, v, k, sched, p):
    eta = sched[0]
    beta1, beta2, eps, order = p[1]
    clipped = 0.0
    for i in range(g.size):
        m[o + i] = beta1 * m[o + i] + (1.0 - beta1) * g[i]
        v[o + i] = beta2 * v[o + i] + (1.0 - beta2) * abs(g[i]) ** order
        t = v[o + i] ** (1.0 / order)
        mi = m[o + i]
        if abs(mi) + eps <= t:
            x[o + i] -= eta * mi
        else:
            clipped += 1.0
            x[o + i] -= eta * (t * mi / (abs(mi) + eps))
    return clipped


@dataclass(frozen=True)
class BuiltIn:
    """One built-in method: its step in each shape (None: not available there), the parameters of its own that it
    takes beyond the schedule (``method``'s keywords), and whether it clips: every step at most eta_k tau_k long,
    so the error has every moment (a bootstrap of a mean over trials is valid)."""

    scalar: Callable | None
    vector: Callable | None
    own: tuple[str, ...] = ()
    clips: bool = False


BUILT_IN = {
    "sgd": BuiltIn(sgd_scalar, sgd_vector),
    "gclip": BuiltIn(gclip_scalar, gclip_vector, clips=True),
    "cclip": BuiltIn(None, cclip_vector, ("B",), clips=True),
    "nsgd": BuiltIn(None, nsgd_vector),
    "signsgd": BuiltIn(None, signsgd_vector),
    "signum": BuiltIn(None, signum_vector, ("beta1",)),
    "rmsprop": BuiltIn(None, rmsprop_vector, ("beta2", "eps")),
    "adam": BuiltIn(None, adam_vector, ("beta1", "beta2", "eps")),
    "acclip": BuiltIn(None, acclip_vector, ("beta1", "beta2", "eps", "order"), clips=True),
}
# The scalar and the vector methods (every method also has a projected form, "proj-" + its name: onto the
# objective's domain after every step; the scalar runs of ``simulate.run.config.QuadraticRun`` use it).
METHODS = tuple(f"{p}{n}" for p in ("", "proj-") for n, b in BUILT_IN.items() if b.scalar is not None)
VECTOR_METHODS = tuple(n for n, b in BUILT_IN.items() if b.vector is not None)


def clips(name: str) -> bool:
    """Does the built-in method ``name`` (a "proj-" form included) clip every step (``BuiltIn.clips``)?"""
    return BUILT_IN[name.removeprefix("proj-")].clips


def projects(name: str) -> bool:
    """Does the method ``name`` project onto the objective's domain after every step?"""
    return name.startswith("proj-")


def _nonnegative(value: float, name: str) -> float:
    v = check_finite(value, name)
    if v < 0.0:
        raise ValueError(f"{name}={value!r} is outside the accepted range [0, inf)")
    return v


def method(
    name: str,
    shape: str = "scalar",
    *,
    eta0: float,
    k0: float = 0.0,
    power: float = 0.0,
    G: float = math.inf,
    beta: float = 0.0,
    B: np.ndarray | None = None,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    order: float = 1.0,
) -> Method:
    """A built-in method as an ``engine.Method``.

    Parameters
    ----------
    name : one of ``METHODS`` (scalar) or ``VECTOR_METHODS`` (vector); a "proj-" prefix projects onto the
        objective's domain after every step.
    shape : "scalar" (d = 1, the SIMD template) or "vector".
    eta0, k0, power : the step eta_k = eta0 / (k + k0)^power (1/gradient units).
    G, beta : the global threshold tau_k = G k^beta (gradient units); CClip's thresholds are B_i k^beta.
    B, beta1, beta2, eps, order : the method's own parameters (see the module docstring); each method takes the
        ones it uses, the rest are ignored.

    Examples
    --------
    >>> theorem4_gclip = method("gclip", eta0=4.0, k0=1.0, power=1.0, G=1.0, beta=1 / 1.5)
    """
    base = name.removeprefix("proj-")
    step = getattr(BUILT_IN.get(base), shape, None) if shape in ("scalar", "vector") else None
    if step is None:
        accepted = ", ".join(sorted(METHODS if shape == "scalar" else VECTOR_METHODS))
        raise ValueError(f"method={name!r} (shape {shape!r}) is not one of the accepted values {accepted}")
    eta0, k0, power, beta = (
        _nonnegative(eta0, "eta0"),
        check_finite(k0, "k0"),
        _nonnegative(power, "power"),
        check_finite(beta, "beta"),
    )
    if k0 <= -1.0:  # eta_k = eta0 / (k + k0)^power from k = 1
        raise ValueError(f"k0={k0!r} is outside the accepted range (-1, inf)")
    if not float(G) > 0.0:  # G = inf: no clipping
        raise ValueError(f"G={G!r} is outside the accepted range (0, inf]")
    if "B" in BUILT_IN[base].own:
        if B is None:
            raise ValueError("B=None: CClip needs its per-coordinate thresholds B (float64[d], > 0)")
        B = np.ascontiguousarray(B, dtype=np.float64)
        if B.ndim != 1 or B.size == 0 or not (np.isfinite(B) & (B > 0)).all():
            raise ValueError(f"B={B!r} is outside the accepted range: float64[d], every entry in (0, inf)")
        own = (B,)
    else:
        for label, value in (("beta1", beta1), ("beta2", beta2)):
            if not 0.0 <= float(value) < 1.0:
                raise ValueError(f"{label}={value!r} is outside the accepted range [0, 1)")
        given = {
            "beta1": beta1,
            "beta2": beta2,
            "eps": _nonnegative(eps, "eps"),
            "order": check_positive(order, "order"),
        }
        own = tuple(float(given[n]) for n in BUILT_IN[base].own)
    schedule = (eta0, k0, power, float(G), beta)
    return Method(name, power_schedule, step, (schedule, own), projects=projects(name))


def clip_global_reference(g: np.ndarray, tau: float) -> np.ndarray:
    """Plain-NumPy global-norm clipping: min(1, tau/||g||) g."""
    g = np.asarray(g, dtype=float)
    norm = np.linalg.norm(g)
    return g if norm <= tau else g * (tau / norm)


@njit(error_model="numpy")
def _apply_step(schedule, step, x, g, m, v, k, p):
    return step(x, 0, g, m, v, k, schedule(k, p), p)


def apply_step(piece: Method, x: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, k: int) -> float:
    """One step of a vector method at iteration k on x, m, v (float64[d], in place) with gradient g (which
    clipping methods may scale in place), called from Python; returns the step's clipping events. For tests and
    notebooks: it compiles once per method and process (not cached)."""
    return _apply_step(piece.schedule, piece.step, x, g, m, v, int(k), piece.params)
