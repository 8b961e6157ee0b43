"""Run claims on a SLURM cluster through dask-jobqueue (``pip install -e '.[jobqueue]'``), or, with ``--local``, on
a LocalCluster of this machine (what the tests run). Workers need this checkout installed at the same path, and
the cache folder (``--cache-dir``) on a filesystem every node sees.

    python examples/slurm_sweep.py --jobs 4 --claim thm4-strongly-convex --out results-slurm
    python examples/slurm_sweep.py --local --claim thm5-lower-bound --profile quick --out /tmp/try

Every option after the ones below goes to ``heavytail rates`` unchanged; the sweep's results are byte-identical
to a local run's.
"""

import argparse
import sys


def cluster(local: bool, jobs: int, cores: int, memory: str, walltime: str):
    """A started cluster: dask-jobqueue's SLURMCluster scaled to ``jobs`` jobs of ``cores`` single-threaded worker
    processes each, or a LocalCluster of two worker processes when ``local``."""
    if local:
        from dask.distributed import LocalCluster

        return LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    from dask_jobqueue import SLURMCluster

    slurm = SLURMCluster(cores=cores, processes=cores, memory=memory, walltime=walltime)
    slurm.scale(jobs=jobs)
    return slurm


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--local", action="store_true", help="a LocalCluster instead of SLURM jobs")
    parser.add_argument("--jobs", type=int, default=4, help="SLURM jobs (default: 4)")
    parser.add_argument("--cores", type=int, default=8, help="worker processes per job (default: 8)")
    parser.add_argument("--memory", default="16GB", help="memory per job (default: 16GB)")
    parser.add_argument("--walltime", default="02:00:00", help="walltime per job (default: 02:00:00)")
    ours, rates_options = parser.parse_known_args(argv)
    from simulate.cli import main as heavytail

    with cluster(ours.local, ours.jobs, ours.cores, ours.memory, ours.walltime) as running:
        print(f"dashboard: {running.dashboard_link}", file=sys.stderr)
        return heavytail(["rates", *rates_options, "--executor", "dask", "--scheduler", running.scheduler_address])


if __name__ == "__main__":
    sys.exit(main())
