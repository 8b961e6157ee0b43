"""attention-noise-2x2: minibatch gradient-noise norms of the small transformer with and without attention, on text
and on Gaussian input, against the Gaussian reference of the same covariance ([Z] Fig. 1, 2, 4, 5)."""

import math
from functools import cache

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import stats

from simulate.memory import release_memory
from simulate.nets import model, noise
from simulate.nets.tokens import Task, bigram_baseline
from simulate.publish.figures import save_fig
from simulate.publish.rows import measurement_row, measurements
from simulate.run.context import ClaimOutput, Context
from simulate.transformer.figures import size_figure
from simulate.transformer.gate import trained_gate
from simulate.transformer.ladder import model_line, model_record, net_config, pool
from simulate.transformer.notes import by_ci, with_ci
from simulate.transformer.pretrained import LanguageModel, Pretraining, language_model
from theory import confidence, tail_index
from theory.declarations import Claim
from theory.fitting import slopes
from theory.mean_square import bootstrap

from .claim import GATE, HEAVY_TAIL_THRESHOLD, NetNoiseProfile

# (cell label, attention, inputs)
CELLS = (
    ("attention/text", True, "text"),
    ("attention/gaussian", True, "gaussian"),
    ("no-attention/text", False, "text"),
    ("no-attention/gaussian", False, "gaussian"),
)
MODELS = (("attention", True), ("no-attention", False))  # trained on text; fed text or Gaussian input
TASKS = (Task("words"), Task("chars"), Task("words", positions="last"))  # judged, judged, beside
JUDGED_TASKS = TASKS[:2]
TRAINED_CELL = "attention/text"
ESTIMATOR_BOOT = 200  # resamples for the tail-index intervals (info rows; each resample re-sorts the sample)
COORDINATE_BATCH = 8  # the minibatch whose noise coordinates give [Z] Fig. 5's per-coordinate view


def spread(norms: np.ndarray) -> np.ndarray:
    """q99 / median along the last axis: how far out the tail reaches in units of the typical norm."""
    q = np.quantile(norms, [0.5, 0.99], axis=-1)
    return q[1] / q[0]


def spread_ratio_ci(a: np.ndarray, b: np.ndarray, n_boot: int, seed: int) -> tuple[float, float, float]:
    """spread(a) / spread(b) and its 95% percentile bootstrap interval (a and b resampled independently)."""
    rng = np.random.default_rng(seed)
    boot = spread(a[rng.integers(0, a.size, (n_boot, a.size))]) / spread(b[rng.integers(0, b.size, (n_boot, b.size))])
    lo, hi = np.quantile(boot, confidence.tails())
    return float(spread(a) / spread(b)), float(lo), float(hi)


@cache  # one function per configuration, so that the jitted per-example gradients compile once for it
def _loss(cfg):
    return lambda p, x, y: model.loss(p, cfg, x, y)


def stages(p: NetNoiseProfile, task: Task) -> tuple[int, ...]:
    """The checkpoints at which ``task``'s noise is measured: all three on the judged tasks, the first and the last
    for the variant beside them."""
    steps = p.train_steps(task.tokenisation)
    return steps if task in JUDGED_TASKS else (steps[0], steps[-1])


def _trained_task(task: Task) -> Task:
    """The task a model is trained on: the measured task's tokens, with the loss at every position."""
    return Task(task.tokenisation)


def pretraining(p: NetNoiseProfile, tokenisation: str) -> Pretraining:
    """How the two models of ``tokenisation`` are trained (the words models are the ones the fine-tuning claims
    start from, when their sizes agree)."""
    steps = p.train_steps(tokenisation)[-1]
    return Pretraining(net=p.net, tokenisation=tokenisation, steps=steps, eta=p.train_eta, eval_size=p.eval_size)


def _training(p: NetNoiseProfile, task: Task, attention: bool, seed: int, store) -> tuple[LanguageModel, dict]:
    """The Adam-trained model (trial 0) on ``task`` and its trained gate (``GATE``; a model without attention gated
    on its floor) at each trained checkpoint."""
    lm = language_model(pretraining(p, task.tokenisation), "pre", attention, seed, store)
    gates = {
        step: trained_gate(GATE, lm.cfg, task, p.eval_size, seed, lm.window_losses(step), floor=not attention)
        for step in lm.pretraining.checkpoints[1:]
    }
    return lm, gates


@cache
def measure(p: NetNoiseProfile, seed: int, store=None) -> dict:
    """Noise and reference norms per (task, cell, B, step), the per-coordinate noise of one minibatch per cell at
    initialisation (words), each trained checkpoint's trained gate (``GATE``; None at initialisation), and the
    training records (memoised: the run and its control share one measurement)."""
    rng = np.random.default_rng(seed)
    out = {"norms": {}, "coords": {}, "gate": {}, "records": {}}
    for task in TASKS:
        for arch, attention in MODELS:
            lm, gates = _training(p, _trained_task(task), attention, seed, store)
            out["records"][task.name, arch] = lm.records
            for step in p.train_steps(task.tokenisation):
                if step not in stages(p, task):
                    continue
                params = lm.weights(step)
                out["gate"][task.name, arch, step] = gates.get(step)
                for label, a, inputs in CELLS:
                    if a != attention:
                        continue
                    cfg = net_config(p.net, task, attention=attention, inputs=inputs)
                    x, y = pool(cfg, task, p.pool, seed, inputs)
                    coordinates = task == TASKS[0] and step == 0
                    counts = np.bincount(rng.integers(0, p.pool, COORDINATE_BATCH), minlength=p.pool)[None]
                    G, _, combined = noise.gram_by_blocks(
                        _loss(cfg), params, x, y, combine=counts if coordinates else None, block_bytes=p.block_bytes
                    )
                    for B in p.batches:
                        out["norms"][task.name, label, B, step] = (
                            noise.minibatch_noise_norms(G, B, p.draws, rng),
                            noise.gaussian_reference_norms(G, B, p.draws, rng),
                        )
                    if coordinates:
                        # in a random order: the tensors' coordinates come in blocks of like scale, and Mohammadi's
                        # estimator (block sums) and the bootstrap both assume exchangeable samples
                        out["coords"][label] = rng.permutation(combined[0] / COORDINATE_BATCH)
                    if coordinates and label == TRAINED_CELL:  # a second, independent draw for the control
                        out["reference_again"] = noise.gaussian_reference_norms(G, 1, p.draws, rng)
                    del G
            release_memory()  # the next model reuses none of this one's compiled programs or buffers
    return out


def _estimate(estimator, x: np.ndarray, seed: int) -> dict:
    """A tail-index estimate with its 95% percentile bootstrap interval (``ESTIMATOR_BOOT`` resamples)."""
    low, high = bootstrap(estimator, x, ESTIMATOR_BOOT, seed)
    return dict(value=float(estimator(x)), ci_low=low, ci_high=high)


def _running_variance_slope(x: np.ndarray) -> float:
    """Slope of log(running variance of x[:n]) against log n over the last decade of n."""
    n = np.unique(np.round(np.logspace(1, math.log10(x.size), 40)).astype(int))
    s1, s2 = np.cumsum(x)[n - 1], np.cumsum(x * x)[n - 1]
    var = (s2 - s1 * s1 / n) / (n - 1)
    window = n >= x.size / 10
    return float(slopes(np.log(n[window]), np.log(var[window])))


def _noise_label(task: Task, B: int) -> str:
    return f"{task.name}, B={B}"


def _excess_row(claim, task, label, B, step, noise_norms, ref_norms, p, seed, margin) -> dict:
    value, lo, hi = spread_ratio_ci(noise_norms, ref_norms, p.n_boot, seed)
    return measurement_row(
        claim,
        "noise_spread_excess",
        method=label,
        noise=_noise_label(task, B),
        value=value,
        ci_low=lo,
        ci_high=hi,
        trials=p.draws,
        k_max=step,
        baseline_margin=margin,
        description=f"q99/median of ||xi_B|| over that of the Gaussian reference, step {step}, pool {p.pool}",
    )


def _detail_rows(claim, label, B, xi, ref, p, seed) -> list[dict]:
    """Info rows of one cell at initialisation on words: both spreads, Hill indices, the running-variance slope."""
    rows = []
    for name, norms in (("noise", xi), ("reference", ref)):
        common = dict(method=label, noise=_noise_label(TASKS[0], B), trials=p.draws, k_max=0)
        rows.append(
            measurement_row(
                claim,
                f"{name}_spread",
                value=float(spread(norms)),
                description=f"q99/median of the {name} norms",
                **common,
            )
        )
        rows.append(
            measurement_row(
                claim,
                f"{name}_norm_hill",
                **_estimate(lambda v: tail_index.hill(v, len(v) // 10), norms, seed),
                description=f"Hill tail index of the {name} norms (top 10%); CI: bootstrap over the draws",
                **common,
            )
        )
    rows.append(
        measurement_row(
            claim,
            "running_variance_slope",
            method=label,
            noise=_noise_label(TASKS[0], B),
            value=_running_variance_slope(xi**2),
            trials=p.draws,
            k_max=0,
            description="slope of log running variance of ||xi_B||^2 vs log n, last decade (0: settled)",
        )
    )
    return rows


def _coordinate_rows(claim, m: dict, seed: int) -> list[dict]:
    rows = []
    for label, xi in m["coords"].items():
        common = dict(method=label, noise=_noise_label(TASKS[0], COORDINATE_BATCH), trials=xi.size, k_max=0)
        rows.append(
            measurement_row(
                claim,
                "coordinate_hill",
                **_estimate(tail_index.hill, xi, seed),
                description="Hill tail index of one minibatch's noise coordinates ([Z] Fig. 5); CI: bootstrap over "
                "the coordinates",
                **common,
            )
        )
        rows.append(
            measurement_row(
                claim,
                "coordinate_mohammadi",
                **_estimate(tail_index.mohammadi, xi, seed),
                description="Mohammadi tail index of the same coordinates; CI: bootstrap over the coordinates",
                **common,
            )
        )
        rows.append(
            measurement_row(
                claim,
                "coordinate_excess_kurtosis",
                value=float(stats.kurtosis(xi)),
                description="excess kurtosis of the same coordinates (0 for a Gaussian)",
                **common,
            )
        )
    return rows


def _arch(label: str) -> str:
    return label.split("/")[0]


def _margin(m: dict, task_name: str, arch: str, step: int) -> float:
    """The gate margin of the model behind a row (NaN at initialisation: untrained weights are what they are)."""
    gate = m["gate"][task_name, arch, step]
    return math.nan if gate is None else gate.margin


def _rows(claim, p: NetNoiseProfile, m: dict, seed: int) -> list[dict]:
    rows = []
    for (task_name, label, B, step), (xi, ref) in m["norms"].items():
        task = next(t for t in TASKS if t.name == task_name)
        margin = _margin(m, task_name, _arch(label), step)
        rows.append(_excess_row(claim, task, label, B, step, xi, ref, p, seed, margin))
        if task == TASKS[0] and step == 0:
            rows += _detail_rows(claim, label, B, xi, ref, p, seed)
    rows += _coordinate_rows(claim, m, seed)
    for task in TASKS:
        first = m["norms"][task.name, TRAINED_CELL, 1, 0][0]
        for step in stages(p, task)[1:]:
            value, lo, hi = spread_ratio_ci(m["norms"][task.name, TRAINED_CELL, 1, step][0], first, p.n_boot, seed)
            rows.append(
                measurement_row(
                    claim,
                    "noise_spread_end_over_start",
                    method=TRAINED_CELL,
                    noise=_noise_label(task, 1),
                    value=value,
                    ci_low=lo,
                    ci_high=hi,
                    trials=p.draws,
                    k_min=0,
                    k_max=step,
                    baseline_margin=_margin(m, task.name, _arch(TRAINED_CELL), step),
                    description=f"spread of ||xi_1|| after {step} Adam steps over its spread at step 0",
                )
            )
    return rows


def _plot_cells(p: NetNoiseProfile, m: dict, task: Task, B: int, path) -> None:
    """[Z] Fig. 2 and 4: each cell's noise norms (in units of their median) at every checkpoint, and the Gaussian
    reference at initialisation."""
    fig, axes = plt.subplots(2, 2, figsize=(9, 7), layout="constrained", sharex=True)
    for ax, (label, _, _) in zip(axes.ravel(), CELLS, strict=True):
        norms = [m["norms"][task.name, label, B, step] for step in stages(p, task)]
        top = max(max(xi.max() / np.median(xi), ref.max() / np.median(ref)) for xi, ref in norms)
        bins = np.linspace(0, top, 60)
        ref = norms[0][1]
        ax.hist(ref / np.median(ref), bins=bins, density=True, histtype="step", color="k", label="Gaussian, step 0")
        for i, (step, (xi, r)) in enumerate(zip(stages(p, task), norms, strict=True)):
            ax.hist(
                xi / np.median(xi),
                bins=bins,
                density=True,
                histtype="step",
                color=f"C{i}",
                label=f"step {step}: excess {spread(xi) / spread(r):.2f}",
            )
        ax.set_title(label)
        ax.set_yscale("log")
        ax.legend()
    for ax in axes[1]:
        ax.set_xlabel(f"||g_B - grad f|| / median (B = {B})")
    fig.suptitle(f"attention-noise-2x2 ({p.rung} rung, {task.name}): noise norms at steps {stages(p, task)}")
    save_fig(fig, path)


def _plot_qq_variance(m: dict, B: int, path) -> None:
    fig, (qq, var) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    q = np.linspace(0.01, 0.999, 200)
    for i, (label, _, _) in enumerate(CELLS):
        xi, ref = m["norms"][TASKS[0].name, label, B, 0]
        qq.plot(np.quantile(ref, q) / np.median(ref), np.quantile(xi, q) / np.median(xi), color=f"C{i}", label=label)
        x2 = xi**2
        n = np.arange(2, x2.size + 1)
        s1, s2 = np.cumsum(x2)[1:], np.cumsum(x2 * x2)[1:]
        var.loglog(n, (s2 - s1 * s1 / n) / (n - 1) / np.var(x2), color=f"C{i}", label=label)
    lim = qq.get_xlim()
    qq.plot(lim, lim, color="k", lw=1, label="same law")
    qq.set_xlabel("Gaussian-reference quantile / median")
    qq.set_ylabel("noise-norm quantile / median")
    qq.set_title(f"QQ plot at initialisation, {TASKS[0].name}, B = {B}")
    qq.legend()
    var.set_xlabel("samples n")
    var.set_ylabel("running variance of ||xi||^2 / final")
    var.set_title("running variance ([Z] Fig. 1 d/h)")
    save_fig(fig, path)


def _plot_training_and_coordinates(p: NetNoiseProfile, m: dict, path) -> None:
    fig, (tr, ex, co) = plt.subplots(1, 3, figsize=(15, 4.2), layout="constrained")
    for i, task in enumerate(JUDGED_TASKS):
        every = math.gcd(*p.train_steps(task.tokenisation))
        for j, (arch, _) in enumerate(MODELS):
            loss = m["records"][task.name, arch]["eval_loss"]
            steps = np.arange(loss.size) * every
            tr.plot(steps, loss, color=f"C{2 * i + j}", label=f"{arch}, {task.name}")
        tr.axhline(bigram_baseline(task), color=f"C{2 * i}", ls="--", lw=1, label=f"count bigram, {task.name}")
    tr.set_xlabel("Adam step")
    tr.set_ylabel("held-out loss (nats per token)")
    tr.set_title("the two models' training (trial 0)")
    tr.legend()
    for i, (label, _, _) in enumerate(CELLS):
        for task, style in zip(TASKS, ("-", ":", "--"), strict=True):
            steps = stages(p, task)
            values = [spread(xi) / spread(r) for xi, r in (m["norms"][task.name, label, 1, s] for s in steps)]
            ex.plot(steps, values, style, marker="o", color=f"C{i}", label=f"{label}, {task.name}")
    ex.axhline(HEAVY_TAIL_THRESHOLD, color="k", lw=0.8, label="heavy-tail threshold (the rule's)")
    ex.set_xlabel("Adam step")
    ex.set_ylabel("spread excess over the Gaussian reference (B = 1)")
    ex.set_title("[Z] Fig. 2: noise through training")
    ex.legend()
    for i, (label, xi) in enumerate(m["coords"].items()):
        a = np.sort(np.abs(xi))[::-1]
        co.loglog(a / np.median(a), np.arange(1, a.size + 1) / a.size, color=f"C{i}", label=label)
    co.set_xlabel("|noise coordinate| / median")
    co.set_ylabel("fraction of coordinates above")
    co.set_title(f"one minibatch's noise coordinates at init, B = {COORDINATE_BATCH} ([Z] Fig. 5)")
    co.legend()
    save_fig(fig, path)


def run(claim: Claim, p: NetNoiseProfile, ctx: Context) -> ClaimOutput:
    m = measure(p, ctx.seed, ctx.cache)
    figs = [
        f"{claim.id}_cells.png",
        f"{claim.id}_cells_chars.png",
        f"{claim.id}_qq_variance.png",
        f"{claim.id}_training_coordinates.png",
        f"{claim.id}_size.png",
    ]
    _plot_cells(p, m, TASKS[0], p.batches[0], ctx.figures / figs[0])
    _plot_cells(p, m, TASKS[1], p.batches[0], ctx.figures / figs[1])
    _plot_qq_variance(m, p.batches[0], ctx.figures / figs[2])
    _plot_training_and_coordinates(p, m, ctx.figures / figs[3])
    rates = measurements(_rows(claim, p, m, ctx.seed))
    earlier = ctx.earlier.get(claim.id, {})
    ladder = size_figure(claim, p.rung, net_config(p.net, TASKS[0]), rates, earlier, ctx.figures / figs[4])
    cols = ["method", "noise", "metric", "k_max", "value", "ci_low", "ci_high", "baseline_margin"]
    record = model_record(
        p.rung,
        ladder,
        **{f"{arch}, {t.name}": net_config(p.net, t, attention=a) for t in TASKS[:2] for arch, a in MODELS},
    )
    reading = _reading(claim, p, m, rates) + "\n\n" + model_line(record)
    return ClaimOutput(rates, pd.DataFrame(), figs, cols, reading, record)


def _excess_table(p: NetNoiseProfile, rates: pd.DataFrame, task: Task) -> str:
    """The spread excess of every cell (B = 1) at every checkpoint on ``task``, as a Markdown table."""
    label = _noise_label(task, 1)
    excess = rates[(rates.metric == "noise_spread_excess") & (rates.noise == label)]
    steps = stages(p, task)
    lines = [f"| cell ({task.name}, B = 1) | " + " | ".join(f"step {s}" for s in steps) + " |"]
    lines.append("|" + "---|" * (len(steps) + 1))
    for cell, _, _ in CELLS:
        rows = excess[excess.method == cell].sort_values("k_max").to_dict("records")
        lines.append(f"| {cell} | " + " | ".join(with_ci(r) for r in rows) + " |")
    return "\n".join(lines)


def _reading(claim: Claim, p: NetNoiseProfile, m: dict, rates: pd.DataFrame) -> str:
    """What this run shows against [Z], every number from ``rates`` and the gates (the threshold from the claim's
    rule)."""
    heavy_threshold = claim.judged[0].rule.target
    gates = "; ".join(
        f"{arch} on {task.name} at step {s}: {m['gate'][task.name, arch, s].text()}"
        for task in JUDGED_TASKS
        for arch, _ in MODELS
        for s in stages(p, task)[1:]
    )
    end = rates[rates.metric == "noise_spread_end_over_start"].sort_values(["noise", "k_max"]).to_dict("records")
    last = rates[(rates.metric == "noise_spread_excess") & (rates.noise == _noise_label(TASKS[2], 1))]
    coords = rates[rates.metric == "coordinate_hill"].value
    kurtosis = rates[rates.metric == "coordinate_excess_kurtosis"].value
    tables = "\n\n".join(_excess_table(p, rates, task) for task in JUDGED_TASKS)
    return f"""### What this run shows against [Z]

Spread excess of the minibatch noise over its same-covariance Gaussian reference (the claim's heavy-tail threshold
is {heavy_threshold:g}), loss at every position, per tokenisation:

{tables}

The trained gates (held-out loss per window minus the count bigram's on the same {p.eval_size} windows, 95% t
interval; trained below -{GATE.margin:g} nats, the model without attention at its floor within
+-{GATE.floor_tolerance:g}; a trained checkpoint's rows are judged only when its gate holds): {gates}.

The attention/text cell's spread at the checkpoints over its spread at initialisation: {
        "; ".join(
            f"{with_ci(r)} ({r['noise']}, step {int(r['k_max'])}: "
            + by_ci(r, 1, "less concentrated", "more concentrated", "not resolved as changing")
            + ")"
            for r in end
        )
    } ([Z] Fig. 2 reports BERT's noise growing more concentrated). Beside them, not judged: with the loss of the
last position only, the excess ranges over {last.value.min():.3g}-{last.value.max():.3g}. Per coordinate ([Z] Fig. 5)
one minibatch's noise at initialisation has Hill indices {coords.min():.2g} to {coords.max():.2g} and excess
kurtosis {kurtosis.min():.0f} to {kurtosis.max():.0f} across the cells: [Z]'s point is that the two views can
disagree. Sampling from a pool of {p.pool} windows bounds the tail the norms can show."""


def _reference_as_noise(claim: Claim, p: NetNoiseProfile, ctx: Context) -> pd.DataFrame:
    """The Gaussian reference's norms presented as the attention/text noise: two independent reference draws."""
    m = measure(p, ctx.seed, ctx.cache)
    _, ref = m["norms"][TASKS[0].name, TRAINED_CELL, 1, 0]
    row = _excess_row(claim, TASKS[0], TRAINED_CELL, 1, 0, m["reference_again"], ref, p, ctx.seed, math.nan)
    return measurements([row])


CONTROLS = {"reference-as-noise": _reference_as_noise}
