"""Optimiser steps shared by the kernels: global-norm clipping and the (projected) SGD update.

Methods and what they do with a stochastic gradient g_k at iteration k (1-based):
  sgd          x_k = x_{k-1} - eta_k g_k
  gclip        x_k = x_{k-1} - eta_k min(1, tau_k/||g_k||) g_k
  proj-gclip   x_k = proj_X(x_{k-1} - eta_k min(1, tau_k/||g_k||) g_k)
  proj-sgd     x_k = proj_X(x_{k-1} - eta_k g_k)
"""

import math

import numpy as np
from numba import njit

from theory import schedules

from .jit import JIT_OPTIONS, jit_inline

METHODS = {
    # name: (clips, projects)
    "sgd": (False, False),
    "gclip": (True, False),
    "proj-gclip": (True, True),
    "proj-sgd": (False, True),
}

power_step = njit(inline="always", **JIT_OPTIONS)(schedules.power_step)
clip_threshold = njit(inline="always", **JIT_OPTIONS)(schedules.clip_threshold)
averaging_weight = njit(inline="always", **JIT_OPTIONS)(schedules.averaging_weight)


@jit_inline
def clip_global(g, tau):
    """Scale ``g`` in place to norm min(||g||, tau); returns the factor applied (1 when not clipped)."""
    sq = 0.0
    for i in range(g.size):
        sq += g[i] * g[i]
    if sq > tau * tau:  # compare squares first: the sqrt and division only when clipping
        factor = tau / math.sqrt(sq)
        for i in range(g.size):
            g[i] *= factor
        return factor
    return 1.0


@jit_inline
def sgd_step(x, o, g, eta):
    """x[o:o+d] <- x[o:o+d] - eta g, in place (d = g.size)."""
    for i in range(g.size):
        x[o + i] -= eta * g[i]


def clip_global_reference(g: np.ndarray, tau: float) -> np.ndarray:
    """Plain-NumPy global-norm clipping: min(1, tau/||g||) g."""
    g = np.asarray(g, dtype=float)
    norm = np.linalg.norm(g)
    return g if norm <= tau else g * (tau / norm)
