"""head-growth-transformer: ||W_head|| and logit norms of the small transformer under SignSGD and Signum, on a
few-class and a many-class task from the same text ([T])."""

from functools import cache

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simulate.claims.small_transformer.common import (
    band,
    by_ci,
    exp_ci,
    model_line,
    model_record,
    net_config,
    paired_ci,
    pick,
    welch_ci,
    with_ci,
)
from simulate.nets import data
from simulate.nets.train import Schedule, train
from simulate.publish import report
from simulate.run.context import ClaimOutput, Context
from theory.declarations import Claim

from .claim import HeadGrowthProfile

TASKS = ("char-kind", "next-char")  # few classes, many classes
METHODS = ("signsgd", "signum")


@cache
def measure(p: HeadGrowthProfile, seed: int) -> dict[str, dict]:
    """Records of SignSGD and Signum (each [trials, checkpoints]) per task, both on the same trials."""
    schedule = Schedule(steps=p.steps, batch=p.net.batch, every=p.every)
    out = {}
    for task in TASKS:
        _, recs = train(net_config(p.net, task), task, [(m, p.eta) for m in METHODS], p.trials, seed, schedule)
        out[task] = {m: {k: v[i] for k, v in recs.items()} for i, m in enumerate(METHODS)}
    return out


def _log_ratios(recs: dict, methods) -> np.ndarray:
    a, b = (recs[m]["head_norm"][:, -1] for m in methods)
    return np.log(a / b)


def _judged_rows(claim, m: dict, methods) -> list[dict]:
    rows = []
    logs = {task: _log_ratios(m[task], methods) for task in TASKS}
    for task in TASKS:
        value, lo, hi = exp_ci(paired_ci(logs[task]))
        rows.append(
            report.measurement_row(
                claim,
                "head_norm_ratio",
                method="/".join(methods),
                noise=task,
                value=value,
                ci_low=lo,
                ci_high=hi,
                trials=len(logs[task]),
                description=f"final ||W_head||_F, {data.n_classes(task)} classes: "
                "geometric mean of per-trial ratios, t interval on logs",
            )
        )
    value, lo, hi = exp_ci(welch_ci(logs["next-char"], logs["char-kind"]))
    rows.append(
        report.measurement_row(
            claim,
            "head_norm_ratio_many_over_few",
            method="/".join(methods),
            noise="next-char vs char-kind",
            value=value,
            ci_low=lo,
            ci_high=hi,
            trials=len(logs["next-char"]),
            description="the 103-class ratio over the 5-class ratio, Welch t interval on logs",
        )
    )
    return rows


def _rows(claim, p: HeadGrowthProfile, m: dict) -> list[dict]:
    rows = _judged_rows(claim, m, METHODS)
    for task in TASKS:
        for method in METHODS:
            for record in ("head_norm", "logit_norm", "eval_loss"):
                value, lo, hi = paired_ci(m[task][method][record][:, -1])
                rows.append(
                    report.measurement_row(
                        claim,
                        f"final_{record}",
                        method=method,
                        noise=task,
                        value=value,
                        ci_low=lo,
                        ci_high=hi,
                        trials=p.trials,
                        k_max=p.steps,
                        description=f"mean over trials, eta {p.eta:g}",
                    )
                )
    return rows


def _plot(p: HeadGrowthProfile, m: dict, path) -> None:
    steps = np.arange(0, p.steps + 1, p.every)
    fig, axes = plt.subplots(2, 3, figsize=(13, 7), layout="constrained", sharex=True)
    for i, task in enumerate(TASKS):
        for j, record in enumerate(("head_norm", "logit_norm", "eval_loss")):
            ax = axes[i, j]
            for k, method in enumerate(METHODS):
                band(ax, steps, m[task][method][record], method, f"C{k}")
            ax.set_title(f"{task} ({data.n_classes(task)} classes): {record}")
        axes[i, 0].legend(fontsize=7)
    for ax in axes[1]:
        ax.set_xlabel("step")
    fig.suptitle(f"head-growth-transformer: eta {p.eta:g}, median and min-max over {p.trials} trials")
    report.save_fig(fig, path)


def run(claim: Claim, p: HeadGrowthProfile, ctx: Context) -> ClaimOutput:
    m = measure(p, ctx.seed)
    figs = [f"{claim.id}_curves.png"]
    _plot(p, m, ctx.figures / figs[0])
    rates = report.measurements(_rows(claim, p, m))
    cols = ["method", "noise", "metric", "value", "ci_low", "ci_high", "trials"]
    record = model_record(**{task: net_config(p.net, task) for task in TASKS})
    return ClaimOutput(rates, pd.DataFrame(), figs, cols, _reading(p, rates) + "\n\n" + model_line(record), record)


def _reading(p: HeadGrowthProfile, rates: pd.DataFrame) -> str:
    """What this run shows against [T], every number from ``rates``."""
    few, many = (pick(rates, "head_norm_ratio", noise=t) for t in TASKS)
    both = pick(rates, "head_norm_ratio_many_over_few")
    norms = {(t, x): pick(rates, "final_head_norm", method=x, noise=t)["value"] for t in TASKS for x in METHODS}
    loss = {(t, x): pick(rates, "final_eval_loss", method=x, noise=t)["value"] for t in TASKS for x in METHODS}
    n_few, n_many = (data.n_classes(t) for t in TASKS)
    return f"""### What this run shows against [T]

After {p.steps} steps at eta {p.eta:g}, ||W_head||_F is {norms["next-char", "signsgd"]:.3g} under SignSGD and
{norms["next-char", "signum"]:.3g} under Signum with {n_many} classes (ratio {with_ci(many)}), and
{norms["char-kind", "signsgd"]:.3g} against {norms["char-kind", "signum"]:.3g} with {n_few} classes (ratio
{with_ci(few)}). Without momentum the head {by_ci(many, 1, "grows more", "grows less", "is not told apart")} with
{n_many} classes; the excess is {by_ci(both, 1, "larger", "smaller", "not resolved as different")} with {n_many}
classes than with {n_few} (ratio of ratios {with_ci(both)}), where [T] expects it larger with many classes.
Held-out losses (SignSGD, Signum): {loss["next-char", "signsgd"]:.3f}, {loss["next-char", "signum"]:.3f} with
{n_many} classes; {loss["char-kind", "signsgd"]:.3f}, {loss["char-kind", "signum"]:.3f} with {n_few}.

A sign method moves every head coordinate by eta at every step, so the norm grows wherever the signs of a
coordinate's gradient persist, whatever the class count; momentum averages signs that flip. The synthetic claim
`het-linear-head-momentum` isolates the rare-class mechanism [T] describes; here the class count is only one of the
differences between the two tasks (they also differ in difficulty and in the head's size)."""


def _no_momentum(claim: Claim, p: HeadGrowthProfile, ctx: Context) -> pd.DataFrame:
    """Signum replaced by SignSGD: both sides of every ratio are SignSGD."""
    m = measure(p, ctx.seed)
    same = {task: {"signsgd": m[task]["signsgd"], "signum": m[task]["signsgd"]} for task in TASKS}
    return report.measurements(_judged_rows(claim, same, METHODS))


CONTROLS = {"no-momentum": _no_momentum}
