"""Tuned training runs of the small-transformer claims: every method on its own grid of step sizes, widened by the
declared rule while the best sits at an edge, then reported on further trials and checked against the trained gate."""

from dataclasses import dataclass

import numpy as np

from simulate.nets import model, tokens
from simulate.nets.train import Schedule, train
from simulate.publish.rows import measurement_row
from simulate.transformer.gate import GateResult, paired_ci, trained_gate
from simulate.transformer.ladder import WIDEN_POINTS, WIDEN_ROUNDS, NetTrainingProfile
from theory.declarations import TrainedGate


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
    (``ladder.WIDEN_POINTS``, ``WIDEN_ROUNDS``) while the best eta sits at an edge; then every method at its eta on
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
            measurement_row(
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
