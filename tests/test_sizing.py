"""Each claim's default size follows from the CI half-width its tolerance-judged rows need (theory.sizing)."""

from dataclasses import replace

import pytest

from simulate.claims import CLAIMS, PROFILES
from theory.sizing import Sizing, default_profile


@pytest.mark.parametrize(
    "half_width, expected",
    [
        (0.003642, 128),  # needs 256 (0.003642 / (0.05/3))^2 = 12 trials: the floor
        (0.0100, 768),  # needs 2048 (0.01 / 0.016667)^2 = 737.3: the next multiple of 128
        (0.0125, 1152),  # needs 1152 exactly: no rounding beyond it
        (0.0197, 2048),  # needs 2861, more than the full size: the full size
    ],
)
def test_trials_follow_the_width_arithmetic(half_width, expected):
    assert Sizing(2048 if half_width > 0.004 else 256, "row", half_width, 0.05, "pilot").trials() == expected


def test_a_claim_without_tolerance_keeps_its_full_size():
    full = CLAIMS["het-linear-head-momentum"].profiles["full"]
    assert default_profile(full, Sizing(reason="sign rules")) is full


def test_a_sizing_measured_at_another_size_is_refused():
    full = CLAIMS["thm2-nonconvex"].profiles["full"]
    with pytest.raises(ValueError, match="512 trials"):
        default_profile(full, Sizing(512, "row", 0.01, 0.05, "pilot"))


@pytest.mark.parametrize("claim", CLAIMS.values(), ids=list(CLAIMS))
def test_every_claim_has_each_profile_and_a_derived_default(claim):
    assert set(claim.profiles) == set(PROFILES)
    full, default = claim.profiles["full"], claim.profiles["default"]
    if claim.sizing.ladder:  # the small-transformer claims: each profile is its own rung, named in it
        assert {name: claim.profiles[name].rung for name in PROFILES} == {name: name for name in PROFILES}
        assert getattr(default, "trials", None) == getattr(full, "trials", None)
        assert claim.sizing.arithmetic().startswith("the default is its own rung")
        return
    if claim.sizing.reason:
        assert default is full
    else:
        assert default == replace(full, trials=claim.sizing.trials()) and default.trials <= full.trials
    text = claim.sizing.arithmetic()
    assert str(claim.sizing.trials()) in text if not claim.sizing.reason else text.startswith("default = full size")
