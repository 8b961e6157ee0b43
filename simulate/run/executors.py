"""Where a sweep's configurations run: in this process (``local``) or as tasks on dask.distributed (``dask``).

Both compute exactly ``runner.run_config(cfg)``, whose result depends only on the configuration (each trial owns its
stream), so a sweep is byte-identical across executors, worker counts and thread counts. The Dask executor's
workers write each finished configuration into the run cache themselves (a filesystem every worker and the client
can reach), so a worker lost in the middle of a sweep loses at most the configurations it was computing: the
scheduler hands those to another worker, and a configuration already in the cache is loaded, not recomputed.
"""

import itertools
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from simulate.run.runner import SHARED_OUTPUTS, run_config
from simulate.run.store import RunCache
from theory.sequential import LOOK_FRACTIONS

EXECUTORS = ("local", "dask")
OnDone = Callable[[int, dict[str, np.ndarray]], None]  # (index into the configurations, the run's arrays)


def _entry(cfg, trials: int, cache: RunCache) -> dict[str, np.ndarray] | None:
    """The cached arrays of ``cfg`` run with ``trials`` trials, or None."""
    other = replace(cfg, trials=trials)
    return cache.load(other.cache_key(), other.describe())


def _from_other_sizes(cfg, cache: RunCache, on_block) -> dict[str, np.ndarray]:
    """``cfg``'s arrays built from the cache's entries of the same configuration at the trial counts a sequential
    design's looks use (``LOOK_FRACTIONS`` apart: x2, x4, x8 and /2, /4, /8): the first trials of a larger entry, or
    a smaller entry extended by running only the trials it lacks. Each trial owns its stream, so either is
    bit-identical to running the configuration afresh; with neither, it runs afresh."""
    n = cfg.trials
    ratios = [round(b / a) for a, b in itertools.combinations(LOOK_FRACTIONS, 2)]
    for m in sorted({n * r for r in ratios}):
        larger = _entry(cfg, m, cache)
        if larger is not None:
            return {name: a if name in SHARED_OUTPUTS else a[:n] for name, a in larger.items()}
    for m in sorted({n // r for r in ratios if n % r == 0}, reverse=True):
        smaller = _entry(cfg, m, cache)
        if smaller is not None:
            rest = run_config(cfg, on_block, start=m)
            return {
                name: a if name in SHARED_OUTPUTS else np.concatenate([a, rest[name]]) for name, a in smaller.items()
            }
    return run_config(cfg, on_block)


def load_or_run(cfg, cache: RunCache, on_block=None) -> dict[str, np.ndarray]:
    """A configuration's arrays from ``cache`` when a complete entry is there, else built from its entries at other
    trial counts or computed (``_from_other_sizes``), saved there first."""
    return cache.load_or_compute(cfg.cache_key(), cfg.describe(), lambda: _from_other_sizes(cfg, cache, on_block))


def compute_and_store(cfg, cache_root: str | None, threads: int | None) -> dict[str, np.ndarray]:
    """One configuration's arrays: loaded from the cache at ``cache_root`` if a complete entry is there, else
    computed with ``runner.run_config`` on ``threads`` Numba threads (None: the process default) and saved there."""
    if threads is not None:
        from simulate.engine.run import set_thread_count

        set_thread_count(threads)
    return load_or_run(cfg, RunCache(cache_root))


class LocalExecutor:
    """Configurations one after another in this process, each on all of Numba's threads, each saved to the cache
    before the next starts; the progress bar advances block by block."""

    def compute(self, configs: Sequence, cache: RunCache, on_done: OnDone, bar) -> None:
        """Run ``configs``, calling ``on_done`` for each; ``bar`` is the sweep's tqdm bar, in coordinate-iterations
        (``runner.work``)."""
        for i, cfg in enumerate(configs):
            bar.set_postfix_str(cfg.label(), refresh=False)
            on_done(i, load_or_run(cfg, cache, bar.update))

    def close(self) -> None:
        pass


class DaskExecutor:
    """Every configuration a task on a dask.distributed cluster: the scheduler at ``scheduler`` (an address such as
    ``tcp://host:8786``), or a LocalCluster of ``workers`` single-threaded worker processes when none is given, each
    running its kernels on cores // workers Numba threads. The cache folder must be reachable by the workers at the
    same path (a shared filesystem on a cluster). A scheduler that cannot be reached in ``CONNECT_TIMEOUT`` is
    refused with a ValueError naming it."""

    CONNECT_TIMEOUT = "10s"

    def __init__(self, scheduler: str | None = None, workers: int | None = None):
        from dask.distributed import Client, LocalCluster

        self.cluster = None
        self.threads = None
        if scheduler is None:
            cores = os.cpu_count() or 1
            workers = workers or cores
            self.cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=_dashboard_address()
            )
            self.threads = max(1, cores // workers)
        try:
            self.client = Client(self.cluster if scheduler is None else scheduler, timeout=self.CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as err:
            raise ValueError(
                f"scheduler={scheduler!r} cannot be reached ({type(err).__name__}); accepted: the "
                "address of a running dask scheduler, e.g. tcp://host:8786"
            ) from err
        link = self.client.dashboard_link if _dashboard_address() or scheduler else None
        print(
            f"dask dashboard: {link}" if link else "dask dashboard: off (pip install -e '.[dask]' adds bokeh for it)",
            file=sys.stderr,
        )

    def compute(self, configs: Sequence, cache: RunCache, on_done: OnDone, bar) -> None:
        from dask.distributed import as_completed

        from simulate.run.runner import work

        root = None if cache.root is None else str(cache.root.resolve())
        futures = {
            self.client.submit(compute_and_store, cfg, root, self.threads, pure=False): i
            for i, cfg in enumerate(configs)
        }
        bar.set_postfix_str(f"{len(self.client.scheduler_info()['workers'])} dask workers", refresh=False)
        try:
            for future in as_completed(futures):
                i = futures[future]
                on_done(i, future.result())
                bar.update(work(configs[i]))
        except BaseException:
            self.client.cancel(list(futures))
            raise

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _dashboard_address() -> str | None:
    """Where a LocalCluster serves its dashboard: a free port (":0") when bokeh is installed (the ``dask`` extra),
    else nowhere (None: dask would only warn that it cannot serve one)."""
    import importlib.util

    return ":0" if importlib.util.find_spec("bokeh") is not None else None


def make_executor(name: str = "local", scheduler: str | None = None, workers: int | None = None):
    """The executor called ``name`` (one of ``EXECUTORS``); ``scheduler`` and ``workers`` only apply to dask."""
    if name == "dask":
        return DaskExecutor(scheduler, workers)
    return LocalExecutor()
