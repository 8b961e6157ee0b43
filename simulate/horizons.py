"""``python -m simulate horizons``: for every judged row that the finite-k models call pre-asymptotic at the full
profile's horizon (docs/decisions.md, D3c), how large the horizon K would have to be for the model's window slope to
come within tolerance/2 of the exponent it tends to. Theory only: no simulation runs; about half a minute per
setting for the recursions up to K = 2^28."""

import math
from dataclasses import replace

import numpy as np

from simulate.claims import CLAIMS, experiment
from simulate.claims.quadratic import finite_k_model
from simulate.publish.markdown import markdown_table
from simulate.run.config import checkpoints
from theory import finite_k
from theory.declarations import upper_bound_rule
from theory.exponents import theorem2

QUADRATIC_HORIZONS = 2.0 ** np.arange(12, 29)  # up to 2^28: about half a minute of recursion per setting
THM2_HORIZONS = 10.0 ** np.arange(3.0, 30.5, 0.5)


def _half_tolerance(theory: float) -> float:
    """Half the tolerance the upper-bound rule applies to a row predicted at ``theory`` (the pre-asymptotic rule's
    threshold, ``theory.verdicts.pre_asymptotic_reason``)."""
    return upper_bound_rule().tolerance_for({"theory_exponent": theory}) / 2.0


def _quadratic_rows(claim_id: str, configs, powers: dict[str, float]) -> list[dict]:
    """Settings of the recursion (thm4, clip map) whose window at the run's K is pre-asymptotic, with K needed."""
    rows = []
    top = QUADRATIC_HORIZONS[-1]
    grid = np.unique(np.concatenate([np.round(np.logspace(0, math.log10(top), 400)), QUADRATIC_HORIZONS]))
    for cfg in configs:
        ks_run = checkpoints(cfg.K)
        curve, limit = finite_k_model(cfg, ks_run)
        theory = finite_k.limit_sq_exponent(cfg.noise, cfg.alpha, cfg.beta)  # the prediction, at tail = alpha
        if curve is None:
            continue
        run_slope = finite_k.local_exponent(ks_run, curve, ks_run >= cfg.K / 100)
        big = None
        for metric, power in powers.items():
            within = _half_tolerance(power * theory)
            if abs(power * (run_slope - limit)) <= within:
                continue
            if big is None:
                values, _ = finite_k_model(replace(cfg, K=int(top)), grid.astype(np.int64))
                big = finite_k.window_slopes(grid, values, QUADRATIC_HORIZONS)
            needed = finite_k.horizon_needed(QUADRATIC_HORIZONS, power * big, power * limit, within)
            rows.append(_row(claim_id, cfg, metric, cfg.K, power * run_slope, power * limit, needed))
    return rows


def _row(claim_id, cfg, metric, K, slope, limit, needed) -> dict:
    return dict(
        claim=claim_id,
        noise=cfg.noise,
        tail=cfg.tail,
        alpha=cfg.alpha,
        beta=getattr(cfg, "beta", math.nan),
        metric=metric,
        K=K,
        slope=slope,
        limit=limit,
        needed=needed,
    )


def pre_asymptotic_rows() -> list[dict]:
    """Every pre-asymptotic judged setting of thm4 (tail > alpha), the clip map (judged cells, tail > alpha) and
    thm2 (GClip on the Pareto laws, tail > alpha), at the full profile."""
    thm4 = CLAIMS["thm4-strongly-convex"]
    configs = experiment(thm4.id).profile_configs(thm4, thm4.profiles["full"], 0)
    rows = _quadratic_rows(
        thm4.id,
        [c for c in configs if c.tail > c.alpha and c.method == "proj-gclip"],
        {"mean_dist": 0.5, "mean_gap": 1.0},
    )
    clip = CLAIMS["clip-exponent-map"]
    configs = experiment(clip.id).configs(clip, clip.profiles["full"], 0)
    rows += _quadratic_rows(clip.id, [c for c in configs if c.tail > c.alpha], {"sq_dist_exponent": 1.0})
    return rows + _thm2_rows()


def _thm2_model(ex, key, horizons) -> tuple[np.ndarray, float]:
    """Theorem 2's model metric (average) for runs of ``key``'s set-up at ``horizons`` (one per K), and its limit."""
    runs = [replace(key, K=int(K)) for K in horizons]
    arrays = [dict(zip(("eta", "tau"), r.parameters(), strict=True), K=r.K) for r in runs]
    curves, limits = ex.theorem2_model(key, list(zip(runs, arrays, strict=True)))
    return curves["avg"], limits["avg"]


def _thm2_rows() -> list[dict]:
    thm2 = CLAIMS["thm2-nonconvex"]
    ex = experiment(thm2.id)
    groups = {}
    for cfg in ex.configs(thm2, thm2.profiles["full"], 0):
        if cfg.method == "gclip" and cfg.tail > cfg.alpha and cfg.params == "scaling" and cfg.d == 1:
            groups.setdefault(replace(cfg, K=1), []).append(cfg.K)
    rows = []
    for key, Ks in groups.items():
        Ks = np.array(sorted(Ks), dtype=float)

        values, limit = _thm2_model(ex, key, Ks)
        slope = finite_k.local_exponent(Ks, values, Ks >= Ks[-1] / 100)
        within = _half_tolerance(theorem2(key.alpha))
        if math.isfinite(slope) and abs(slope - limit) <= within:
            continue
        slopes = finite_k.window_slopes(THM2_HORIZONS, _thm2_model(ex, key, THM2_HORIZONS)[0], THM2_HORIZONS)
        needed = finite_k.horizon_needed(THM2_HORIZONS, slopes, limit, within)
        rows.append(_row(thm2.id, key, "avg_min_grad" + ex.metric_suffix(thm2, key), int(Ks[-1]), slope, limit, needed))
    return rows


def _horizon_text(needed: float, claim_id: str) -> str:
    """K needed in words: a power of 2 for the quadratic recursions, a power of 10 for Theorem 2's model, and
    beyond the largest horizon tried when even that one is pre-asymptotic."""
    quadratic = claim_id != "thm2-nonconvex"
    if not math.isfinite(needed):
        return "> 2^28" if quadratic else "> 10^30"
    return f"2^{math.log2(needed):.0f}" if quadratic else f"10^{math.log10(needed):.1f}"


def horizons_table() -> str:
    """The pre-asymptotic settings as a Markdown table (K needed: inf when beyond the largest horizon tried)."""
    import pandas as pd

    rows = pd.DataFrame(pre_asymptotic_rows())
    rows["needed"] = [_horizon_text(v, r.claim) for v, (_, r) in zip(rows.needed, rows.iterrows(), strict=True)]
    cols = ["claim", "noise", "tail", "alpha", "beta", "metric", "K", "slope", "limit", "needed"]
    return markdown_table(rows, cols)
