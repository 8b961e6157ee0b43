"""head-growth-transformer: logit norms and per-class head weights of the pretrained small transformer fine-tuned
with a new head by SignSGD and Signum to tell which of C documents a window comes from, at several C ([T])."""

import math
from functools import cache

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simulate.nets.tokens import Task
from simulate.nets.train import Schedule, train
from simulate.publish.figures import save_fig
from simulate.publish.rows import measurement_row, measurements
from simulate.run.context import ClaimOutput, Context
from simulate.transformer.figures import band, baseline_line, size_figure
from simulate.transformer.gate import exp_ci, paired_ci, trained_gate
from simulate.transformer.ladder import model_line, model_record, net_config
from simulate.transformer.notes import by_ci, pick, with_ci
from simulate.transformer.pretrained import language_model
from theory.declarations import Claim

from .claim import CLASS_COUNTS, GATE, HeadGrowthProfile

TASKS = tuple(Task("words", classes=c, positions="last", target="document") for c in CLASS_COUNTS)
METHODS = ("signsgd", "signum")
STATISTICS = {"logit_norm": "mean held-out logit norm", "head_rms": "||W_head||_F / sqrt(classes)"}


@cache
def measure(p: HeadGrowthProfile, seed: int, store=None) -> dict[str, dict]:
    """Records of SignSGD and Signum (each [trials, checkpoints]) per task, both fine-tuning the pretrained language
    model on the same trials (new heads, minibatches), with the per-class head size ``head_rms``, each method's
    trained gate and its margin."""
    body = language_model(p.pretraining, "pre", True, seed, store).weights(p.pretraining.steps)
    net = p.net
    schedule = Schedule(steps=p.steps, batch=net.batch, every=p.interval, eval_size=p.eval_size)
    out = {}
    for task in TASKS:
        cfg = net_config(net, task)
        _, recs = train(cfg, task, [(m, p.eta) for m in METHODS], p.trials, seed, schedule, start=body)
        out[task.name] = {}
        for i, m in enumerate(METHODS):
            r = {k: v[i] for k, v in recs.items()}
            r["head_rms"] = r["head_norm"] / math.sqrt(task.n_classes)
            r["gate"] = trained_gate(GATE, cfg, task, p.eval_size, seed, r["eval_window_loss"][:, -1])
            r["margin"] = r["gate"].margin
            out[task.name][m] = r
    return out


def _log_ratios(recs: dict, statistic: str, methods) -> np.ndarray:
    a, b = (recs[m][statistic][:, -1] for m in methods)
    return np.log(a / b)


def _judged_rows(claim, m: dict, methods) -> list[dict]:
    rows = []
    for statistic, words in STATISTICS.items():
        logs = np.stack([_log_ratios(m[t.name], statistic, methods) for t in TASKS])  # [tasks, trials]
        for task, log in zip(TASKS, logs, strict=True):
            value, lo, hi = exp_ci(paired_ci(log))
            rows.append(
                measurement_row(
                    claim,
                    f"{statistic}_ratio",
                    method="/".join(methods),
                    noise=task.name,
                    value=value,
                    ci_low=lo,
                    ci_high=hi,
                    trials=log.size,
                    baseline_margin=min(m[task.name][x]["margin"] for x in methods),
                    description=f"final {words}: geometric mean of per-trial ratios, t interval on logs",
                )
            )
        x = np.log(CLASS_COUNTS)
        per_trial = np.polyfit(x, logs, 1)[0]  # one slope per trial (columns)
        value, lo, hi = paired_ci(per_trial)
        rows.append(
            measurement_row(
                claim,
                f"{statistic}_ratio_slope",
                method="/".join(methods),
                noise=", ".join(t.name for t in TASKS),
                value=value,
                ci_low=lo,
                ci_high=hi,
                trials=per_trial.size,
                baseline_margin=min(m[t.name][x]["margin"] for t in TASKS for x in methods),
                description=f"slope of log({words} ratio) against log classes, per trial; t interval",
            )
        )
    return rows


def _rows(claim, p: HeadGrowthProfile, m: dict) -> list[dict]:
    rows = _judged_rows(claim, m, METHODS)
    for task in TASKS:
        for method in METHODS:
            for record in ("logit_norm", "head_rms", "eval_loss"):
                value, lo, hi = paired_ci(m[task.name][method][record][:, -1])
                rows.append(
                    measurement_row(
                        claim,
                        f"final_{record}",
                        method=method,
                        noise=task.name,
                        value=value,
                        ci_low=lo,
                        ci_high=hi,
                        trials=p.trials,
                        k_max=p.steps,
                        baseline_margin=m[task.name][method]["margin"] if record == "eval_loss" else math.nan,
                        description=f"mean over trials, eta {p.eta:g}"
                        + (f"; {m[task.name][method]['gate'].text()}" if record == "eval_loss" else ""),
                    )
                )
    return rows


def _plot(p: HeadGrowthProfile, m: dict, path) -> None:
    steps = np.arange(0, p.steps + 1, p.interval)
    fig, axes = plt.subplots(len(TASKS), 3, figsize=(13, 3.2 * len(TASKS)), layout="constrained", sharex=True)
    for i, task in enumerate(TASKS):
        for j, record in enumerate(("logit_norm", "head_rms", "eval_loss")):
            ax = axes[i, j]
            for k, method in enumerate(METHODS):
                band(ax, steps, m[task.name][method][record], method, f"C{k}")
            if record == "eval_loss":
                baseline_line(ax, task)
            ax.set_title(f"{task.name}: {record}")
            ax.legend()
    for ax in axes[-1]:
        ax.set_xlabel("step")
    fig.suptitle(f"head-growth-transformer ({p.rung} rung): eta {p.eta:g}, median and min-max over {p.trials} trials")
    save_fig(fig, path)


def _plot_against_classes(p: HeadGrowthProfile, m: dict, path) -> None:
    """[T]'s head growth against the class count: each method's final logit norm and per-class head weight size
    (mean and 95% t interval over the trials) at every C."""
    fig, axes = plt.subplots(1, 2, figsize=(6.8, 2.8), layout="constrained")
    for ax, (statistic, words) in zip(axes, STATISTICS.items(), strict=True):
        for k, method in enumerate(METHODS):
            stats = [paired_ci(m[t.name][method][statistic][:, -1]) for t in TASKS]
            mean = np.array([v for v, _, _ in stats])
            err = np.array([[v - lo, hi - v] for v, lo, hi in stats]).T
            ax.errorbar(CLASS_COUNTS, mean, yerr=err, fmt="o-", ms=4, color=f"C{k}", label=method)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("classes C (documents)")
        ax.set_ylabel(words)
    axes[0].legend()
    fig.suptitle(f"head-growth-transformer ({p.rung} rung): after {p.steps} fine-tuning steps, eta {p.eta:g}")
    save_fig(fig, path)


def run(claim: Claim, p: HeadGrowthProfile, ctx: Context) -> ClaimOutput:
    m = measure(p, ctx.seed, ctx.cache)
    figs = [f"{claim.id}_curves.png", f"{claim.id}_size.png", f"{claim.id}_against_classes.png"]
    _plot(p, m, ctx.figures / figs[0])
    _plot_against_classes(p, m, ctx.figures / figs[2])
    rates = measurements(_rows(claim, p, m))
    earlier = ctx.earlier.get(claim.id, {})
    net = p.net
    ladder = size_figure(claim, p.rung, net_config(net, TASKS[-1]), rates, earlier, ctx.figures / figs[1])
    cols = ["method", "noise", "metric", "value", "ci_low", "ci_high", "baseline_margin", "trials"]
    record = model_record(p.rung, ladder, **{task.name: net_config(net, task) for task in TASKS})
    return ClaimOutput(rates, pd.DataFrame(), figs, cols, _reading(p, m, rates) + "\n\n" + model_line(record), record)


def _reading(p: HeadGrowthProfile, m: dict, rates: pd.DataFrame) -> str:
    """What this run shows against [T], every number from ``rates``."""
    ratios = {(s, t.name): pick(rates, f"{s}_ratio", noise=t.name) for s in STATISTICS for t in TASKS}
    slopes = {s: pick(rates, f"{s}_ratio_slope") for s in STATISTICS}
    gates = "; ".join(f"{t.name}, {x}: {m[t.name][x]['gate'].text()}" for t in TASKS for x in METHODS)
    lines = [
        f"| {t.name} | {with_ci(ratios['logit_norm', t.name])} | {with_ci(ratios['head_rms', t.name])} |" for t in TASKS
    ]
    table = "\n".join(["| task | logit-norm ratio | per-class head ratio |", "|---|---|---|", *lines])
    many = TASKS[-1].name
    return f"""### What this run shows against [T]

SignSGD over Signum after {p.steps} fine-tuning steps at eta {p.eta:g}, from the language model pretrained for
{p.pretraining.steps} Adam steps (geometric means, 95% CI):

{table}

With {many} SignSGD's logit norms are {
        by_ci(ratios["logit_norm", many], 1, "larger than", "smaller than", "not told apart from")
    } Signum's and its per-class head weights {
        by_ci(ratios["head_rms", many], 1, "larger than", "smaller than", "not told apart from")
    } Signum's. Slope of the log ratio against log classes: logit norms {with_ci(slopes["logit_norm"])}, head weights
{with_ci(slopes["head_rms"])} ([T] expects the excess to grow with the class count). The fine-tuned models against
the uniform prior log C on the same {p.eval_size} held-out windows (trained below -{GATE.margin:g} nats; rows are
judged only when all their models are): {gates}.

A sign method moves every head coordinate by eta at every step, so the head grows wherever the signs of a
coordinate's gradient persist; momentum averages signs that flip. The synthetic claim `het-linear-head-momentum`
isolates the rare-class mechanism [T] describes; here the class count changes the head and the task together."""


def _momentum_swapped(claim: Claim, p: HeadGrowthProfile, ctx: Context) -> pd.DataFrame:
    """Signum's runs in SignSGD's place and SignSGD's in Signum's: every ratio inverted."""
    m = measure(p, ctx.seed, ctx.cache)
    swapped = {t.name: {"signsgd": m[t.name]["signum"], "signum": m[t.name]["signsgd"]} for t in TASKS}
    return measurements(_judged_rows(claim, swapped, METHODS))


CONTROLS = {"momentum-swapped": _momentum_swapped}
