"""rem1-sgd-failure: SGD's mean square does not settle under infinite-variance noise; clipping makes it settle."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simulate.pieces.methods import clips
from simulate.publish.figures import save_fig
from simulate.publish.rows import measurement_row, measurements
from simulate.run.config import QuadraticRun
from simulate.run.context import ClaimOutput, Context
from theory import mean_square as ms
from theory.declarations import Claim
from theory.fitting import fit_exponent

from .claim import Rem1Profile

METHODS = ("sgd", "gclip")


def _config(claim: Claim, ctx: Context, method: str, noise: str, tail: float, K: int, trials: int, **extra):
    """A run on f(x) = x^2/2 from x0 = x* = 0; alpha (the schedule's moment order) is min(tail, 2)."""
    return QuadraticRun(
        claim=claim.id,
        method=method,
        noise=noise,
        tail=tail,
        alpha=min(tail, 2.0),
        K=K,
        trials=trials,
        seed=ctx.seed,
        x0=0.0,
        **extra,
    )


def _mean_square_rows(claim: Claim, p: Rem1Profile, ctx: Context) -> tuple[list[dict], list]:
    laws = [("pareto", a) for a in p.tails] + list(p.controls)
    configs = [
        _config(claim, ctx, m, noise, tail, p.k_fixed, p.M, per_decade=0) for noise, tail in laws for m in METHODS
    ]
    results = ctx.run(configs)
    rows, curves = [], []
    sizes = np.unique(np.round(np.logspace(2, math.log10(p.M // 10), 7)).astype(int))
    for cfg, arrays, _ in results:
        v = arrays["last_dist"][:, 0] ** 2
        rows += _growth_rows(claim, cfg, arrays, v, p, ctx.seed, (cfg.method, cfg.noise, cfg.tail))
        slope = ms.growth_slope(v, sizes)
        slo, shi = ms.bootstrap(lambda s: ms.growth_slope(s, sizes), v, max(20, p.n_boot // 4), ctx.seed + 1)
        rows.append(
            measurement_row(
                claim,
                "ms_growth_slope",
                cfg,
                arrays,
                k_min=cfg.K,
                k_max=cfg.K,
                fitted_exponent=slope,
                ci_low=slo,
                ci_high=shi,
                description="slope of log(typical mean of |x_k-x*|^2) vs log M; CI: percentile bootstrap "
                "of medians of batch means",
            )
        )
        curves.append((cfg, sizes, ms.typical_means(v, sizes), np.cumsum(v) / np.arange(1, v.size + 1)))
    return rows, curves


def _growth_rows(claim, cfg, arrays, v, p: Rem1Profile, seed: int, label: tuple[str, str, float]) -> list[dict]:
    """ms_ratio (bootstrap CI only where e^2 has finite variance) and ms_growth_typical (order-statistic CI) for
    the run labelled (method, noise, tail); a negative control labels a run as another."""
    method, noise, tail = label
    common = dict(method=method, noise=noise, tail=tail, k_min=cfg.K, k_max=cfg.K)
    finite_variance = ms.mean_has_finite_variance(clips(method), noise, tail)
    lo, hi = ms.bootstrap(ms.growth_ratio, v, p.n_boot, seed) if finite_variance else (math.nan, math.nan)
    m_small, m_large = ms.settling_batches(p.M)
    g, glo, ghi = ms.growth_typical(v, m_small, m_large)
    return [
        measurement_row(
            claim,
            "ms_ratio_M_vs_M/100",
            cfg,
            arrays,
            value=ms.growth_ratio(v),
            ci_low=lo,
            ci_high=hi,
            description="mean |x_k-x*|^2 over M trials / typical over M/100; predicted: 100^(2/a - 1) for SGD"
            + ("" if finite_variance else "; no CI: a bootstrap of a mean is not valid under infinite variance"),
            **common,
        ),
        measurement_row(
            claim,
            "ms_growth_typical",
            cfg,
            arrays,
            value=g,
            ci_low=glo,
            ci_high=ghi,
            description=f"typical mean of |x_k-x*|^2 over batches of {m_large} / over batches of {m_small}; "
            "CI from order statistics",
            **common,
        ),
    ]


def _curve_rows(claim: Claim, p: Rem1Profile, ctx: Context) -> tuple[list[dict], list]:
    configs = [_config(claim, ctx, m, "pareto", a, p.curve_K, p.curve_trials) for a in p.curve_tails for m in METHODS]
    results = ctx.run(configs)
    rows = []
    for cfg, arrays, _ in results:
        k = arrays["k"]
        e = arrays["last_dist"]
        for metric, values, stat in (("median_last_dist", e, "median"), ("mean_sq_last_dist", e**2, "mean")):
            fit = fit_exponent(k, values, stat, n_boot=200, seed=ctx.seed)
            valid = stat == "median" or ms.mean_has_finite_variance(clips(cfg.method), cfg.noise, cfg.tail)
            rows.append(
                measurement_row(
                    claim,
                    metric,
                    cfg,
                    arrays,
                    fitted_exponent=fit.exponent,
                    ci_low=fit.ci_low if valid else math.nan,
                    ci_high=fit.ci_high if valid else math.nan,
                    k_min=fit.k_min,
                    k_max=fit.k_max,
                    drift=fit.drift,
                    description=f"{stat} of |x_k - x*|" + ("^2" if "sq" in metric else ""),
                )
            )
    return rows, results


def _edge_rows(claim: Claim, p: Rem1Profile, ctx: Context) -> list[dict]:
    configs = [
        _config(claim, ctx, m, "pareto", a, p.edge_K, p.edge_trials, step="constant", eta=eta, per_decade=0)
        for a in p.edge_tails
        for eta in p.edge_etas
        for m in METHODS
    ]
    results = ctx.run(configs)
    rows = []
    for cfg, arrays, _ in results:
        big = int((~(arrays["max_dist"][:, -1] <= p.threshold)).sum())  # above the threshold or not finite
        lo, hi = ms.wilson_interval(big, cfg.trials)
        rows.append(
            measurement_row(
                claim,
                f"frac_max_err_over_{p.threshold:g}",
                cfg,
                arrays,
                value=big / cfg.trials,
                ci_low=lo,
                ci_high=hi,
                k_min=cfg.K,
                k_max=cfg.K,
                description=f"constant step eta={cfg.eta:g}: fraction of trials with max_k |x_k| > "
                f"{p.threshold:g} or not finite (Wilson CI)",
            )
        )
    return rows


def _plot_mean_square(curves, path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    for i, (cfg, sizes, typical, running) in enumerate(curves):
        c = f"C{i // 2}"
        ls = "-" if cfg.method == "sgd" else "--"
        label = f"{cfg.method}, {cfg.noise} tail {cfg.tail:g}"
        axes[0].loglog(sizes, typical / typical[0], color=c, ls=ls, marker="o", ms=3, label=label)
        n = np.unique(np.round(np.logspace(0, np.log10(running.size), 300)).astype(int)) - 1
        axes[1].loglog(n + 1, running[n], color=c, ls=ls, lw=1, label=label)
    axes[0].set_xlabel("trials M")
    axes[0].set_ylabel(r"typical estimate of $E|x_k - x^\star|^2$ (relative to $M = 100$)")
    axes[0].set_title("median over disjoint batches of M trials")
    axes[1].set_xlabel("trials used")
    axes[1].set_ylabel(r"running mean of $|x_k - x^\star|^2$")
    axes[1].set_title("one run's estimate as trials accumulate")
    axes[0].legend()
    fig.suptitle("rem1-sgd-failure: SGD (solid) never settles under infinite variance; GClip (dashed) does")
    save_fig(fig, path)


def _plot_curves(results, path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    for i, (cfg, arrays, _) in enumerate(results):
        c = f"C{i // 2}"
        ls = "-" if cfg.method == "sgd" else "--"
        k, e = arrays["k"], arrays["last_dist"]
        label = f"{cfg.method}, tail {cfg.tail:g}"
        axes[0].loglog(k, np.median(e, axis=0), color=c, ls=ls, label=label)
        axes[1].loglog(k, np.mean(e**2, axis=0), color=c, ls=ls, label=label)
    axes[0].set_title("median |x_k - x*|: both shrink like k^-(a-1)/a")
    axes[1].set_title("mean |x_k - x*|^2: SGD's jumps and never settles")
    for ax in axes:
        ax.set_xlabel("$k$")
        ax.legend()
    save_fig(fig, path)


def run(claim: Claim, p: Rem1Profile, ctx: Context) -> ClaimOutput:
    rows_ms, curves = _mean_square_rows(claim, p, ctx)
    rows_curve, curve_results = _curve_rows(claim, p, ctx)
    rows_edge = _edge_rows(claim, p, ctx)
    rates = measurements(rows_ms + rows_curve + rows_edge)
    figs = [f"{claim.id}_mean_square_vs_M.png", f"{claim.id}_median_vs_mean_square.png"]
    _plot_mean_square(curves, ctx.figures / figs[0])
    _plot_curves(curve_results, ctx.figures / figs[1])
    cols = [
        "method",
        "noise",
        "tail",
        "metric",
        "theory_exponent",
        "fitted_exponent",
        "value",
        "predicted",
        "ci_low",
        "ci_high",
        "trials",
        "k_max",
        "n_diverged",
        "description",
    ]
    return ClaimOutput(rates, pd.DataFrame(), figs, cols)


def _relabelled(claim: Claim, p: Rem1Profile, ctx: Context, run: tuple[str, str, float], label: tuple[str, str, float]):
    """The mean-square rows of ``run`` = (method, noise, tail), presented as ``label`` = (method, noise, tail)."""
    method, noise, tail = run
    cfg = _config(claim, ctx, method, noise, tail, p.k_fixed, p.M, per_decade=0)
    ((cfg, arrays, _),) = ctx.run([cfg])
    v = arrays["last_dist"][:, 0] ** 2
    return measurements(_growth_rows(claim, cfg, arrays, v, p, ctx.seed, label))


CONTROLS = {
    "gclip-as-sgd": lambda claim, p, ctx: _relabelled(claim, p, ctx, ("gclip", "pareto", 1.3), ("sgd", "pareto", 1.3)),
    "gaussian-as-heavy": lambda claim, p, ctx: _relabelled(
        claim, p, ctx, ("sgd", "gaussian", 2.0), ("sgd", "pareto", 1.3)
    ),
    "pareto1.8-as-gaussian": lambda claim, p, ctx: _relabelled(
        claim, p, ctx, ("sgd", "pareto", 1.8), ("sgd", "gaussian", 2.0)
    ),
}
