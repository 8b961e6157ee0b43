"""Command line: ``python -m simulate rates ...`` and ``python -m simulate bench``."""

import argparse
import sys
import time
from pathlib import Path

from theory.claims import CLAIMS, PROFILES, get_claim
from theory.validation import check_alpha, check_choice, check_positive_int

from .store import RunCache


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m simulate", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("rates", help="run claims, fit exponents, write rates.csv, runs.parquet, figures, REPORT.md")
    r.add_argument("--claim", nargs="+", default=None, help=f"claim ids (default: all): {', '.join(CLAIMS)}")
    r.add_argument("--profile", default="default", help=f"one of {', '.join(PROFILES)} (default: default)")
    r.add_argument("--out", type=Path, default=Path("results"), help="output folder (default: results)")
    r.add_argument("--seed", type=int, default=0, help="base seed, >= 0 (default: 0)")
    r.add_argument("--alphas", type=float, nargs="+", default=None, help="override the profile's alphas")
    r.add_argument("--K", type=int, default=None, help="override the profile's iteration count")
    r.add_argument("--trials", type=int, default=None, help="override the profile's trial count")
    r.add_argument("--threads", type=int, default=None, help="Numba threads (default: all)")
    r.add_argument("--cache-dir", type=Path, default=None, help="finished-run cache (default: OUT/.cache)")
    r.add_argument("--no-cache", action="store_true", help="recompute everything, store nothing")
    r.add_argument("--quiet", action="store_true", help="no progress lines")
    b = sub.add_parser("bench", help="iterations per second of the proj-GClip kernel vs plain NumPy")
    b.add_argument("--trials", type=int, default=4096)
    b.add_argument("--K", type=int, default=20000)
    return p


def _set_threads(threads: int | None) -> int:
    import numba

    if threads is not None:
        top = numba.config.NUMBA_NUM_THREADS
        if not 1 <= threads <= top:
            raise ValueError(f"threads={threads!r} is outside the accepted range [1, {top}]")
        numba.set_num_threads(threads)
    return numba.get_num_threads()


def cmd_rates(args) -> int:
    # Validate everything before any work.
    check_choice(args.profile, PROFILES, "profile")
    claims = [get_claim(c) for c in (args.claim or list(CLAIMS))]
    if args.seed < 0:
        raise ValueError(f"seed={args.seed!r} is outside the accepted range [0, 2**63)")
    for a in args.alphas or ():
        check_alpha(a)
    if args.K is not None:
        check_positive_int(args.K, "K")
    if args.trials is not None:
        check_positive_int(args.trials, "trials")
    threads = _set_threads(args.threads)

    import pandas as pd

    from . import report
    from .experiments import EXPERIMENTS, Context

    out: Path = args.out
    cache = RunCache(None if args.no_cache else (args.cache_dir or out / ".cache"))
    ctx = Context(seed=args.seed, out=out, cache=cache, progress=not args.quiet, alphas=args.alphas, K=args.K,
                  trials=args.trials)  # fmt: skip
    t0 = time.perf_counter()
    outputs = []
    for claim in claims:
        if not args.quiet:
            print(f"== {claim.id}", file=sys.stderr)
        outputs.append(EXPERIMENTS[claim.id](claim, claim.profiles[args.profile], ctx))

    rates = pd.concat([o.rates for o in outputs], ignore_index=True)
    stats = pd.concat([o.stats for o in outputs], ignore_index=True)
    wall = time.perf_counter() - t0
    prov = report.provenance(args.profile, args.seed, wall, threads, [c.id for c in claims], ctx.computed, ctx.cached)
    report.write_tables(out, rates, stats, prov)
    report.write_report(out, [o.section for o in outputs], prov, rates)
    if not args.quiet:
        judged = rates[rates.verdict != "info"]
        print(judged[["claim", "method", "noise", "tail", "metric", "theory_exponent", "fitted_exponent", "value",
                      "ci_low", "ci_high", "verdict"]].to_string(index=False), file=sys.stderr)  # fmt: skip
        print(
            f"wrote {out}/REPORT.md, rates.csv, runs.parquet, figures/ in {prov['wall_time_s']} s",
            file=sys.stderr,
        )
    return 0


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "rates":
            return cmd_rates(args)
        from .bench import run_bench

        return run_bench(trials=args.trials, K=args.K)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
