"""The verdict rules' error rates (``heavytail power``): rule families, Wilson intervals, seeds, the command."""

import math

import pandas as pd
import pytest

from simulate.cli import main
from simulate.power import REPLICATE_STRIDE, error_rates, replicate_seed
from theory.declarations import direction_rule, exponent_rule, finite_k_rule, upper_bound_rule
from theory.verdicts import Rule, rule_family


@pytest.mark.parametrize(
    "rule,family",
    [
        (finite_k_rule(), "finite-k two-sided"),
        (exponent_rule(), "theorem exponent"),
        (upper_bound_rule(), "theorem bound"),
        (Rule("ci_contains", "a band", target=1.0, tolerance=0.05, stat="value"), "value against a band"),
        (direction_rule("ci_below", "a direction", 0.0), "direction"),
        (direction_rule("at_least", "a direction", 1.0), "direction"),
    ],
)
def test_every_rule_constructor_has_its_family(rule, family):
    assert rule_family(rule) == family


def _wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson's score interval written out (Wilson 1927), independently of scipy's."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_a_replicate_counts_once_per_family_and_rates_carry_wilson_intervals():
    rows = []
    for r, verdict in enumerate(["fail"] * 3 + ["inconclusive"] * 2 + ["pass"] * 15):
        rows.append(dict(claim="c", setup="covered", name="n", strength_name="", strength=math.nan,
                         predicted_effect=math.nan, effect_tolerance=math.nan, replicate=r, seed=r,
                         family="theorem bound", verdict=verdict))  # fmt: skip
    rates = error_rates(pd.DataFrame(rows))
    assert len(rates) == 1
    r = rates.iloc[0]
    assert (r.replicates, r.failed, r.inconclusive) == (20, 3, 2) and r.fail_rate == 0.15
    low, high = _wilson(3, 20)
    assert abs(r.ci_low - low) < 1e-9 and abs(r.ci_high - high) < 1e-9


def test_replicate_zero_is_the_base_seed_and_the_others_are_far_apart():
    assert replicate_seed(7, 0) == 7
    assert replicate_seed(7, 3) == 7 + 3 * REPLICATE_STRIDE
    assert replicate_seed(2**63 - 1, 1) == REPLICATE_STRIDE - 1, "wrapped into the accepted range"


@pytest.mark.parametrize(
    "args,named",
    [
        (["--replicates", "1"], "replicates=1 is outside the accepted range"),
        (["--replicates", "1001"], "replicates=1001 is outside the accepted range"),
        (["--claim", "rmsprop-as-clipping"], "declares no covered set-up"),
    ],
)
def test_bad_power_input_exits_2_naming_it(tmp_path, capsys, args, named):
    out = tmp_path / "power"
    assert main(["power", *args, "--out", str(out), "--no-cache", "--quiet"]) == 2
    assert named in capsys.readouterr().err
    assert not out.exists()


def test_the_power_command_writes_the_error_rates_and_replicate_zero_is_the_suites_own_run(tmp_path, capsys):
    size = ["--profile", "quick", "--K", "3000", "--trials", "64", "--no-cache", "--quiet"]
    out = tmp_path / "power"
    assert main(["power", "--claim", "thm4-strongly-convex", "--replicates", "2", *size, "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == {
        "README.md",
        "error_rates.csv",
        "error_rates.png",
        "error_rates.pdf",
        "replicates.csv",
    }
    replicates = pd.read_csv(out / "replicates.csv")
    assert set(replicates.seed) == {0, REPLICATE_STRIDE}
    rates = pd.read_csv(out / "error_rates.csv")
    assert (rates.replicates == 2).all() and set(rates.setup) == {"covered", "mutant"}
    assert "| thm4-strongly-convex |" in (out / "README.md").read_text()
    # replicate 0 is what `controls` judges: every control that fails there fails in replicate 0 of its family
    controls_out = tmp_path / "controls"
    assert main(["controls", "--claim", "thm4-strongly-convex", *size, "--out", str(controls_out)]) in (0, 1)
    table = pd.read_csv(controls_out / "controls.csv")
    first = replicates[replicates.replicate == 0]
    for _, control in table[table.expected == "pass"].iterrows():
        mine = first[first.name == control.mutant]
        assert ("fail" in control.got.split("/")) == (mine.verdict == "fail").any(), (control.mutant, control.got)


def test_predicted_effects_come_from_theory_and_vanish_where_the_mutation_does_not_move_the_rate():
    from simulate.claims import get_claim, power_effects

    claim = get_claim("thm4-strongly-convex")
    profile, effects = claim.profiles["default"], power_effects(claim.id)
    effect = {name: (lambda s, name=name: effects[name](claim, profile, s)[0]) for name in effects}
    assert effect["tau-k^beta"](1 / 1.5) == 0.0, "the unmutated threshold is no mutation"
    # eta_k = c/(mu k): the start decays like k^(-2c) in the gap; for c > 1/3 it hides below the variance term -2/3
    assert effect["eta-c/(mu k)"](0.2) > 0.1 and effect["eta-c/(mu k)"](1.0) < 0.01
    mismatch = [effect["tail-mismatch"](d) for d in (0.05, 0.1, 0.2, 0.3, 0.4)]
    assert all(a < b for a, b in zip(mismatch, mismatch[1:], strict=False)), "a larger mismatch moves it more"
    assert effects["tail-mismatch"](claim, profile, 0.2)[1] == 0.05, "the exponent convention's tolerance"


def test_a_family_fails_on_any_failed_row_and_rows_not_testable_do_not_count():
    from simulate.claims import get_claim
    from simulate.power import _families

    claim = get_claim("thm4-strongly-convex")
    row = dict(claim=claim.id, method="proj-gclip", noise="pareto", tail=1.5, alpha=1.5, metric="mean_gap",
               finite_k_exponent=-0.6, kind="evidence")  # fmt: skip
    judged = pd.DataFrame([{**row, "verdict": v} for v in ("pass", "fail", "info")])
    assert _families(claim, judged) == {"finite-k two-sided": "fail"}
    assert _families(claim, judged.iloc[[0, 2]]) == {"finite-k two-sided": "pass"}
    assert _families(claim, judged.iloc[[2]]) == {}, "a replicate whose rows were all info is not a pass"
