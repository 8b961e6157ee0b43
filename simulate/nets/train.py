"""Training runs of the small transformer: several methods, each on its grid of steps eta, over a set of trials,
all side by side.

Every (method, eta, trial) is one run and the runs are one vmapped batch (seeds are a batch axis, not a loop;
``group`` splits a batch too large for memory into equal groups that follow one another); the
steps within a checkpoint interval are a ``lax.scan``, the intervals a short Python loop, and the held-out metrics
are taken run after run (``lax.map``), so that the held-out logits of every run are never alive at once. Trial t
of seed s starts from the parameters drawn from key(s) folded with t and sees the minibatches drawn from that key
folded with the step number: every method and every eta of a trial start from the same weights and see the same
batches (paired comparisons). The held-out batch (``eval_size`` windows of the test part) is drawn from the seed
alone, the same for every trial. The step size follows ``Schedule.rate``: a linear warm-up, then a cosine decay.
Each method's update is its ``optim.optimizer`` direction at eta = 1, times eta (exactly the optax update: every
method here is linear in its step), so that eta can be a vmapped array; ``clip_norm`` puts a global-norm clip in
front of the method, as every run of [T] does.
"""

import math
from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import optax

from simulate.engine.stop import raise_if_stopped
from simulate.memory import trim_heap
from simulate.nets import model, tokens
from simulate.nets.optim import METHODS, optimizer
from theory.validation import check_int, check_positive

RECORDS = ("train_loss", "eval_loss", "head_norm", "logit_norm", "eval_window_loss")
HEAD = ("head.w", "head.b")  # the tensors a fine-tuning run draws afresh (``train``'s ``start``)


@dataclass(frozen=True)
class Schedule:
    """How long and on what: ``steps`` updates on minibatches of ``batch`` windows, metrics every ``every`` steps
    (steps must be a multiple), on a held-out batch of ``eval_size`` windows; ``clip_norm`` (or None) before the
    method; the step size warms up linearly over the first ``warmup`` fraction of the steps and then decays along a
    cosine to ``final`` times its peak."""

    steps: int
    batch: int
    every: int
    eval_size: int = 256
    clip_norm: float | None = None
    warmup: float = 0.05
    final: float = 0.1

    def __post_init__(self):
        for name in ("steps", "batch", "every", "eval_size"):
            check_int(getattr(self, name), name, 1)
        if self.steps % self.every:
            raise ValueError(f"steps={self.steps} is not a multiple of every={self.every}")
        if self.clip_norm is not None:
            check_positive(self.clip_norm, "clip_norm")
        if not 0 <= self.warmup < 1:
            raise ValueError(f"warmup={self.warmup!r} is outside the accepted range [0, 1)")
        if not 0 <= self.final <= 1:
            raise ValueError(f"final={self.final!r} is outside the accepted range [0, 1]")

    def checkpoints(self) -> np.ndarray:
        """The step counts at which metrics are recorded: 0, every, 2 every, ..., steps."""
        return np.arange(0, self.steps + 1, self.every)

    def rate(self, k):
        """The factor of eta at step k = 0, 1, ...: min(1, (k + 1) / warm-up steps) times the cosine decay
        final + (1 - final) (1 + cos(pi k / steps)) / 2."""
        ramp = jnp.minimum(1.0, (k + 1) / max(1, round(self.warmup * self.steps)))
        return ramp * (self.final + (1 - self.final) * 0.5 * (1 + jnp.cos(math.pi * k / self.steps)))


def trial_key(seed: int, trial: int) -> jax.Array:
    """The key of one trial: initial weights and minibatches follow from it."""
    return jax.random.fold_in(jax.random.key(seed), trial)


def initial_params(cfg: model.NetConfig, seed: int, trial: int = 0, start: dict | None = None) -> dict[str, jax.Array]:
    """The weights trial ``trial`` of ``seed`` starts from (as in ``train``; with ``start``, a fine-tuning run's:
    ``start``'s tensors with the trial's new head)."""
    params = model.init(jax.random.split(trial_key(seed, trial))[0], cfg)
    return params if start is None else {n: (v if n in HEAD else jnp.asarray(start[n])) for n, v in params.items()}


def eval_batch(cfg: model.NetConfig, task: tokens.Task, size: int, seed: int) -> tuple[jax.Array, jax.Array]:
    """The held-out windows and labels every trial of ``seed`` is measured on."""
    key = jax.random.fold_in(jax.random.key(seed), 2**31 - 1)
    return tokens.batch(key, task, size, tokens.window_length(task, cfg.seq_len), "test")


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


def _direction(methods, options, clip_norm):
    direction = _selectable(methods, {m: dict(o) for m, o in options})
    if clip_norm is not None:
        direction = optax.chain(optax.clip_by_global_norm(clip_norm), direction)
    return direction


@partial(jax.jit, static_argnames=("cfg", "methods", "options", "clip_norm"))
def _start(cfg, methods, options, clip_norm, keys, body):
    """Initial parameters and optimizer states of every run (vmapped over the runs' keys): drawn from the run's key,
    or with ``body`` (a pretrained model's tensors) every tensor but the head taken from it."""
    direction = _direction(methods, options, clip_norm)

    def one(key):
        params = model.init(jax.random.split(key)[0], cfg)
        if body is not None:
            params = {n: (v if n in HEAD else body[n]) for n, v in params.items()}
        return params, direction.init(params)

    return jax.vmap(one)(keys)


@partial(jax.jit, static_argnames=("cfg", "task", "methods", "options", "schedule"))
def _interval(cfg, task, methods, options, schedule, params, state, indices, etas, keys, interval):
    """``schedule.every`` steps of every run from (params, state); returns them and each run's mean training loss."""
    direction = _direction(methods, options, schedule.clip_norm)
    window = tokens.window_length(task, cfg.seq_len)

    def one(params, state, index, eta, key):
        data_key = jax.random.split(key)[1]

        def step(carry, k):
            params, state = carry
            x, y = tokens.batch(jax.random.fold_in(data_key, k), task, schedule.batch, window)
            value, grads = jax.value_and_grad(model.loss)(params, cfg, x, y)
            updates, state = direction.update(grads, state, params, index=index)
            params = jax.tree.map(lambda p, u: p + eta * schedule.rate(k) * u, params, updates)
            return (params, state), value

        steps = interval * schedule.every + jnp.arange(schedule.every)
        (params, state), losses = jax.lax.scan(step, (params, state), steps)
        return params, state, losses.mean()

    return jax.vmap(one)(params, state, indices, etas, keys)


@partial(jax.jit, static_argnames="cfg")
def _evaluate(cfg, params, x, y):
    """Held-out loss (nats), ||W_head||_F, the mean held-out logit norm and the held-out loss of every window
    (nats, [windows]) of every run, one run at a time."""

    def one(p):
        logits = model.forward(p, cfg, x)
        nll = -jnp.take_along_axis(jax.nn.log_softmax(logits), y[..., None], axis=-1)[..., 0]
        windows = nll.mean(axis=-1) if cfg.positions == "all" else nll
        return windows.mean(), jnp.linalg.norm(p["head.w"]), jnp.linalg.norm(logits, axis=-1).mean(), windows

    return jax.lax.map(one, params)


def train(
    cfg: model.NetConfig,
    task: tokens.Task,
    runs,
    trials: int,
    seed: int,
    schedule: Schedule,
    options: dict | None = None,
    snapshots: bool = False,
    first_trial: int = 0,
    group: int | None = None,
    methods: tuple[str, ...] | None = None,
    start: dict | None = None,
) -> tuple[dict, dict[str, np.ndarray]]:
    """Train every (method, eta) of ``runs`` on trials ``first_trial`` .. ``first_trial + trials - 1`` of ``seed``.

    Returns (the final parameters, each tensor [n_runs, trials, ...], or with ``snapshots`` the parameters at every
    checkpoint, [n_runs, trials, checkpoints, ...]; records, each [n_runs, trials, checkpoints], for ``RECORDS``:
    the mean training loss over the preceding interval (NaN at step 0), the held-out loss in nats, ||W_head||_F,
    the mean held-out logit norm, and [n_runs, trials, checkpoints, eval_size] the held-out loss of every window of
    the held-out batch, ``eval_batch``). ``start`` (a pretrained model's tensors, or None) makes every run a
    fine-tuning run: it starts from those tensors with a new head (``HEAD``) drawn from the trial's key.
    ``options`` maps a method to its ``optim.optimizer`` keywords (tau, beta1, beta2, eps, order). ``group`` (or
    None: all) is how many runs go side by side in one vmapped batch; more follow group after group (the same
    compiled program), so that memory grows with the group, not the runs.
    ``methods`` (None: those of ``runs``) are the methods compiled side by side: calls that pass the same methods,
    options, group and schedule share one compiled program (a method's runs do not depend on the others beside it).
    """
    if cfg.inputs != "text":
        raise ValueError(f"inputs={cfg.inputs!r}: training runs on text only (accepted: 'text')")
    expected = (task.vocab, task.n_classes, task.positions)
    if (cfg.vocab, cfg.n_classes, cfg.positions) != expected:
        raise ValueError(
            f"the model (vocab, classes, positions) {cfg.vocab, cfg.n_classes, cfg.positions} does not "
            f"fit the task {task.name!r}: {expected}"
        )
    trials = check_int(trials, "trials", 1)
    first_trial = check_int(first_trial, "first_trial", 0)
    runs = [(m, check_positive(e, "eta")) for m, e in runs]
    for m, _ in runs:
        if m not in METHODS:
            raise ValueError(f"method={m!r} is not one of the accepted values: {', '.join(METHODS)}")
    options = {m: dict(o) for m, o in (options or {}).items()}
    used = {m for m, _ in runs}
    methods = tuple(sorted(used if methods is None else set(methods)))
    if not used <= set(methods):
        raise ValueError(f"methods={methods!r} lacks {', '.join(sorted(used - set(methods)))}, used by runs")
    for m in methods:
        optimizer(m, 1.0, **options.get(m, {}))  # refuses a bad option before any tracing
    if start is not None:
        expected = {n: s for n, s in model.shapes(cfg).items() if n not in HEAD}
        found = {n: tuple(np.shape(start[n])) for n in expected if n in start}
        if found != expected:
            raise ValueError(f"start does not hold the model's body: expected {expected}, found {found}")
        start = {n: jnp.asarray(start[n]) for n in expected}
    frozen = tuple((m, tuple(sorted(options.get(m, {}).items()))) for m in methods)
    n = len(runs)
    total = n * trials
    group = total if group is None else check_int(group, "group", 1)
    pad = -total % group  # the last group is filled with copies of the last run, whose results are dropped
    take = np.concatenate([np.arange(total), np.full(pad, total - 1)]).astype(np.int32)
    indices = jnp.repeat(jnp.asarray([methods.index(m) for m, _ in runs], dtype=jnp.int32), trials)[take]
    etas = jnp.repeat(jnp.asarray([e for _, e in runs], dtype=jnp.float32), trials)[take]
    keys = jnp.tile(jnp.stack([trial_key(seed, first_trial + t) for t in range(trials)]), n)[take]
    eval_x, eval_y = eval_batch(cfg, task, schedule.eval_size, seed)
    chunks = [
        _train_group(
            cfg,
            task,
            methods,
            frozen,
            schedule,
            snapshots,
            start,
            indices[g : g + group],
            etas[g : g + group],
            keys[g : g + group],
            eval_x,
            eval_y,
        )
        for g in range(0, total + pad, group)
    ]
    trim = lambda a: a[:total].reshape(n, trials, *a.shape[1:])  # noqa: E731
    out_params = {k: trim(np.concatenate([c[0][k] for c in chunks])) for k in chunks[0][0]}
    records = {name: trim(np.concatenate([c[1][name] for c in chunks])) for name in RECORDS}
    del chunks
    trim_heap()  # the run's freed memory, before the caller's next large arrays
    return out_params, records


def _train_group(cfg, task, methods, frozen, schedule, snapshots, start, indices, etas, keys, eval_x, eval_y):
    """One vmapped group of runs: (parameters, each [runs, ...] or with snapshots [runs, checkpoints, ...];
    records, each [runs, checkpoints])."""
    params, state = _start(cfg, methods, frozen, schedule.clip_norm, keys, start)
    recs = [[np.full(len(keys), np.nan)] + [np.asarray(v) for v in _evaluate(cfg, params, eval_x, eval_y)]]
    kept = [jax.tree.map(np.asarray, params)] if snapshots else []
    for c in range(schedule.steps // schedule.every):
        raise_if_stopped()  # a Ctrl-C whose exception Python could not raise here (inside garbage collection)
        params, state, mean_loss = _interval(
            cfg, task, methods, frozen, schedule, params, state, indices, etas, keys, c
        )
        recs.append([np.asarray(mean_loss)] + [np.asarray(v) for v in _evaluate(cfg, params, eval_x, eval_y)])
        if snapshots:
            kept.append(jax.tree.map(np.asarray, params))
    if snapshots:
        out_params = {k: np.stack([p[k] for p in kept], axis=1) for k in kept[0]}
    else:
        out_params = {k: np.asarray(v) for k, v in params.items()}
    return out_params, {name: np.stack([r[i] for r in recs], axis=1) for i, name in enumerate(RECORDS)}
