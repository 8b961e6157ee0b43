"""The four small-transformer claims end to end at their quick profile: every declared rule judges rows, every
negative control is judged fail by its claim's own rules, every figure is written."""

import os
import subprocess
import sys
from functools import partial

import pandas as pd
import pytest

from simulate.claims import CLAIMS, NET_CLAIMS


def _run_quick(claim_id, folder):
    cmd = [sys.executable, "-m", "simulate", "rates", "--profile", "quick", "--claim", claim_id]
    cmd += ["--out", str(folder / "results"), "--no-cache", "--quiet"]
    p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "MPLBACKEND": "Agg"}, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]


@pytest.fixture(scope="session")
def quick_run(computed_once):
    """``quick_run(claim_id)``: the results folder of that claim's quick rung through the command line, computed once
    for all the session's workers (one claim per folder, so that two workers compute two claims side by side)."""
    return lambda claim_id: computed_once(f"nets-quick-{claim_id}", partial(_run_quick, claim_id)) / "results"


def _all(quick_run, name: str) -> pd.DataFrame:
    """The table ``name`` (rates.csv, controls.csv) of every claim's quick folder, one after another."""
    return pd.concat([pd.read_csv(quick_run(c) / name) for c in NET_CLAIMS], ignore_index=True)


@pytest.mark.parametrize("claim_id", NET_CLAIMS)
def test_every_declared_rule_judges_rows_inconclusive_only_across_its_boundary(quick_run, claim_id):
    rates = pd.read_csv(quick_run(claim_id) / "rates.csv")
    rows = rates[rates.claim == claim_id]
    judged = rows[rows.kind == "evidence"]
    for declaration in CLAIMS[claim_id].judged:
        assert any(declaration.matches(r) for _, r in judged.iterrows()), declaration.selection()
    assert set(judged.verdict) <= {"pass", "fail", "inconclusive"}
    undecided = judged[judged.verdict == "inconclusive"]
    why = undecided.verdict_note
    assert (why.str.contains("straddles") | why.str.startswith("untrained")).all(), undecided[
        ["metric", "verdict_note"]
    ]
    # a row is held back as untrained exactly when it carries a margin that is not positive
    untrained = judged.verdict_note.fillna("").str.startswith("untrained")
    assert (untrained == (judged.baseline_margin <= 0)).all()
    assert judged.value.notna().all() and judged.ci_low.notna().sum() >= len(judged) - 1


def test_every_negative_control_is_judged_fail_by_its_claims_rules_where_they_can_decide(quick_run):
    # At the quick rung no model beats its count bigram, so a control made of trained models' rows is held
    # inconclusive by the same ``untrained`` rule as the claim's rows: its rules cannot decide there, and it says so.
    controls = _all(quick_run, "controls.csv")
    mine = controls[controls.claim.isin(NET_CLAIMS)]
    assert sorted(mine.claim) == sorted(c for c in NET_CLAIMS for _ in CLAIMS[c].controls)
    # every real-model control reverses or removes its claim's effect, so that its rules can fail it: where they
    # do not, the rows are untrained or straddle the boundary (the quick rung's effects may be absent)
    for _, r in mine.iterrows():
        if r.got != "fail":
            assert "untrained" in str(r.why) or "straddles" in str(r.why), (r.mutant, r.got, r.why)
    assert (mine.got == "fail").any(), "no control of these claims was decided"


@pytest.mark.parametrize("claim_id", NET_CLAIMS)
def test_every_figure_is_written_and_referenced(quick_run, claim_id):
    report = (quick_run(claim_id) / "REPORT.md").read_text()
    figures = sorted((quick_run(claim_id) / "figures").glob("*.png"))
    assert figures and {f.name.split("_")[0] for f in figures} == {claim_id}
    for f in figures:
        assert f.stat().st_size > 10_000 and f"figures/{f.name}" in report


def test_provenance_records_each_claims_model_and_backend(quick_run):
    import json

    from simulate.nets.tokens import Task
    from simulate.transformer.ladder import QUICK_NET, net_config, parameter_count

    claims = {}
    for claim_id in NET_CLAIMS:
        claims[claim_id] = json.loads((quick_run(claim_id) / "provenance.json").read_text())["claims"][claim_id]
        record = claims[claim_id]["model"]
        report = (quick_run(claim_id) / "REPORT.md").read_text()
        assert record["backend"] == "cpu" and record["device"] and record["rung"] == "quick"
        assert all(isinstance(n, int) and n > 0 for n in record["parameters"].values())
        assert f"JAX backend {record['backend']}" in report and "Verdicts from the `quick` rung" in report
    # the head of C classes has (d_model + 1) C parameters: the 512-document model has that many more than the 8
    counts = claims["head-growth-transformer"]["model"]["parameters"]
    assert counts["words, 512 documents"] - counts["words, 8 documents"] == (QUICK_NET.d_model + 1) * (512 - 8)
    task = Task("words", classes=512, positions="last", target="document")
    assert counts["words, 512 documents"] == parameter_count(net_config(QUICK_NET, task))
