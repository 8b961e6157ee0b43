"""Numba simulators for stochastic optimisation under heavy-tailed gradient noise.

Public API for notebooks: ``QuadraticRun`` (a validated configuration), ``run_quadratic`` (run its trials),
``checkpoints`` (the log-spaced iterations recorded), ``sample`` (draw noise from the kernels' generator).
"""

from .config import QuadraticRun, checkpoints
from .noise import sample, scale_for_moment
from .runner import run_quadratic

__all__ = ["QuadraticRun", "checkpoints", "run_quadratic", "sample", "scale_for_moment"]
