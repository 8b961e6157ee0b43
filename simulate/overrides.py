"""Grid overrides from the command line (``--alphas``, ``--K``, ``--trials``): each sets the profile field of the
same name, for every claim whose profile has that field, or is refused for that claim before any work.

An experiment module may declare ``SMALLEST_K`` (the smallest K its fits can use) and ``SMALLEST_TRIALS``.
"""

import math
from dataclasses import fields, replace

from theory.claims import Claim
from theory.validation import check_alpha, check_int

OVERRIDABLE = ("alphas", "K", "trials")
LARGEST_K = 2**53  # iteration numbers are carried in float64 by the schedules; beyond 2**53 they are not exact


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
    return replace(profile, **changes) if changes else profile


def _checked(name: str, value, claim: Claim, module):
    if name == "alphas":
        values = tuple(check_alpha(a) for a in value)
        if not values:
            raise ValueError("alphas=() is empty; accepted: one or more numbers in (1, 2]")
        return values
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
