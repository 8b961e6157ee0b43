"""The verdict layer: every test can fail, every inconclusive rule triggers when it should, the registry agrees with
the experiments, and the negative controls fail at quick size wherever that size can tell."""

import math

import pandas as pd
import pytest

from simulate.claims import CLAIMS, NET_CLAIMS, controls, experiment, power_curves
from simulate.controls import run_controls
from simulate.publish.rows import RATE_COLUMNS, Row, measurements
from simulate.run.context import Context
from simulate.run.store import RunCache
from theory.declarations import EXPONENT_TOLERANCE, exponent_rule
from theory.verdicts import Judged, Rule, judge, render_criteria


def _row(**kw) -> Row:
    """A row as the verdict layer receives it, with any columns (theory ones included) set by the test."""
    base = dict(claim="c", method="m", noise="n", metric="x")
    return Row({**base, **kw})


def _judge(rule: Rule, **row) -> tuple[str, str]:
    out = judge([Judged("x", rule)], measurements([_row(**row)]))
    return out.verdict.iloc[0], out.verdict_note.iloc[0]


@pytest.mark.parametrize(
    "rule,passing,failing",
    [
        (
            Rule("within", "r", tolerance=0.05),
            dict(fitted_exponent=-0.52, theory_exponent=-0.5),
            dict(fitted_exponent=-0.56, theory_exponent=-0.5),
        ),
        (Rule("at_most", "r", target=-0.3, stat="value"), dict(value=-0.31), dict(value=-0.29)),
        (Rule("at_least", "r", target=1.0, stat="value"), dict(value=1.0), dict(value=0.999)),
        (Rule("between", "r", target=(2 / 3, 1.5), stat="value"), dict(value=1.4), dict(value=0.6)),
        (
            Rule("ci_above", "r", target=2.0, stat="value"),
            dict(value=2.5, ci_low=2.01, ci_high=3.0),
            dict(value=2.5, ci_low=1.99, ci_high=3.0),
        ),
        (
            Rule("ci_below", "r", target=0.0, stat="value"),
            dict(value=-0.5, ci_low=-1.0, ci_high=-0.01),
            dict(value=-0.5, ci_low=-1.0, ci_high=0.0),
        ),
        (
            Rule("ci_contains", "r", target=1.0, stat="value"),
            dict(value=1.01, ci_low=0.99, ci_high=1.02),
            dict(value=1.02, ci_low=1.01, ci_high=1.03),
        ),
        (
            Rule("at_most_plus_tol", "r", tolerance=0.05),
            dict(fitted_exponent=-0.46, theory_exponent=-0.5),
            dict(fitted_exponent=-0.44, theory_exponent=-0.5),
        ),
        (
            Rule("within", "r", target="predicted", tolerance=4.0, stat="value", tolerance_column="std_error"),
            dict(value=-29.5, predicted=-29.0, std_error=0.2),
            dict(value=-29.5, predicted=-29.0, std_error=0.1),
        ),
    ],
)
def test_every_test_passes_and_fails_on_the_right_side(rule, passing, failing):
    assert _judge(rule, **passing)[0] == "pass"
    assert _judge(rule, **failing)[0] == "fail"


def test_a_missing_statistic_fails_rather_than_passes():
    assert _judge(Rule("at_least", "r", target=1.0, stat="value"), value=math.nan)[0] == "fail"


def test_ci_wider_than_the_tolerance_is_inconclusive():
    rule = exponent_rule()
    narrow = dict(fitted_exponent=-0.5, theory_exponent=-0.5, ci_low=-0.52, ci_high=-0.48, drift=0.0)
    wide = dict(narrow, ci_low=-0.56, ci_high=-0.44)  # half-width 0.06 > 0.05
    assert _judge(rule, **narrow)[0] == "pass"
    verdict, note = _judge(rule, **wide)
    assert verdict == "inconclusive" and "CI half-width" in note


def test_drift_beyond_twice_the_tolerance_is_inconclusive_whatever_the_fit():
    rule = exponent_rule()
    row = dict(fitted_exponent=-0.5, theory_exponent=-0.5, ci_low=-0.51, ci_high=-0.49)
    assert _judge(rule, **row, drift=0.099)[0] == "pass"  # 2 x the tolerance 0.05
    assert _judge(rule, **row, drift=-0.101)[0] == "inconclusive"
    assert _judge(rule, **dict(row, fitted_exponent=-0.9), drift=0.2)[0] == "inconclusive"


def test_alpha_near_one_is_never_passed():
    """The issue's example: alpha = 1.001, theory -0.001, a fitted +0.018 that does not shrink, CI +-0.01: under the
    shared exponent rule (tolerance capped at |theory|/2) its CI lies wholly outside the accepted band, a miss."""
    rule = exponent_rule()
    verdict, note = _judge(rule, fitted_exponent=0.018, theory_exponent=-0.001, ci_low=0.008, ci_high=0.028, drift=0)
    assert verdict == "fail" and "wholly outside" in note
    # the small-rate rule on its own (a rule with an absolute tolerance only)
    alone = Rule("within", "r", tolerance=0.05, inconclusive_when=("small-rate",))
    verdict, note = _judge(alone, fitted_exponent=0.018, theory_exponent=-0.001, ci_low=0.008, ci_high=0.028)
    assert verdict == "inconclusive" and "too small" in note
    assert _judge(alone, fitted_exponent=-0.3, theory_exponent=-0.3, ci_low=-0.31, ci_high=-0.29)[0] == "pass"
    # an error that does not shrink, measured precisely: the tolerance is capped at half the predicted exponent
    verdict, _ = _judge(rule, fitted_exponent=-1e-5, theory_exponent=-0.001, ci_low=-2e-5, ci_high=0.0, drift=0)
    assert verdict == "fail"
    # even a fit right on the (tiny) prediction is not a pass
    assert _judge(rule, fitted_exponent=-0.001, theory_exponent=-0.001, ci_low=-0.011, ci_high=0.009, drift=0)[0] != (
        "pass"
    )


def test_a_ci_wholly_outside_the_acceptance_region_fails_however_wide_or_drifting():
    """A decisive miss is never parked: the inconclusive rules apply only to a CI that reaches the accepted band."""
    rule = exponent_rule()
    miss = dict(fitted_exponent=-0.75, theory_exponent=-0.5, ci_low=-0.9, ci_high=-0.6, drift=0.0)  # half-width 0.15
    verdict, note = _judge(rule, **miss)
    assert verdict == "fail" and "wholly outside the acceptance region [-0.55, -0.45]" in note
    assert _judge(rule, **dict(miss, drift=0.5))[0] == "fail"
    reaching = dict(miss, ci_high=-0.54)  # overlaps the band's lower boundary -0.55
    assert _judge(rule, **reaching)[0] == "inconclusive"
    assert _judge(rule, **dict(reaching, ci_low=-0.56, drift=0.5))[1].startswith("|drift|")


def test_settles_rule_fails_a_ci_far_from_its_target_and_parks_only_a_straddling_one():
    """rem1's 'settles' row: the 95% CI contains 1, judged within 0.05, inconclusive when the CI is wider."""
    rule = Rule("ci_contains", "r", target=1.0, tolerance=0.05, stat="value", inconclusive_when=("ci",))
    assert _judge(rule, value=8.0, ci_low=3.24, ci_high=13.6)[0] == "fail"
    assert _judge(rule, value=1.0, ci_low=0.9, ci_high=1.2)[0] == "inconclusive"
    assert _judge(rule, value=1.0, ci_low=0.97, ci_high=1.03)[0] == "pass"


def test_a_wide_ci_wholly_inside_a_one_sided_region_decides():
    rule = Rule("at_least", "r", target=1.0, tolerance=0.05, stat="value", inconclusive_when=("ci",))
    assert _judge(rule, value=2.0, ci_low=1.5, ci_high=2.5)[0] == "pass"
    assert _judge(rule, value=2.0, ci_low=0.9, ci_high=3.1)[0] == "inconclusive"
    assert _judge(rule, value=0.5, ci_low=0.2, ci_high=0.8)[0] == "fail"


def test_inconclusive_rules_apply_only_where_declared():
    rule = Rule("within", "r", tolerance=0.05)  # no inconclusive rules declared
    assert _judge(rule, fitted_exponent=-0.5, theory_exponent=-0.5, ci_low=-1, ci_high=0, drift=1)[0] == "pass"


def test_unmatched_rows_are_info_and_ambiguous_declarations_are_refused():
    rates = measurements([_row(metric="other", value=1.0)])
    out = judge([Judged("x", Rule("at_least", "r", target=0.0, stat="value"))], rates)
    assert (out.kind.iloc[0], out.verdict.iloc[0]) == ("info", "info")
    twice = [Judged("x", Rule("at_least", "r", target=0.0, stat="value"))] * 2
    with pytest.raises(ValueError, match="matches 2 declarations"):
        judge(twice, measurements([_row(value=1.0)]))


def test_a_rule_without_reason_or_with_an_unknown_test_is_refused():
    with pytest.raises(ValueError, match="reason"):
        Rule("within", " ")
    with pytest.raises(ValueError, match="test='near'"):
        Rule("near", "r")


def test_judged_rows_carry_rule_tolerance_and_reason():
    rule = exponent_rule()
    out = judge(
        [Judged("x", rule)],
        measurements([_row(fitted_exponent=-0.5, theory_exponent=-0.5, ci_low=-0.51, ci_high=-0.49, drift=0.0)]),
    )
    r = out.iloc[0]
    assert list(out.columns) == RATE_COLUMNS
    assert (r.kind, r.rule, r.tolerance, r.reason) == ("evidence", rule.text(), EXPONENT_TOLERANCE, rule.reason)
    assert f"<= min({EXPONENT_TOLERANCE:g}, 0.5 |theory_exponent|)" in render_criteria([Judged("x", rule)])


def test_every_claim_folder_runs_its_experiment_and_implements_its_declared_controls():
    for claim in CLAIMS.values():
        assert callable(experiment(claim.id).run), claim.id
        declared = {c.name for c in claim.controls}
        assert declared == set(controls(claim.id)), claim.id
        assert {p.name for p in claim.power} == set(power_curves(claim.id)), claim.id
        has_evidence = any(j.rule.kind == "evidence" for j in claim.judged)
        negative = any(c.expected == "fail" for c in claim.controls)
        assert negative or not has_evidence, f"{claim.id} has evidence rows but no negative control"
        for j in claim.judged:
            assert j.rule.reason.strip(), (claim.id, j.metric)


# Claims whose quick size can tell a mutant apart (noise-diagnostics' quick run has 3 groups of kernel noise, too
# few for its CI rule: its control is inconclusive there and runs at default size in `make rates`). The
# small-transformer claims' controls run in tests/test_net_claims.py, through the command line.
QUICK_CONTROLS = [c for c in CLAIMS if CLAIMS[c].controls and c != "noise-diagnostics" and c not in NET_CLAIMS]

# Declared controls that the claim's rules do not judge as expected at quick size, each with why (a finding, reported
# in REPORT). The test insists that they still miss, so that a change which starts to catch one updates this list.
# (rem1's pareto2.5-as-gaussian is caught at quick size, M = 10^5, and missed at the default M = 10^6: REPORT.)
KNOWN_MISSES = {
    ("thm4-strongly-convex", "proj-sgd-as-proj-gclip"): (
        "the projection onto ball(0, 10) bounds the error in every trial, so projected SGD's mean square is finite "
        "and settles: the settling row has nothing to catch"
    ),
}


@pytest.mark.parametrize("claim_id", QUICK_CONTROLS)
def test_controls_are_judged_as_expected_at_quick_size(claim_id, tmp_path):
    claim = CLAIMS[claim_id]
    ctx = Context(seed=0, out=tmp_path, cache=RunCache(None), progress=False)
    table = run_controls(claim, claim.profiles["quick"], ctx)
    assert len(table) == len(claim.controls)
    assert set(table.expected) <= {"fail", "pass"}
    for _, r in table.iterrows():
        held = r.got == r.expected
        assert held != ((claim_id, r.mutant) in KNOWN_MISSES), (r.mutant, r.expected, r.got, r.why)


def test_controls_command_reports_and_sets_the_exit_code(tmp_path, capsys):
    from simulate.cli import main

    out = tmp_path / "controls"
    argv = ["controls", "--claim", "rmsprop-as-clipping", "--profile", "quick", "--no-cache", "--quiet"]
    assert main([*argv, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "momentum-as-rmsprop" in text and "1 of 1 negative controls judged fail" in text
    assert sorted(p.name for p in out.iterdir()) == ["controls.csv"]
    assert main(["controls", "--claim", "acclip-nonstationary", "--no-cache", "--out", str(out)]) == 2


def test_controls_hold_only_when_negatives_fail_and_positives_pass():
    from simulate.controls import controls_hold

    table = pd.DataFrame(dict(expected=["fail", "pass"], got=["fail", "pass"]))
    assert controls_hold(table)
    assert not controls_hold(table.assign(got=["fail", "fail"]))
    assert not controls_hold(table.assign(got=["fail/inconclusive", "pass"]))
    assert not controls_hold(table.iloc[:0])


def test_a_control_expects_fail_or_pass():
    from theory.declarations import Control

    assert Control("m", "s").expected == "fail"
    with pytest.raises(ValueError, match="expected='inconclusive'"):
        Control("m", "s", expected="inconclusive")


def test_a_pre_asymptotic_window_is_inconclusive_before_any_comparison():
    from theory.declarations import upper_bound_rule

    rule = upper_bound_rule()
    base = dict(theory_exponent=-0.5, fitted_exponent=-0.2, ci_low=-0.21, ci_high=-0.19, drift=0.0)
    verdict, note = _judge(rule, **base, finite_k_exponent=-0.45, limit_exponent=-0.5)  # 0.05 > 0.025
    assert verdict == "inconclusive" and "pre-asymptotic" in note
    assert _judge(rule, **base, finite_k_exponent=math.nan, limit_exponent=-0.5)[0] == "inconclusive"
    # a window the model calls asymptotic is judged: this CI lies wholly outside (-inf, -0.45]
    assert _judge(rule, **base, finite_k_exponent=-0.49, limit_exponent=-0.5)[0] == "fail"
    assert _judge(rule, **base)[0] == "fail"  # no model: nothing to call pre-asymptotic
    # the rule judged against the finite-k prediction has no pre-asymptotic clause
    from theory.declarations import finite_k_rule

    row = dict(base, fitted_exponent=-0.46, ci_low=-0.47, ci_high=-0.45, finite_k_exponent=-0.45, limit_exponent=-0.5)
    assert _judge(finite_k_rule(), **row)[0] == "pass"


def test_a_ci_wholly_inside_the_acceptance_region_passes():
    # ci_contains with a tolerance accepts target +- tolerance: a CI inside that band passes even when it misses
    # the target itself; one across its edge and wider than the tolerance is inconclusive.
    rule = Rule("ci_contains", "r", target=1.0, tolerance=0.05, stat="value", inconclusive_when=("ci",))
    assert _judge(rule, value=1.01, ci_low=1.003, ci_high=1.017)[0] == "pass"
    assert _judge(rule, value=1.0, ci_low=0.9, ci_high=1.2)[0] == "inconclusive"
    assert _judge(rule, value=1.2, ci_low=1.06, ci_high=1.3)[0] == "fail"


def test_a_tight_case_row_without_a_finite_k_prediction_is_inconclusive_not_an_error():
    from theory.declarations import finite_k_rule

    row = dict(theory_exponent=-0.5, fitted_exponent=-0.4, ci_low=-0.41, ci_high=-0.39, drift=0.0)
    verdict, note = _judge(finite_k_rule(), **row, finite_k_exponent=math.nan)
    assert verdict == "inconclusive" and "no finite-k prediction" in note
    with pytest.raises(ValueError, match="target column 'predicted' is empty"):
        _judge(Rule("within", "r", target="predicted", tolerance=0.1, stat="value"), value=1.0)


def test_the_upper_bound_rule_is_one_sided():
    from theory.declarations import upper_bound_rule

    rule = upper_bound_rule()
    row = dict(theory_exponent=-0.5, drift=0.0)
    assert _judge(rule, **row, fitted_exponent=-0.8, ci_low=-0.81, ci_high=-0.79)[0] == "pass"  # faster: fine
    assert _judge(rule, **row, fitted_exponent=-0.46, ci_low=-0.47, ci_high=-0.455)[0] == "pass"
    assert _judge(rule, **row, fitted_exponent=-0.44, ci_low=-0.445, ci_high=-0.43)[0] == "fail"


def test_headline_separates_evidence_exact_and_controls():
    from simulate.publish.markdown import headline

    rates = judge(
        [
            Judged("x", Rule("at_least", "r", target=0.0, stat="value")),
            Judged("y", Rule("at_least", "r", target=0.0, stat="value", kind="exact")),
        ],
        measurements([_row(value=1.0), _row(value=-1.0), _row(metric="y", value=1.0), _row(metric="z")]),
    )
    rates["ci_level"] = [0.9875, 0.95, 0.9875, 0.95]  # the first evidence row decided early, the exact one too
    controls = pd.DataFrame(dict(expected=["fail", "fail", "pass"], got=["fail", "pass", "pass"]))
    text = headline(rates, controls)
    assert "Evidence: 1 pass, 1 fail, 0 inconclusive (1 decided early" in text
    assert "Exact checks: 1 pass, 0 fail" in text
    assert "Info rows: 1" in text and "Negative controls: 1 of 2 judged fail" in text
    assert "Positive controls: 1 of 1 judged pass" in text


def test_a_claim_declares_one_of_the_categories():
    from theory.declarations import CATEGORIES, Claim

    assert Claim(id="c", order=1, category=CATEGORIES[0], title="t", statement="s").category == CATEGORIES[0]
    with pytest.raises(ValueError, match="category='theorem'"):
        Claim(id="c", order=1, category="theorem", title="t", statement="s")


def test_report_counts_evidence_per_category_and_renders_each_claims_finding():
    from simulate.publish.markdown import claim_summary

    rule = Rule("at_least", "r", target=0.0, stat="value")
    exact = Rule("at_least", "r", target=0.0, stat="value", kind="exact")
    rows = [
        Row(claim="a", method="m", noise="n", metric="x", alpha=1.5, value=1.0),
        Row(claim="a", method="m", noise="n", metric="x", alpha=1.8, value=-1.0),
        Row(claim="a", method="m", noise="n", metric="y", value=1.0),
        Row(claim="b", method="k", noise="n", metric="x", value=2.0),
    ]
    rates = judge([Judged("x", rule), Judged("y", exact)], measurements(rows))
    provenance = {"claims": {"a": {"category": "theorems"}, "b": {"category": "models"}}}
    text = claim_summary(provenance, rates, {"a": "Statement A"})
    assert "| a | Statement A |" in text and "| b |  |" in text
    assert "- theorems: evidence 1 pass, 1 fail, 0 inconclusive" in text
    assert "- models: evidence 1 pass, 0 fail, 0 inconclusive" in text
    line_a = next(line for line in text.splitlines() if line.startswith("| a |"))
    assert "| 1 / 1 / 0 | 1 / 0 |" in line_a and "2 of 3 judged rows pass; fail: x (m, n, alpha 1.8)." in line_a


def test_a_direction_rule_says_inconclusive_when_its_ci_straddles_the_threshold():
    from theory.declarations import direction_rule

    above = direction_rule("ci_above", "r", 1.0)
    assert _judge(above, value=1.3, ci_low=1.1, ci_high=1.5)[0] == "pass"
    assert _judge(above, value=0.8, ci_low=0.7, ci_high=0.9)[0] == "fail"
    verdict, note = _judge(above, value=1.2, ci_low=0.97, ci_high=1.46)
    assert verdict == "inconclusive" and "straddles" in note
    below = direction_rule("ci_below", "r", 0.0)
    assert _judge(below, value=-0.03, ci_low=-0.15, ci_high=0.08)[0] == "inconclusive"
    assert _judge(below, value=0.2, ci_low=0.1, ci_high=0.3)[0] == "fail"
    least = direction_rule("at_least", "r", 0.5)
    assert _judge(least, value=-4.4, ci_low=-63.0, ci_high=14.6)[0] == "inconclusive"
    assert _judge(least, value=0.7, ci_low=0.6, ci_high=0.8)[0] == "pass"
    # a rule declared without the ci clause keeps judging a straddling CI by its test
    assert _judge(Rule("ci_above", "r", target=1.0, stat="value"), value=1.2, ci_low=0.97, ci_high=1.46)[0] == "fail"


def test_a_row_about_a_model_that_misses_its_trained_gate_is_inconclusive_whatever_its_ci():
    from theory.declarations import direction_rule

    rule = direction_rule("ci_above", "r", 1.0)
    decided = dict(value=1.5, ci_low=1.4, ci_high=1.6)
    assert _judge(rule, **decided)[0] == "pass"  # no margin: a row about untrained weights, judged
    assert _judge(rule, **decided, baseline_margin=0.01)[0] == "pass"
    verdict, note = _judge(rule, **decided, baseline_margin=-0.2)
    assert verdict == "inconclusive" and note.startswith("untrained")
    assert "misses its claim's trained gate by 0.2" in note
    # even a CI wholly on the wrong side: the model's rows say nothing until it passes its trained gate
    assert _judge(rule, value=0.5, ci_low=0.4, ci_high=0.6, baseline_margin=0.0)[0] == "inconclusive"
    assert _judge(rule, value=0.5, ci_low=0.4, ci_high=0.6, baseline_margin=0.3)[0] == "fail"
    # a rule that does not list it ignores the margin
    plain = Rule("ci_above", "r", target=1.0, stat="value")
    assert _judge(plain, **decided, baseline_margin=-0.2)[0] == "pass"


@pytest.mark.parametrize("column", ["fited_exponent", "limit_exponnt", "drfit", "ci_lo", "baseline_margn"])
def test_a_row_with_a_misspelt_column_is_refused_naming_it(column):
    # a misspelt guard column used to vanish, switching off the guard that reads it
    from simulate.claims import CLAIMS
    from simulate.publish.rows import measurement_row

    with pytest.raises(ValueError, match=column):
        measurement_row(CLAIMS["thm4-strongly-convex"], "mean_dist", value=1.0, **{column: -0.5})
    with pytest.raises(ValueError, match=column):
        measurements([Row(claim="thm4-strongly-convex", metric="mean_dist", **{column: -0.5})])
    with pytest.raises(ValueError, match="lacks its metric"):
        measurements([Row(claim="thm4-strongly-convex", value=1.0)])


def test_a_predicted_number_comes_from_the_claims_declaration_never_from_the_experiment():
    from simulate.publish.rows import measurement_row
    from theory import exponents
    from theory.declarations import Claim, Predicts

    claim = Claim(
        id="toy",
        order=1,
        category="mechanisms and laws (synthetic)",
        title="t",
        statement="s",
        predictions=(Predicts("theory_exponent", exponents.theorem4_gap, ("alpha",), "gap", {"method": "clip"}),),
    )
    row = measurement_row(claim, "gap", method="clip", alpha=1.5, fitted_exponent=-0.6)
    assert row["theory_exponent"] == exponents.theorem4_gap(1.5)
    other = measurement_row(claim, "gap", method="sgd", alpha=1.5)  # no declaration matches: no prediction
    assert "theory_exponent" not in other
    with pytest.raises(ValueError, match="theory_exponent"):  # an experiment writing its own target is refused
        measurement_row(claim, "gap", method="clip", alpha=1.5, theory_exponent=-0.5)
    with pytest.raises(ValueError, match="alpha"):  # a parameter the row does not carry is named
        measurement_row(claim, "gap", method="clip")
    with pytest.raises(ValueError, match="not built by measurement_row"):
        measurements([dict(claim="toy", metric="gap", method="clip", alpha=1.5, theory_exponent=-0.5)])


def test_every_judged_target_column_of_every_claim_is_declared_as_a_prediction():
    # a judged rule that compares against theory_exponent or predicted reads a number only a declaration fills
    from theory.declarations import PREDICTED_COLUMNS

    for claim in CLAIMS.values():
        for j in claim.judged:
            target = j.rule.target
            if isinstance(target, str) and target in PREDICTED_COLUMNS:
                declared = [p for p in claim.predictions if p.column == target]
                assert declared, f"{claim.id}: {j.metric} is judged against {target}, which no Predicts declares"
