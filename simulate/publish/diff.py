"""``heavytail diff OLD NEW``: what moved between two results folders, row by row: verdicts that changed, estimates
that left the other run's 95% CI (or, for a row without a CI, changed at all), rules that changed, rows only one run
has, and controls whose outcome changed."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

ROW_KEY = ["claim", "method", "noise", "tail", "alpha", "beta", "metric", "description"]  # one row of rates.csv
RELATIVE_EQUAL = 1e-12  # two estimates without CIs differ when they differ by more than this, relatively


def read_table(folder: Path, name: str) -> pd.DataFrame | None:
    """``folder/name`` as a table (None when the folder has no such file); ValueError naming it when unreadable."""
    path = Path(folder) / name
    if not path.exists():
        return None
    try:
        return pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise ValueError(f"{path} does not parse ({type(err).__name__}); accepted: a table the suite wrote") from err


def _number(row, column: str) -> float:
    x = row.get(column, math.nan)
    return float(x) if pd.notna(x) else math.nan


def _statistic(row, side: str) -> str:
    """The column that the row's CI belongs to on ``side`` (``_old`` / ``_new``): the statistic its rule judges
    (the rule's text names it), or for an unjudged row the one of fitted_exponent and value that its CI holds."""
    rule = row.get("rule" + side)
    if isinstance(rule, str) and rule:
        return "fitted_exponent" if "fitted_exponent" in rule.split(";")[0] else "value"
    fitted, low, high = (_number(row, c + side) for c in ("fitted_exponent", "ci_low", "ci_high"))
    if math.isnan(fitted) or (not math.isnan(low) and not low <= fitted <= high):
        return "value" if not math.isnan(_number(row, "value" + side)) else "fitted_exponent"
    return "fitted_exponent"


def _estimate(row, side: str) -> float:
    """The row's statistic on ``side`` (``_statistic`` of the new run where it has the row, else of the old)."""
    chosen = _statistic(row, "_new" if row.get("_merge") != "left_only" else "_old")
    return _number(row, chosen + side)


def _outside(x: float, low, high) -> bool:
    return pd.notna(low) and pd.notna(high) and math.isfinite(x) and not low <= x <= high


def _moved(row) -> str:
    """Why the row's estimate moved ('' when it did not): outside the other run's CI, or, without CIs, changed."""
    old, new = _estimate(row, "_old"), _estimate(row, "_new")
    if math.isnan(old) and math.isnan(new):
        return ""
    if math.isnan(old) != math.isnan(new):
        return "the estimate appeared or vanished"
    if abs(new - old) <= RELATIVE_EQUAL * max(abs(old), abs(new)):
        return ""  # the same estimate (a percentile CI need not hold its own estimate: it is not "moved" then)
    if _outside(new, row.ci_low_old, row.ci_high_old):
        return f"the new estimate lies outside the old 95% CI [{row.ci_low_old:.4g}, {row.ci_high_old:.4g}]"
    if _outside(old, row.ci_low_new, row.ci_high_new):
        return f"the old estimate lies outside the new 95% CI [{row.ci_low_new:.4g}, {row.ci_high_new:.4g}]"
    has_ci = pd.notna(row.ci_low_old) or pd.notna(row.ci_low_new)
    return "" if has_ci else "changed (no CI)"


def compare_rates(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """One line per row that moved: its key, verdict old and new, estimate old and new and why (``ROW_KEY``: rows
    are matched on claim, method, noise, tail, alpha, beta, metric and description)."""
    for name, table in (("old", old), ("new", new)):
        missing = [c for c in ROW_KEY if c not in table.columns]
        if missing:
            raise ValueError(f"the {name} rates.csv lacks the columns {', '.join(missing)}; accepted: the suite's")
    key = ROW_KEY
    both = old.merge(new, on=key, how="outer", suffixes=("_old", "_new"), indicator=True)
    lines = []
    for _, row in both.iterrows():
        if row._merge != "both":
            why = "only in the old run" if row._merge == "left_only" else "only in the new run"
            lines.append({**{c: row[c] for c in key}, "verdict_old": row.get("verdict_old"),
                          "verdict_new": row.get("verdict_new"), "estimate_old": _estimate(row, "_old"),
                          "estimate_new": _estimate(row, "_new"), "why": why})  # fmt: skip
            continue
        reasons = []
        if row.verdict_old != row.verdict_new and not (pd.isna(row.verdict_old) and pd.isna(row.verdict_new)):
            reasons.append(f"verdict {row.verdict_old} -> {row.verdict_new}")
        moved = _moved(row)
        if moved:
            reasons.append(moved)
        if str(row.get("rule_old", "")) != str(row.get("rule_new", "")):
            reasons.append(f"judged by another rule: {row.get('rule_new')}")
        if reasons:
            lines.append({**{c: row[c] for c in key}, "verdict_old": row.verdict_old, "verdict_new": row.verdict_new,
                          "estimate_old": _estimate(row, "_old"), "estimate_new": _estimate(row, "_new"),
                          "why": "; ".join(reasons)})  # fmt: skip
    return pd.DataFrame(lines, columns=[*key, "verdict_old", "verdict_new", "estimate_old", "estimate_new", "why"])


def compare_controls(old: pd.DataFrame | None, new: pd.DataFrame | None) -> pd.DataFrame:
    """One line per control whose outcome (``got``) changed, or that only one run has."""
    columns = ["claim", "mutant", "expected", "got_old", "got_new"]
    if old is None or new is None:
        return pd.DataFrame(columns=columns)
    both = old.merge(new, on=["claim", "mutant"], how="outer", suffixes=("_old", "_new"))
    changed = both[both.got_old.fillna("(absent)") != both.got_new.fillna("(absent)")]
    expected = changed.expected_new.fillna(changed.expected_old)
    return pd.DataFrame(
        dict(
            claim=changed.claim,
            mutant=changed.mutant,
            expected=expected,
            got_old=changed.got_old,
            got_new=changed.got_new,
        )  # fmt: skip
    ).reset_index(drop=True)


def diff_folders(old: Path, new: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows that moved, controls that changed) between the results folders ``old`` and ``new``."""
    tables = {}
    for name, folder in (("old", old), ("new", new)):
        if not Path(folder).is_dir():
            raise ValueError(f"{name}={str(folder)!r} is not a folder; accepted: a results folder (rates.csv in it)")
        tables[name] = read_table(folder, "rates.csv")
        if tables[name] is None:
            raise ValueError(f"{name}={str(folder)!r} has no rates.csv; accepted: a results folder the suite wrote")
    rows = compare_rates(tables["old"], tables["new"])
    controls = compare_controls(read_table(old, "controls.csv"), read_table(new, "controls.csv"))
    return rows, controls


def render(rows: pd.DataFrame, controls: pd.DataFrame, old: Path, new: Path) -> str:
    """The comparison as text: a line per moved row and per changed control, and a last line with the counts."""
    out = []
    for _, r in rows.iterrows():
        where = " ".join(str(r[c]) for c in ("method", "noise") if pd.notna(r[c]))
        params = ", ".join(f"{c} {r[c]:g}" for c in ("tail", "alpha", "beta") if pd.notna(r[c]))
        out.append(
            f"{r.claim} {r.metric} [{where}{'; ' + params if params else ''}]: {r.estimate_old:.4g} -> "
            f"{r.estimate_new:.4g}: {r.why}"
        )
    for _, c in controls.iterrows():
        out.append(f"control {c.claim} {c.mutant} (expected {c.expected}): got {c.got_old} -> {c.got_new}")
    out.append(f"{len(rows)} rows moved and {len(controls)} controls changed between {old} and {new}")
    return "\n".join(out)
