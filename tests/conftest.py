import os

from simulate.run.executors import LocalExecutor

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
from simulate.run.runner import run_all
from simulate.run.store import RunCache


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
