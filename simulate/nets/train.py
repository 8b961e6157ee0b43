"""Training runs of the small transformer: several methods, each on its grid of steps eta, over a set of trials,
in one compiled call.

Every (method, eta) pair is one run; the runs are vmapped, the trials follow one another (so memory does not grow
with the trials) and the steps are a ``lax.scan``. Trial t of seed s starts from the
parameters drawn from key(s) folded with t and sees the minibatches drawn from that key folded with the step number:
every method and every eta of a trial start from the same weights and see the same batches (paired comparisons).
The held-out batch (``eval_size`` windows of the test part) is drawn from the seed alone, the same for every trial.
Each method's update is its ``optim.optimizer`` direction at eta = 1, times eta (exactly the optax update: every
method here is linear in its step), so that eta can be a vmapped array; ``clip_norm`` puts a global-norm clip in
front of the method, as every run of [T] does.
"""

from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax

from simulate.memory import trim_heap
from simulate.nets import data, model
from simulate.nets.optim import METHODS, optimizer
from theory.validation import check_choice, check_int, check_positive

RECORDS = ("train_loss", "eval_loss", "head_norm", "logit_norm")


@dataclass(frozen=True)
class Schedule:
    """How long and on what: ``steps`` updates on minibatches of ``batch`` windows, metrics every ``every`` steps
    (steps must be a multiple), on a held-out batch of ``eval_size``; ``clip_norm`` (or None) before the method."""

    steps: int
    batch: int
    every: int
    eval_size: int = 512
    clip_norm: float | None = None

    def __post_init__(self):
        for name in ("steps", "batch", "every", "eval_size"):
            check_int(getattr(self, name), name, 1)
        if self.steps % self.every:
            raise ValueError(f"steps={self.steps} is not a multiple of every={self.every}")
        if self.clip_norm is not None:
            check_positive(self.clip_norm, "clip_norm")

    def checkpoints(self) -> np.ndarray:
        """The step counts at which metrics are recorded: 0, every, 2 every, ..., steps."""
        return np.arange(0, self.steps + 1, self.every)


def trial_key(seed: int, trial: int) -> jax.Array:
    """The key of one trial: initial weights and minibatches follow from it."""
    return jax.random.fold_in(jax.random.key(seed), trial)


def initial_params(cfg: model.NetConfig, seed: int, trial: int = 0) -> dict[str, jax.Array]:
    """The weights trial ``trial`` of ``seed`` starts from (as in ``train``)."""
    return model.init(jax.random.split(trial_key(seed, trial))[0], cfg)


def eval_batch(cfg: model.NetConfig, task: str, size: int, seed: int) -> tuple[jax.Array, jax.Array]:
    """The held-out windows and labels every trial of ``seed`` is measured on."""
    return data.batch(jax.random.fold_in(jax.random.key(seed), 2**31 - 1), task, size, cfg.seq_len, "test")


def _metrics(params, cfg, x, y) -> tuple[jax.Array, jax.Array, jax.Array]:
    """Held-out loss (nats), ||W_head||_F, mean logit norm over the held-out batch."""
    logits = model.forward(params, cfg, x)
    loss = -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=-1))
    return loss, jnp.linalg.norm(params["head.w"]), jnp.linalg.norm(logits, axis=-1).mean()


def _selectable(methods: tuple[str, ...], options: dict) -> optax.GradientTransformationExtraArgs:
    """Every method of ``methods`` at eta = 1, side by side; ``update(..., index=i)`` returns method i's direction
    (each method's state advances on the same gradients, and only the selected direction is used), so that the
    method can be a vmapped index: one compiled program serves every method of a claim."""
    directions = [optimizer(m, 1.0, **options.get(m, {})) for m in methods]

    def init(params):
        return tuple(d.init(params) for d in directions)

    def update(grads, states, params=None, *, index):
        outs = [d.update(grads, s, params) for d, s in zip(directions, states, strict=True)]
        chosen = jax.tree.map(lambda *u: jnp.stack(u)[index], *[u for u, _ in outs])
        return chosen, tuple(s for _, s in outs)

    return optax.GradientTransformationExtraArgs(init, update)


@partial(jax.jit, static_argnames=("cfg", "task", "methods", "options", "schedule", "snapshots"))
def _train(cfg, task, methods, options, schedule, snapshots, indices, etas, keys, eval_x, eval_y):
    direction = _selectable(methods, {m: dict(o) for m, o in options})
    if schedule.clip_norm is not None:
        direction = optax.chain(optax.clip_by_global_norm(schedule.clip_norm), direction)

    def one(index, eta, key):
        init_key, data_key = jax.random.split(key)
        params = model.init(init_key, cfg)
        state = direction.init(params)

        def step(carry, k):
            params, state = carry
            x, y = data.batch(jax.random.fold_in(data_key, k), task, schedule.batch, cfg.seq_len)
            value, grads = jax.value_and_grad(model.loss)(params, cfg, x, y)
            updates, state = direction.update(grads, state, params, index=index)
            params = jax.tree.map(lambda p, u: p + eta * u, params, updates)
            return (params, state), value

        def interval(carry, c):
            carry, losses = jax.lax.scan(step, carry, c * schedule.every + jnp.arange(schedule.every))
            kept = carry[0] if snapshots else None
            return carry, (kept, (losses.mean(), *_metrics(carry[0], cfg, eval_x, eval_y)))

        n_intervals = schedule.steps // schedule.every
        (final, _), (kept, recs) = jax.lax.scan(interval, (params, state), jnp.arange(n_intervals))
        start = (jnp.array(jnp.nan), *_metrics(params, cfg, eval_x, eval_y))  # no training loss before step 1
        if snapshots:
            final = jax.tree.map(lambda p0, p: jnp.concatenate([p0[None], p]), params, kept)
        return final, [jnp.concatenate([jnp.atleast_1d(s), r]) for s, r in zip(start, recs, strict=True)]

    # runs side by side (vmap), trials one after another (lax.map): memory grows with the runs, not the trials
    per_run = jax.vmap(one, in_axes=(0, 0, None))
    final, recs = jax.lax.map(lambda key: per_run(indices, etas, key), keys)
    swap = lambda a: jnp.swapaxes(a, 0, 1)  # noqa: E731  [trials, runs, ...] -> [runs, trials, ...]
    return jax.tree.map(swap, final), [swap(r) for r in recs]


def train(
    cfg: model.NetConfig,
    task: str,
    runs,
    trials: int,
    seed: int,
    schedule: Schedule,
    options: dict | None = None,
    snapshots: bool = False,
) -> tuple[dict, dict[str, np.ndarray]]:
    """Train every (method, eta) of ``runs`` on ``trials`` trials of ``seed``, in one compiled call.

    Returns (the final parameters, each tensor [n_runs, trials, ...], or with ``snapshots`` the parameters at every
    checkpoint, [n_runs, trials, checkpoints, ...]; records, each
    [n_runs, trials, checkpoints], for ``RECORDS``: the mean training loss over the preceding interval (NaN at step
    0), the held-out loss in nats, ||W_head||_F and the mean held-out logit norm). ``options`` maps a method to its
    ``optim.optimizer`` keywords (tau, beta1, beta2, eps, order).
    """
    if cfg.inputs != "text":
        raise ValueError(f"inputs={cfg.inputs!r}: training runs on text only (accepted: 'text')")
    check_choice(task, data.TASKS, "task")
    trials = check_int(trials, "trials", 1)
    runs = [(check_choice(m, METHODS, "method"), check_positive(e, "eta")) for m, e in runs]
    options = {m: dict(o) for m, o in (options or {}).items()}
    methods = tuple(sorted({m for m, _ in runs}))
    for m in methods:
        optimizer(m, 1.0, **options.get(m, {}))  # refuses a bad option before any tracing
    frozen = tuple((m, tuple(sorted(options.get(m, {}).items()))) for m in methods)
    indices = jnp.asarray([methods.index(m) for m, _ in runs], dtype=jnp.int32)
    etas = jnp.asarray([e for _, e in runs], dtype=jnp.float32)
    keys = jnp.stack([trial_key(seed, t) for t in range(trials)])
    eval_x, eval_y = eval_batch(cfg, task, schedule.eval_size, seed)
    params, recs = _train(cfg, task, methods, frozen, schedule, snapshots, indices, etas, keys, eval_x, eval_y)
    out = (
        {n: np.asarray(v) for n, v in params.items()},
        {name: np.asarray(r) for name, r in zip(RECORDS, recs, strict=True)},
    )
    del params, recs
    trim_heap()  # the compilation's and the run's freed memory, before the caller's next large arrays
    return out
