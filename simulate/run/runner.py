"""Turn configurations into kernel calls, and a claim's profile into a cached, resumable sweep."""

from collections.abc import Iterable

import numpy as np

from simulate.engine.run import ensure_compiled, run_trajectory
from simulate.run.config import RunConfig
from simulate.run.progress import compiling, progress_bar
from simulate.run.store import RunCache


def run_trials(cfg: RunConfig, trial_offset: int = 0, n_trials: int | None = None) -> dict[str, np.ndarray]:
    """Run trials [trial_offset, trial_offset + n_trials) of any run configuration (its ``trajectory()``); returns
    ``k`` (the checkpoints), the metric's per-trial outputs, ``diverged_at`` and the run's constants
    (``run_constants()``, 0-d arrays). See ``simulate.pieces.metrics`` for what each metric records."""
    traj = cfg.trajectory()
    ensure_compiled(traj, compiling)  # compiling is left out of the progress bar's rate and ETA
    out = run_trajectory(traj, trial_offset, _trials(cfg, trial_offset, n_trials))
    return {**out, **{name: np.array(value) for name, value in cfg.run_constants().items()}}


# the names notebooks know; every configuration runs the same way
run_quadratic = run_nonconvex = run_adaptive = run_trials


def _trials(cfg, trial_offset: int, n_trials: int | None) -> int:
    """The number of trials in [trial_offset, trial_offset + n_trials), checked to lie inside [0, cfg.trials)."""
    n = cfg.trials - trial_offset if n_trials is None else n_trials
    if trial_offset < 0 or n < 1 or trial_offset + n > cfg.trials:
        raise ValueError(f"trials [{trial_offset}, {trial_offset + n}) are outside [0, {cfg.trials})")
    return n


SHARED_OUTPUTS = ("k", "K", "eta", "tau", "sigma")  # the same for every trial; every other output is per trial
BLOCK_ITERATIONS = 2**25  # coordinate-iterations per kernel call: ~0.2 s on two cores, a fine-grained progress bar


def work(cfg) -> int:
    """Coordinate-iterations of a configuration, K x trials x d (the unit of the progress bar)."""
    return cfg.K * cfg.trials * cfg.d


def trial_blocks(cfg, start: int = 0) -> list[tuple[int, int]]:
    """(first trial, trials) of each kernel call over trials [start, cfg.trials): about ``BLOCK_ITERATIONS`` each, a
    multiple of 128 trials (so both threads get whole SIMD blocks). Each trial owns its stream, so the split leaves
    every result bit-identical."""
    per_block = max(128, BLOCK_ITERATIONS // (cfg.K * cfg.d) // 128 * 128)
    return [(first, min(per_block, cfg.trials - first)) for first in range(start, cfg.trials, per_block)]


def run_config(cfg: RunConfig, on_block=None, start: int = 0) -> dict[str, np.ndarray]:
    """Run trials [start, cfg.trials) of one configuration of any kind in blocks of trials (``trial_blocks``),
    calling ``on_block(work done)`` after each block; per-trial outputs have cfg.trials - start rows. The kernels
    run on worker threads and read the stop flag (``simulate.engine.stop``), so Ctrl-C stops a run at once."""
    out = None
    for first, n in trial_blocks(cfg, start):
        part = run_trials(cfg, first, n)
        if out is None:  # whole-run arrays, filled block by block (memory: the run plus one block)
            out = {
                name: a if name in SHARED_OUTPUTS else np.empty((cfg.trials - start, *a.shape[1:]), a.dtype)
                for name, a in part.items()
            }
        for name, a in part.items():
            if name not in SHARED_OUTPUTS:
                out[name][first - start : first - start + n] = a
        if on_block is not None:
            on_block(cfg.K * n * cfg.d)
    return out


def run_all(
    configs: Iterable[RunConfig],
    cache: RunCache,
    *,
    progress: bool = True,
    label: str = "runs",
    executor,
) -> list[tuple[RunConfig, dict[str, np.ndarray], bool]]:
    """Run (or load from the cache) every configuration; returns (config, arrays, was_cached) in order.

    The configurations not in the cache run on ``executor`` (``simulate.run.executors``). Each finished run is saved
    as soon as it finishes, so an interrupted sweep resumes where it
    stopped. The progress bar counts coordinate-iterations (``work``) of the configurations not found in the cache.
    """
    configs = list(configs)
    arrays = [cache.load(cfg.cache_key(), cfg.describe()) for cfg in configs]
    cached = [a is not None for a in arrays]
    todo = [i for i, a in enumerate(arrays) if a is None]
    total = sum(work(configs[i]) for i in todo)
    with progress_bar(
        total, f"{label}: {len(todo)} of {len(configs)} to compute", enabled=progress and total > 0
    ) as bar:

        def on_done(j: int, result: dict[str, np.ndarray]) -> None:
            arrays[todo[j]] = result

        if todo:
            executor.compute([configs[i] for i in todo], cache, on_done, bar)
    return list(zip(configs, arrays, cached, strict=True))
