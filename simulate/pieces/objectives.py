"""Built-in objectives as ``engine.Objective`` pieces: the strongly convex quadratic (with an optional ball or box
domain), the dense quadratic and Theorem 2's cosine objectives; plus their plain-NumPy references.

quadratic  f(x) = 1/2 sum_i h_i (x_i - x*_i)^2, all h_i > 0: x* is the minimiser, f* = 0, grad f = h (x - x*)
dense      f(x) = 1/2 (x - x*)^T H (x - x*), H symmetric positive definite
cosine     f(x) = sum_i [x_i^2/2 + c cos(x_i)]; rotated-cosine: the same of H x, H = I - (2/d) ones ones^T
           (``theory.nonconvex`` holds their values, minima and smoothness constants)
Vector helpers act on the point x[o:o+d] of a flat array holding many trials' iterates.
"""

from __future__ import annotations

import math

import numpy as np

from simulate.engine.interfaces import Objective
from simulate.engine.jit import jit_inline


@jit_inline
def quadratic_value(x, o, hess, x_star):
    """f(x) - f* at the point x[o:o+d] (units of f)."""
    v = 0.0
    for i in range(x_star.size):
        r = x[o + i] - x_star[i]
        v += 0.5 * hess[i] * r * r
    return v


@jit_inline
def distance(x, o, y):
    """Euclidean norm ||x[o:o+d] - y||."""
    v = 0.0
    for i in range(y.size):
        r = x[o + i] - y[i]
        v += r * r
    return math.sqrt(v)


# --- quadratic; scalar params (h, x_star, lower, upper), vector params (hess, x_star, center, radius) ---


@jit_inline
def _quadratic_gradient_scalar(x, p):
    return p[0] * (x - p[1])


@jit_inline
def _quadratic_value_scalar(x, p):
    e = x - p[1]
    return 0.5 * p[0] * e * e


@jit_inline
def _interval_projection(x, p):
    return min(max(x, p[2]), p[3])


@jit_inline
def _quadratic_gradient(g, x, o, t, s, so, p):
    hess, x_star = p[0], p[1]
    for i in range(x_star.size):
        g[i] = hess[i] * (x[o + i] - x_star[i])


@jit_inline
def _quadratic_value(x, o, p):
    return quadratic_value(x, o, p[0], p[1])


@jit_inline
def _ball_projection(x, o, p):
    """Project x[o:o+d] onto the ball (center p[2], radius p[3]) in place."""
    center, radius = p[2], p[3]
    sq = 0.0
    for i in range(center.size):
        r = x[o + i] - center[i]
        sq += r * r
    if sq > radius * radius:  # compare squares first: the sqrt and division only when outside
        shrink = radius / math.sqrt(sq)
        for i in range(center.size):
            x[o + i] = center[i] + shrink * (x[o + i] - center[i])


def quadratic(
    hess, x_star, *, radius: float = math.inf, center=None, lower=None, upper=None, shape: str | None = None
) -> Objective:
    """The strongly convex quadratic f(x) = 1/2 sum h_i (x_i - x*_i)^2 as an ``engine.Objective``.

    Parameters
    ----------
    hess, x_star : curvatures h_i > 0 and the minimiser (floats for d = 1, or float64[d]).
    radius, center : the domain X = ball(center, radius) used by projected methods (radius = inf: R^d).
    lower, upper : for d = 1, the interval domain [lower, upper] instead of a ball.
    shape : "vector" forces the vector template for d = 1; by default d = 1 is scalar (the SIMD template).
    """
    hess = np.atleast_1d(np.asarray(hess, dtype=np.float64))
    x_star = np.atleast_1d(np.asarray(x_star, dtype=np.float64))
    if hess.shape != x_star.shape or hess.ndim != 1:
        raise ValueError(f"hess shape {hess.shape} and x_star shape {x_star.shape}: expected equal, 1-D")
    if not np.all(np.isfinite(hess) & (hess > 0)):
        raise ValueError(f"hess={hess!r} is outside the accepted range: every h_i in (0, inf)")
    if not np.all(np.isfinite(x_star)):
        raise ValueError(f"x_star={x_star!r} is outside the accepted range: finite numbers")
    if not float(radius) > 0.0:  # inf: no constraint
        raise ValueError(f"radius={radius!r} is outside the accepted range (0, inf]")
    center = np.zeros_like(x_star) if center is None else np.atleast_1d(np.asarray(center, dtype=np.float64))
    if center.shape != x_star.shape or not np.all(np.isfinite(center)):
        raise ValueError(f"center={center!r}: expected finite numbers, shape {x_star.shape}")
    if (lower is None) != (upper is None):
        raise ValueError(f"lower={lower!r}, upper={upper!r}: give both bounds of the interval or neither")
    if lower is not None and not float(lower) < float(upper):  # NaN fails too
        raise ValueError(f"lower={lower!r}, upper={upper!r}: the interval needs lower < upper")
    if x_star.size == 1 and shape != "vector":
        if lower is None:
            lower, upper = center[0] - radius, center[0] + radius
        params = (float(hess[0]), float(x_star[0]), float(lower), float(upper))
        return Objective(
            "quadratic", _quadratic_gradient_scalar, _quadratic_value_scalar, params, project=_interval_projection
        )
    if lower is not None:
        raise ValueError("lower/upper: a box domain is for d = 1; in d > 1 the domain is a ball")
    return Objective(
        "quadratic",
        _quadratic_gradient,
        _quadratic_value,
        (hess, x_star, center, float(radius)),
        project=_ball_projection,
        shape="vector",
    )


@jit_inline
def _dense_gradient(g, x, o, t, s, so, p):
    H, x_star = p
    d = x_star.size
    for i in range(d):
        acc = 0.0
        for j in range(d):
            acc += H[i, j] * (x[o + j] - x_star[j])
        g[i] = acc


@jit_inline
def _dense_value(x, o, p):
    H, x_star = p
    d = x_star.size
    v = 0.0
    for i in range(d):
        acc = 0.0
        for j in range(d):
            acc += H[i, j] * (x[o + j] - x_star[j])
        v += 0.5 * (x[o + i] - x_star[i]) * acc
    return v


def dense_quadratic(H, x_star) -> Objective:
    """f(x) = 1/2 (x - x*)^T H (x - x*) with a full matrix H (vector objective)."""
    H = np.ascontiguousarray(H, dtype=np.float64)
    x_star = np.ascontiguousarray(x_star, dtype=np.float64)
    if H.shape != (x_star.size, x_star.size):
        raise ValueError(f"H shape {H.shape}: expected ({x_star.size}, {x_star.size})")
    return Objective("dense-quadratic", _dense_gradient, _dense_value, (H, x_star), shape="vector")


# --- Theorem 2's cosine objectives; params (c,) ---


@jit_inline
def _cosine_gradient_scalar(x, p):
    return x - p[0] * math.sin(x)


@jit_inline
def _cosine_value_scalar(x, p):
    return 0.5 * x * x + p[0] * math.cos(x)


@jit_inline
def _cosine_gradient(g, x, o, t, s, so, p):
    c = p[0]
    for i in range(g.size):
        g[i] = x[o + i] - c * math.sin(x[o + i])


@jit_inline
def _rotated_cosine_gradient(g, x, o, t, s, so, p):
    """grad = x - c H sin(H x), H = I - (2/d) ones ones^T."""
    c = p[0]
    d = g.size
    total = 0.0
    for i in range(d):
        total += x[o + i]
    shift = 2.0 * total / d
    total = 0.0
    for i in range(d):
        g[i] = math.sin(x[o + i] - shift)
        total += g[i]
    shift = 2.0 * total / d
    for i in range(d):
        g[i] = x[o + i] - c * (g[i] - shift)


@jit_inline
def _cosine_value(x, o, p):
    v = 0.0
    for i in range(p[1]):
        v += 0.5 * x[o + i] * x[o + i] + p[0] * math.cos(x[o + i])
    return v


@jit_inline
def _rotated_cosine_value(x, o, p):
    c, d = p
    total = 0.0
    for i in range(d):
        total += x[o + i]
    shift = 2.0 * total / d
    v = 0.0
    for i in range(d):
        v += 0.5 * x[o + i] * x[o + i] + c * math.cos(x[o + i] - shift)
    return v


def cosine(c: float, d: int = 1, *, rotated: bool = False) -> Objective:
    """Theorem 2's objective on R^d (f - f* is not shifted: ``value`` is f itself)."""
    if rotated:
        return Objective(
            "rotated-cosine", _rotated_cosine_gradient, _rotated_cosine_value, (float(c), int(d)), shape="vector"
        )
    if d == 1:
        return Objective("cosine", _cosine_gradient_scalar, _cosine_value_scalar, (float(c),))
    return Objective("cosine", _cosine_gradient, _cosine_value, (float(c), int(d)), shape="vector")


def project_reference(x: np.ndarray, kind: str, center=None, radius=None, lower=None, upper=None) -> np.ndarray:
    """Plain-NumPy projection (for tests and notebooks)."""
    x = np.array(x, dtype=float)
    if kind == "ball":
        r = np.linalg.norm(x - center)
        return x if r <= radius else center + (radius / r) * (x - center)
    if kind == "box":
        return np.clip(x, lower, upper)
    return x
