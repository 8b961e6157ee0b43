"""A claim's default size from the confidence-interval width its verdicts need.

A judged row with tolerance t decides cleanly when its 95% bootstrap half-width is at most t/3 (then a fitted value
a full tolerance away from the boundary cannot be straddled by its own CI). Half-widths of means over independent
trials shrink like 1/sqrt(trials), so from the widest row measured at the full profile's size,

    trials needed = trials_full * (half_width_full / (t/3))^2,

rounded up to a multiple of 128 (whole SIMD blocks on each thread), at least 128 (a percentile bootstrap over
fewer trials is itself noisy), and never more than the full size: where the full size does not reach t/3 either,
the default stays at the full size and the shortfall is printed with the claim.
"""

import math
from dataclasses import dataclass, replace

SHARE_OF_TOLERANCE = 1 / 3  # the half-width a judged row needs, as a share of its tolerance
TRIAL_MULTIPLE = 128
TRIAL_FLOOR = 128


@dataclass(frozen=True)
class Sizing:
    """The default trial count of a claim, from the CI half-width of its widest tolerance-judged row at full size.

    ``row`` names that row, ``half_width`` is its bootstrap half-width measured at ``trials_full`` trials (the
    full profile, ``measured_at``: the run it was read from) and ``tolerance`` its rule's tolerance. A claim
    whose judged rows have no tolerance (sign and comparison rules: the CI must exclude a threshold, so the width
    needed depends on the effect, not on a declared tolerance) or no CI keeps its full size, with ``reason``.
    """

    trials_full: int | None = None
    row: str = ""
    half_width: float = math.nan
    tolerance: float = math.nan
    measured_at: str = ""
    reason: str = ""
    ladder: str = ""  # a claim whose profiles are rungs of a scale ladder: how its default rung is sized instead

    def needed(self) -> float:
        """Trials for a half-width of SHARE_OF_TOLERANCE x tolerance: trials_full x (half_width / target)^2."""
        return self.trials_full * (self.half_width / (SHARE_OF_TOLERANCE * self.tolerance)) ** 2

    def trials(self) -> int:
        """The default profile's trial count."""
        if self.reason:
            return self.trials_full
        need = self.needed()
        rounded = max(TRIAL_FLOOR, TRIAL_MULTIPLE * math.ceil(need / TRIAL_MULTIPLE))
        return min(self.trials_full, rounded)

    def arithmetic(self) -> str:
        """One sentence with the numbers: why the default has the trial count it has."""
        if self.ladder:
            return f"the default is its own rung of a scale ladder: {self.ladder}; judged rows: {self.reason}"
        if self.reason:
            return f"default = full size: {self.reason}"
        target = SHARE_OF_TOLERANCE * self.tolerance
        need = self.needed()
        text = (
            f"widest tolerance-judged row at full size ({self.measured_at}): {self.row}, bootstrap half-width "
            f"{self.half_width:.4g} at {self.trials_full} trials; needed: at most tolerance/3 = "
            f"{self.tolerance:g}/3 = {target:.4g}, so trials >= {self.trials_full} x ({self.half_width:.4g} / "
            f"{target:.4g})^2 = {need:.0f}"
        )
        if need > self.trials_full:
            return text + (
                f": more than the full size, so default = full = {self.trials_full} (the full size does "
                "not reach the target either)"
            )
        return text + f", rounded up to a multiple of {TRIAL_MULTIPLE} (at least {TRIAL_FLOOR}): {self.trials()}"


def default_profile(full, sizing: Sizing):
    """The default profile: ``full`` (the sizes every claim was first judged at) with the trial count ``sizing``
    derives, or ``full`` itself when the sizing keeps it (``reason``)."""
    if sizing.reason:
        return full
    if sizing.trials_full != full.trials:
        raise ValueError(f"sizing measured at {sizing.trials_full} trials, but the full profile has {full.trials}")
    return replace(full, trials=sizing.trials())
