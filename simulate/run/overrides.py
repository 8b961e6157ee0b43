"""Grid overrides from the command line (``--alphas``, ``--K``, ``--trials``, and for the small-transformer claims
``--steps`` and ``--pool``): each sets the profile field of the same name, for every claim whose profile has that
field, or is refused for that claim before any work.

A claim's ``experiment.py`` may declare ``SMALLEST_K`` (the smallest K its fits can use) and ``SMALLEST_TRIALS``.
"""

import math
import sys
from dataclasses import fields, replace

from simulate.engine.run import LARGEST_K
from simulate.memory import check_fits
from simulate.run.config import BYTES_PER_TRIAL_CHECKPOINT, checkpoints
from theory.declarations import Claim
from theory.validation import check_alpha, check_int

OVERRIDABLE = ("alphas", "K", "trials", "steps", "pool")
# training steps per run of a small-transformer claim: JAX counts steps in int32, and a million steps of the default
# rung take hours on a CPU (its profiles train for at most 6000)
LARGEST_STEPS = 10**6


def _smallest_bootstrap_sample(distinct: int = 40) -> int:
    """The smallest n whose resamples with replacement take at least ``distinct`` different values (C(2n-1, n)):
    40 = 1 / 0.025, the fewest for the 2.5% and 97.5% percentiles of a bootstrap to be different resamples."""
    return next(n for n in range(1, 100) if math.comb(2 * n - 1, n) >= distinct)


SMALLEST_TRIALS = _smallest_bootstrap_sample()  # 5: fewer trials give a "95% CI" of a handful of resamples


def given(overrides: dict) -> dict:
    """The overrides actually given (None means not given)."""
    return {name: value for name, value in overrides.items() if value is not None}


def apply_overrides(claim: Claim, profile, overrides: dict, module=None):
    """``profile`` with the given overrides applied, each checked against the claim's accepted range; a ValueError
    naming the override, the claim and the accepted values when the claim cannot take it."""
    names = {f.name for f in fields(profile)}
    changes = {}
    for name, value in given(overrides).items():
        if name not in OVERRIDABLE:
            raise ValueError(f"{name}={value!r} is not an override; accepted: {', '.join(OVERRIDABLE)}")
        if name not in names:
            takes = [o for o in OVERRIDABLE if o in names]
            raise ValueError(
                f"--{name} does not apply to claim {claim.id!r}: its profile has no {name!r} (it takes "
                f"{', '.join('--' + t for t in takes) or 'no overrides'}); leave --{name} out or run other claims"
            )
        changes[name] = _checked(name, value, claim, module)
    if "steps" in changes and getattr(profile, "pretraining", None) is not None:
        # --steps caps every training run of the claim, the language model it fine-tunes included
        changes["pretraining"] = replace(profile.pretraining, steps=min(changes["steps"], profile.pretraining.steps))
    return replace(profile, **changes) if changes else profile


def _checked(name: str, value, claim: Claim, module):
    if name == "alphas":
        values = tuple(check_alpha(a) for a in value)
        if not values:
            raise ValueError("alphas=() is empty; accepted: one or more numbers in (1, 2]")
        return values
    if name == "steps":
        return check_int(value, "steps", 2, LARGEST_STEPS + 1)
    if name == "pool":
        pool = check_int(value, "pool", 2)
        check_fits(8 * pool * pool, f"pool={pool} (its {pool} x {pool} float64 Gram matrix of per-example gradients)")
        return pool
    if name == "K":
        low = getattr(module, "SMALLEST_K", 1)
        try:
            return check_int(value, "K", low, LARGEST_K + 1)
        except ValueError as err:
            why = f" ({claim.id} fits over the last decades of k: K >= {low} puts 3 checkpoints in its window)"
            raise ValueError(f"{err}{why if low > 1 else ''}") from None
    low = getattr(module, "SMALLEST_TRIALS", SMALLEST_TRIALS)
    try:
        return check_int(value, "trials", low)
    except ValueError as err:
        why = f" (fewer than {low} trials cannot give a 95% bootstrap CI)" if low > 1 else ""
        raise ValueError(f"{err}{why}") from None


BYTES_PER_TRIAL_BOOTSTRAP = 8 * 1000  # float64 resample counts: 1000 bootstrap resamples x trials
NOMINAL_RATE = 1e8  # iterations per second of a d = 1 kernel on two cores (make bench measures the real one)
# The time one configuration may take at NOMINAL_RATE unless --allow-long: the largest shipped configuration
# (thm4's, K = 2**20 x 2048 trials) takes ~21 s, so an hour is two orders of magnitude past it and stops a mistyped K
# (K = 2**30 with 1024 trials: three hours per configuration) before it starts.
LONG_RUN_S = 3600.0


def _duration(seconds: float) -> str:
    for unit, size in (("years", 3.15e7), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.2g} s"


def _memory_estimate(profile) -> int:
    """Bytes one configuration of ``profile`` needs at its K and trials: per trial its checkpoints and the
    bootstrap's resample counts (the largest arrays the suite holds; other memory does not grow with them)."""
    trials, K = getattr(profile, "trials", 0), getattr(profile, "K", 10)
    return trials * (BYTES_PER_TRIAL_CHECKPOINT * checkpoints(K).size + BYTES_PER_TRIAL_BOOTSTRAP)


def check_resources(profiles: dict, *, allow_long: bool = False, report: bool = True) -> None:
    """Refuse (ValueError naming the sizes and what they would need) a profile whose configurations would not fit
    in the available memory, or would each take longer than ``LONG_RUN_S`` at ``NOMINAL_RATE`` unless
    ``allow_long``; otherwise print each claim's memory and a time estimate when ``report``."""
    for claim_id, profile in profiles.items():
        need = _memory_estimate(profile)
        sizes = f"trials={getattr(profile, 'trials', '-')!r} with K={getattr(profile, 'K', '-')!r}"
        check_fits(need, f"{sizes} (claim {claim_id!r})")
        work = getattr(profile, "K", 1) * getattr(profile, "trials", 1)
        if work / NOMINAL_RATE > LONG_RUN_S and not allow_long:
            raise ValueError(
                f"{sizes} would take about {_duration(work / NOMINAL_RATE)} per configuration of claim "
                f"{claim_id!r} ({work:.3g} iterations at a nominal {NOMINAL_RATE:.0e}/s); accepted: at most "
                f"{_duration(LONG_RUN_S)} each, or pass --allow-long to run it anyway"
            )
        if report and not hasattr(profile, "K"):  # a small-transformer profile: no K x trials estimate to give
            steps, pool = getattr(profile, "steps", "-"), getattr(profile, "pool", "-")
            print(f"{claim_id}: at the overridden sizes, steps={steps!r}, pool={pool!r}", file=sys.stderr)
        elif report:
            print(
                f"{claim_id}: at the overridden sizes a run holds about {need / 2**30:.2g} GiB and takes about "
                f"{_duration(work / NOMINAL_RATE)} ({work:.3g} iterations at a nominal {NOMINAL_RATE:.0e}/s)",
                file=sys.stderr,
            )
