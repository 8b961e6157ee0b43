"""Command line: ``heavytail rates ...`` (or ``python -m simulate rates ...``), ``list``, ``controls``, ``horizons``,
``bench``."""

import argparse
import os
import sys
from pathlib import Path

from simulate.claims import CLAIMS, PROFILES
from simulate.engine import stop
from simulate.publish.folder import PublicationIncomplete
from simulate.run.executors import EXECUTORS


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line refusal (exit 2) instead of the usage block."""

    def error(self, message):
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def _path(value: str):
    """A folder option: a Path, or the string as given when it is blank (``Path("")`` would be the current folder;
    ``check_folder`` refuses it by name)."""
    return Path(value) if value.strip() else value


def _executor_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--executor",
        default="local",
        choices=EXECUTORS,
        help="where configurations run (default: local, in this process; dask: a dask.distributed cluster)",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        help="dask scheduler address, e.g. tcp://host:8786 (default: a "
        "LocalCluster on this machine); workers must see the cache folder at the same path",
    )
    p.add_argument("--workers", type=int, default=None, help="LocalCluster worker processes (default: one per core)")


def _override_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--alphas", type=float, nargs="+", default=None, help="override the profile's alphas")
    p.add_argument("--K", type=int, default=None, help="override the profile's iteration count")
    p.add_argument("--trials", type=int, default=None, help="override the profile's trial count")
    p.add_argument("--steps", type=int, default=None, help="override a small-transformer claim's training steps")
    p.add_argument("--pool", type=int, default=None, help="override a small-transformer claim's example pool")
    p.add_argument(
        "--allow-long",
        action="store_true",
        help="run overridden sizes even when one configuration would take over an hour at the nominal rate",
    )


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("heavytail-rates")
    except PackageNotFoundError:  # a source tree that was never installed
        return "unknown (not installed)"


def _sweep_options(p: argparse.ArgumentParser) -> None:
    """The options of a command that runs configurations beside a results folder (``controls``, ``power``)."""
    p.add_argument("--threads", type=int, default=None, help="Numba threads (default: all)")
    p.add_argument("--cache-dir", type=_path, default=Path("results/.cache"), help="finished-run cache")
    p.add_argument("--no-cache", action="store_true", help="recompute everything, store nothing")
    p.add_argument("--quiet", action="store_true", help="no progress lines")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="heavytail", description=__doc__)
    p.add_argument("--version", action="version", version=f"heavytail {_version()}")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser(
        "rates",
        help="run claims, fit exponents, judge them; write REPORT.md, index.html, rates.csv, runs/, figures/",
    )
    r.add_argument("--claim", nargs="+", default=None, help=f"claim ids (default: all): {', '.join(CLAIMS)}")
    r.add_argument("--profile", default="default", choices=PROFILES, help="problem sizes (default: default)")
    r.add_argument("--out", type=_path, default=Path("results"), help="output folder (default: results)")
    r.add_argument("--seed", type=int, default=0, help="base seed, >= 0 (default: 0)")
    _override_options(r)
    r.add_argument("--threads", type=int, default=None, help="Numba threads (default: all)")
    r.add_argument("--cache-dir", type=_path, default=None, help="finished-run cache (default: OUT/.cache)")
    r.add_argument("--no-cache", action="store_true", help="recompute everything, store nothing")
    r.add_argument(
        "--replace",
        action="store_true",
        help="start OUT afresh: keep none of the claims it holds (for a damaged or older-format folder)",
    )
    r.add_argument("--quiet", action="store_true", help="no progress lines")
    _executor_options(r)
    c = sub.add_parser(
        "controls",
        help="run the claims' controls and power curves; exit 0 only when every negative control fails and every "
        "positive one passes",
    )
    c.add_argument("--claim", nargs="+", default=None, help="claim ids (default: every claim with controls)")
    c.add_argument("--profile", default="default", choices=PROFILES, help="problem sizes (default: default)")
    c.add_argument("--seed", type=int, default=0, help="base seed, >= 0 (default: 0)")
    _override_options(c)
    _sweep_options(c)
    c.add_argument(
        "--out",
        type=_path,
        default=Path("build/controls"),
        help="folder for controls.csv, power.csv and the power figures (default: build/controls)",
    )
    _executor_options(c)
    pw = sub.add_parser(
        "power",
        help="measure the verdict rules' error rates: covered set-ups and graded mutants, each with many seeds",
    )
    pw.add_argument("--claim", nargs="+", default=None, help="claim ids (default: every claim with power curves)")
    pw.add_argument("--profile", default="default", choices=PROFILES, help="problem sizes (default: default)")
    pw.add_argument("--replicates", type=int, default=20, help="independent seeds per set-up, 2-1000 (default: 20)")
    pw.add_argument("--seed", type=int, default=0, help="base seed, >= 0; replicate 0 uses it (default: 0)")
    _override_options(pw)
    _sweep_options(pw)
    pw.add_argument("--out", type=_path, default=Path("results/power"), help="output folder (default: results/power)")
    _executor_options(pw)
    d = sub.add_parser(
        "diff",
        help="what moved between two results folders: verdicts, estimates beyond the other run's CI, controls; exit 1 "
        "when anything moved",
    )
    d.add_argument("old", type=Path, help="the earlier results folder")
    d.add_argument("new", type=Path, help="the later results folder")
    ls = sub.add_parser("list", help="the claims: id, what each states, its last default run's wall time")
    ls.add_argument("--out", type=Path, default=Path("results"), help="the results folder to read (default: results)")
    sub.add_parser(
        "horizons",
        help="how large K the finite-k models need for the pre-asymptotic rows to reach their limits (theory only)",
    )
    b = sub.add_parser("bench", help="iterations per second of the proj-GClip kernel vs plain NumPy")
    b.add_argument("--trials", type=int, default=4096)
    b.add_argument("--K", type=int, default=20000)
    b.add_argument(
        "--sweep", action="store_true", help="also time the whole quick sweep, local and on Dask (about 17 minutes)"
    )
    return p


def _request(args):
    """The parsed options of ``rates`` or ``controls`` as a ``RunRequest``."""
    from simulate.run.session import OVERRIDES, RunRequest

    return RunRequest(
        out=args.out,
        claims=args.claim,
        profile=args.profile,
        seed=args.seed,
        overrides={name: getattr(args, name) for name in OVERRIDES},
        allow_long=args.allow_long,
        threads=args.threads,
        cache_dir=args.cache_dir,
        no_cache=args.no_cache,
        replace=getattr(args, "replace", False),
        quiet=args.quiet,
        executor=args.executor,
        scheduler=args.scheduler,
        workers=args.workers,
    )


def entry() -> None:
    """The ``heavytail`` console command."""
    try:
        sys.exit(main())
    except BrokenPipeError:  # stdout piped into a reader that stopped early (``heavytail list | head``)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # as Python's docs advise: no second error
        sys.exit(1)


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")  # a batch run draws into files only (a notebook keeps its own, inline backend)
    with stop.signals_stop_kernels():
        return _dispatch(args)


def _dispatch(args) -> int:
    try:
        from simulate.run import session

        if args.command == "rates":
            return session.run_rates(_request(args))
        if args.command == "controls":
            return session.run_controls_only(_request(args))
        if args.command == "power":
            return session.run_power_study(_request(args), args.replicates)
        if args.command == "diff":
            from simulate.publish.diff import diff_folders, render

            rows, controls = diff_folders(args.old, args.new)
            print(render(rows, controls, args.old, args.new))
            return 1 if len(rows) or len(controls) else 0
        if args.command == "list":
            print(session.claims_table(args.out))
            return 0
        if args.command == "horizons":
            from simulate.horizons import horizons_table

            print(horizons_table())
            return 0
        from simulate.bench import run_bench

        return run_bench(trials=args.trials, K=args.K, sweep=args.sweep)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except PublicationIncomplete as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except OSError as err:  # a full disk, a file-size limit (ulimit -f), a file that cannot be written or read
        print(f"error: {err}; the output folder is as it was (a run publishes once it has finished)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return stop.exit_status()
