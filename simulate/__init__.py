"""Numba simulators for stochastic optimisation under heavy-tailed gradient noise.

Public API for notebooks: ``QuadraticRun`` (a validated configuration), ``run_quadratic`` (run its trials),
``NonconvexRun`` / ``run_nonconvex`` (Theorem 2's non-convex runs, one per horizon K), ``AdaptiveRun`` /
``run_adaptive`` (vector methods in R^d),
``checkpoints`` (the log-spaced iterations recorded), ``sample`` (draw noise from the kernels' generator).
Each configuration is an ``engine.Trajectory`` of built-in pieces; ``simulate.engine`` runs trajectories of your own
pieces (a noise law, an objective, a method, a metric): see README "Extending".
"""

from simulate.pieces.noise import sample, scale_for_moment
from simulate.run.config import AdaptiveRun, NonconvexRun, QuadraticRun, checkpoints
from simulate.run.runner import run_adaptive, run_nonconvex, run_quadratic

__all__ = [
    "AdaptiveRun",
    "NonconvexRun",
    "QuadraticRun",
    "checkpoints",
    "run_adaptive",
    "run_nonconvex",
    "run_quadratic",
    "sample",
    "scale_for_moment",
]
