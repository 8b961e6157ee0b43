"""What the four small-transformer experiments share: the model of a rung for a task, tuned training runs, the
count-bigram gate, paired and unpaired confidence intervals, final-loss rows, training-curve bands and the
statistic-against-model-size figure."""

import math
from dataclasses import dataclass

import jax
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import NullFormatter
from scipy import stats

from simulate.claims.small_transformer.shapes import WIDEN_POINTS, WIDEN_ROUNDS, NetShape, NetTrainingProfile
from simulate.nets import model, tokens
from simulate.nets.train import Schedule, eval_batch, train
from simulate.publish import report
from theory import confidence
from theory.declarations import TrainedGate

RUNGS = ("quick", "default", "full")


def model_record(rung: str, ladder: dict, **configs: model.NetConfig) -> dict:
    """What provenance.json records of a claim's transformer: the rung, JAX's backend and device, the parameter
    count of each named configuration, and the judged statistics of every rung run into the folder (``ladder``)."""
    return {
        "rung": rung,
        "backend": jax.default_backend(),
        "device": jax.devices()[0].device_kind,
        "parameters": {name: parameter_count(cfg) for name, cfg in configs.items()},
        "ladder": ladder,
    }


def model_line(record: dict) -> str:
    """The model record in a sentence, for the claim's REPORT section."""
    counts = ", ".join(f"{name} {n:,} parameters" for name, n in record["parameters"].items())
    return (
        f"Verdicts from the `{record['rung']}` rung of the scale ladder. Model: {counts}; JAX backend "
        f"{record['backend']} ({record['device']})."
    )


def net_config(shape: NetShape, task: tokens.Task, **changes) -> model.NetConfig:
    """The transformer of ``shape`` for ``task`` (``changes``: ln, attention, inputs)."""
    return model.NetConfig(
        vocab=task.vocab,
        n_classes=task.n_classes,
        seq_len=shape.seq_len,
        d_model=shape.d_model,
        heads=shape.heads,
        layers=shape.layers,
        mlp=shape.mlp,
        positions=task.positions,
        **changes,
    )


def parameter_count(cfg: model.NetConfig) -> int:
    """Number of scalar parameters of the model."""
    return sum(math.prod(s) for s in model.shapes(cfg).values())


def paired_ci(differences) -> tuple[float, float, float]:
    """Mean of paired differences and its 95% Student-t interval."""
    d = np.asarray(differences, dtype=float)
    ci = stats.ttest_1samp(d, 0.0).confidence_interval(confidence.level())
    return float(d.mean()), float(ci.low), float(ci.high)


def welch_ci(a, b) -> tuple[float, float, float]:
    """mean(a) - mean(b) of two independent samples and its 95% Welch t interval."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(confidence.level())
    return float(a.mean() - b.mean()), float(ci.low), float(ci.high)


def exp_ci(centre_low_high: tuple[float, float, float]) -> tuple[float, float, float]:
    """A (value, low, high) on the log scale mapped back: a ratio of geometric means and its interval."""
    return tuple(float(math.exp(v)) for v in centre_low_high)


@dataclass(frozen=True)
class GateResult:
    """A model against its trained gate: the mean paired difference model - count baseline over the held-out
    windows (nats) with its 95% t interval, and the gate's ``margin`` (nats; > 0: trained). Rows about trained
    models carry the smallest margin of their models as ``baseline_margin``; the verdict layer's ``untrained`` rule
    holds such a row inconclusive unless it is positive."""

    difference: float
    ci_low: float
    ci_high: float
    margin: float
    floor: bool

    @property
    def trained(self) -> bool:
        return self.margin > 0

    def text(self) -> str:
        """The gate's outcome in a few words, for descriptions and notes."""
        kind = "at its floor" if self.floor else "trained"
        verdict = kind if self.trained else f"not {kind}"
        return f"model - baseline {self.difference:+.3f} [{self.ci_low:+.3f}, {self.ci_high:+.3f}] nats: {verdict}"


def trained_gate(
    gate: TrainedGate, cfg: model.NetConfig, task: tokens.Task, eval_size: int, seed: int, window_losses, floor=False
) -> GateResult:
    """``gate`` applied to a model's held-out loss per window (``window_losses``: [windows], or [trials, windows]
    averaged over the trials) on the held-out batch every trial of ``seed`` is scored on (``train.eval_batch``),
    paired with the task's count baseline on the same windows. ``floor``: the model cannot use context, and is
    gated on reaching the baseline (``TrainedGate.floor_tolerance``)."""
    x, y = eval_batch(cfg, task, eval_size, seed)
    model_losses = np.atleast_2d(np.asarray(window_losses, dtype=np.float64)).mean(axis=0)
    if model_losses.shape != (len(y),):
        raise ValueError(f"window_losses of shape {np.shape(window_losses)} do not match {len(y)} held-out windows")
    difference, low, high = paired_ci(model_losses - tokens.baseline_losses(task, x, y))
    if floor:
        if gate.floor_tolerance is None:
            raise ValueError("this claim's trained gate declares no floor tolerance")
        margin = gate.floor_tolerance - max(abs(low), abs(high))
    else:
        margin = -gate.margin - high
    return GateResult(difference, low, high, float(margin), floor)


@dataclass
class Tuned:
    """One method after tuning: its chosen eta, whether it sits at an edge of its (widened) grid, the median tuning
    loss of every eta tried, the reported trials' records (each [trials, checkpoints]) and final parameters (each
    [trials, ...]), its task, and its reported trials' final weights against the claim's trained gate."""

    method: str
    eta: float
    at_edge: bool
    scores: dict[float, float]
    records: dict[str, np.ndarray]
    params: dict[str, np.ndarray]
    task: tokens.Task
    gate: GateResult

    @property
    def final_loss(self) -> np.ndarray:
        """Final held-out loss (nats) of every reported trial."""
        return self.records["eval_loss"][:, -1]

    @property
    def margin(self) -> float:
        """The trained gate's margin (nats; > 0: trained) of the reported trials."""
        return self.gate.margin


def _finite_or_inf(x: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(x), x, np.inf)


def _widened(grid: list[float], best: int) -> list[float]:
    """``WIDEN_POINTS`` new etas beyond the edge of ``grid`` (sorted) where ``best`` sits, at the grid's ratio."""
    if best == 0:
        ratio = grid[1] / grid[0]
        return [float(f"{grid[0] / ratio**i:.4g}") for i in range(1, WIDEN_POINTS + 1)]
    ratio = grid[-1] / grid[-2]
    return [float(f"{grid[-1] * ratio**i:.4g}") for i in range(1, WIDEN_POINTS + 1)]


def tuned_training(
    p: NetTrainingProfile,
    cfg: model.NetConfig,
    task: tokens.Task,
    seed: int,
    options: dict,
    gate: TrainedGate,
    start: dict | None = None,
) -> dict[str, Tuned]:
    """Every method of ``p.grids`` at every eta of its grid on trials 0 .. tune_trials - 1; per method, the eta with
    the smallest median final held-out loss (a diverged run counts as +inf), the grid widened by the declared rule
    (``shapes.WIDEN_POINTS``, ``WIDEN_ROUNDS``) while the best eta sits at an edge; then every method at its eta on
    the ``trials`` further trials that are reported, each method's final weights checked against ``gate``. With
    ``start`` (a pretrained model's tensors) every run fine-tunes it with a new head (``train.train``)."""
    schedule = Schedule(
        steps=p.steps, batch=p.net.batch, every=p.interval, eval_size=p.eval_size, clip_norm=p.clip_norm
    )
    grids = {m: sorted(g) for m, g in p.grids}
    every = tuple(sorted(grids))  # one compiled program for every round (with a fixed group, one shape too)
    scores: dict[str, dict[float, float]] = {m: {} for m in grids}
    pending = [(m, eta) for m, g in grids.items() for eta in g]
    common = dict(group=p.run_group, methods=every, start=start)
    for round_ in range(WIDEN_ROUNDS + 1):
        _, recs = train(cfg, task, pending, p.tune_trials, seed, schedule, options, **common)
        for i, (m, eta) in enumerate(pending):
            scores[m][eta] = float(np.median(_finite_or_inf(recs["eval_loss"][i, :, -1])))
        pending = []
        for m, grid in grids.items():
            best = int(np.argmin([scores[m][e] for e in grid]))
            if best in (0, len(grid) - 1) and round_ < WIDEN_ROUNDS:
                new = _widened(grid, best)
                grids[m] = sorted(grid + new)
                pending += [(m, eta) for eta in new]
        if not pending:
            break
    chosen = {m: min(grid, key=lambda e, m=m: scores[m][e]) for m, grid in grids.items()}
    runs = list(chosen.items())
    params, recs = train(cfg, task, runs, p.trials, seed, schedule, options, first_trial=p.tune_trials, **common)
    return {
        m: Tuned(
            method=m,
            eta=eta,
            at_edge=eta in (grids[m][0], grids[m][-1]),
            scores=dict(sorted(scores[m].items())),
            records={k: v[i] for k, v in recs.items()},
            params={k: v[i] for k, v in params.items()},
            task=task,
            gate=trained_gate(gate, cfg, task, p.eval_size, seed, recs["eval_window_loss"][i, :, -1]),
        )
        for i, (m, eta) in enumerate(runs)
    }


def eta_note(t: Tuned) -> str:
    """How a tuned eta reads in a row's description."""
    return f"{t.method} eta {t.eta:g}" + (" (edge of its widened grid)" if t.at_edge else "")


def final_loss_rows(claim, tuned: dict[str, Tuned], noise: str, steps: int, suffix: str = "") -> list[dict]:
    """One ``final_loss`` row per tuned method: the mean final held-out loss over the reported trials, t interval,
    with the task's count-bigram baseline in the description and the margin in ``baseline_margin``."""
    rows = []
    for method, t in tuned.items():
        value, lo, hi = paired_ci(t.final_loss)
        rows.append(
            report.measurement_row(
                claim,
                "final_loss" + suffix,
                method=method,
                noise=noise,
                value=value,
                ci_low=lo,
                ci_high=hi,
                trials=len(t.final_loss),
                k_max=steps,
                baseline_margin=t.margin,
                description=f"mean final held-out loss (nats), t interval; {eta_note(t)}; {t.gate.text()}",
            )
        )
    return rows


def band(ax, steps: np.ndarray, curves: np.ndarray, label: str, colour: str) -> None:
    """Median over trials with the min-max band of ``curves`` [trials, checkpoints]."""
    ax.plot(steps, np.median(curves, axis=0), color=colour, label=label)
    ax.fill_between(steps, curves.min(axis=0), curves.max(axis=0), color=colour, alpha=0.2, lw=0)


def baseline_line(ax, task: tokens.Task) -> None:
    """The task's count baseline over the held-out part as a dashed line across a held-out-loss panel."""
    kind = "uniform prior" if task.target == "document" else "count bigram"
    ax.axhline(tokens.bigram_baseline(task), color="k", ls="--", lw=1, label=f"{kind} ({task.name})")


def pool(
    cfg: model.NetConfig, task: tokens.Task, size: int, seed: int, inputs: str = "text"
) -> tuple[jax.Array, jax.Array]:
    """A fixed pool of training windows and labels (Gaussian inputs in place of the tokens with ``inputs``)."""
    key = jax.random.fold_in(jax.random.key(seed), 2**31 - 2)
    x, y = tokens.batch(key, task, size, tokens.window_length(task, cfg.seq_len))
    if inputs == "gaussian":
        x = model.gaussian_inputs(jax.random.fold_in(key, 1), cfg, size)
    return x, y


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
    report.save_fig(fig, path)


def pick(rates, metric: str, **match) -> dict:
    """The one row of ``rates`` with this metric and these column values, as a dict (for rendering notes)."""
    sel = rates[rates.metric == metric]
    for column, value in match.items():
        sel = sel[sel[column] == value]
    if len(sel) != 1:
        raise ValueError(f"{len(sel)} rows match metric={metric!r}, {match}; expected one")
    return sel.iloc[0].to_dict()


def with_ci(r: dict, digits: int = 3) -> str:
    """``value [low, high]`` of a row, for the rendered notes."""
    return f"{r['value']:.{digits}g} [{r['ci_low']:.{digits}g}, {r['ci_high']:.{digits}g}]"


def by_ci(r: dict, threshold: float, above: str, below: str, neither: str) -> str:
    """The phrase that matches where the row's 95% CI lies relative to ``threshold``."""
    if r["ci_low"] > threshold:
        return above
    if r["ci_high"] < threshold:
        return below
    return neither


def judged_rows(claim, rates: pd.DataFrame) -> pd.DataFrame:
    """The rows of a measurement table that one of the claim's declarations judges."""
    keep = [any(j.matches(r) for j in claim.judged) for _, r in rates.iterrows()]
    return rates[keep].reset_index(drop=True)
