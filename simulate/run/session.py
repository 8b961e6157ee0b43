"""A run of claims from start to finish: the request checked whole before any work, then ``rates`` (each claim
measured, judged, its controls and power curves run, the lot published into the output folder at once) or
``controls`` (the claims' controls and power curves only). The command line parses into a ``RunRequest`` and calls
these; a notebook or a script may do the same."""

import os
import sys
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from simulate.claims import CLAIMS, get_claim
from simulate.engine import stop
from simulate.publish.folder import MANAGED, check_mergeable, check_output
from simulate.run.store import RunCache
from theory.validation import check_int, check_seed

# folders of the operating system a run must never write into (nor below); the filesystem root too
SYSTEM_FOLDERS = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/sbin", "/sys", "/usr")

# the overrides a request may carry (``simulate.run.overrides``), each None when not given
OVERRIDES = ("alphas", "K", "trials", "steps", "pool")


@dataclass
class RunRequest:
    """What a run is asked to do. ``claims``: ids (None: every claim); ``overrides``: profile fields by name
    (``OVERRIDES``, None where not given); ``cache_dir`` None: the output folder's ``.cache``; ``executor``,
    ``scheduler``, ``workers``: where configurations run (``simulate.run.executors``)."""

    out: Path
    claims: list[str] | None = None
    profile: str = "default"
    seed: int = 0
    overrides: dict = field(default_factory=dict)
    allow_long: bool = False
    threads: int | None = None
    cache_dir: Path | None = None
    no_cache: bool = False
    replace: bool = False
    quiet: bool = False
    executor: str = "local"
    scheduler: str | None = None
    workers: int | None = None

    def override_values(self) -> dict:
        """Every override by name, None where not given."""
        unknown = sorted(set(self.overrides) - set(OVERRIDES))
        if unknown:
            raise ValueError(f"overrides {', '.join(unknown)} are unknown; accepted: {', '.join(OVERRIDES)}")
        return {name: self.overrides.get(name) for name in OVERRIDES}


@dataclass
class Prepared:
    """A checked request: its claims, each claim's profile with the overrides applied, the run cache and the Numba
    thread count in force."""

    claims: list
    profiles: dict
    cache: RunCache
    threads: int


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
    if path.is_symlink() and not path.exists():
        raise ValueError(f"{name}={str(path)!r} is a link to nothing ({os.readlink(path)!r}); accepted: a folder")
    if path.exists() and not path.is_dir():
        raise ValueError(f"{name}={str(path)!r} is a file; accepted: a folder (existing or new)")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"{name}={str(path)!r} cannot be written: {str(existing)!r} is not a writable folder")
    return path


def _check_cache_outside(cache_dir: Path, out: Path) -> None:
    """Refuse a cache folder inside one of the output's managed folders (publishing rewrites them)."""
    cache, out = Path(cache_dir).resolve(), Path(out).resolve()
    for sub in MANAGED:
        if cache == out / sub or out / sub in cache.parents:
            raise ValueError(
                f"cache-dir={str(cache_dir)!r} lies inside the output's {sub}/, which publishing rewrites; "
                f"accepted: a folder outside {str(out / sub)!r}"
            )


def _set_threads(threads: int | None) -> int:
    import numba

    from simulate.engine.run import set_thread_count, thread_count

    if threads is not None:
        top = numba.config.NUMBA_NUM_THREADS
        if not 1 <= threads <= top:
            raise ValueError(f"threads={threads!r} is outside the accepted range [1, {top}]")
        set_thread_count(threads)
    return thread_count()


def _claims(request: RunRequest) -> list:
    for option, values in (("claim", request.claims), ("alphas", request.overrides.get("alphas"))):
        repeated = sorted({str(v) for v in values or () if list(values).count(v) > 1})
        if repeated:
            raise ValueError(f"--{option} names {', '.join(repeated)} more than once; accepted: each value once")
    return [get_claim(c) for c in (request.claims or list(CLAIMS))]


def _check_executor(request: RunRequest) -> None:
    if request.executor != "dask":
        for name in ("scheduler", "workers"):
            if getattr(request, name) is not None:
                raise ValueError(f"--{name} applies only to --executor dask (got --executor {request.executor})")
    if request.workers is not None:
        if request.scheduler is not None:
            raise ValueError("--workers sizes a LocalCluster; with --scheduler the cluster decides its workers")
        check_int(request.workers, "workers", 1, (os.cpu_count() or 1) + 1)


def _profiles(claims: list, request: RunRequest) -> dict:
    """Each claim's profile with the request's overrides applied, all checked before any work."""
    from simulate.claims import experiment
    from simulate.run.overrides import apply_overrides, check_resources, given

    overrides = request.override_values()
    profiles = {c.id: apply_overrides(c, c.profiles[request.profile], overrides, experiment(c.id)) for c in claims}
    if given(overrides):
        check_resources(profiles, allow_long=request.allow_long, report=not request.quiet)
    return profiles


def prepare(request: RunRequest, publishing: bool) -> Prepared:
    """Every check of ``request`` before any work (``rates`` and ``controls`` alike; ``publishing``: the output is
    a results folder that the run merges into, as ``rates`` writes it). Raises ValueError naming the bad value."""
    claims = _claims(request)
    check_seed(request.seed)
    _check_executor(request)
    request.out = check_folder(request.out, "out")
    if publishing:
        check_output(request.out)
        if not request.replace:
            check_mergeable(request.out)
    if not request.no_cache:
        if request.cache_dir is not None:
            request.cache_dir = check_folder(request.cache_dir, "cache-dir")
        _check_cache_outside(request.cache_dir or request.out / ".cache", request.out)
    profiles = _profiles(claims, request)
    threads = _set_threads(request.threads)
    cache = RunCache(None if request.no_cache else (request.cache_dir or request.out / ".cache"))
    return Prepared(claims, profiles, cache, threads)


def _executor(request: RunRequest):
    """The executor the request asks for (``simulate.run.executors``); the caller closes it."""
    from simulate.run.executors import make_executor

    return make_executor(request.executor, request.scheduler, request.workers)


def _context(request: RunRequest, ready: Prepared, out: Path):
    """The run context of a command that writes beside a results folder (``controls``, ``power``): the request's
    seed, cache, progress and executor (the caller closes it), in the default profile's looks."""
    from simulate.run.context import Context

    return Context(
        seed=request.seed,
        out=out,
        cache=ready.cache,
        progress=not request.quiet,
        executor=_executor(request),
        looks=request.profile == "default",
    )


def _rates_of(output):
    """A claim's measurement rows (``ClaimOutput.rates``)."""
    return output.rates


SUMMARY_COLUMNS = [
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


def run_rates(request: RunRequest) -> int:
    """Measure, judge and publish the request's claims into ``request.out``; returns the exit status (0, or the
    interrupting signal's)."""
    ready = prepare(request, publishing=True)

    import pandas as pd

    from simulate.claims import experiment
    from simulate.controls import plot_power, run_controls, run_power
    from simulate.looks import measured
    from simulate.memory import release_memory
    from simulate.publish import figures as style
    from simulate.publish import markdown, provenance
    from simulate.publish.folder import Staging, earlier_records
    from simulate.run.context import Context
    from simulate.run.overrides import given
    from simulate.run.progress import interactive, phase, progress_bar

    out, claims, cache = request.out, ready.claims, ready.cache
    executor = _executor(request)  # before the staging folder: an unreachable scheduler leaves nothing behind
    staging = Staging(out, replace=request.replace)
    ctx = Context(
        seed=request.seed,
        out=staging.path,
        cache=cache,
        progress=not request.quiet,
        executor=executor,
        earlier=earlier_records(out),
        looks=request.profile == "default",
    )
    overrides = given(request.override_values())
    all_rates, all_controls, stats, sections, records = [], [], {}, {}, {}
    try:
        bar = progress_bar(len(claims), "claims", enabled=not request.quiet, unit="claim", level=0)
        with bar, style.styled():  # the claims' figures are made in the suite's style
            for i, claim in enumerate(claims, 1):
                if not request.quiet and not interactive():
                    print(f"== {claim.id} ({i}/{len(claims)})", file=sys.stderr)
                phase("starting", claim=claim.id)
                t0, cpu0, computed, cached = time.perf_counter(), time.process_time(), ctx.computed, ctx.cached
                ctx.label = claim.id
                profile = ready.profiles[claim.id]
                looked = measured(claim, partial(experiment(claim.id).run, claim, profile, ctx), ctx, _rates_of)
                output, rates = looked.output, looked.rows
                phase("controls")
                controls = run_controls(claim, profile, ctx)
                power = run_power(claim, profile, ctx)
                figures = list(output.figures)
                if len(power):
                    figures.append(f"{claim.id}_power.png")
                    plot_power(claim, power, ctx.figures / figures[-1])
                sections[claim.id] = markdown.claim_section(
                    claim, profile, rates, controls, figures, output.columns, output.appendix, overrides, power
                )
                all_rates.append(rates)
                all_controls.append(controls)
                release_memory()  # the next claim's peak should not sit on this one's leftovers
                stats[claim.id] = output.stats
                records[claim.id] = provenance.run_record(
                    claim.category,
                    request.profile,
                    request.seed,
                    overrides,
                    ready.threads,
                    time.perf_counter() - t0,
                    time.process_time() - cpu0,
                    ctx.computed - computed,
                    ctx.cached - cached,
                    figures,
                    request.executor,
                    output.provenance,
                )
                bar.update()
            rates = pd.concat(all_rates, ignore_index=True)
            controls = pd.concat(all_controls, ignore_index=True)
            stop.raise_if_stopped()  # a Ctrl-C swallowed on the way (inside garbage collection, say) stops here
            phase("publishing", claim="")
            render = partial(markdown.render_report, titles={c.id: c.title for c in CLAIMS.values()})
            staging.publish(rates, controls, stats, sections, records, render, list(CLAIMS), replace=request.replace)
    except KeyboardInterrupt:
        if staging.published:  # the interrupt was held until the publication had completed
            print(f"\ninterrupted after publishing: {out} holds this run's results", file=sys.stderr)
            return stop.exit_status()
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
    if not request.quiet:
        _print_summary(rates, controls, records, out)
    return 0


def _print_summary(rates, controls, records: dict, out: Path) -> None:
    """The judged rows, the headline, any banner and where the run was published, on stderr."""
    from simulate.publish import markdown, provenance

    print(rates[rates.kind != "info"][SUMMARY_COLUMNS].to_string(index=False), file=sys.stderr)
    print("this run: " + markdown.headline(rates, controls), file=sys.stderr)
    for line in markdown.banner({"claims": records}):  # a quick or overridden run says so here too
        print(line.lstrip("> ").replace("**", ""), file=sys.stderr)
    wall = sum(r["wall_time_s"] for r in records.values())
    print(
        f"published {', '.join(records)} into {out} (REPORT.md, index.html, rates.csv, controls.csv, runs/, "
        f"figures/) in {wall:.0f} s, peak resident memory {provenance.peak_rss_mib():.0f} MiB",
        file=sys.stderr,
    )


def _other_claims_controls(out: Path, ran: set[str]):
    """The rows of ``out/controls.csv`` of claims other than ``ran`` (an empty table when there is none), read
    before any work: a file that does not parse, or has no ``claim`` column, is refused naming it."""
    import pandas as pd

    path = out / "controls.csv"
    if not path.exists():
        return pd.DataFrame()
    try:
        old = pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise ValueError(f"{path} does not parse ({type(err).__name__}); remove it or write elsewhere (--out)") from err
    if "claim" not in old.columns:
        raise ValueError(f"{path} has no 'claim' column; remove it or write elsewhere (--out)")
    return old[~old.claim.isin(ran)]


def run_controls_only(request: RunRequest) -> int:
    """The request's claims' controls and power curves into ``request.out`` (controls.csv, power.csv, the power
    figures); returns 0 only when every negative control fails and every positive one passes."""
    ready = prepare(request, publishing=False)
    if request.claims:
        for c in ready.claims:
            if not c.controls:
                raise ValueError(f"claim={c.id!r} declares no controls (it has no evidence rows)")
    claims = [c for c in ready.claims if c.controls]
    out = request.out
    if (out / "provenance.json").exists():
        raise ValueError(
            f"out={str(out)!r} holds published results (provenance.json), whose controls.csv `rates` writes with "
            "its REPORT; accepted: a folder of the controls' own (default: build/controls)"
        )
    kept = _other_claims_controls(out, {c.id for c in claims})

    import pandas as pd

    from simulate.atomic import atomic_save
    from simulate.controls import controls_hold, plot_power, run_controls, run_power
    from simulate.publish import figures as style

    ctx = _context(request, ready, out)
    try:
        table = pd.concat([run_controls(c, ready.profiles[c.id], ctx) for c in claims], ignore_index=True)
        merged = pd.concat([kept, table], ignore_index=True) if len(kept) else table
        power = {c.id: run_power(c, ready.profiles[c.id], ctx) for c in claims if c.power}
    finally:
        ctx.executor.close()
    out.mkdir(parents=True, exist_ok=True)
    atomic_save(out / "controls.csv", lambda tmp: merged.to_csv(tmp, index=False))  # other claims' rows kept
    if power:
        curves = pd.concat(power.values(), ignore_index=True)
        atomic_save(out / "power.csv", lambda tmp: curves.to_csv(tmp, index=False))
        with style.styled():
            for claim in claims:
                if claim.id in power:
                    plot_power(claim, power[claim.id], out / f"{claim.id}_power.png")
        print(curves[["claim", "mutant", "strength_name", "strength", "rows", "fraction_fail"]].to_string(index=False))
    print(table[["claim", "mutant", "expected", "got", "why"]].to_string(index=False))
    negative, positive = table[table.expected == "fail"], table[table.expected == "pass"]
    print(
        f"{int((negative.got == 'fail').sum())} of {len(negative)} negative controls judged fail and "
        f"{int((positive.got == 'pass').sum())} of {len(positive)} positive controls judged pass by their claim's "
        f"own rules; written to {out}"
    )
    return 0 if controls_hold(table) else 1


MAX_REPLICATES = 1000


def run_power_study(request: RunRequest, replicates: int) -> int:
    """The verdict rules' error rates (``simulate.power``) for the request's claims (default: every claim with a
    covered set-up or a power curve), ``replicates`` seeds each, into ``request.out``: replicates.csv (one verdict
    per set-up, replicate and rule family), error_rates.csv, error_rates.png and README.md (the table). Finished runs
    are cached (``--cache-dir``), so an interrupted study resumes where it stopped."""
    from simulate.power import has_error_rates

    check_int(replicates, "replicates", 2, MAX_REPLICATES + 1)
    command = f"heavytail power --profile {request.profile} --replicates {replicates} --seed {request.seed}"
    command += f" --claim {' '.join(request.claims)}" if request.claims else ""
    if request.claims is None:
        request.claims = [c for c in CLAIMS if has_error_rates(get_claim(c))]
    ready = prepare(request, publishing=False)
    for c in ready.claims:
        if not has_error_rates(c):
            raise ValueError(f"claim={c.id!r} declares no covered set-up (positive control) and no power curve")
    if (request.out / "provenance.json").exists():
        raise ValueError(f"out={str(request.out)!r} holds published results; accepted: a folder of its own")

    import pandas as pd

    from simulate.atomic import atomic_save
    from simulate.power import error_rates, markdown_table, plot_error_rates, run_replicates
    from simulate.publish import figures as style

    ctx = _context(request, ready, request.out)
    try:
        table = pd.concat(
            [run_replicates(c, ready.profiles[c.id], ctx, replicates) for c in ready.claims], ignore_index=True
        )
    finally:
        ctx.executor.close()
    rates = error_rates(table)
    out = request.out
    out.mkdir(parents=True, exist_ok=True)
    atomic_save(out / "replicates.csv", lambda tmp: table.to_csv(tmp, index=False))
    atomic_save(out / "error_rates.csv", lambda tmp: rates.to_csv(tmp, index=False))
    with style.styled():
        plot_error_rates(rates, out / "error_rates.png")
    readme = (
        f"# Error rates of the verdict rules\n\n`{command}`: each covered set-up (a positive control: the rules "
        "must pass it) and each power curve's strength (a mutant: they should fail it) run with that many "
        "independent seeds at the profile's sizes and judged by the claim's own rules. A replicate counts once per "
        "rule family, failed when any of its rows in the family fails. For a covered set-up the fail rate is the "
        "false-fail rate; for a mutant it is the power. Intervals: Wilson 95%.\n\n![error rates](error_rates.png)"
        "\n\n" + markdown_table(rates) + "\n"
    )
    atomic_save(out / "README.md", lambda tmp: Path(tmp).write_text(readme))
    print(markdown_table(rates))
    print(f"written to {out}")
    return 0


def claims_table(results: Path = Path("results")) -> str:
    """One line per claim: its id, title and the wall time of its last default-profile run recorded in
    ``results/provenance.json``; a first line says so when that file is missing or unreadable."""
    import json

    lines = []
    try:
        runs = json.loads((results / "provenance.json").read_text())["claims"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        runs = {}
        why = "missing" if isinstance(err, FileNotFoundError) else f"unreadable ({type(err).__name__})"
        lines.append(f"note: {results / 'provenance.json'} is {why}: no run times (--out names another folder)")
    lines.append(f"{'claim':28s} {'last default run':>16s}  statement")
    for claim_id, claim in CLAIMS.items():
        record = runs.get(claim_id, {}) if isinstance(runs, dict) else {}
        wall = record.get("wall_time_s") if record.get("profile") == "default" else None
        cost = f"{wall:.0f} s" if isinstance(wall, int | float) else "-"
        lines.append(f"{claim_id:28s} {cost:>16s}  {claim.title}")
    return "\n".join(lines)
