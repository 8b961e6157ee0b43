"""provenance.json's record of one claim's run: the code's git revision (asked of the package's own repository), the
run's options, its cost and the versions of the packages that computed it."""

import platform
import subprocess
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from simulate.memory import peak_rss_mib

CODE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding the simulate and theory packages


def code_revision(root: Path = CODE_ROOT) -> str:
    """The git commit of the code that ran (short hash, ``-dirty`` when ``simulate/`` or ``theory/`` differ from
    it), asked of the repository that holds the package itself, never of the current folder; ``unknown`` where the
    package is not in a git checkout (an installed wheel) or git is missing."""

    def git(*args) -> str:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout

    try:
        if Path(git("rev-parse", "--show-toplevel").strip()).resolve() != root:
            return "unknown"
        dirty = git("status", "--porcelain", "--", "simulate", "theory").strip()
        return git("rev-parse", "--short", "HEAD").strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run_record(
    category: str,
    profile: str,
    seed: int,
    overrides: dict,
    threads: int,
    wall: float,
    cpu: float,
    computed: int,
    cached: int,
    figures: list[str],
    executor: str = "local",
    model: dict | None = None,
) -> dict:
    """Provenance of one claim's results: its category (``theory.declarations.CATEGORIES``), the run (git
        revision, profile, seed, overrides, date, executor), its size and cost (wall time, this process's CPU time in
        seconds over all its threads (with ``--executor dask`` the workers' is not counted), configurations computed and
        loaded, the process's peak resident memory at the end of the claim: cumulative over the run, so the claim where
        it jumps is the one that needed it), the figures it
    drew, the versions of the packages that computed it, and ``model`` (the claim's own record, e.g. the small
    transformer's backend, device and parameter counts) where it has one."""
    import datetime

    import numba
    import pyarrow
    import scipy

    record = dict(
        category=category,
        profile=profile,
        seed=seed,
        overrides={k: list(v) if isinstance(v, tuple) else v for k, v in overrides.items()},
        git_revision=code_revision(),
        date=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M"),
        wall_time_s=round(wall, 1),
        cpu_time_s=round(cpu, 1),
        numba_threads=threads,
        executor=executor,
        peak_rss_mib=peak_rss_mib(),
        configurations_computed=computed,
        configurations_from_cache=cached,
        figures=list(figures),
        python=platform.python_version(),
        platform=platform.platform(),
        versions=dict(
            numpy=np.__version__,
            scipy=scipy.__version__,
            numba=numba.__version__,
            pandas=pd.__version__,
            pyarrow=pyarrow.__version__,
            matplotlib=matplotlib.__version__,
        ),
    )
    if model:
        record["model"] = model
    return record
