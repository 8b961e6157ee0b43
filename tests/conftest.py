import os

from simulate.run.executors import LocalExecutor

# XLA compiles the small-transformer programs of the tests (and of the CLI and notebook subprocesses, which inherit
# the environment) without backend optimisation: compilation, not running, is most of their time at test size.
# Only float rounding differs; `make rates` and notebooks run outside the tests use XLA's defaults.
os.environ.setdefault("XLA_FLAGS", "--xla_backend_optimization_level=0")

import numba
import pytest

from simulate.claims.thm4_strongly_convex.claim import CLAIM as THM4
from simulate.claims.thm4_strongly_convex.experiment import profile_configs
from simulate.run.runner import run_all
from simulate.run.store import RunCache


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
