"""ln-placement-heterogeneity: per-block gradient norms and top Hessian eigenvalues of the small transformer under
Post-LN and Pre-LN, pretrained as a language model and fine-tuned with a new head on a 64-document classification
task, at the start of fine-tuning and after it, and SGD / SGD-momentum against SignSGD / Signum / Adam with tuned
steps under each placement ([T])."""

from functools import cache

import jax
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simulate.memory import release_memory
from simulate.nets import curvature, model
from simulate.nets.tokens import Task
from simulate.nets.train import initial_params
from simulate.publish.figures import save_fig
from simulate.publish.rows import measurement_row, measurements
from simulate.run.context import ClaimOutput, Context
from simulate.transformer.figures import band, baseline_line, size_figure
from simulate.transformer.gate import exp_ci, paired_ci, trained_gate, welch_ci
from simulate.transformer.ladder import NetTrainingProfile, model_line, model_record, net_config, pool
from simulate.transformer.notes import by_ci, pick, with_ci
from simulate.transformer.pretrained import language_model
from simulate.transformer.tuning import eta_note, final_loss_rows, tuned_training
from theory import heterogeneity as het
from theory.declarations import Claim

from .claim import CLASSES, GATE

PLACEMENTS = ("post", "pre")
STAGES = ("init", "trained")
STAGE_NAMES = {"init": "start of fine-tuning", "trained": "after fine-tuning"}
PAIRS = (("sgd", "signsgd"), ("sgdm", "signum"))  # (gradient method, its sign counterpart)
TRAINED_BY = "adam"  # whose final weights are "after training"
OPTIONS = {"adam": dict(beta2=0.999)}
TASK = Task("words", classes=CLASSES, positions="last", target="document")


def gradient_blocks(grads: dict, layers: int) -> dict[str, np.ndarray]:
    """[T]'s blocks of a gradient: per layer Q, K, V (the thirds of wqkv), the attention output, both MLP matrices
    and both layer-norm scales, then the head; each flattened."""
    out = {}
    for i in range(layers):
        b = f"block{i}"
        if f"{b}.attn.wqkv" in grads:
            for name, part in zip("QKV", np.split(np.asarray(grads[f"{b}.attn.wqkv"]), 3, axis=-1), strict=True):
                out[f"{b}.{name}"] = part
            out[f"{b}.attn.wo"] = grads[f"{b}.attn.wo"]
            out[f"{b}.ln1.scale"] = grads[f"{b}.ln1.scale"]
        for name in ("mlp.w1", "mlp.w2", "ln2.scale"):
            out[f"{b}.{name}"] = grads[f"{b}.{name}"]
    out["head.w"] = grads["head.w"]
    return {n: np.asarray(v, dtype=np.float64).ravel() for n, v in out.items()}


_loss_gradient = jax.jit(jax.grad(model.loss), static_argnums=1)


def block_gradient_norms(cfg, params: dict, x, y) -> dict[str, float]:
    """||grad_b f|| on the pool (x, y) for every block of ``gradient_blocks``."""
    grads = _loss_gradient(params, cfg, x, y)
    return {n: float(np.linalg.norm(v)) for n, v in gradient_blocks(grads, cfg.layers).items()}


def hessian_tensors(cfg) -> list[str]:
    """The named tensors whose Hessian blocks are measured (wqkv whole: Q, K and V are slices of one tensor)."""
    return [
        n for n in model.shapes(cfg) if n.endswith((".wqkv", ".wo", ".w1", ".w2", ".scale")) and "ln_f" not in n
    ] + ["head.w"]


@cache
def measure(p: NetTrainingProfile, seed: int, store=None) -> dict:
    """Per placement: the pretrained language model and its gate against the count bigram, tuned fine-tuning runs
    of every method, block gradient norms of every reported trial at the start of fine-tuning and after Adam's,
    top Hessian eigenvalues of trial 0's blocks (memoised for the control)."""
    out = {}
    for ln in PLACEMENTS:
        lm = language_model(p.pretraining, ln, True, seed, store)
        end = p.pretraining.steps
        lm_gate = trained_gate(GATE, lm.cfg, p.pretraining.task, p.pretraining.eval_size, seed, lm.window_losses(end))
        body = lm.weights(end)
        cfg = net_config(p.net, TASK, ln=ln)
        tuned = tuned_training(p, cfg, TASK, seed, OPTIONS, GATE, start=body)
        x, y = pool(cfg, TASK, p.pool, seed)
        weights = {
            "init": [initial_params(cfg, seed, p.tune_trials + t, start=body) for t in range(p.trials)],
            "trained": [{n: v[t] for n, v in tuned[TRAINED_BY].params.items()} for t in range(p.trials)],
        }
        norms = {s: [block_gradient_norms(cfg, w, x, y) for w in weights[s]] for s in STAGES}
        release_memory()  # the training's compiled programs, before the curvature's vmapped products
        loss = lambda q, x, y, cfg=cfg: model.loss(q, cfg, x, y)  # noqa: E731
        key = jax.random.key(seed)
        hx, hy = x[: p.hessian_pool], y[: p.hessian_pool]
        tensors = hessian_tensors(cfg)
        eig = {
            s: curvature.top_block_eigenvalues(loss, weights[s][0], hx, hy, tensors, key, p.power_iterations)
            for s in STAGES
        }
        eig = {s: {n: abs(v) for n, v in e.items()} for s, e in eig.items()}
        out[ln] = dict(tuned=tuned, norms=norms, eig=eig, lm_gate=lm_gate)
        release_memory()  # the next placement is another model: it reuses none of these compiled programs
    return out


def _cv(norms: dict[str, float]) -> float:
    return het.spread(np.array(list(norms.values())))["cv"]


def _ratio_rows(claim, post: dict, pre: dict) -> list[dict]:
    rows = []
    for stage in STAGES:
        a = np.log([_cv(n) for n in post["norms"][stage]])
        b = np.log([_cv(n) for n in pre["norms"][stage]])
        value, lo, hi = exp_ci(welch_ci(a, b))
        trained = min(post["tuned"][TRAINED_BY].margin, pre["tuned"][TRAINED_BY].margin)
        rows.append(
            measurement_row(
                claim,
                "grad_het_cv_post_over_pre",
                method="post/pre",
                noise=stage,
                value=value,
                ci_low=lo,
                ci_high=hi,
                trials=len(a),
                baseline_margin=trained if stage == "trained" else float("nan"),
                description="ratio of geometric-mean CVs of block gradient norms, Welch t interval on log CV",
            )
        )
    return rows


def _margin(m: dict, lns, pair) -> float:
    """The smallest margin over the count bigram of the pair's models under the placements ``lns``."""
    return min(m[ln]["tuned"][x].margin for ln in lns for x in pair)


def _advantages(m: dict, ln: str, pair) -> np.ndarray:
    grad_method, sign_method = pair
    t = m[ln]["tuned"]
    return t[grad_method].final_loss - t[sign_method].final_loss


def _gap_rows(claim, m: dict, post: str, pre: str) -> list[dict]:
    rows = []
    for pair in PAIRS:
        value, lo, hi = welch_ci(_advantages(m, post, pair), _advantages(m, pre, pair))
        rows.append(
            measurement_row(
                claim,
                "sign_advantage_post_minus_pre",
                method="-".join(pair),
                noise="post - pre",
                value=value,
                ci_low=lo,
                ci_high=hi,
                trials=len(_advantages(m, post, pair)),
                baseline_margin=_margin(m, (post, pre), pair),
                description="Post-LN's sign advantage minus Pre-LN's (nats), Welch t interval",
            )
        )
    return rows


def _rows(claim, p: NetTrainingProfile, m: dict) -> list[dict]:
    rows = _ratio_rows(claim, m["post"], m["pre"])
    for ln in PLACEMENTS:
        for stage in STAGES:
            cvs = [_cv(n) for n in m[ln]["norms"][stage]]
            rows.append(
                measurement_row(
                    claim,
                    "grad_het_cv",
                    method=ln,
                    noise=stage,
                    value=float(np.exp(np.mean(np.log(cvs)))),
                    trials=len(cvs),
                    description="geometric mean over trials of the CV of block gradient norms",
                )
            )
            eig = np.array(list(m[ln]["eig"][stage].values()))
            rows.append(
                measurement_row(
                    claim,
                    "hessian_het_cv",
                    method=ln,
                    noise=stage,
                    value=het.spread(eig)["cv"],
                    trials=1,
                    description="CV of per-tensor top |Hessian eigenvalue| (power iteration), trial 0",
                )
            )
        rows += final_loss_rows(claim, m[ln]["tuned"], ln, p.steps)
        for pair in PAIRS:
            value, lo, hi = paired_ci(_advantages(m, ln, pair))
            notes = ", ".join(eta_note(m[ln]["tuned"][x]) for x in pair)
            rows.append(
                measurement_row(
                    claim,
                    "sign_advantage",
                    method="-".join(pair),
                    noise=ln,
                    value=value,
                    ci_low=lo,
                    ci_high=hi,
                    trials=p.trials,
                    baseline_margin=_margin(m, (ln,), pair),
                    description=f"loss difference (nats), paired t interval; {notes}",
                )
            )
    return rows + _gap_rows(claim, m, "post", "pre")


def _plot_blocks(m: dict, path) -> None:
    fig, axes = plt.subplots(2, 2, figsize=(12, 7), layout="constrained")
    for j, stage in enumerate(STAGES):
        for i, ln in enumerate(PLACEMENTS):
            names = list(m[ln]["norms"][stage][0])
            values = np.array([[n[k] for k in names] for n in m[ln]["norms"][stage]])
            axes[0, j].bar(  # [T]'s block-norm bars, one per block and placement
                np.arange(len(names)) + 0.4 * (i - 0.5),
                np.median(values, axis=0),
                width=0.4,
                yerr=[np.median(values, 0) - values.min(0), values.max(0) - np.median(values, 0)],
                color=f"C{i}",
                error_kw=dict(lw=0.6),
                label=f"{ln}-LN",
            )
            axes[0, j].set_xticks(range(len(names)), names, rotation=70, fontsize=6)
            eig = m[ln]["eig"][stage]
            axes[1, j].plot(range(len(eig)), list(eig.values()), "o", color=f"C{i}", label=f"{ln}-LN")
            axes[1, j].set_xticks(range(len(eig)), list(eig), rotation=70, fontsize=6)
        axes[0, j].set_yscale("log")
        axes[0, j].set_ylabel(r"$\|\nabla_b f\|$ on the pool")
        axes[0, j].set_title(f"block gradient norms, {STAGE_NAMES[stage]} (median, min-max over trials)")
        axes[1, j].set_yscale("log")
        axes[1, j].set_ylabel(r"top $|\lambda(\nabla^2_b f)|$")
        axes[1, j].set_title(f"top |Hessian eigenvalue| per tensor, {STAGE_NAMES[stage]}, trial 0")
        axes[0, j].legend()
    save_fig(fig, path)


def _plot_training(p: NetTrainingProfile, m: dict, path) -> None:
    steps = np.arange(0, p.steps + 1, p.interval)
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), layout="constrained")
    for ax, ln in zip(axes, PLACEMENTS, strict=False):
        for i, (method, t) in enumerate(m[ln]["tuned"].items()):
            band(ax, steps, t.records["eval_loss"], f"{method} ({t.eta:g})", f"C{i}")
        baseline_line(ax, TASK)
        ax.set_title(f"{ln}-LN: held-out loss (median, min-max over trials)")
        ax.set_xlabel("step")
        ax.set_ylabel("nats")
        ax.legend()
    ax = axes[2]
    for i, pair in enumerate(PAIRS):
        for ln, marker in zip(PLACEMENTS, "os", strict=True):
            cv = np.exp(np.mean(np.log([_cv(n) for n in m[ln]["norms"]["init"]])))
            adv = _advantages(m, ln, pair)
            ax.errorbar(
                cv, adv.mean(), yerr=adv.std(ddof=1), fmt=marker, color=f"C{i}", label=f"{'-'.join(pair)}, {ln}-LN"
            )
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xlabel("gradient heterogeneity at init (CV of block norms)")
    ax.set_ylabel("sign advantage: loss(gradient) - loss(sign), nats")
    ax.legend()
    save_fig(fig, path)


def run(claim: Claim, p: NetTrainingProfile, ctx: Context) -> ClaimOutput:
    m = measure(p, ctx.seed, ctx.cache)
    figs = [f"{claim.id}_blocks.png", f"{claim.id}_training.png", f"{claim.id}_size.png"]
    _plot_blocks(m, ctx.figures / figs[0])
    _plot_training(p, m, ctx.figures / figs[1])
    rates = measurements(_rows(claim, p, m))
    earlier = ctx.earlier.get(claim.id, {})
    ladder = size_figure(claim, p.rung, net_config(p.net, TASK), rates, earlier, ctx.figures / figs[2])
    cols = ["method", "noise", "metric", "value", "ci_low", "ci_high", "baseline_margin", "trials"]
    record = model_record(p.rung, ladder, **{f"{ln}-LN": net_config(p.net, TASK, ln=ln) for ln in PLACEMENTS})
    reading = _reading(p, m, rates) + "\n\n" + model_line(record)
    return ClaimOutput(rates, pd.DataFrame(), figs, cols, reading, record)


def _reading(p: NetTrainingProfile, m: dict, rates: pd.DataFrame) -> str:
    """What this run shows against [T], every number from ``rates``."""
    ratio = {s: pick(rates, "grad_het_cv_post_over_pre", noise=s) for s in STAGES}
    cv = {(ln, s): pick(rates, "grad_het_cv", method=ln, noise=s)["value"] for ln in PLACEMENTS for s in STAGES}
    loss = {(ln, x): pick(rates, "final_loss", method=x, noise=ln) for ln in PLACEMENTS for x in m[ln]["tuned"]}
    adv = {
        (ln, pair): pick(rates, "sign_advantage", method="-".join(pair), noise=ln)
        for ln in PLACEMENTS
        for pair in PAIRS
    }
    gap = {pair: pick(rates, "sign_advantage_post_minus_pre", method="-".join(pair)) for pair in PAIRS}
    edges = sorted(
        {f"{t.method} ({ln}-LN, eta {t.eta:g})" for ln in PLACEMENTS for t in m[ln]["tuned"].values() if t.at_edge}
    )
    order = {
        ln: ", ".join(
            f"{x} {loss[ln, x]['value']:.3f}" for x in sorted(m[ln]["tuned"], key=lambda x: loss[ln, x]["value"])
        )
        for ln in PLACEMENTS
    }
    gates = "; ".join(f"{ln}-LN {x}: {t.gate.text()}" for ln in PLACEMENTS for x, t in m[ln]["tuned"].items())
    lm_gates = "; ".join(f"{ln}-LN: {m[ln]['lm_gate'].text()}" for ln in PLACEMENTS)
    return f"""### What this run shows against [T]

**Heterogeneity.** The CV of the block gradient norms is {cv["post", "init"]:.3g} under Post-LN and
{cv["pre", "init"]:.3g} under Pre-LN at initialisation (ratio {with_ci(ratio["init"])}), {cv["post", "trained"]:.3g}
and {cv["pre", "trained"]:.3g} after {p.steps} Adam steps (ratio {with_ci(ratio["trained"])}): [T]'s Post-LN
heterogeneity is {by_ci(ratio["init"], 1, "larger", "smaller", "not resolved as different")} at initialisation and
{by_ci(ratio["trained"], 1, "larger", "smaller", "not resolved as different")} after training. The block figure
shows which blocks make the difference.

**Optimisers** (final held-out loss, best first). Post-LN: {order["post"]}. Pre-LN: {order["pre"]}.
Sign advantage (gradient method minus sign method, nats): SGD - SignSGD {with_ci(adv["post", PAIRS[0]])} under
Post-LN, {with_ci(adv["pre", PAIRS[0]])} under Pre-LN; SGD-momentum - Signum {with_ci(adv["post", PAIRS[1]])} and
{with_ci(adv["pre", PAIRS[1]])}. Post-LN minus Pre-LN: {with_ci(gap[PAIRS[0]])} and {with_ci(gap[PAIRS[1]])}.
Without momentum the sign method {by_ci(adv["post", PAIRS[0]], 0, "beats", "loses to", "is not told apart from")}
SGD under Post-LN and {by_ci(adv["pre", PAIRS[0]], 0, "beats", "loses to", "is not told apart from")} it under Pre-LN;
with momentum, Signum {by_ci(adv["post", PAIRS[1]], 0, "beats", "loses to", "is not told apart from")} SGD-momentum
under Post-LN and {by_ci(adv["pre", PAIRS[1]], 0, "beats", "loses to", "is not told apart from")} it under Pre-LN.
The advantage is {by_ci(gap[PAIRS[0]], 0, "larger", "smaller", "not resolved as different")} under Post-LN for the
plain pair and {by_ci(gap[PAIRS[1]], 0, "larger", "smaller", "not resolved as different")} for the momentum pair
([T]'s direction: larger where the heterogeneity is larger).

**Training.** The language models ({p.pretraining.steps} Adam steps on words) against the count bigram on the same
held-out windows: {lm_gates}. The fine-tuned classifiers against the uniform prior log {CLASSES} (trained below
-{GATE.margin:g} nats; rows about trained models are judged only when all their models are): {gates}.

**Caveats.** Tuned etas at the edge of their widened grid: {", ".join(edges) if edges else "none"}; such a method
might do better off the grid. {p.steps} fine-tuning steps; {p.trials} reported trials."""


def _placements_swapped(claim: Claim, p: NetTrainingProfile, ctx: Context) -> pd.DataFrame:
    """Pre-LN's measurements in Post-LN's place and Post-LN's in Pre-LN's: every post-vs-pre comparison reversed,
    and the sign advantage judged under Post-LN read from Pre-LN's runs."""
    m = measure(p, ctx.seed, ctx.cache)
    swapped = {"post": m["pre"], "pre": m["post"]}
    rows = _ratio_rows(claim, swapped["post"], swapped["pre"]) + _gap_rows(claim, swapped, "post", "pre")
    return measurements(rows)


CONTROLS = {"placements-swapped": _placements_swapped}
