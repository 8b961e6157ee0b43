"""clip-exponent-map: measured vs predicted exponent of E||xbar_k - x*||^2 over a grid of (alpha, beta)."""

import math
from dataclasses import replace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simulate.claims.quadratic import finite_k_model, problem_run
from simulate.publish.figures import save_fig
from simulate.publish.rows import measurement_row, measurements
from simulate.run.config import checkpoints
from simulate.run.context import ClaimOutput, Context
from theory import verdicts
from theory.declarations import Claim
from theory.exponents import clipping_map
from theory.finite_k import local_exponent
from theory.fitting import fit_exponent, smallest_fit_horizon, window_mask
from theory.sequential import resamples

from .claim import JUDGED_BETAS, ClipMapProfile, judged_beta

SMALLEST_K = smallest_fit_horizon(checkpoints)  # the smallest --K whose fit window holds its 3 checkpoints


def cell_row(claim: Claim, cfg, arrays, noise: str | None = None) -> dict:
    """The fitted exponent of E||xbar_k - x*||^2 of one (alpha, beta, noise, tail) cell against e(beta) at alpha,
    with the recursion's finite-k slope and limit; ``noise`` labels the row (default: the run's own noise; a
    negative control presents one noise as another, and the prediction is the presented noise's)."""
    k = arrays["k"]
    noise = noise or cfg.noise
    metric = f"sq_dist_exponent_beta{cfg.beta:g}"
    boots = resamples(claim.judged, metric, 300)
    fit = fit_exponent(k, 2.0 * arrays["avg_gap"] / cfg.mu, "mean", n_boot=boots, seed=cfg.seed)
    curve, limit = finite_k_model(replace(cfg, noise=noise), k)
    return measurement_row(
        claim,
        metric,
        cfg,
        arrays,
        method="proj-gclip",
        noise=noise,
        beta=cfg.beta,
        fitted_exponent=fit.exponent,
        ci_low=fit.ci_low,
        ci_high=fit.ci_high,
        k_min=fit.k_min,
        k_max=fit.k_max,
        finite_k_exponent=local_exponent(k, curve, window_mask(k)),
        limit_exponent=limit,
        drift=fit.drift,
        description="exponent of E||xbar_k - x*||^2",
    )


def _config(claim: Claim, p: ClipMapProfile, seed: int, noise: str, alpha: float, beta: float, tail=None):
    return problem_run(
        claim, seed, method="proj-gclip", noise=noise, alpha=alpha, tail=tail, beta=beta, K=p.K, trials=p.trials
    )


def configs(claim: Claim, p: ClipMapProfile, seed: int) -> list:
    """Every cell at tail = alpha, then the judged cells (one-sided Pareto, beta in the derivation's range) at
    tail = alpha + lighter_tail."""
    cells = [_config(claim, p, seed, noise, a, b) for noise in p.noises for a in p.alphas for b in p.betas]
    return cells + [
        _config(claim, p, seed, "pareto-onesided", a, b, tail=round(a + p.lighter_tail, 6))
        for a in p.alphas
        for b in p.betas
        if "pareto-onesided" in p.noises and JUDGED_BETAS[0] - 1e-9 <= b <= JUDGED_BETAS[1] + 1e-9
    ]


def run(claim: Claim, p: ClipMapProfile, ctx: Context) -> ClaimOutput:
    rates = measurements([cell_row(claim, cfg, arrays) for cfg, arrays, _ in ctx.run(configs(claim, p, ctx.seed))])
    rates = pd.concat([rates, _symmetric_faster(claim, rates)], ignore_index=True)
    figs = [f"{claim.id}_heatmaps.png", f"{claim.id}_slices.png"]
    _heatmaps(claim, rates, p, ctx.figures / figs[0])
    _slices(rates, p, ctx.figures / figs[1])
    cols = [
        "noise",
        "tail",
        "alpha",
        "beta",
        "metric",
        "theory_exponent",
        "fitted_exponent",
        "ci_low",
        "ci_high",
        "finite_k_exponent",
        "limit_exponent",
        "drift",
    ]
    return ClaimOutput(rates, pd.DataFrame(), figs, cols)


def _symmetric_as_onesided(claim: Claim, p: ClipMapProfile, ctx: Context) -> pd.DataFrame:
    """Symmetric Pareto at alpha 1.4, beta 0.4, presented as one-sided (a negative control)."""
    ((cfg, arrays, _),) = ctx.run([_config(claim, p, ctx.seed, "pareto", 1.4, 0.4)])
    return measurements([cell_row(claim, cfg, arrays, noise="pareto-onesided")])


CONTROLS = {"symmetric-as-onesided": _symmetric_as_onesided}


def _symmetric_faster(claim: Claim, rates: pd.DataFrame) -> pd.DataFrame:
    """At beta = 0.2: is symmetric noise measurably faster than one-sided noise (the bias term at work)?"""
    rows = []
    rates = rates[np.isclose(rates["tail"], rates.alpha)]
    for alpha in sorted(rates.alpha.unique()):
        cell = rates[(rates.alpha == alpha) & (rates.beta.round(6) == 0.2)]
        if set(cell.noise) != {"pareto", "pareto-onesided"}:
            continue
        sym = cell[cell.noise == "pareto"].iloc[0]
        one = cell[cell.noise == "pareto-onesided"].iloc[0]
        gap = one.fitted_exponent - sym.fitted_exponent
        half = (sym.ci_high - sym.ci_low) / 2 + (one.ci_high - one.ci_low) / 2
        rows.append(
            measurement_row(
                claim,
                method="proj-gclip",
                noise="pareto vs pareto-onesided",
                tail=alpha,
                alpha=alpha,
                beta=0.2,
                metric="symmetric_faster_beta0.2",
                value=gap,
                ci_low=gap - half,
                ci_high=gap + half,
                k_min=sym.k_min,
                k_max=sym.k_max,
                trials=sym.trials,
                description="one-sided minus symmetric exponent at beta = 0.2; CI half-width = the sum of "
                "both CIs' half-widths",
            )
        )
    return measurements(rows)


def _grid(rates, noise, column, p, dtype=float):
    """``column`` of the tail = alpha rows of ``noise`` as an (alpha, beta) grid (NaN or None where no row)."""
    sel = rates[
        (rates.noise == noise) & rates.metric.str.startswith("sq_dist") & np.isclose(rates["tail"], rates.alpha)
    ]
    g = np.full((len(p.alphas), len(p.betas)), math.nan if dtype is float else None, dtype=dtype)
    for _, r in sel.iterrows():
        g[p.alphas.index(r.alpha), p.betas.index(r.beta)] = r[column]
    return g


VERDICT_MARKS = {"pass": "\u2713", "fail": "\u2717", "inconclusive": "?"}  # check, cross, question mark


def _heatmaps(claim: Claim, rates, p, path) -> None:
    """Measured and predicted exponents per (alpha, beta) cell at tail = alpha on one colour range, their
    difference, and on the measured panel each judged cell's verdict (the claim's own rules applied to these rows:
    \u2713 pass, \u2717 fail, ? inconclusive) inside an outline of the judged region."""
    judged = verdicts.judge(claim.judged, rates)
    fig, axes = plt.subplots(len(p.noises), 3, figsize=(11, 3.3 * len(p.noises)), squeeze=False, layout="constrained")
    for i, noise in enumerate(p.noises):
        measured, predicted = _grid(rates, noise, "fitted_exponent", p), _grid(rates, noise, "theory_exponent", p)
        shared = (np.nanmin([measured, predicted]), np.nanmax([measured, predicted]))
        gap = np.nanmax(np.abs(measured - predicted))
        panels = (
            ("measured", measured, "viridis", shared),
            ("predicted", predicted, "viridis", shared),
            ("measured \u2212 predicted", measured - predicted, "RdBu_r", (-gap, gap)),
        )
        marks = _grid(judged.assign(mark=judged.verdict.map(VERDICT_MARKS)), noise, "mark", p, dtype=object)
        for j, (title, g, cmap, (low, high)) in enumerate(panels):
            ax = axes[i, j]
            ax.grid(False)
            im = ax.imshow(g, origin="lower", aspect="auto", cmap=cmap, vmin=low, vmax=high)
            for (a, b), v in np.ndenumerate(g):
                mark = f"\n{marks[a, b]}" if j == 0 and isinstance(marks[a, b], str) else ""
                # white text on viridis' dark end and on RdBu's saturated ends
                light = v < low + 0.6 * (high - low) if j < 2 else abs(v) > 0.6 * high
                ax.text(b, a, f"{v:.2f}{mark}", ha="center", va="center", fontsize=7, color="w" if light else "k")
            judged_columns = [k for k, beta in enumerate(p.betas) if judged_beta({"beta": beta})]
            if noise == "pareto-onesided" and judged_columns:
                lo, hi = min(judged_columns) - 0.5, max(judged_columns) + 0.5
                ax.add_patch(
                    plt.Rectangle((lo, -0.5), hi - lo, len(p.alphas), fill=False, ec="k", lw=1.5, ls="--", zorder=3)
                )
            ax.set_xticks(range(len(p.betas)), [f"{b:g}" for b in p.betas])
            ax.set_yticks(range(len(p.alphas)), [f"{a:g}" for a in p.alphas])
            ax.set_xlabel(r"clipping exponent $\beta$ ($\tau_k = G k^\beta$)")
            ax.set_ylabel(r"$\alpha$ (= noise tail)")
            ax.set_title(f"{noise}: {title}")
            fig.colorbar(im, ax=ax, shrink=0.9)
    fig.suptitle(
        r"clip-exponent-map: exponent of $E\|\bar x_k - x^\star\|^2$ in $k$"
        + (" (dashed: the judged region; marks: its verdicts)" if "pareto-onesided" in p.noises else "")
    )
    save_fig(fig, path)


def _slices(rates, p, path) -> None:
    shown = [a for a in p.alphas if a in (1.2, 1.6, 2.0)] or list(p.alphas)
    fig, axes = plt.subplots(1, len(shown), figsize=(4.2 * len(shown), 3.8), squeeze=False, layout="constrained")
    beta_line = np.linspace(0, max(p.betas), 200)
    for ax, alpha in zip(axes[0], shown, strict=True):
        for i, noise in enumerate(p.noises):
            sel = rates[(rates.noise == noise) & (rates.alpha == alpha) & rates.metric.str.startswith("sq_dist")]
            lighter = sel[sel["tail"] > alpha + 1e-9]
            if len(lighter):
                ax.errorbar(
                    lighter.beta + 0.01,
                    lighter.fitted_exponent,
                    yerr=np.vstack(
                        [lighter.fitted_exponent - lighter.ci_low, lighter.ci_high - lighter.fitted_exponent]
                    ),
                    fmt="o",
                    mfc="none",
                    ms=4,
                    capsize=2,
                    color=f"C{i}",
                    label=f"measured, {noise}, tail = alpha + {lighter['tail'].iloc[0] - alpha:.1f}",
                )
            sel = sel[np.isclose(sel["tail"], alpha)]
            err = np.vstack([sel.fitted_exponent - sel.ci_low, sel.ci_high - sel.fitted_exponent])
            ax.errorbar(
                sel.beta,
                sel.fitted_exponent,
                yerr=err,
                fmt="o",
                ms=4,
                capsize=2,
                color=f"C{i}",
                label=f"measured, {noise}, tail = alpha",
            )
            ax.plot(sel.beta, sel.finite_k_exponent, "x--", color=f"C{i}", lw=0.8, label=f"finite-k, {noise}")
            biased = noise == "pareto-onesided"
            ax.plot(
                beta_line,
                [clipping_map(alpha, b, biased) for b in beta_line],
                color=f"C{i}",
                lw=1,
                alpha=0.6,
                label=f"predicted, {noise}",
            )
        ax.axvline(1 / alpha, color="k", ls=":", label="beta = 1/alpha")
        ax.set_title(rf"$\alpha$ = {alpha:g}")
        ax.set_xlabel(r"$\beta$")
        ax.set_ylabel("exponent")
    axes[0, 0].legend()
    save_fig(fig, path)
