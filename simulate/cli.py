"""Command line: ``heavytail rates ...`` (or ``python -m simulate rates ...``), ``list``, ``controls``, ``horizons``,
``bench``."""

import argparse
import os
import sys
import time
from functools import partial
from pathlib import Path

from simulate.claims import CLAIMS, PROFILES, get_claim
from simulate.engine import stop
from simulate.publish.folder import MANAGED, check_mergeable, check_output
from simulate.run.executors import EXECUTORS
from simulate.run.store import RunCache
from theory.validation import check_int, check_seed


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


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("heavytail-rates")
    except PackageNotFoundError:  # a source tree that was never installed
        return "unknown (not installed)"


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
    r.add_argument("--alphas", type=float, nargs="+", default=None, help="override the profile's alphas")
    r.add_argument("--K", type=int, default=None, help="override the profile's iteration count")
    r.add_argument("--trials", type=int, default=None, help="override the profile's trial count")
    r.add_argument("--steps", type=int, default=None, help="override a small-transformer claim's training steps")
    r.add_argument("--pool", type=int, default=None, help="override a small-transformer claim's example pool")
    r.add_argument(
        "--allow-long",
        action="store_true",
        help="run overridden sizes even when one configuration would take over an hour at the nominal rate",
    )
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
    c.add_argument("--threads", type=int, default=None, help="Numba threads (default: all)")
    c.add_argument("--cache-dir", type=_path, default=Path("results/.cache"), help="finished-run cache")
    c.add_argument("--no-cache", action="store_true", help="recompute everything, store nothing")
    c.add_argument("--quiet", action="store_true", help="no progress lines")
    c.add_argument(
        "--out",
        type=_path,
        default=Path("build/controls"),
        help="folder for controls.csv, power.csv and the power figures (default: build/controls)",
    )
    _executor_options(c)
    sub.add_parser("list", help="the claims: id, what each states, its last default run's wall time")
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


def _set_threads(threads: int | None) -> int:
    import numba

    if threads is not None:
        top = numba.config.NUMBA_NUM_THREADS
        if not 1 <= threads <= top:
            raise ValueError(f"threads={threads!r} is outside the accepted range [1, {top}]")
        numba.set_num_threads(threads)
    return numba.get_num_threads()


def _check_common(args) -> list:
    """Validate the options shared by ``rates`` and ``controls``; returns the claims."""
    for option, values in (("claim", args.claim), ("alphas", getattr(args, "alphas", None))):
        repeated = sorted({str(v) for v in values or () if list(values).count(v) > 1})
        if repeated:
            raise ValueError(f"--{option} names {', '.join(repeated)} more than once; accepted: each value once")
    claims = [get_claim(c) for c in (args.claim or list(CLAIMS))]
    check_seed(args.seed)
    if args.executor != "dask":
        for name in ("scheduler", "workers"):
            if getattr(args, name) is not None:
                raise ValueError(f"--{name} applies only to --executor dask (got --executor {args.executor})")
    if args.workers is not None:
        if args.scheduler is not None:
            raise ValueError("--workers sizes a LocalCluster; with --scheduler the cluster decides its workers")
        check_int(args.workers, "workers", 1, (os.cpu_count() or 1) + 1)
    return claims


def _executor(args):
    """The executor the options ask for (``simulate.run.executors``); the caller closes it."""
    from simulate.run.executors import make_executor

    return make_executor(args.executor, args.scheduler, args.workers)


# folders of the operating system a run must never write into (nor below); the filesystem root too
SYSTEM_FOLDERS = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/sbin", "/sys", "/usr")


def check_folder(path: Path, name: str) -> Path:
    """A folder the run can write into: an existing writable folder, or a new one under a writable existing
    ancestor (created later, by the first write); never empty, the filesystem root or a system folder."""
    if not str(path).strip():
        raise ValueError(f"{name}={str(path)!r} is empty; accepted: a folder path")
    path = Path(path)
    resolved = path.resolve()
    if resolved == Path(resolved.anchor) or any(
        resolved == Path(f) or Path(f) in resolved.parents for f in SYSTEM_FOLDERS
    ):
        raise ValueError(
            f"{name}={str(path)!r} is the filesystem root or a system folder ({str(resolved)!r}); accepted: a folder "
            f"outside {', '.join(SYSTEM_FOLDERS)}"
        )
    if path.exists() and not path.is_dir():
        raise ValueError(f"{name}={str(path)!r} is a file; accepted: a folder (existing or new)")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"{name}={str(path)!r} cannot be written: {str(existing)!r} is not a writable folder")
    return path


def cmd_controls(args) -> int:
    claims = _check_common(args)
    args.out = check_folder(args.out, "out")
    if not args.no_cache:
        args.cache_dir = check_folder(args.cache_dir, "cache-dir")
    if args.claim:
        for c in claims:
            if not c.controls:
                raise ValueError(f"claim={c.id!r} declares no controls (it has no evidence rows)")
    claims = [c for c in claims if c.controls]
    _set_threads(args.threads)

    import pandas as pd

    from simulate.atomic import atomic_save
    from simulate.controls import controls_hold, plot_power, run_controls, run_power
    from simulate.run.context import Context

    ctx = Context(
        seed=args.seed,
        out=args.out,
        cache=RunCache(None if args.no_cache else args.cache_dir),
        progress=not args.quiet,
        executor=_executor(args),
        looks=args.profile == "default",
    )
    try:
        table = pd.concat([run_controls(c, c.profiles[args.profile], ctx) for c in claims], ignore_index=True)
        power = {c.id: run_power(c, c.profiles[args.profile], ctx) for c in claims if c.power}
    finally:
        ctx.executor.close()
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_save(args.out / "controls.csv", lambda tmp: table.to_csv(tmp, index=False))
    if power:
        curves = pd.concat(power.values(), ignore_index=True)
        atomic_save(args.out / "power.csv", lambda tmp: curves.to_csv(tmp, index=False))
        for claim in claims:
            if claim.id in power:
                plot_power(claim, power[claim.id], args.out / f"{claim.id}_power.png")
        print(curves[["claim", "mutant", "strength_name", "strength", "rows", "fraction_fail"]].to_string(index=False))
    print(table[["claim", "mutant", "expected", "got", "why"]].to_string(index=False))
    negative, positive = table[table.expected == "fail"], table[table.expected == "pass"]
    print(
        f"{int((negative.got == 'fail').sum())} of {len(negative)} negative controls judged fail and "
        f"{int((positive.got == 'pass').sum())} of {len(positive)} positive controls judged pass by their claim's "
        f"own rules; written to {args.out}"
    )
    return 0 if controls_hold(table) else 1


def _profiles(claims, args) -> dict:
    """Each claim's profile with the command line's overrides applied, all checked before any work."""
    from simulate.claims import experiment
    from simulate.run.overrides import apply_overrides, check_resources, given

    overrides = dict(alphas=args.alphas, K=args.K, trials=args.trials, steps=args.steps, pool=args.pool)
    profiles = {c.id: apply_overrides(c, c.profiles[args.profile], overrides, experiment(c.id)) for c in claims}
    if given(overrides):
        check_resources(profiles, allow_long=args.allow_long, report=not args.quiet)
    return profiles


def _rates_of(output):
    """A claim's measurement rows (``ClaimOutput.rates``)."""
    return output.rates


def cmd_rates(args) -> int:
    # Validate everything before any work.
    claims = _check_common(args)
    args.out = check_folder(args.out, "out")
    check_output(args.out)
    if not args.replace:
        check_mergeable(args.out)
    if args.cache_dir is not None and not args.no_cache:
        args.cache_dir = check_folder(args.cache_dir, "cache-dir")
        cache, out = Path(args.cache_dir).resolve(), Path(args.out).resolve()
        for sub in MANAGED:
            if cache == out / sub or out / sub in cache.parents:
                raise ValueError(
                    f"cache-dir={str(args.cache_dir)!r} lies inside the output's {sub}/, which publishing rewrites; "
                    f"accepted: a folder outside {str(out / sub)!r}"
                )
    profiles = _profiles(claims, args)
    threads = _set_threads(args.threads)

    import pandas as pd

    from simulate.claims import experiment
    from simulate.controls import plot_power, run_controls, run_power
    from simulate.looks import measured
    from simulate.memory import release_memory
    from simulate.publish import report
    from simulate.publish.folder import Staging, earlier_records
    from simulate.run.context import Context
    from simulate.run.overrides import given
    from simulate.run.progress import interactive, phase, progress_bar

    out: Path = args.out
    cache = RunCache(None if args.no_cache else (args.cache_dir or out / ".cache"))
    executor = _executor(args)  # before the staging folder: an unreachable scheduler leaves nothing behind
    staging = Staging(out)
    ctx = Context(
        seed=args.seed,
        out=staging.path,
        cache=cache,
        progress=not args.quiet,
        executor=executor,
        earlier=earlier_records(out),
        looks=args.profile == "default",
    )
    overrides = given(dict(alphas=args.alphas, K=args.K, trials=args.trials, steps=args.steps, pool=args.pool))
    all_rates, all_controls, stats, sections, records = [], [], {}, {}, {}
    try:
        with progress_bar(len(claims), "claims", enabled=not args.quiet, unit="claim", level=0) as bar:
            for i, claim in enumerate(claims, 1):
                if not args.quiet and not interactive():
                    print(f"== {claim.id} ({i}/{len(claims)})", file=sys.stderr)
                phase("starting", claim=claim.id)
                t0, cpu0, computed, cached = time.perf_counter(), time.process_time(), ctx.computed, ctx.cached
                ctx.label = claim.id
                profile = profiles[claim.id]
                looked = measured(claim, partial(experiment(claim.id).run, claim, profile, ctx), ctx, _rates_of)
                output, rates = looked.output, looked.rows
                phase("controls")
                controls = run_controls(claim, profile, ctx)
                power = run_power(claim, profile, ctx)
                figures = list(output.figures)
                if len(power):
                    figures.append(f"{claim.id}_power.png")
                    plot_power(claim, power, ctx.figures / figures[-1])
                sections[claim.id] = report.claim_section(
                    claim, profile, rates, controls, figures, output.columns, output.appendix, overrides, power
                )
                all_rates.append(rates)
                all_controls.append(controls)
                release_memory()  # the next claim's peak should not sit on this one's leftovers
                stats[claim.id] = output.stats
                records[claim.id] = report.run_record(
                    claim.category,
                    args.profile,
                    args.seed,
                    overrides,
                    threads,
                    time.perf_counter() - t0,
                    time.process_time() - cpu0,
                    ctx.computed - computed,
                    ctx.cached - cached,
                    figures,
                    args.executor,
                    output.provenance,
                )
                bar.update()
            rates = pd.concat(all_rates, ignore_index=True)
            controls = pd.concat(all_controls, ignore_index=True)
            stop.raise_if_stopped()  # a Ctrl-C swallowed on the way (inside garbage collection, say) stops here
            phase("publishing", claim="")
            render = partial(report.render_report, titles={c.id: c.title for c in CLAIMS.values()})
            staging.publish(rates, controls, stats, sections, records, render, list(CLAIMS), replace=args.replace)
    except KeyboardInterrupt:
        staging.discard()
        kept = (
            "nothing is kept (--no-cache)"
            if cache.root is None
            else f"{ctx.computed} configurations finished in this run are kept in {cache.root}"
        )
        print(f"\ninterrupted: {out} is unchanged; {kept}; run the same command again to resume", file=sys.stderr)
        return stop.exit_status()
    except BaseException:
        staging.discard()
        raise
    finally:
        ctx.executor.close()
    if not args.quiet:
        judged = rates[rates.kind != "info"]
        print(
            judged[
                [
                    "claim",
                    "method",
                    "noise",
                    "tail",
                    "metric",
                    "theory_exponent",
                    "fitted_exponent",
                    "value",
                    "ci_low",
                    "ci_high",
                    "kind",
                    "verdict",
                ]
            ].to_string(index=False),
            file=sys.stderr,
        )
        print("this run: " + report.headline(rates, controls), file=sys.stderr)
        for line in report.banner({"claims": records}):  # a quick or overridden run says so here too
            print(line.lstrip("> ").replace("**", ""), file=sys.stderr)
        wall = sum(r["wall_time_s"] for r in records.values())
        print(
            f"published {', '.join(records)} into {out} (REPORT.md, index.html, rates.csv, controls.csv, runs/, "
            f"figures/) in {wall:.0f} s, peak resident memory {report.peak_rss_mib():.0f} MiB",
            file=sys.stderr,
        )
    return 0


def claims_table(results: Path = Path("results")) -> str:
    """One line per claim: its id, title and the wall time of its last default-profile run recorded in
    ``results/provenance.json`` (when this folder has one)."""
    import json

    try:
        runs = json.loads((results / "provenance.json").read_text())["claims"]
    except (OSError, ValueError, KeyError, TypeError):
        runs = {}
    lines = [f"{'claim':28s} {'last default run':>16s}  statement"]
    for claim_id, claim in CLAIMS.items():
        record = runs.get(claim_id, {}) if isinstance(runs, dict) else {}
        wall = record.get("wall_time_s") if record.get("profile") == "default" else None
        cost = f"{wall:.0f} s" if isinstance(wall, int | float) else "-"
        lines.append(f"{claim_id:28s} {cost:>16s}  {claim.title}")
    return "\n".join(lines)


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
        if args.command == "rates":
            return cmd_rates(args)
        if args.command == "controls":
            return cmd_controls(args)
        if args.command == "list":
            print(claims_table())
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
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return stop.exit_status()
