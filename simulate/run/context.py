"""What every experiment receives and returns."""

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from simulate.run.executors import LocalExecutor
from simulate.run.progress import phase
from simulate.run.runner import run_all
from simulate.run.store import RunCache
from theory.validation import SEED_LIMIT


@dataclass
class Context:
    """Run-wide settings: seed, output folder (figures go to ``out/figures``), run cache, progress."""

    seed: int
    out: Path
    cache: RunCache
    progress: bool = True
    label: str = "runs"  # what the progress bar calls the sweep (the claim id)
    executor: object = field(default_factory=LocalExecutor)  # where configurations run (``simulate.run.executors``)
    computed: int = 0
    cached: int = 0
    earlier: dict = field(default_factory=dict)  # the output folder's provenance of each claim before this run
    looks: bool = False  # run sequentially-sized claims in the looks of the default profile (simulate.looks)
    plan: object = None  # at a look of the sequential design: its trials per configuration (simulate.looks.Plan)

    def derived_seed(self, offset: int) -> int:
        """A second seed for runs that must not share the main runs' streams: seed + offset, wrapped into the
        accepted range [0, 2**63) so that every base seed the CLI accepts stays valid."""
        return (self.seed + offset) % SEED_LIMIT

    @property
    def figures(self) -> Path:
        return self.out / "figures"

    def run(self, configs, *, staged: bool = True) -> list:
        """Run (or load from the cache) every configuration, tallying computed vs cached; see ``runner.run_all``.
        At a look of the sequential design each configuration runs with the trials the look gives it (``plan``),
        unless ``staged`` is False (a tuning sweep, whose choice must not depend on the look, or runs whose statistic
        needs their full count)."""
        if self.plan is not None and staged:
            configs = [self.plan.at_look(cfg) for cfg in configs]
        phase("simulating")
        results = run_all(configs, self.cache, progress=self.progress, label=self.label, executor=self.executor)
        self.cached += sum(cached for _, _, cached in results)
        self.computed += sum(not cached for _, _, cached in results)
        phase("fitting")  # what a claim does with its runs' arrays before it draws them
        return results


@dataclass
class ClaimOutput:
    """Measurement rows for rates.csv (not yet judged), per-checkpoint statistics for runs.parquet, figure file
    names, the columns REPORT shows, extra markdown for the claim's section, and what provenance.json records of
    the claim beyond the run itself (e.g. the small transformer's backend, device and parameter counts)."""

    rates: pd.DataFrame
    stats: pd.DataFrame
    figures: list[str] = field(default_factory=list)
    columns: list[str] | None = None
    appendix: str = ""
    provenance: dict = field(default_factory=dict)
