import os
import tempfile

# XLA compiles the small-transformer programs of the tests (and of the CLI and notebook subprocesses, which inherit
# the environment) without backend optimisation: compilation, not running, is most of their time at test size.
# Only float rounding differs; `make rates` and notebooks run outside the tests use XLA's defaults.
os.environ.setdefault("XLA_FLAGS", "--xla_backend_optimization_level=0")
import shutil
from pathlib import Path

import numba
import pytest
from filelock import FileLock

from simulate.claims.thm4_strongly_convex.claim import CLAIM as THM4
from simulate.claims.thm4_strongly_convex.experiment import profile_configs
from simulate.run.executors import LocalExecutor
from simulate.run.runner import run_all
from simulate.run.store import RunCache


def pytest_sessionstart(session):
    """The processes of one test run (pytest-xdist's workers and the CLI and notebook processes they start) share
    JAX's persistent compilation cache, every program in it however quick its compilation. The cache is keyed by the
    program, the compile options (XLA_FLAGS included) and JAX's version, so that it changes no number."""
    import jax

    # named by the first process to start the session (pytest-xdist's controller, whose environment its workers
    # inherit; a worker keeps the name it finds)
    folder = os.path.join(tempfile.gettempdir(), f"heavytail-jax-{os.getpid()}")
    os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", folder)
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    jax.config.update("jax_compilation_cache_dir", os.environ["JAX_COMPILATION_CACHE_DIR"])
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)


def _computed_once(tmp_path_factory, name: str, compute) -> Path:
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # the parent: this session's, shared
    folder = root / name
    with FileLock(str(root / f"{name}.lock")):
        if not (folder / ".computed").exists():
            shutil.rmtree(folder, ignore_errors=True)  # a worker that died half-way leaves no half folder behind
            folder.mkdir()
            compute(folder)
            (folder / ".computed").touch()
    return folder


@pytest.fixture(scope="session")
def computed_once(tmp_path_factory):
    """``computed_once(name, compute)``: a folder ``name`` that ``compute(folder)`` fills once per test session,
    shared by every pytest-xdist worker (the first to take the lock computes it, the others wait and reuse it; a
    session fixture alone would run once per worker). Without xdist, a folder of this session's temporary root."""
    return lambda name, compute: _computed_once(tmp_path_factory, name, compute)


@pytest.fixture(scope="session")
def thm4_quick_results():
    """The quick profile of thm4-strongly-convex, run once per test session: [(config, arrays, cached)]."""
    configs = profile_configs(THM4, THM4.profiles["quick"], seed=0)
    return run_all(configs, RunCache(None), progress=False, executor=LocalExecutor())


@pytest.fixture
def one_and_all_threads():
    """Call ``run()`` on one Numba thread and then on all of them; returns (result_one, result_all)."""

    def both(run):
        before = numba.get_num_threads()
        try:
            numba.set_num_threads(1)
            one = run()
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
            return one, run()
        finally:
            numba.set_num_threads(before)

    return both
