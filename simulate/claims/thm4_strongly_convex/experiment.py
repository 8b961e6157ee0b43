"""thm4-strongly-convex: a grid of runs on the quadratic, exponent fits with bootstrap CIs, and its figures."""

import math
from dataclasses import replace
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simulate.claims.quadratic import finite_k_model, model_slope, problem_run
from simulate.pieces.methods import clips
from simulate.publish.figures import save_fig
from simulate.publish.rows import measurement_row, measurements
from simulate.run.config import QuadraticRun, checkpoints
from simulate.run.context import ClaimOutput, Context
from theory.declarations import EXPONENT_TOLERANCE, Claim
from theory.finite_k import local_exponent
from theory.fitting import fit_exponent, smallest_fit_horizon, window_mask
from theory.mean_square import growth_typical, mean_has_finite_variance
from theory.sequential import resamples

from .claim import Profile

_MARKERS = {"pareto": "o", "pareto-onesided": "s", "stable": "^", "student-t": "v", "gaussian": "D"}
SMALLEST_K = smallest_fit_horizon(checkpoints)  # the smallest --K whose fit window holds its 3 checkpoints


def fit_rows(claim: Claim, results, *, n_boot: int = 1000, presented=None) -> pd.DataFrame:
    """One row per (config, metric): fitted exponent with its CI, theory, and the finite-k prediction with its limit
    (no verdict). ``presented(cfg)`` is the set-up a row claims to be (a negative control presents a run as
    another): its method, noise, tail and alpha label the row and its finite-k prediction is that set-up's."""
    rows = []
    for cfg, arrays, _ in results:
        label = presented(cfg) if presented else cfg
        k = arrays["k"]
        curve, limit = finite_k_model(label, k) if label.method in claim.judged_methods else (None, math.nan)
        for m in claim.metrics:
            ci_valid = m.stat != "mean" or mean_has_finite_variance(clips(cfg.method), cfg.noise, cfg.tail)
            boots = resamples(claim.judged, m.name, n_boot) if ci_valid else 0
            fit = fit_exponent(k, arrays[m.source], m.stat, n_boot=boots, seed=cfg.seed)
            finite = limit_m = math.nan
            if curve is not None and m.sq_power is not None:
                finite = m.sq_power * local_exponent(k, curve, window_mask(k))
                limit_m = m.sq_power * limit
            rows.append(
                measurement_row(
                    claim,
                    m.name,
                    label,
                    arrays,
                    beta=label.beta,
                    fitted_exponent=round(fit.exponent, 6),
                    ci_low=round(fit.ci_low, 6) if ci_valid else math.nan,
                    ci_high=round(fit.ci_high, 6) if ci_valid else math.nan,
                    k_min=fit.k_min,
                    k_max=fit.k_max,
                    finite_k_exponent=round(finite, 6),
                    limit_exponent=round(limit_m, 6),
                    drift=round(fit.drift, 6),
                    description=m.description
                    + ("" if ci_valid else "; no CI: a bootstrap of a mean is not valid under infinite variance"),
                )
            )
    return measurements(rows)


def settle_rows(claim: Claim, p: Profile, results, presented=None) -> pd.DataFrame:
    """ms_settles per run at k = settle_k: the typical mean of ||xbar_k - x*||^2 over batches of 1% of the trials
    against the one over batches of 100, with a distribution-free CI (``theory.mean_square.growth_typical``)."""
    rows = []
    for cfg, arrays, _ in results:
        label = presented(cfg) if presented else cfg
        v = arrays["avg_dist"][:, -1] ** 2
        m_small, m_large = 100, p.settle_trials // 100
        value, lo, hi = growth_typical(v, m_small, m_large)
        rows.append(
            measurement_row(
                claim,
                "ms_settles",
                label,
                arrays,
                beta=label.beta,
                value=value,
                ci_low=lo,
                ci_high=hi,
                k_min=cfg.K,
                k_max=cfg.K,
                description=f"typical mean of ||xbar_k - x*||^2 at k = {cfg.K} over batches of {m_large} / over "
                f"batches of {m_small}; CI from order statistics",
            )
        )
    return measurements(rows)


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
    """Error vs k on log-log axes at tail = alpha, one column per alpha: mean, median and 10-90% band, theory slope
    drawn."""
    stats = stats[np.isclose(stats["tail"], stats.alpha)]
    rates = rates[np.isclose(rates["tail"], rates.alpha)]
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
                    label=f"slope {r.theory_exponent:.3f}",
                )
            ax.set_title(rf"$\alpha$ = tail = {alpha:g}")
            ax.set_xlabel("$k$")
            if j == 0:
                ax.set_ylabel(r"$\|\bar x_k - x^\star\|$" if output == "avg_dist" else r"$f(\bar x_k) - f^\star$")
            slopes = [(h, lab) for h, lab in zip(*ax.get_legend_handles_labels(), strict=True) if "slope" in lab]
            if slopes:  # each panel's own theory slope; the methods' legend is shared below
                ax.legend(*zip(*slopes, strict=True), loc="lower left", handlelength=1.2)
    handles = {lab: h for h, lab in zip(*axes[0, 0].get_legend_handles_labels(), strict=True) if "slope" not in lab}
    fig.legend(handles.values(), handles.keys(), loc="outside lower center", ncol=min(len(handles), 6))
    fig.suptitle(f"{claim.id}: error vs $k$, {noise} noise (bands: 10-90% over trials; dotted: the theorem's slope)")
    save_fig(fig, path)


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
        bottom.axhspan(-tol, tol, color="0.9", label=f"tolerance \u00b1{tol}")
        bottom.axhline(0.0, color="k", lw=0.8)
        sel = rates[(rates.metric == m.name) & rates.method.isin(claim.judged_methods)]
        sel = sel.assign(lighter=(sel["tail"] - sel.alpha).round(6))
        for i, ((method, noise, lighter), part) in enumerate(sel.groupby(["method", "noise", "lighter"])):
            part = part.sort_values("alpha")
            off = (i - 1.5) * 0.008
            colour = f"C{i}"
            label = f"{method}, {noise}, tail = $\\alpha$" + (f" + {lighter:g}" if lighter else "")
            _exponent_points(top, part, part.fitted_exponent, off, colour, label)
            _exponent_points(bottom, part, part.fitted_exponent - part.theory_exponent, off, colour, label)
            fk = part.dropna(subset=["finite_k_exponent"])
            if len(fk):
                for ax, y in ((top, fk.finite_k_exponent), (bottom, fk.finite_k_exponent - fk.theory_exponent)):
                    ax.plot(
                        fk.alpha,
                        y,
                        ls="--",
                        marker="x",
                        color=colour,
                        lw=0.8,
                        ms=5,
                        label=f"finite-k, {noise}" + (f", tail + {lighter:g}" if lighter else ""),
                    )
        top.set_title(m.description)
        top.set_ylabel("exponent")
        bottom.set_ylabel("fitted \u2212 theory")
        bottom.set_xlabel(r"$\alpha$ (schedule and prediction)")
        top.legend()
        bottom.legend()
    fig.suptitle(f"{claim.id}: fitted exponents vs alpha (95% bootstrap CI), finite-k prediction dashed")
    save_fig(fig, path)


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
        ax.set_title(m.description)
        ax.set_xlabel(r"$\alpha$ (= tail)")
        ax.legend()
    axes[0, 0].set_ylabel("fitted exponent")
    fig.suptitle(f"{claim.id}: the unjudged methods; a mean square that never settles shows as scattered means")
    save_fig(fig, path)
    return True


def profile_configs(claim: Claim, profile: Profile, seed: int) -> list[QuadraticRun]:
    """Every exponent configuration of a claim's profile grid, in a fixed order: tail = alpha for every method,
    then tail = alpha + lighter_tail for the judged ones."""
    grid = [
        problem_run(claim, seed, method=method, noise=noise, alpha=alpha, K=profile.K, trials=profile.trials)
        for noise in profile.noises
        for alpha in profile.alphas
        for method in profile.methods
    ]
    return grid + [
        replace(cfg, tail=round(cfg.alpha + profile.lighter_tail, 6))
        for cfg in grid
        if cfg.method in claim.judged_methods
    ]


def settle_configs(claim: Claim, profile: Profile, seed: int, method: str = "proj-gclip", **fields):
    """One run per (noise, alpha) of the grid (or as ``fields`` say) recording only k = settle_k."""
    keys = dict(K=profile.settle_k, trials=profile.settle_trials, per_decade=0)
    if fields:
        return [problem_run(claim, seed, method=method, **keys, **fields)]
    return [
        problem_run(claim, seed, method=method, noise=noise, alpha=alpha, **keys)
        for noise in profile.noises
        for alpha in profile.alphas
    ]


def run(claim: Claim, profile: Profile, ctx: Context) -> ClaimOutput:
    configs = profile_configs(claim, profile, ctx.seed)
    results = ctx.run(configs)
    rates = fit_rows(claim, results)
    # not staged: the batched-median statistic needs >= 20 batches of its batch sizes, which a look's share lacks
    settles = settle_rows(claim, profile, ctx.run(settle_configs(claim, profile, ctx.seed), staged=False))
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
    return ClaimOutput(pd.concat([rates, settles], ignore_index=True), stats, figs)


def _as_theorem4(cfg: QuadraticRun, **fields) -> QuadraticRun:
    """The set-up a mutant claims to be: proj-GClip with Theorem 4's step and threshold, and ``fields``."""
    return replace(cfg, method="proj-gclip", step="theorem4", eta=None, beta=1.0 / cfg.alpha, **fields)


def _exponent_mutant(
    claim: Claim, profile: Profile, ctx: Context, presented=None, method: str = "proj-gclip", **fields
) -> pd.DataFrame:
    """The rows of one run of ``method`` at the profile's size, fitted exactly like the real ones; ``presented`` maps
    the run to the set-up it is presented as (None: presented as itself)."""
    cfg = problem_run(claim, ctx.seed, method=method, K=profile.K, trials=profile.trials, **fields)
    return fit_rows(claim, ctx.run([cfg]), presented=presented)


def _projected_sgd_gap(claim: Claim, profile: Profile, ctx: Context) -> pd.DataFrame:
    """Projected unclipped SGD on symmetric Pareto, tail = alpha = 1.5, presented as proj-GClip: its mean-gap row
    (the distance rows share the clipped rate in one dimension: S_k / k of alpha-stable-like sums)."""
    rows = _exponent_mutant(claim, profile, ctx, _as_theorem4, method="proj-sgd", noise="pareto", alpha=1.5)
    return rows[rows.metric == "mean_gap"].reset_index(drop=True)


def _settle_mutant(claim: Claim, profile: Profile, ctx: Context, method: str, **fields) -> pd.DataFrame:
    """The settling row of ``method`` (with ``fields``) on one-sided Pareto, tail = alpha = 1.2, presented as
    proj-GClip with Theorem 4's schedule."""
    cfgs = settle_configs(claim, profile, ctx.seed, method, noise="pareto-onesided", alpha=1.2, **fields)
    return settle_rows(claim, profile, ctx.run(cfgs, staged=False), presented=_as_theorem4)


CONTROLS = {
    "tau-k^0.1": lambda claim, p, ctx: _exponent_mutant(
        claim, p, ctx, _as_theorem4, noise="pareto-onesided", alpha=1.5, beta=0.1
    ),
    "tail-1.2-as-1.8": lambda claim, p, ctx: _exponent_mutant(
        claim, p, ctx, lambda c: replace(c, tail=c.alpha), noise="pareto", alpha=1.8, tail=1.2
    ),
    "sgd-as-proj-gclip": lambda claim, p, ctx: _settle_mutant(claim, p, ctx, "sgd"),
    "proj-sgd-gap-as-proj-gclip": _projected_sgd_gap,
    "eta-1/(mu k)": lambda claim, p, ctx: _exponent_mutant(
        claim, p, ctx, noise="pareto-onesided", alpha=1.5, tail=1.6, step="harmonic", eta=1.0
    ),
    "student-t-onesided": lambda claim, p, ctx: _exponent_mutant(
        claim, p, ctx, noise="student-t-onesided", alpha=1.5, tail=1.6
    ),
}

POWER = {
    "tau-k^beta": lambda claim, p, ctx, beta: _exponent_mutant(
        claim, p, ctx, _as_theorem4, noise="pareto-onesided", alpha=1.5, beta=beta
    ),
    "tail-mismatch": lambda claim, p, ctx, delta: _exponent_mutant(
        claim, p, ctx, lambda c: replace(c, tail=c.alpha), noise="pareto", alpha=1.8, tail=round(1.8 - delta, 6)
    ),
    "eta-c/(mu k)": lambda claim, p, ctx, c: _exponent_mutant(
        claim, p, ctx, _as_theorem4, noise="pareto", alpha=1.5, step="harmonic", eta=c
    ),
    "settling-tau-k^beta": lambda claim, p, ctx, beta: _settle_mutant(claim, p, ctx, "gclip", beta=beta),
}


def _gap_effect(claim: Claim, profile: Profile, presented, **fields) -> tuple[float, float]:
    """(the mutant's effect on the mean gap's exponent, the tolerance of the rule that judges it) from the finite-k
    models alone, before any run: |slope of the run's set-up - slope of the set-up it is presented as| over the fit
    window at the profile's K, and min(0.05, |presented slope| / 2). NaN where either has no model."""
    cfg = problem_run(claim, 0, method="proj-gclip", K=profile.K, trials=profile.trials, **fields)
    true, shown = model_slope(cfg), model_slope(presented(cfg))
    return abs(true - shown), min(EXPONENT_TOLERANCE, abs(shown) / 2.0)


# each exponent power curve's predicted effect at a strength (``simulate.power``: declared beside the run's result)
EFFECTS = {
    "tau-k^beta": lambda claim, p, beta: _gap_effect(
        claim, p, _as_theorem4, noise="pareto-onesided", alpha=1.5, beta=beta
    ),
    "tail-mismatch": lambda claim, p, delta: _gap_effect(
        claim, p, lambda c: replace(c, tail=c.alpha), noise="pareto", alpha=1.8, tail=round(1.8 - delta, 6)
    ),
    "eta-c/(mu k)": lambda claim, p, c: _gap_effect(
        claim, p, _as_theorem4, noise="pareto", alpha=1.5, step="harmonic", eta=c
    ),
}
