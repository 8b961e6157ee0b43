"""The open engine: trajectories composed from an objective, a noise law, a method and a metric.

A researcher's own piece is a few jitted (or plain Python) functions wrapped in ``Objective``, ``Noise``,
``Method`` or ``Metric`` (signatures in ``simulate.engine.interfaces``); ``Trajectory`` puts four pieces together with a
start, checkpoints, trials and a seed; ``run_trajectory`` runs it through the kernel template of its shape (scalar
or vector), composed and compiled once per combination of pieces (``simulate.engine.compose``); ``run_cached``
also stores the result in a ``simulate.run.store.RunCache`` keyed by the pieces' source code and parameters.
"""

from simulate.engine.compose import compose
from simulate.engine.interfaces import Method, Metric, Noise, Objective, source_key
from simulate.engine.run import Trajectory, run_cached, run_trajectory, trial_block

__all__ = [
    "Method",
    "Metric",
    "Noise",
    "Objective",
    "Trajectory",
    "compose",
    "run_cached",
    "run_trajectory",
    "source_key",
    "trial_block",
]
