"""The scale ladder of the small-transformer claims: the model of each rung, the model of a rung for a task, its
parameter count and provenance record, the training profile, the declared grid-widening rule and the noise pool.

The ladder: ``quick`` (tests, seconds), ``default`` (a 2-core CPU, the four claims in a few minutes) and ``full``
(above 5 M parameters on words: 4 layers, d_model 256, windows of 64 tokens; sized for an accelerator, runnable on
CPU where someone has the time). Every rung runs the same code; only these sizes differ.
"""

import math
from dataclasses import dataclass

import jax
import numpy as np

from simulate.nets import model, tokens
from theory.sizing import Sizing

RUNGS = ("quick", "default", "full")

# the small-transformer claims' judged rows are sign and comparison rules (tolerance 0), and their default profile is
# a rung of the ladder below, not the full size with fewer trials
NET_SIZING = Sizing(
    reason="sign and comparison rules (tolerance 0: the width needed depends on the effect, not on a declared "
    "tolerance)",
    ladder="a smaller model and schedule that fit a 2-core CPU, the same trial counts as the full rung",
)

# Declared before any run (docs/decisions.md, D5): a method whose best eta sits at an edge of its grid gets
# WIDEN_POINTS more points beyond that edge, at the grid's own ratio, and is tuned again on the same tuning trials;
# at most WIDEN_ROUNDS times. A method still at an edge after that is reported with the edge marked.
WIDEN_POINTS = 2
WIDEN_ROUNDS = 2


@dataclass(frozen=True)
class NetShape:
    """The small transformer of the real-model claims (``simulate.nets.model.NetConfig``) and its minibatch size."""

    seq_len: int
    d_model: int
    heads: int
    layers: int
    mlp: int
    batch: int


QUICK_NET = NetShape(seq_len=8, d_model=16, heads=2, layers=1, mlp=32, batch=8)
DEFAULT_NET = NetShape(seq_len=16, d_model=32, heads=2, layers=2, mlp=64, batch=16)
# the tuned comparisons' default rung trains 125+ runs per task: the same model on half the minibatch
DEFAULT_TUNED_NET = NetShape(seq_len=16, d_model=32, heads=2, layers=2, mlp=64, batch=8)
FULL_NET = NetShape(seq_len=64, d_model=256, heads=4, layers=4, mlp=1024, batch=32)


def log_grid(low: float, high: float, points: int) -> tuple[float, ...]:
    """``points`` step sizes evenly spaced in log from ``low`` to ``high`` (rounded to 4 significant digits)."""
    return tuple(float(f"{v:.4g}") for v in np.geomspace(low, high, points))


@dataclass(frozen=True)
class NetTrainingProfile:
    """Sizes for the training comparisons: every method on its own log grid of eta (at least 5 points, widened by
    the declared rule above), ``tune_trials`` trials choose the eta (median final held-out loss), ``trials``
    further trials are reported at it; ``pool`` examples for the heterogeneity measurements
    (ln-placement-heterogeneity only). ``rung`` names the rung of the ladder these sizes belong to."""

    rung: str
    net: NetShape
    grids: tuple[tuple[str, tuple[float, ...]], ...]  # (method, eta grid)
    tune_trials: int
    trials: int
    steps: int
    every: int
    clip_norm: float | None  # global-norm clip before every method ([T]'s runs: 1.0), or None
    eval_size: int = 256
    pool: int = 0
    hessian_pool: int = 0  # the first examples of the pool, for the Hessian-vector products
    power_iterations: int = 0

    # runs side by side in one vmapped batch (None: all); the rest follow in turn. A fixed group gives every tuning
    # round and the reported runs one shape, so the rounds share one compiled program
    run_group: int | None = None

    # a ``pretrained.Pretraining`` whose language model every run fine-tunes with a new head (``net`` is then that
    # pretraining's), or None: every run trains from random weights
    pretraining: object = None

    @property
    def interval(self) -> int:
        """Steps between recorded checkpoints: ``every``, or a divisor of ``steps`` where --steps made them differ."""
        return interval(self.steps, self.every)


def interval(steps: int, every: int) -> int:
    """The checkpoint interval of a run of ``steps`` steps whose profile asks for one every ``every``: their
    greatest common divisor (``every`` itself whenever it divides ``steps``)."""
    return math.gcd(steps, every)


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


def pool(
    cfg: model.NetConfig, task: tokens.Task, size: int, seed: int, inputs: str = "text"
) -> tuple[jax.Array, jax.Array]:
    """A fixed pool of training windows and labels (Gaussian inputs in place of the tokens with ``inputs``)."""
    key = jax.random.fold_in(jax.random.key(seed), 2**31 - 2)
    x, y = tokens.batch(key, task, size, tokens.window_length(task, cfg.seq_len))
    if inputs == "gaussian":
        x = model.gaussian_inputs(jax.random.fold_in(key, 1), cfg, size)
    return x, y
