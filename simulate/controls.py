"""Controls: run each claim's declared mutants (negative: must fail) and covered variants (positive: must pass), and
its power curves (negative mutants at graded strengths), all judged by the claim's own declared rules."""

from functools import partial

import matplotlib.pyplot as plt
import pandas as pd

from simulate.claims import controls, power_curves
from simulate.looks import measured
from simulate.publish.figures import save_fig
from simulate.run.context import Context
from theory.declarations import Claim

CONTROL_COLUMNS = ["claim", "mutant", "setup", "expected", "got", "why"]
POWER_COLUMNS = [
    "claim",
    "mutant",
    "strength_name",
    "strength",
    "rows",
    "fail",
    "pass",
    "inconclusive",
    "fraction_fail",
]


def _why(rows: pd.DataFrame) -> str:
    """The judged statistics of a mutant's rows, in a line."""
    parts = []
    for _, r in rows.iterrows():
        stat = r["fitted_exponent"] if not pd.isna(r["fitted_exponent"]) else r["value"]
        part = f"{r.metric} {stat:.4g}: {r.verdict}"
        parts.append(part + (f" ({r.verdict_note})" if r.verdict_note else ""))
    return "; ".join(parts)


def judged_rows(claim: Claim, measure, ctx: Context) -> pd.DataFrame:
    """A mutant's rows (``measure()``) judged by the claim's declarations, in the sequential design's looks where
    the run uses them (``looks.measured``), info rows left out."""
    judged = measured(claim, measure, ctx).rows
    return judged[judged.kind != "info"]


def run_controls(claim: Claim, profile, ctx: Context) -> pd.DataFrame:
    """One row per declared control: ``got`` is ``fail`` when the claim's rules judge every one of its judged rows
    ``fail``, ``pass`` when they pass every one, otherwise the verdicts seen (``not judged`` when no rule matched).
    A control holds when ``got`` equals ``expected``."""
    implemented = controls(claim.id)
    rows = []
    for control in claim.controls:
        judged = judged_rows(claim, partial(implemented[control.name], claim, profile, ctx), ctx)
        seen = sorted(set(judged.verdict))
        got = "not judged" if judged.empty else "/".join(seen)
        rows.append(
            dict(
                claim=claim.id,
                mutant=control.name,
                setup=control.setup,
                expected=control.expected,
                got=got,
                why=_why(judged),
            )
        )
    return pd.DataFrame(rows, columns=CONTROL_COLUMNS)


def run_power(claim: Claim, profile, ctx: Context) -> pd.DataFrame:
    """One row per (power curve, strength): how many of the mutant's judged rows the claim's rules judge fail."""
    implemented = power_curves(claim.id)
    rows = []
    for curve in claim.power:
        for strength in curve.strengths:
            judged = judged_rows(claim, partial(implemented[curve.name], claim, profile, ctx, strength), ctx)
            counts = judged.verdict.value_counts()
            n = len(judged)
            rows.append(
                dict(
                    claim=claim.id,
                    mutant=curve.name,
                    strength_name=curve.strength,
                    strength=float(strength),
                    rows=n,
                    fail=int(counts.get("fail", 0)),
                    **{"pass": int(counts.get("pass", 0))},
                    inconclusive=int(counts.get("inconclusive", 0)),
                    fraction_fail=counts.get("fail", 0) / n if n else float("nan"),
                )
            )
    return pd.DataFrame(rows, columns=POWER_COLUMNS)


def plot_power(claim: Claim, power: pd.DataFrame, path) -> None:
    """Fraction of a mutant's judged rows judged fail against its strength, one panel per power curve."""
    curves = list(claim.power)
    fig, axes = plt.subplots(1, len(curves), figsize=(3.6 * len(curves), 3.2), squeeze=False, layout="constrained")
    for ax, curve in zip(axes[0], curves, strict=True):
        part = power[power.mutant == curve.name].sort_values("strength")
        ax.plot(part.strength, part.fraction_fail, "o-", color="C3")
        ax.set_ylim(-0.05, 1.05)
        ax.set_xlabel(curve.strength)
        ax.set_title(curve.name)
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("fraction of judged rows: fail")
    fig.suptitle(f"{claim.id}: power of its rules against graded mutants")
    save_fig(fig, path)


def controls_hold(table: pd.DataFrame) -> bool:
    """Every negative control judged fail and every positive one judged pass."""
    return bool(len(table)) and bool((table.got == table.expected).all())
