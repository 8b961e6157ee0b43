"""Helpers for rendering a small-transformer claim's notes from its rows: one row by its columns, a value with its
interval, the phrase that matches where an interval lies, and the rows the claim's declarations judge."""

import pandas as pd


def pick(rates, metric: str, **match) -> dict:
    """The one row of ``rates`` with this metric and these column values, as a dict (for rendering notes)."""
    sel = rates[rates.metric == metric]
    for column, value in match.items():
        sel = sel[sel[column] == value]
    if len(sel) != 1:
        raise ValueError(f"{len(sel)} rows match metric={metric!r}, {match}; expected one")
    return sel.iloc[0].to_dict()


def with_ci(r: dict, digits: int = 3) -> str:
    """``value [low, high]`` of a row, for the rendered notes."""
    return f"{r['value']:.{digits}g} [{r['ci_low']:.{digits}g}, {r['ci_high']:.{digits}g}]"


def by_ci(r: dict, threshold: float, above: str, below: str, neither: str) -> str:
    """The phrase that matches where the row's 95% CI lies relative to ``threshold``."""
    if r["ci_low"] > threshold:
        return above
    if r["ci_high"] < threshold:
        return below
    return neither


def judged_rows(claim, rates: pd.DataFrame) -> pd.DataFrame:
    """The rows of a measurement table that one of the claim's declarations judges."""
    keep = [any(j.matches(r) for j in claim.judged) for _, r in rates.iterrows()]
    return rates[keep].reset_index(drop=True)
