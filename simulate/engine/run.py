"""A trajectory experiment as data (``Trajectory``), and running its trials through the composed kernel."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass

import numba
import numba.core.errors
import numpy as np

from simulate.engine.compose import combination_key, compose
from simulate.engine.interfaces import Method, Metric, Noise, Objective
from simulate.engine.stop import FLAG, halting, raise_if_stopped, signals_deferred

LARGEST_K = 2**53  # iteration numbers are carried in float64 by the schedules; beyond 2**53 they are not exact
WAKE_S = 0.1  # seconds: how often the main thread, waiting for kernels, wakes to run a signal's handler


def trial_block(d: int) -> int:
    """Trials per parallel block: 64 in low dimension (whole SIMD blocks in d = 1), fewer as d grows so that
    large-d runs still use every thread (results do not depend on it: each trial owns its stream)."""
    return max(1, min(64, 4096 // d))


def _array_digest(a) -> str:
    a = np.ascontiguousarray(a)
    return hashlib.sha256(f"{a.dtype.str}|{a.shape}|".encode() + a.tobytes()).hexdigest()[:16]


def _describe_params(params) -> list:
    """JSON-able description of a parameter tuple (arrays by digest)."""
    out = []
    for p in params:
        if isinstance(p, tuple):
            out.append(_describe_params(p))
        elif isinstance(p, np.ndarray):
            out.append({"array": _array_digest(p)})
        elif isinstance(p, np.generic):
            out.append(p.item())
        else:
            out.append(p)
    return out


@dataclass(frozen=True, eq=False)
class Trajectory:
    """Independent runs of one method on one objective with one noise law, recorded by a metric.

    Parameters
    ----------
    objective, noise, method, metric : the four pieces (``simulate.engine.interfaces``); the objective's ``shape``
        picks the kernel template (scalar: d = 1, trials in SIMD lanes; vector: x in R^d).
    x0 : float64[d], the start (d = 1 for a scalar objective).
    checkpoints : increasing iterations at which the metric records (0 = the start; the last is the horizon K).
    trials : number of independent trials.
    seed, stream_key : trial t draws from the stream (seed, stream_key, t), so the same seed and key give the same
        noise to every method (a paired comparison) and trial t's numbers do not depend on the number of trials,
        the thread count or how trials are split into calls.
    """

    objective: Objective
    noise: Noise
    method: Method
    metric: Metric
    x0: np.ndarray
    checkpoints: np.ndarray
    trials: int
    seed: int = 0
    stream_key: int = 0

    def __post_init__(self):
        object.__setattr__(self, "x0", np.ascontiguousarray(self.x0, dtype=np.float64).reshape(-1))
        ks = np.ascontiguousarray(self.checkpoints, dtype=np.int64).reshape(-1)
        if ks.size == 0 or ks[0] < 0 or np.any(np.diff(ks) <= 0) or not 1 <= ks[-1] <= LARGEST_K:
            raise ValueError(
                f"checkpoints={ks.tolist()!r}: expected increasing iterations >= 0, the last (K) in [1, 2^53] (the "
                "schedules carry iteration numbers in float64)"
            )
        object.__setattr__(self, "checkpoints", ks)
        if self.objective.shape == "scalar" and self.x0.size != 1:
            raise ValueError(f"x0 has {self.x0.size} coordinates: a scalar objective takes exactly 1")
        if self.x0.size == 0 or not np.all(np.isfinite(self.x0)):
            raise ValueError(f"x0={self.x0.tolist()!r} is outside the accepted range: finite numbers, at least one")
        if not (isinstance(self.trials, int | np.integer) and self.trials >= 1):
            raise ValueError(f"trials={self.trials!r} outside the accepted range: an integer >= 1")
        for name in ("seed", "stream_key"):
            value = getattr(self, name)
            if not (isinstance(value, int | np.integer) and 0 <= value < 2**64):
                raise ValueError(f"{name}={value!r} outside the accepted range: an integer in [0, 2^64)")

    @property
    def shape(self) -> str:
        return self.objective.shape

    def describe(self) -> dict:
        """Everything the result depends on: the pieces' code keys and parameters, x0, checkpoints, trials,
        seed and stream key (JSON-able; the run cache's key is its hash)."""
        pieces = {
            role: {"name": piece.name, "key": piece.result_key(), "params": _describe_params(piece.params)}
            for role, piece in (
                ("objective", self.objective),
                ("noise", self.noise),
                ("method", self.method),
                ("metric", self.metric),
            )
        }
        pieces["noise"]["lift_params"] = _describe_params(self.noise.lift_params)
        return {
            **pieces,
            "x0": _array_digest(self.x0),
            "checkpoints": self.checkpoints.tolist(),
            "trials": int(self.trials),
            "seed": int(self.seed),
            "stream_key": int(self.stream_key),
        }


def thread_count() -> int:
    """``numba.get_num_threads()``, with SIGINT and SIGTERM held over the call (``stop.signals_deferred``). Numba
    takes a process-wide lock there (and in ``set_num_threads``) on every call: an interrupt raised while the main
    thread held it left it taken, and every later worker waited on it in ``set_num_threads`` for ever."""
    with signals_deferred():
        return numba.get_num_threads()


def set_thread_count(n: int) -> None:
    """``numba.set_num_threads(n)`` for this thread, with interrupts held over the call (see ``thread_count``)."""
    with signals_deferred():
        numba.set_num_threads(n)


def map_on_threads(fn, items) -> list:
    """``[fn(item) for item in items]``, the calls side by side on Numba's thread count (``numba.get_num_threads()``)
    of threads. For calls that release the GIL (kernels) and do not depend on one another: results in order, and
    the same for any thread count. Numba's thread count is per thread: the workers get the caller's, so that calls
    which map again inside stay within it. From the main thread the calls always run on workers, so that the main
    thread stays free to take Ctrl-C; if the wait is interrupted, or a call fails, the kernels still in flight are
    stopped (``stop.halting``) before the error goes on. The main thread waits in slices of ``WAKE_S``: an untimed
    wait is not woken by a signal that the kernel hands to another thread, or that lands just before the wait
    blocks, and its handler would then not run until the kernels end (hours, at K = 2^44)."""
    items = list(items)
    count = thread_count()
    threads = min(count, len(items))
    if threads <= 1 and threading.current_thread() is not threading.main_thread():
        return [fn(item) for item in items]

    def call(item):
        set_thread_count(count)
        return fn(item)

    pool = ThreadPoolExecutor(max(1, threads))
    with halting(lambda: pool.shutdown(wait=True, cancel_futures=True)):
        with signals_deferred():  # every worker thread registered before an interrupt can land (see below)
            futures = [pool.submit(call, item) for item in items]
        for future in futures:
            while not future.done():
                wait([future], timeout=WAKE_S)
        results = [f.result() for f in futures]
    pool.shutdown()
    return results


def run_blocks(block_function, n_trials: int, block: int, args: tuple) -> None:
    """``block_function(first, nb, *args)`` for every block of ``block`` trials out of ``n_trials``, on Numba's
    thread count of threads (``map_on_threads``). The block functions release the GIL and write only their own
    trials' rows, and each trial owns its stream, so results do not depend on the thread count."""
    map_on_threads(lambda first: block_function(first, min(block, n_trials - first), *args), range(0, n_trials, block))


def run_trajectory(traj: Trajectory, trial_offset: int = 0, n_trials: int | None = None) -> dict[str, np.ndarray]:
    """Run trials [trial_offset, trial_offset + n_trials) of ``traj`` (all of them by default).

    Parameters
    ----------
    traj : the trajectory.
    trial_offset, n_trials : the range of trials to run; results are bit-identical to the same rows of a whole run.

    Returns
    -------
    dict of arrays: ``k`` (the checkpoints), the metric's outputs (first axis: trials) and ``diverged_at``
    (int64 per trial: the first checkpoint at which the metric was not finite, 0 if never). Raises
    ``stop.Stopped`` when a signal stopped the kernels before the end.
    """
    n = traj.trials - trial_offset if n_trials is None else n_trials
    if trial_offset < 0 or n < 1 or trial_offset + n > traj.trials:
        raise ValueError(f"trials [{trial_offset}, {trial_offset + n}) are outside [0, {traj.trials})")
    kernel, outputs, args = _kernel_call(traj, trial_offset, n)
    diverged_at = args[5]
    # a few trials in high dimension would fit in one block, on one thread: split them over the threads
    block = min(trial_block(traj.x0.size), -(-n // thread_count()))
    try:
        run_blocks(kernel.trial_block, n, block, args)
    except numba.core.errors.TypingError as err:
        raise _typing_error(traj, err) from None
    raise_if_stopped()  # the kernels returned early: their outputs are unfinished
    return {"k": traj.checkpoints, **outputs, "diverged_at": diverged_at}


def _kernel_call(traj: Trajectory, trial_offset: int, n: int) -> tuple:
    """The composed kernel of ``traj``, the metric's outputs for ``n`` trials (freshly allocated, by name) and the
    kernel's arguments after (first, nb) for those trials from ``trial_offset``: (x0, params, checkpoints, stream,
    outputs, diverged_at, stop flag)."""
    kernel = compose(traj.shape, traj.objective, traj.noise, traj.method, traj.metric)
    noise_params = traj.noise.params
    if traj.shape == "vector" and traj.noise.apply is None:
        noise_params = (traj.noise.params, *traj.noise.lift_params)
    outputs = traj.metric.outputs(n, traj.checkpoints.size)
    args = (
        traj.x0,
        (traj.objective.params, noise_params, traj.method.params, traj.metric.params),
        traj.checkpoints,
        (np.uint64(traj.seed), np.uint64(traj.stream_key), np.uint64(trial_offset)),
        tuple(outputs.values()),
        np.empty(n, dtype=np.int64),
        FLAG,
    )
    return kernel, outputs, args


def ensure_compiled(traj: Trajectory, around=contextlib.nullcontext) -> None:
    """Compile the kernel of ``traj`` (or load it from Numba's cache) unless this process has it, by calling it on
    no trials for one iteration (no work); inside ``around()`` when it has to, so that a progress bar can leave the
    compilation out of its rate."""
    kernel, _, args = _kernel_call(traj, 0, 0)
    if kernel.trial_block.signatures:
        return
    # one iteration (checkpoints [1], the same array type): with no trials, every iteration would still be a pass
    # of the loop, and at K = 2^44 that takes hours (in this thread, where no signal handler can run)
    args = (*args[:2], np.ones(1, dtype=np.int64), *args[3:])
    with around():
        try:
            kernel.trial_block(0, 0, *args)
        except numba.core.errors.TypingError as err:
            raise _typing_error(traj, err) from None


def _typing_error(traj: Trajectory, err: Exception) -> TypeError:
    """Numba's typing error of a composed kernel as a TypeError that names the pieces whose functions it mentions
    (all four when it names none) and the signatures their template expects."""
    from simulate.engine.interfaces import SHAPES, SIGNATURES

    named = []
    for piece in (traj.objective, traj.noise, traj.method, traj.metric):
        kind = type(piece).__name__
        for role, fn in piece.functions().items():
            if fn is not None and getattr(fn, "py_func", fn).__name__ in str(err):
                expected = SIGNATURES[kind][role][SHAPES.index(traj.shape)]
                named.append(f"{kind.lower()} {piece.name!r} ({role}: expected {expected})")
    if not named:
        named = [
            f"{type(p).__name__.lower()} {p.name!r}" for p in (traj.objective, traj.noise, traj.method, traj.metric)
        ]
    first = next((line.strip() for line in str(err).splitlines() if line.strip()), "")
    return TypeError(
        f"the {traj.shape} kernel of {', '.join(named)} did not compile: a function does not type with the "
        f"arguments its template passes (signatures: simulate.engine.interfaces). Numba said: {first}"
    )


def run_cached(traj: Trajectory, cache) -> dict[str, np.ndarray]:
    """``run_trajectory(traj)``, stored in a run cache.

    Parameters
    ----------
    traj : the trajectory.
    cache : a ``simulate.run.store.RunCache``; the entry's key hashes ``traj.describe()`` (every piece's source key and
        parameters, the start, checkpoints, trials, seed, stream key) and the kernel's combination key, so editing
        a piece's code, or a helper it calls, recomputes exactly the runs that use it.

    Returns
    -------
    The arrays of ``run_trajectory``, loaded when this trajectory ran before, else computed and saved.
    """
    describe = {**traj.describe(), "engine": compose_key(traj)}
    key = hashlib.sha256(json.dumps(describe, sort_keys=True).encode()).hexdigest()[:24]
    return cache.load_or_compute(key, describe, lambda: run_trajectory(traj))


def compose_key(traj: Trajectory) -> str:
    """The key of the kernel this trajectory runs on (template, package sources, pieces)."""
    return combination_key(traj.shape, traj.objective, traj.noise, traj.method, traj.metric)
