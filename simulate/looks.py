"""The default profile's sequential design (``theory.sequential``) applied to one measurement: a claim's run, one of
its controls, or one strength of a power curve.

The measurement is evaluated at each look with ``Context.plan`` giving every engine configuration its trials for
that look and every CI computed at the look's level; rows decided early are frozen as they were at their look, and
the configurations they were computed from stop. Which configurations a row is computed from is read from the
columns they share (``feeds``); a row that names no configuration holds every configuration of the measurement back,
and a configuration that no row names at all is held back by every undecided row: both err towards running more
trials, never fewer. A configuration named only by rows that are not judged (a reference run with rows of its own)
is held back by nothing else, so it stops at the first look where no evidence row that names no configuration is
undecided.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd

from simulate.publish.figures import figures_discarded
from simulate.run.context import Context
from theory import confidence
from theory.sequential import EARLY_LEVEL, LOOKS, deciding, early_decision, look_trials
from theory.verdicts import judge, rule_for

MATCHED_FIELDS = ("method", "noise", "tail", "alpha", "beta")  # the row columns that name a configuration
ROW_KEY = ("claim", "method", "noise", "tail", "alpha", "beta", "metric")  # a row's identity across looks


def identity(cfg) -> tuple:
    """A configuration without its trial count: (kind, stream key, seed)."""
    return type(cfg).__name__, cfg.rng_key(), cfg.seed


@dataclass
class Plan:
    """One look: the trials of every configuration asked for (its look's share of its full count, or the count it
    stopped at), and the configurations asked for, at full size, by identity."""

    look: int
    stopped: dict  # identity -> trials of a configuration stopped at an earlier look
    requested: dict = field(default_factory=dict)

    def at_look(self, cfg):
        """``cfg`` (declared at full size) with this look's trials."""
        ident = identity(cfg)
        self.requested[ident] = cfg
        n = self.stopped.get(ident, look_trials(cfg.trials, self.look))
        return cfg if n == cfg.trials else replace(cfg, trials=n)


def _same(a, b) -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def feeds(cfg, row) -> bool | None:
    """Whether ``row`` may be computed from ``cfg``: every field of ``MATCHED_FIELDS`` that both have agrees (an
    empty row cell matches anything). None when the row shares none of them with the configuration."""
    shared = [c for c in MATCHED_FIELDS if hasattr(cfg, c) and c in row.index and not pd.isna(row[c])]
    if not shared:
        return None
    return all(_same(getattr(cfg, c), row[c]) for c in shared)


def held_back(requested: dict, rows: list, undecided: list) -> set:
    """The identities of the configurations that an ``undecided`` evidence row may be computed from. A row that
    names no configuration (a comparison of two noises, say) holds all. A configuration that ``rows`` (all of the
    measurement's) name only by rows that are not evidence (an unclipped reference run beside the judged method)
    is held by nothing else; one that no row names at all may feed any, and is held by any undecided row."""
    if not undecided:
        return set()
    held = {ident for ident, cfg in requested.items() if not any(feeds(cfg, r) for r in rows)}
    for row in undecided:
        hits = {ident for ident, cfg in requested.items() if feeds(cfg, row)}
        held |= hits if hits else set(requested)
    return held


@dataclass
class Looked:
    """A measurement after its looks: the measurement's output at its final evaluation, and its judged rows (with
    ``look`` and ``ci_level``)."""

    output: object
    rows: pd.DataFrame
    looks: int  # the looks evaluated (1 .. LOOKS)


def _evaluate(measure: Callable, ctx: Context, plan: Plan | None, coverage: float, draw: bool):
    previous = ctx.plan
    ctx.plan = plan
    try:
        with confidence.at_level(coverage):
            if draw:
                return measure()
            with figures_discarded(), deciding():
                return measure()
    finally:
        ctx.plan = previous


def _key(row) -> tuple:
    return tuple("" if pd.isna(row[c]) else row[c] for c in ROW_KEY if c in row.index)


def measured(claim, measure: Callable, ctx: Context, rows_of: Callable = lambda output: output) -> Looked:
    """``measure()``'s output and its rows (``rows_of(output)``) judged by ``claim``'s declarations: in the looks
    of the sequential design where the run asks for it (``ctx.looks``) and the claim is sized that way, else in one
    evaluation at 95%."""
    if ctx.looks and claim.sizing.sequential:
        return in_looks(measure, rows_of, claim.judged, ctx)
    output = measure()
    return Looked(output, _with_look(judge(claim.judged, rows_of(output)), math.nan), 1)


def in_looks(measure: Callable, rows_of: Callable, declarations, ctx: Context) -> Looked:
    """Evaluate ``measure()`` (whose rows are ``rows_of(output)``) in the looks of the sequential design; its rows
    judged by ``declarations``. A measurement that asks for no engine configuration has no looks: it is evaluated
    once, at 95%."""
    stopped: dict = {}
    frozen: dict[int, pd.Series] = {}
    keys = None
    for look in range(LOOKS):
        last = look == LOOKS - 1
        plan = Plan(look, stopped)
        output = _evaluate(measure, ctx, plan, confidence.STANDARD_LEVEL if last else EARLY_LEVEL, draw=last)
        if look == 0 and not plan.requested:  # nothing to stage: the plain evaluation
            output = _evaluate(measure, ctx, None, confidence.STANDARD_LEVEL, draw=True)
            return Looked(output, _with_look(judge(declarations, rows_of(output)), math.nan), 1)
        rows = judge(declarations, rows_of(output))
        if keys is None:
            keys = [_key(r) for _, r in rows.iterrows()]
        elif keys != [_key(r) for _, r in rows.iterrows()]:
            raise RuntimeError("a measurement's rows changed between looks: the sequential design cannot match them")
        if last:
            break
        undecided = []
        for i, (_, row) in enumerate(rows.iterrows()):
            if row["kind"] != "evidence":
                continue
            if i in frozen:
                continue
            decision = early_decision(rule_for(declarations, row), row)
            if decision:
                frozen[i] = _frozen(row, decision, look)
            else:
                undecided.append(row)
        held = held_back(plan.requested, [r for _, r in rows.iterrows()], undecided)
        for ident, cfg in plan.requested.items():
            if ident not in held:
                stopped.setdefault(ident, look_trials(cfg.trials, look))
        if not held:  # every configuration stopped: the final evaluation, at 95%, on the arrays as they stand
            output = _evaluate(measure, ctx, Plan(look, stopped), confidence.STANDARD_LEVEL, draw=True)
            break
    rows = _with_look(judge(declarations, rows_of(output)), look + 1)
    for i, row in frozen.items():
        rows.iloc[i] = row
    return Looked(output, rows, look + 1)


def _with_look(rows: pd.DataFrame, look: float) -> pd.DataFrame:
    rows = rows.copy()
    rows["look"] = float(look)
    rows["ci_level"] = confidence.STANDARD_LEVEL
    return rows


def _frozen(row: pd.Series, decision: str, look: int) -> pd.Series:
    """A row decided early, as it stood at its look."""
    row = row.copy()
    row["verdict"] = decision
    note = (
        f"decided at look {look + 1} of {LOOKS} ({int(row['trials']) if not pd.isna(row['trials']) else '?'} trials) "
        f"by its {100 * EARLY_LEVEL:g}% CI"
    )
    row["verdict_note"] = note + (f"; {row['verdict_note']}" if row["verdict_note"] else "")
    row["look"] = float(look + 1)
    row["ci_level"] = EARLY_LEVEL
    return row
