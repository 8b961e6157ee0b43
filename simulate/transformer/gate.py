"""The trained gate of the small-transformer claims and the intervals they use: a model's held-out loss per window
paired with the count baseline's on the same windows, paired and Welch t intervals, a log-scale interval mapped back."""

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from simulate.nets import model, tokens
from simulate.nets.train import eval_batch
from theory import confidence
from theory.declarations import TrainedGate


def paired_ci(differences) -> tuple[float, float, float]:
    """Mean of paired differences and its 95% Student-t interval."""
    d = np.asarray(differences, dtype=float)
    ci = stats.ttest_1samp(d, 0.0).confidence_interval(confidence.level())
    return float(d.mean()), float(ci.low), float(ci.high)


def welch_ci(a, b) -> tuple[float, float, float]:
    """mean(a) - mean(b) of two independent samples and its 95% Welch t interval."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(confidence.level())
    return float(a.mean() - b.mean()), float(ci.low), float(ci.high)


def exp_ci(centre_low_high: tuple[float, float, float]) -> tuple[float, float, float]:
    """A (value, low, high) on the log scale mapped back: a ratio of geometric means and its interval."""
    return tuple(float(math.exp(v)) for v in centre_low_high)


@dataclass(frozen=True)
class GateResult:
    """A model against its trained gate: the mean paired difference model - count baseline over the held-out
    windows (nats) with its 95% t interval, and the gate's ``margin`` (nats; > 0: trained). Rows about trained
    models carry the smallest margin of their models as ``baseline_margin``; the verdict layer's ``untrained`` rule
    holds such a row inconclusive unless it is positive."""

    difference: float
    ci_low: float
    ci_high: float
    margin: float
    floor: bool

    @property
    def trained(self) -> bool:
        return self.margin > 0

    def text(self) -> str:
        """The gate's outcome in a few words, for descriptions and notes."""
        kind = "at its floor" if self.floor else "trained"
        verdict = kind if self.trained else f"not {kind}"
        return f"model - baseline {self.difference:+.3f} [{self.ci_low:+.3f}, {self.ci_high:+.3f}] nats: {verdict}"


def trained_gate(
    gate: TrainedGate, cfg: model.NetConfig, task: tokens.Task, eval_size: int, seed: int, window_losses, floor=False
) -> GateResult:
    """``gate`` applied to a model's held-out loss per window (``window_losses``: [windows], or [trials, windows]
    averaged over the trials) on the held-out batch every trial of ``seed`` is scored on (``train.eval_batch``),
    paired with the task's count baseline on the same windows. ``floor``: the model cannot use context, and is
    gated on reaching the baseline (``TrainedGate.floor_tolerance``)."""
    x, y = eval_batch(cfg, task, eval_size, seed)
    model_losses = np.atleast_2d(np.asarray(window_losses, dtype=np.float64)).mean(axis=0)
    if model_losses.shape != (len(y),):
        raise ValueError(f"window_losses of shape {np.shape(window_losses)} do not match {len(y)} held-out windows")
    difference, low, high = paired_ci(model_losses - tokens.baseline_losses(task, x, y))
    if floor:
        if gate.floor_tolerance is None:
            raise ValueError("this claim's trained gate declares no floor tolerance")
        margin = gate.floor_tolerance - max(abs(low), abs(high))
    else:
        margin = -gate.margin - high
    return GateResult(difference, low, high, float(margin), floor)
