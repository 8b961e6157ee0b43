import pytest

from simulate.runner import profile_configs, run_all
from simulate.store import RunCache
from theory.claims import THM4


@pytest.fixture(scope="session")
def thm4_quick_results():
    """The quick profile of thm4-strongly-convex, run once per test session: [(config, arrays, cached)]."""
    configs = profile_configs(THM4, THM4.profiles["quick"], seed=0)
    return run_all(configs, RunCache(None), progress=False)
