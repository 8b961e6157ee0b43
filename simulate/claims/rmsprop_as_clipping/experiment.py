"""rmsprop-as-clipping: RMSProp and its clipping form on one heavy-tailed noise stream, step for step."""

import math

import numpy as np
import pandas as pd

from simulate.claims.rmsprop_as_clipping.model import rmsprop_versus_clipping
from simulate.publish.rows import measurement_row, measurements
from simulate.run.context import ClaimOutput, Context
from theory.declarations import Claim

from .claim import EquivalenceProfile

SMALLEST_TRIALS = 1  # identities checked per trial; no bootstrap CI


def residuals(p: EquivalenceProfile, beta1: float, beta2: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Per trial: the largest relative difference of the two iterate sequences, and the fraction of
    coordinate-steps where the clipping form's clip bound. Problem: f = 1/2 sum h_i x_i^2 with h_i log-spaced
    in [1, 100], x0 = ones, symmetric Pareto noise with tail ``p.tail`` on every coordinate."""
    d = p.d
    h = np.logspace(0.0, 2.0, d) if d > 1 else np.ones(1)
    return rmsprop_versus_clipping(
        h,
        np.zeros(d),
        np.ones(d),
        p.tail,
        p.eta,
        beta1,
        beta2,
        p.eps,
        p.K,
        trials=p.trials,
        seed=seed,
        stream_key=0x52D5,
    )


def pair_rows(
    claim: Claim, p: EquivalenceProfile, beta1: float, beta2: float, seed: int, label: tuple[float, float] | None = None
) -> list[dict]:
    """The residual and clip-bound rows of one (beta1, beta2) pair, labelled ``label`` (default: the pair)."""
    residual, bound = residuals(p, beta1, beta2, seed)
    b1, b2 = label or (beta1, beta2)
    measured = (
        ("max_relative_residual", float(residual.max()), "largest relative difference of the iterates"),
        ("clip_bound_fraction", float(bound.mean()), "fraction of coordinate-steps where the clip bound"),
    )
    return [
        measurement_row(
            claim,
            method=f"beta1={b1:g},beta2={b2:g}",
            noise="pareto",
            tail=p.tail,
            alpha=math.nan,
            metric=metric,
            value=value,
            trials=p.trials,
            k_min=1,
            k_max=p.K,
            description=f"{what}: over {p.trials} trials x {p.K} steps x d = {p.d}; beta1 > sqrt(beta2): "
            f"{b1 > math.sqrt(b2)}",
        )
        for metric, value, what in measured
    ]


def run(claim: Claim, p: EquivalenceProfile, ctx: Context) -> ClaimOutput:
    rows = [row for beta1, beta2 in p.pairs for row in pair_rows(claim, p, beta1, beta2, ctx.seed)]
    return ClaimOutput(measurements(rows), pd.DataFrame(), [], ["method", "metric", "value", "trials", "k_max"])


CONTROLS = {
    "momentum-as-rmsprop": lambda claim, p, ctx: measurements(
        pair_rows(claim, p, 0.9, 0.5, ctx.seed, label=(0.0, 0.5))
    ),
}
