"""thm4-strongly-convex: a grid of runs on the quadratic, exponent fits with bootstrap CIs, and its figures."""

import math
from dataclasses import asdict
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simulate.claims.quadratic import problem_run
from simulate.pieces.methods import clips
from simulate.publish import report
from simulate.run.config import QuadraticRun, checkpoints
from simulate.run.context import ClaimOutput, Context
from theory.declarations import EXPONENT_TOLERANCE, Claim
from theory.finite_k import local_exponent
from theory.fitting import fit_exponent, smallest_fit_horizon, window_mask
from theory.mean_square import mean_has_finite_variance

from .claim import Profile

_MARKERS = {"pareto": "o", "pareto-onesided": "s", "stable": "^", "student-t": "v", "gaussian": "D"}
SMALLEST_K = smallest_fit_horizon(checkpoints)  # the smallest --K whose fit window holds its 3 checkpoints


def fit_rows(claim: Claim, results, *, n_boot: int = 1000) -> pd.DataFrame:
    """One row per (config, metric): fitted exponent with its CI, theory and finite-k prediction (no verdict)."""
    rows = []
    for cfg, arrays, _ in results:
        k = arrays["k"]
        curve = None
        if claim.finite_k_curve is not None and cfg.method in claim.judged_methods:
            curve = claim.finite_k_curve(cfg.noise, cfg.tail, cfg.alpha, cfg.K, k, asdict(cfg))
        for m in claim.metrics:
            fit = fit_exponent(k, arrays[m.source], m.stat, n_boot=n_boot, seed=cfg.seed)
            ci_valid = m.stat != "mean" or mean_has_finite_variance(clips(cfg.method), cfg.noise, cfg.tail)
            theory = m.theory(cfg.alpha)
            finite = math.nan
            if curve is not None and m.finite_k is not None:
                finite = local_exponent(k, m.finite_k(curve), window_mask(k))
            rows.append(
                report.measurement_row(
                    claim,
                    m.name,
                    cfg,
                    arrays,
                    beta=cfg.beta,
                    theory_exponent=round(theory, 6),
                    fitted_exponent=round(fit.exponent, 6),
                    ci_low=round(fit.ci_low, 6) if ci_valid else math.nan,
                    ci_high=round(fit.ci_high, 6) if ci_valid else math.nan,
                    k_min=fit.k_min,
                    k_max=fit.k_max,
                    finite_k_exponent=round(finite, 6),
                    drift=round(fit.drift, 6),
                    description=m.description
                    + ("" if ci_valid else "; no CI: a bootstrap of a mean is not valid under infinite variance"),
                )
            )
    return report.measurements(rows)


def checkpoint_stats(claim: Claim, results) -> pd.DataFrame:
    """Tidy per-checkpoint statistics over trials, one row per (config, output, k)."""
    frames = []
    for cfg, arrays, _ in results:
        k = arrays["k"]
        for name in ("avg_dist", "avg_gap", "last_dist"):
            v = arrays[name]
            with np.errstate(invalid="ignore"):
                q10, med, q90 = np.quantile(v, [0.1, 0.5, 0.9], axis=0)
            frames.append(
                pd.DataFrame(
                    dict(
                        claim=claim.id,
                        method=cfg.method,
                        noise=cfg.noise,
                        tail=cfg.tail,
                        alpha=cfg.alpha,
                        beta=cfg.beta,
                        K=cfg.K,
                        trials=cfg.trials,
                        seed=cfg.seed,
                        config_key=cfg.cache_key(),
                        output=name,
                        k=k,
                        mean=v.mean(axis=0),
                        median=med,
                        q10=q10,
                        q90=q90,
                        n_finite=np.isfinite(v).sum(axis=0),
                    )
                )
            )
    return pd.concat(frames, ignore_index=True)


def plot_error_vs_k(claim: Claim, stats: pd.DataFrame, rates: pd.DataFrame, noise: str, path: Path) -> None:
    """Error vs k on log-log axes, one column per alpha: mean, median and 10-90% band, theory slope drawn."""
    alphas = sorted(stats.loc[stats.noise == noise, "alpha"].unique())
    fig, axes = plt.subplots(2, len(alphas), figsize=(3.2 * len(alphas), 6.0), squeeze=False, layout="constrained")
    colours = {"proj-gclip": "C0", "sgd": "C3", "gclip": "C2", "proj-sgd": "C1"}
    for j, alpha in enumerate(alphas):
        for row, (output, metric) in enumerate((("avg_dist", "mean_dist"), ("avg_gap", "mean_gap"))):
            ax = axes[row, j]
            sel = stats[(stats.noise == noise) & (stats.alpha == alpha) & (stats.output == output)]
            for method, part in sel.groupby("method"):
                c = colours.get(method, "k")
                ax.loglog(part.k, part["mean"], color=c, lw=1.6, label=f"{method} mean")
                ax.loglog(part.k, part["median"], color=c, lw=1.0, ls="--", label=f"{method} median")
                ax.fill_between(part.k, part.q10, part.q90, color=c, alpha=0.15, lw=0)
            judged = rates[
                (rates.noise == noise)
                & (rates.alpha == alpha)
                & (rates.metric == metric)
                & (rates.method.isin(claim.judged_methods))
            ]
            for _, r in judged.iterrows():
                ref = sel[(sel.method == r.method)]
                k = ref.k.to_numpy()
                m = window_mask(k)
                k0, y0 = k[m][0], ref["mean"].to_numpy()[m][0]
                kk = np.array([k0, k[-1]])
                ax.loglog(
                    kk,
                    y0 * (kk / k0) ** r.theory_exponent,
                    color="k",
                    lw=1.0,
                    ls=":",
                    label=f"theory slope {r.theory_exponent:.3f}",
                )
            ax.set_title(f"alpha = tail = {alpha:g}", fontsize=9)
            ax.set_xlabel("k")
            if j == 0:
                ax.set_ylabel("||xbar_k - x*||" if output == "avg_dist" else "f(xbar_k) - f*")
            ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=6, loc="lower left")
    fig.suptitle(f"{claim.id}: error vs k, {noise} noise (bands: 10-90% over trials)", fontsize=10)
    report.save_fig(fig, path)


def _exponent_points(ax, part: pd.DataFrame, y: pd.Series, offset: float, colour: str, label: str) -> None:
    """Exponents (or deviations) ``y`` at each alpha with their 95% CI bars."""
    noise = part.noise.iloc[0]
    err = np.vstack([part.fitted_exponent - part.ci_low, part.ci_high - part.fitted_exponent])
    err = np.where(np.isfinite(err), err, 0.0)
    ax.errorbar(
        part.alpha + offset,
        y,
        yerr=err,
        fmt=_MARKERS.get(noise, "o"),
        ms=4,
        capsize=2,
        color=colour,
        mfc="none" if noise.endswith("onesided") else None,
        label=label,
    )


def plot_exponent_vs_alpha(claim: Claim, rates: pd.DataFrame, path: Path) -> None:
    """Judged methods: fitted exponent vs alpha (95% bootstrap CI) on the theory curve, and below it the deviation
    from theory with the tolerance band and the finite-k prediction, one column per mean metric."""
    metrics = [m for m in claim.metrics if m.stat == "mean" and m.primary]
    fig, axes = plt.subplots(2, len(metrics), figsize=(5.0 * len(metrics), 6.5), squeeze=False, layout="constrained")
    a = np.linspace(1.02, 2.0, 200)
    for j, m in enumerate(metrics):
        top, bottom = axes[0, j], axes[1, j]
        top.plot(a, [m.theory(x) for x in a], color="k", lw=1.2, label="theory")
        tol = EXPONENT_TOLERANCE
        bottom.axhspan(-tol, tol, color="0.9", label=f"tolerance +-{tol}")
        bottom.axhline(0.0, color="k", lw=0.8)
        sel = rates[(rates.metric == m.name) & rates.method.isin(claim.judged_methods)]
        for i, ((method, noise), part) in enumerate(sel.groupby(["method", "noise"])):
            part = part.sort_values("alpha")
            off = (i - 0.5) * 0.01
            colour = f"C{i}"
            _exponent_points(top, part, part.fitted_exponent, off, colour, f"{method}, {noise}")
            _exponent_points(
                bottom, part, part.fitted_exponent - part.theory_exponent, off, colour, f"{method}, {noise}"
            )
            fk = part.dropna(subset=["finite_k_exponent"])
            if len(fk):
                for ax, y in ((top, fk.finite_k_exponent), (bottom, fk.finite_k_exponent - fk.theory_exponent)):
                    ax.plot(fk.alpha, y, ls="--", marker="x", color=colour, lw=0.8, ms=5, label=f"finite-k, {noise}")
        top.set_title(m.description, fontsize=10)
        top.set_ylabel("exponent")
        bottom.set_ylabel("fitted - theory")
        bottom.set_xlabel("alpha (= tail)")
        top.legend(fontsize=7)
        bottom.legend(fontsize=7)
    fig.suptitle(f"{claim.id}: fitted exponents vs alpha (95% bootstrap CI), finite-k prediction dashed", fontsize=10)
    report.save_fig(fig, path)


def plot_foil(claim: Claim, rates: pd.DataFrame, path: Path) -> bool:
    """Methods that are not judged (the foil, e.g. SGD): mean vs median exponents vs alpha with CIs.

    Returns False (and draws nothing) when the profile has no such method.
    """
    sel = rates[~rates.method.isin(claim.judged_methods)]
    if sel.empty:
        return False
    names = [m.name for m in claim.metrics if m.stat in ("mean", "median")]
    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.6), squeeze=False, layout="constrained")
    a = np.linspace(1.02, 2.0, 200)
    for ax, name in zip(axes[0], names, strict=True):
        m = next(x for x in claim.metrics if x.name == name)
        ax.plot(a, [m.theory(x) for x in a], color="k", lw=1.2, label="theory")
        for i, ((method, noise), part) in enumerate(sel[sel.metric == name].groupby(["method", "noise"])):
            part = part.sort_values("alpha")
            _exponent_points(ax, part, part.fitted_exponent, (i - 0.5) * 0.01, f"C{i + 3}", f"{method}, {noise}")
        ax.set_title(m.description, fontsize=10)
        ax.set_xlabel("alpha (= tail)")
        ax.legend(fontsize=7)
    axes[0, 0].set_ylabel("fitted exponent")
    fig.suptitle(
        f"{claim.id}: the unjudged methods; a mean square that never settles shows as scattered means", fontsize=10
    )
    report.save_fig(fig, path)
    return True


def profile_configs(claim: Claim, profile: Profile, seed: int) -> list[QuadraticRun]:
    """Every configuration of a claim's profile grid, in a fixed order."""
    return [
        problem_run(claim, seed, method=method, noise=noise, alpha=alpha, K=profile.K, trials=profile.trials)
        for noise in profile.noises
        for alpha in profile.alphas
        for method in profile.methods
    ]


def run(claim: Claim, profile: Profile, ctx: Context) -> ClaimOutput:
    configs = profile_configs(claim, profile, ctx.seed)
    results = ctx.run(configs)
    rates = fit_rows(claim, results)
    stats = checkpoint_stats(claim, results)
    figs = []
    for noise in sorted({c.noise for c in configs}):
        name = f"{claim.id}_error_vs_k_{noise}.png"
        plot_error_vs_k(claim, stats, rates, noise, ctx.figures / name)
        figs.append(name)
    name = f"{claim.id}_exponent_vs_alpha.png"
    plot_exponent_vs_alpha(claim, rates, ctx.figures / name)
    figs.append(name)
    name = f"{claim.id}_foil.png"
    if plot_foil(claim, rates, ctx.figures / name):
        figs.append(name)
    return ClaimOutput(rates, stats, figs)


def _mutant(claim: Claim, profile: Profile, ctx: Context, **fields):
    """proj-GClip rows of one mis-specified run at the profile's size, fitted exactly like the real ones."""
    cfg = problem_run(claim, ctx.seed, method="proj-gclip", K=profile.K, trials=profile.trials, **fields)
    return fit_rows(claim, ctx.run([cfg]))


CONTROLS = {
    "tau-k^0.1": lambda claim, p, ctx: _mutant(claim, p, ctx, noise="pareto-onesided", alpha=1.5, beta=0.1),
    "tail-1.2-as-1.8": lambda claim, p, ctx: _mutant(claim, p, ctx, noise="pareto", alpha=1.8, tail=1.2),
}
