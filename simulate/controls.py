"""Negative controls: run each claim's mutants and judge their rows by the claim's own declared rules."""

import pandas as pd

from simulate.claims import controls
from simulate.run.context import Context
from theory.declarations import Claim
from theory.verdicts import judge

CONTROL_COLUMNS = ["claim", "mutant", "setup", "expected", "got", "why"]


def _why(rows: pd.DataFrame) -> str:
    """The judged statistics of a mutant's rows, in a line."""
    parts = []
    for _, r in rows.iterrows():
        stat = r["fitted_exponent"] if not pd.isna(r["fitted_exponent"]) else r["value"]
        part = f"{r.metric} {stat:.4g}: {r.verdict}"
        parts.append(part + (f" ({r.verdict_note})" if r.verdict_note else ""))
    return "; ".join(parts)


def run_controls(claim: Claim, profile, ctx: Context) -> pd.DataFrame:
    """One row per declared mutant: ``got`` is ``fail`` only when the claim's rules judge every one of the
    mutant's judged rows ``fail``; otherwise the verdicts seen (or ``not judged`` when no rule matched)."""
    implemented = controls(claim.id)
    rows = []
    for control in claim.controls:
        measured = implemented[control.name](claim, profile, ctx)
        judged = judge(claim.judged, measured)
        judged = judged[judged.kind != "info"]
        if judged.empty:
            got = "not judged"
        else:
            seen = sorted(set(judged.verdict))
            got = "fail" if seen == ["fail"] else "/".join(seen)
        rows.append(
            dict(claim=claim.id, mutant=control.name, setup=control.setup, expected="fail", got=got, why=_why(judged))
        )
    return pd.DataFrame(rows, columns=CONTROL_COLUMNS)
