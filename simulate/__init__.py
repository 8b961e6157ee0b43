"""Numba simulators for stochastic optimisation under heavy-tailed gradient noise.

Public API for notebooks: ``QuadraticRun`` (a validated configuration), ``run_quadratic`` (run its trials),
``NonconvexRun`` / ``run_nonconvex`` (Theorem 2's non-convex runs, one per horizon K),
``checkpoints`` (the log-spaced iterations recorded), ``sample`` (draw noise from the kernels' generator).
"""

from .config import NonconvexRun, QuadraticRun, checkpoints
from .noise import sample, scale_for_moment
from .runner import run_nonconvex, run_quadratic

__all__ = [
    "NonconvexRun",
    "QuadraticRun",
    "checkpoints",
    "run_nonconvex",
    "run_quadratic",
    "sample",
    "scale_for_moment",
]
