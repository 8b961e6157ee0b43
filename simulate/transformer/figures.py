"""Figures the small-transformer claims share: training-curve bands, the count baseline across a loss panel, and
each judged statistic against the model's size over the rungs of the ladder run into one output folder."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import NullFormatter

from simulate.nets import model, tokens
from simulate.publish.figures import save_fig
from simulate.transformer.ladder import RUNGS, parameter_count
from simulate.transformer.notes import judged_rows


def band(ax, steps: np.ndarray, curves: np.ndarray, label: str, colour: str) -> None:
    """Median over trials with the min-max band of ``curves`` [trials, checkpoints]."""
    ax.plot(steps, np.median(curves, axis=0), color=colour, label=label)
    ax.fill_between(steps, curves.min(axis=0), curves.max(axis=0), color=colour, alpha=0.2, lw=0)


def baseline_line(ax, task: tokens.Task) -> None:
    """The task's count baseline over the held-out part as a dashed line across a held-out-loss panel."""
    kind = "uniform prior" if task.target == "document" else "count bigram"
    ax.axhline(tokens.bigram_baseline(task), color="k", ls="--", lw=1, label=f"{kind} ({task.name})")


LADDER_COLUMNS = ["metric", "method", "noise", "k_max", "value", "ci_low", "ci_high"]


def size_ladder(claim, rung: str, parameters: int, rates: pd.DataFrame, earlier: dict) -> dict[str, dict]:
    """The claim's judged statistics per rung of the ladder: this run's (``rung``, ``parameters``, the judged rows
    of ``rates``) with those of the other rungs run earlier into the same output folder (``earlier``: the folder's
    provenance record of the claim, ``Context.earlier``), ordered quick, default, full. Each entry: parameters and
    rows (``LADDER_COLUMNS``); provenance.json keeps it, so that a later run of another rung adds its points."""
    before = earlier.get("model", {}).get("ladder", {}) if isinstance(earlier, dict) else {}
    rows = judged_rows(claim, rates)[LADDER_COLUMNS]
    mine = {"parameters": int(parameters), "rows": rows.astype(object).where(rows.notna(), None).to_dict("records")}
    merged = {r: e for r, e in before.items() if r in RUNGS and r != rung} | {rung: mine}
    return {r: merged[r] for r in RUNGS if r in merged}


def size_figure(claim, rung: str, cfg: model.NetConfig, rates: pd.DataFrame, earlier: dict, path) -> dict:
    """``size_ladder`` for this run (the parameters of ``cfg``) drawn by ``plot_against_size`` into ``path``;
    returns the ladder for the claim's provenance."""
    ladder = size_ladder(claim, rung, parameter_count(cfg), rates, earlier)
    plot_against_size(claim, ladder, path)
    return ladder


def plot_against_size(claim, ladder: dict[str, dict], path) -> None:
    """Each judged statistic of the claim (value and 95% CI) against the model's parameter count, one point per
    rung run into this output folder (``size_ladder``), one panel per judged metric."""
    metrics = list(dict.fromkeys(j.metric for j in claim.judged))
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.8), layout="constrained", squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        keys: list[str] = []
        for rung, entry in ladder.items():
            rows = [r for r in entry["rows"] if r["metric"] == metric]
            # checkpoints by their place in the rung (initialisation, then 1, 2, ...), so that rungs of different
            # lengths line up in the legend
            steps = sorted({r["k_max"] for r in rows if r["k_max"] is not None and r["k_max"] > 0})
            for r in rows:
                key = f"{r['method']}, {r['noise']}"
                if r["k_max"] is not None:
                    key += ", init" if r["k_max"] == 0 else f", checkpoint {steps.index(r['k_max']) + 1}"
                new = key not in keys
                keys += [key] if new else []
                i = keys.index(key)
                x = entry["parameters"] * 10 ** (0.012 * (i - 6))  # side by side, not on top of each other
                low = r["value"] - r["ci_low"] if r["ci_low"] is not None else 0
                high = r["ci_high"] - r["value"] if r["ci_high"] is not None else 0
                ax.errorbar(
                    x, r["value"], yerr=[[low], [high]], fmt="o", ms=4, color=f"C{i % 10}", label=key if new else None
                )
            ax.annotate(
                rung,
                (entry["parameters"], 1.0),
                xycoords=("data", "axes fraction"),
                ha="center",
                va="bottom",
                fontsize=7,
            )
        target = next(j.rule.target for j in claim.judged if j.metric == metric)
        for t in np.atleast_1d(target):
            ax.axhline(float(t), color="k", ls="--", lw=0.8)
        ax.set_xscale("log")
        sizes = [e["parameters"] for e in ladder.values()]
        ax.set_xlim(min(sizes) / 2.5, max(sizes) * 2.5)
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("parameters (the rung's first model)")
        ax.set_title(metric, pad=12)
        if keys:
            ax.legend()
    fig.suptitle(f"{claim.id}: judged statistics against model size, per rung run (dashed: the rules' thresholds)")
    save_fig(fig, path)
