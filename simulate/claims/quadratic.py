"""Runs on a claim's strongly convex quadratic problem (thm4-strongly-convex, clip-exponent-map)."""

import math

import numpy as np

from simulate.run.config import QuadraticRun
from theory.declarations import Claim
from theory.finite_k import (
    MODEL_LAWS,
    limit_sq_exponent,
    linearised_model_holds,
    local_exponent,
    theorem4_second_moment,
)
from theory.schedules import clip_threshold


def problem_run(claim: Claim, seed: int, **fields) -> QuadraticRun:
    """A run on the claim's quadratic problem (``claim.problem``: d, mu, x_star, x0, radius, G, noise_scale)."""
    return QuadraticRun(claim=claim.id, seed=seed, **claim.problem, **fields)


def finite_k_model(cfg: QuadraticRun, ks: np.ndarray) -> tuple[np.ndarray | None, float]:
    """The recursion's E||xbar_k - x*||^2 at ``ks`` for this set-up (NaN at the k where it does not hold: the clipped
    noise's mean above ``CLIP_BIAS_LIMIT`` of the threshold) and the exponent it tends to (None, NaN where no
    prediction exists: d > 1, constant steps, a noise scale other than 1)."""
    if cfg.noise not in MODEL_LAWS or cfg.d != 1 or cfg.step == "constant" or cfg.noise_scale != 1.0:
        return None, math.nan
    eta0, k0, power = cfg.step_schedule()
    curve = theorem4_second_moment(
        cfg.noise,
        cfg.tail,
        cfg.alpha,
        cfg.K,
        ks,
        mu=cfg.mu,
        x0=cfg.x0 - cfg.x_star,
        G=cfg.G,
        beta=cfg.beta,
        step=(eta0, k0, power),
    )
    holds = linearised_model_holds(cfg.noise, cfg.tail, clip_threshold(np.asarray(ks, dtype=float), cfg.G, cfg.beta))
    return np.where(holds, curve, math.nan), limit_sq_exponent(cfg.noise, cfg.tail, cfg.beta, eta0 * cfg.mu)


def model_slope(cfg: QuadraticRun, decades: float = 2.0) -> float:
    """The finite-k model's local slope of E||xbar_k - x*||^2 against k over the fit window [K / 10^decades, K]
    (the mean gap's exponent; NaN where the set-up has no model or it does not hold over the whole window)."""
    ks = np.unique(np.geomspace(cfg.K / 10.0**decades, cfg.K, 200).astype(np.int64))
    curve, _ = finite_k_model(cfg, ks)
    if curve is None or not np.all(np.isfinite(curve)):
        return math.nan
    return local_exponent(ks, curve, np.ones(ks.size, dtype=bool))
