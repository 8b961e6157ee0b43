"""Strongly convex quadratic objective and projections onto bounded convex sets (Numba helpers).

f(x) = 1/2 sum_i h_i (x_i - x*_i)^2 with all h_i >= mu > 0, so x* is the minimiser, f* = 0, grad f = h (x - x*).
Kernel helpers act on the point x[o:o+d] of a flat array holding many trials' iterates (d = x_star.size).
"""

import math

import numpy as np

from .jit import jit_inline

PROJ_NONE, PROJ_BALL, PROJ_BOX = 0, 1, 2
PROJECTIONS = {"none": PROJ_NONE, "ball": PROJ_BALL, "box": PROJ_BOX}


@jit_inline
def quadratic_value(x, o, hess, x_star):
    """f(x) - f* at the point x[o:o+d] (units of f)."""
    v = 0.0
    for i in range(x_star.size):
        r = x[o + i] - x_star[i]
        v += 0.5 * hess[i] * r * r
    return v


@jit_inline
def quadratic_grad(out, x, o, hess, x_star):
    """Write grad f = h (x - x*) at the point x[o:o+d] into ``out``."""
    for i in range(x_star.size):
        out[i] = hess[i] * (x[o + i] - x_star[i])


@jit_inline
def distance(x, o, y):
    """Euclidean norm ||x[o:o+d] - y||."""
    v = 0.0
    for i in range(y.size):
        r = x[o + i] - y[i]
        v += r * r
    return math.sqrt(v)


@jit_inline
def project(x, o, kind, center, radius, lower, upper):
    """Project x[o:o+d] in place onto a ball (center, radius) or a box [lower, upper]; kind 0 does nothing."""
    if kind == PROJ_BALL:
        sq = 0.0
        for i in range(center.size):
            r = x[o + i] - center[i]
            sq += r * r
        if sq > radius * radius:  # compare squares first: the sqrt and division only when outside
            shrink = radius / math.sqrt(sq)
            for i in range(center.size):
                x[o + i] = center[i] + shrink * (x[o + i] - center[i])
    elif kind == PROJ_BOX:
        for i in range(lower.size):
            x[o + i] = min(max(x[o + i], lower[i]), upper[i])


def project_reference(x: np.ndarray, kind: str, center=None, radius=None, lower=None, upper=None) -> np.ndarray:
    """Plain-NumPy projection (for tests and notebooks)."""
    x = np.array(x, dtype=float)
    if kind == "ball":
        r = np.linalg.norm(x - center)
        return x if r <= radius else center + (radius / r) * (x - center)
    if kind == "box":
        return np.clip(x, lower, upper)
    return x
