"""The four small-transformer claims end to end at their quick profile: every declared rule judges rows, every
negative control is judged fail by its claim's own rules, every figure is written."""

import os
import subprocess
import sys

import pandas as pd
import pytest

from simulate.claims import CLAIMS, NET_CLAIMS


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("nets") / "results"
    cmd = [
        sys.executable,
        "-m",
        "simulate",
        "rates",
        "--profile",
        "quick",
        "--claim",
        *NET_CLAIMS,
        "--out",
        str(out),
        "--no-cache",
        "--quiet",
    ]
    p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "MPLBACKEND": "Agg"}, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    return out


@pytest.mark.parametrize("claim_id", NET_CLAIMS)
def test_every_declared_rule_judges_rows_inconclusive_only_across_its_boundary(quick_run, claim_id):
    rates = pd.read_csv(quick_run / "rates.csv")
    rows = rates[rates.claim == claim_id]
    judged = rows[rows.kind == "evidence"]
    for declaration in CLAIMS[claim_id].judged:
        assert any(declaration.matches(r) for _, r in judged.iterrows()), declaration.selection()
    assert set(judged.verdict) <= {"pass", "fail", "inconclusive"}
    undecided = judged[judged.verdict == "inconclusive"]
    assert undecided.verdict_note.str.contains("straddles").all(), undecided[["metric", "verdict_note"]]
    assert judged.value.notna().all() and judged.ci_low.notna().sum() >= len(judged) - 1


# A negative control its claim's rules cannot fail, with why (reported in REPORT); the test insists it still misses.
NET_KNOWN_MISSES = {
    ("ln-placement-heterogeneity", "pre-as-post"): (
        "Pre-LN presented as Post-LN gives ratios and differences of exactly 1 and 0 with CIs around them: on the "
        "boundary of 'CI above 1 / above 0', which the direction rules call inconclusive (issue 27)"
    ),
}


def test_every_negative_control_is_judged_fail_by_its_claims_rules(quick_run):
    controls = pd.read_csv(quick_run / "controls.csv")
    mine = controls[controls.claim.isin(NET_CLAIMS)]
    assert sorted(mine.claim) == sorted(c for c in NET_CLAIMS for _ in CLAIMS[c].controls)
    for _, r in mine.iterrows():
        assert (r.got == "fail") != ((r.claim, r.mutant) in NET_KNOWN_MISSES), (r.mutant, r.got, r.why)


def test_every_figure_is_written_and_referenced(quick_run):
    report = (quick_run / "REPORT.md").read_text()
    figures = sorted((quick_run / "figures").glob("*.png"))
    assert {f.name.split("_")[0] for f in figures} == set(NET_CLAIMS)
    for f in figures:
        assert f.stat().st_size > 10_000 and f"figures/{f.name}" in report


def test_provenance_records_each_claims_model_and_backend(quick_run):
    import json

    from simulate.claims.small_transformer.common import net_config, parameter_count
    from simulate.claims.small_transformer.shapes import QUICK_NET

    claims = json.loads((quick_run / "provenance.json").read_text())["claims"]
    report = (quick_run / "REPORT.md").read_text()
    for claim_id in NET_CLAIMS:
        record = claims[claim_id]["model"]
        assert record["backend"] == "cpu" and record["device"]
        assert all(isinstance(n, int) and n > 0 for n in record["parameters"].values())
        assert f"JAX backend {record['backend']}" in report
    # the 103-class head has more parameters than the 5-class one, by exactly (d_model + 1) x 98
    counts = claims["head-growth-transformer"]["model"]["parameters"]
    assert counts["next-char"] - counts["char-kind"] == (QUICK_NET.d_model + 1) * 98
    assert counts["next-char"] == parameter_count(net_config(QUICK_NET, "next-char"))
