"""What the four small-transformer experiments share: the model from a claim's NetShape, tuned training runs,
paired and unpaired confidence intervals, final-loss rows and training-curve bands."""

import math
from dataclasses import dataclass

import jax
import numpy as np
from scipy import stats

from simulate.claims.small_transformer.shapes import NetShape, NetTrainingProfile
from simulate.nets import data, model
from simulate.nets.train import Schedule, train
from simulate.publish import report


def model_record(**configs: model.NetConfig) -> dict:
    """What provenance.json records of a claim's transformer: JAX's backend and device, and the parameter count of
    each named configuration."""
    return {
        "backend": jax.default_backend(),
        "device": jax.devices()[0].device_kind,
        "parameters": {name: parameter_count(cfg) for name, cfg in configs.items()},
    }


def model_line(record: dict) -> str:
    """The model record in a sentence, for the claim's REPORT section."""
    counts = ", ".join(f"{name} {n:,} parameters" for name, n in record["parameters"].items())
    return f"Model: {counts}; JAX backend {record['backend']} ({record['device']})."


def net_config(shape: NetShape, task: str = "next-char", **changes) -> model.NetConfig:
    """The transformer of ``shape`` for ``task`` (``changes``: ln, attention, inputs)."""
    return model.NetConfig(
        vocab=len(data.vocabulary()),
        n_classes=data.n_classes(task),
        seq_len=shape.seq_len,
        d_model=shape.d_model,
        heads=shape.heads,
        layers=shape.layers,
        mlp=shape.mlp,
        **changes,
    )


def parameter_count(cfg: model.NetConfig) -> int:
    """Number of scalar parameters of the model."""
    return sum(math.prod(s) for s in model.shapes(cfg).values())


def paired_ci(differences) -> tuple[float, float, float]:
    """Mean of paired differences and its 95% Student-t interval."""
    d = np.asarray(differences, dtype=float)
    ci = stats.ttest_1samp(d, 0.0).confidence_interval(0.95)
    return float(d.mean()), float(ci.low), float(ci.high)


def welch_ci(a, b) -> tuple[float, float, float]:
    """mean(a) - mean(b) of two independent samples and its 95% Welch t interval."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    return float(a.mean() - b.mean()), float(ci.low), float(ci.high)


def exp_ci(centre_low_high: tuple[float, float, float]) -> tuple[float, float, float]:
    """A (value, low, high) on the log scale mapped back: a ratio of geometric means and its interval."""
    return tuple(float(math.exp(v)) for v in centre_low_high)


@dataclass
class Tuned:
    """One method after tuning: its chosen eta, whether it sits at an edge of the grid, the reported trials'
    records (each [trials, checkpoints]) and final parameters (each [trials, ...])."""

    method: str
    eta: float
    at_edge: bool
    records: dict[str, np.ndarray]
    params: dict[str, np.ndarray]

    @property
    def final_loss(self) -> np.ndarray:
        """Final held-out loss (nats) of every reported trial."""
        return self.records["eval_loss"][:, -1]


def _finite_or_inf(x: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(x), x, np.inf)


def tuned_training(p: NetTrainingProfile, cfg: model.NetConfig, seed: int, options: dict) -> dict[str, Tuned]:
    """Every method of ``p.grids`` at every eta of its grid on tune_trials + trials trials (one compiled call);
    per method, the eta with the smallest median final held-out loss over the first ``tune_trials`` trials (a
    diverged run counts as +inf), reported on the remaining ``trials``."""
    runs = [(m, eta) for m, grid in p.grids for eta in grid]
    schedule = Schedule(steps=p.steps, batch=p.net.batch, every=p.every, clip_norm=p.clip_norm)
    params, recs = train(cfg, "next-char", runs, p.tune_trials + p.trials, seed, schedule, options)
    out = {}
    for method, grid in p.grids:
        idx = [i for i, (m, _) in enumerate(runs) if m == method]
        scores = [np.median(_finite_or_inf(recs["eval_loss"][i, : p.tune_trials, -1])) for i in idx]
        best = int(np.argmin(scores))
        i = idx[best]
        out[method] = Tuned(
            method=method,
            eta=grid[best],
            at_edge=len(grid) > 1 and best in (0, len(grid) - 1),
            records={k: v[i, p.tune_trials :] for k, v in recs.items()},
            params={k: v[i, p.tune_trials :] for k, v in params.items()},
        )
    return out


def eta_note(t: Tuned) -> str:
    """How a tuned eta reads in a row's description."""
    return f"{t.method} eta {t.eta:g}" + (" (edge of its grid)" if t.at_edge else "")


def final_loss_rows(claim, tuned: dict[str, Tuned], noise: str, steps: int) -> list[dict]:
    """One ``final_loss`` row per tuned method: the mean final held-out loss over the reported trials, t interval."""
    rows = []
    for method, t in tuned.items():
        value, lo, hi = paired_ci(t.final_loss)
        rows.append(
            report.measurement_row(
                claim,
                "final_loss",
                method=method,
                noise=noise,
                value=value,
                ci_low=lo,
                ci_high=hi,
                trials=len(t.final_loss),
                k_max=steps,
                description=f"mean final held-out loss (nats), t interval; {eta_note(t)}",
            )
        )
    return rows


def band(ax, steps: np.ndarray, curves: np.ndarray, label: str, colour: str) -> None:
    """Median over trials with the min-max band of ``curves`` [trials, checkpoints]."""
    ax.plot(steps, np.median(curves, axis=0), color=colour, label=label)
    ax.fill_between(steps, curves.min(axis=0), curves.max(axis=0), color=colour, alpha=0.2, lw=0)


def pool(cfg: model.NetConfig, size: int, seed: int, task: str = "next-char") -> tuple[jax.Array, jax.Array]:
    """A fixed pool of training windows and labels (Gaussian inputs in place of the tokens when cfg says so)."""
    key = jax.random.fold_in(jax.random.key(seed), 2**31 - 2)
    x, y = data.batch(key, task, size, cfg.seq_len)
    if cfg.inputs == "gaussian":
        x = model.gaussian_inputs(jax.random.fold_in(key, 1), cfg, size)
    return x, y


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
