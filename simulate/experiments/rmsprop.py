"""rmsprop-as-clipping: RMSProp and its clipping form on one heavy-tailed noise stream, step for step."""

import math

import numpy as np
import pandas as pd

from theory.claims import Claim, EquivalenceProfile

from .. import report
from ..adaptive import COORDINATE, rmsprop_versus_clipping
from ..noise import NOISE_CODES
from .common import ClaimOutput, Context


def residuals(p: EquivalenceProfile, beta1: float, beta2: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Per trial: the largest relative difference of the two iterate sequences, and the fraction of
    coordinate-steps where the clipping form's clip bound. Problem: f = 1/2 sum h_i x_i^2 with h_i log-spaced
    in [1, 100], x0 = ones, symmetric Pareto noise with tail ``p.tail`` on every coordinate."""
    d = p.d
    h = np.logspace(0.0, 2.0, d) if d > 1 else np.ones(1)
    residual, bound = np.empty(p.trials), np.empty(p.trials)
    rmsprop_versus_clipping(
        (h, np.zeros(d), np.ones(d)),
        (COORDINATE, NOISE_CODES["pareto"], float(p.tail), np.ones(d)),
        (float(p.eta), float(beta1), float(beta2), float(p.eps)),
        p.K,
        (np.uint64(seed), np.uint64(0x52D5), np.uint64(0)),
        (residual, bound),
    )
    return residual, bound


def run(claim: Claim, p: EquivalenceProfile, ctx: Context) -> ClaimOutput:
    rows = []
    for beta1, beta2 in p.pairs:
        residual, bound = residuals(p, beta1, beta2, ctx.seed)
        worst = float(residual.max())
        judged = beta1 == 0.0
        verdict = ("pass" if worst <= claim.tolerance and bound.max() == 0.0 else "fail") if judged else "info"
        measured = (("max_relative_residual", worst, residual.min(), worst),
                    ("clip_bound_fraction", float(bound.mean()), bound.min(), bound.max()))  # fmt: skip
        for metric, value, lo, hi in measured:
            rows.append(dict(claim=claim.id, method=f"beta1={beta1:g},beta2={beta2:g}", noise="pareto",
                             tail=p.tail, alpha=math.nan, metric=metric, value=value, ci_low=lo, ci_high=hi,
                             trials=p.trials, k_min=1, k_max=p.K,
                             verdict=verdict if metric == "max_relative_residual" else "info",
                             description=f"{metric} over {p.trials} trials x {p.K} steps x d = {p.d}; ci = "
                             f"min/max over trials; beta1 > sqrt(beta2): {beta1 > math.sqrt(beta2)}"))  # fmt: skip
    rates = pd.DataFrame(rows, columns=report.RATE_COLUMNS)
    cols = ["method", "metric", "value", "ci_low", "ci_high", "trials", "k_max", "verdict"]
    return ClaimOutput(rates, pd.DataFrame(), [], report.claim_section(claim, rates, [], cols))
