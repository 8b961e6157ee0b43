"""The default profile's sequential design (docs/decisions.md, D6; declared by the claims' owner before any run).

Each engine configuration's trials run in four looks: full/8, full/4, full/2 and full trials (the ``full`` profile's
count). Trials are counter-based streams, so the trials of one look are the first ones of the next. At each look before
the last, every judged evidence row is evaluated with its CI at ``EARLY_LEVEL`` (Bonferroni over the four looks; the
same bootstrap or order-statistic method the row uses, only wider): it is *decided early* when that CI lies wholly
inside its rule's acceptance region (pass) or wholly outside it (fail), unless the row is not testable at its horizon or
about an untrained model (decided before any comparison). A configuration stops at the first look where every evidence
row computed from it is decided; ``exact`` and ``info`` rows never hold one back. Rows still undecided at the last look
are judged by the standard rules at 95%.
"""

import math
from contextlib import contextmanager
from contextvars import ContextVar

from .verdicts import acceptance_region, ci_position, judge_row

LOOK_FRACTIONS = (1 / 8, 1 / 4, 1 / 2, 1)
LOOKS = len(LOOK_FRACTIONS)
FAMILY_MISS = 0.05  # the chance of a wrong early decision the design allows per row, over all its looks
EARLY_LEVEL = 1.0 - FAMILY_MISS / LOOKS  # 0.9875: each look's CI level (Bonferroni)


def look_trials(full: int, look: int) -> int:
    """Trials of a configuration with ``full`` trials at look ``look`` (0 .. LOOKS - 1): ceil(full x fraction),
    at least 1."""
    if not 0 <= look < LOOKS:
        raise ValueError(f"look={look!r} is outside the accepted range [0, {LOOKS - 1}]")
    return max(1, math.ceil(full * LOOK_FRACTIONS[look]))


def early_decision(rule, row) -> str:
    """The early verdict of ``row`` (its CI computed at ``EARLY_LEVEL``) under ``rule``: pass, fail, or "" (not
    decided).

    Decided means the CI lies wholly inside the acceptance region and the standard rules then pass it, or wholly outside
    it (a fail); a row the standard rules hold before any comparison (not testable, untrained) is not. A point-estimate
    rule with a tolerance (``within``) has the region target +- tolerance. Rules without a region, or rows without a
    finite CI, are never decided early."""
    verdict, _ = judge_row(rule, row)
    if verdict not in ("pass", "fail"):
        return ""
    target = row[rule.target] if isinstance(rule.target, str) else rule.target
    region = acceptance_region(rule, target, rule.tolerance_for(row))
    position = ci_position(row, region)
    if (verdict, position) in (("pass", "inside"), ("fail", "outside")):
        return verdict
    return ""


_DECIDING = ContextVar("deciding", default=False)


@contextmanager
def deciding():
    """An evaluation at an early look: only its evidence rows are kept (frozen where decided); every other row is
    recomputed by the final evaluation, so a measurement may leave their CIs out (``resamples``)."""
    token = _DECIDING.set(True)
    try:
        yield
    finally:
        _DECIDING.reset(token)


def resamples(declarations, metric: str, n_boot: int) -> int:
    """The bootstrap resamples for a row of ``metric``: ``n_boot``, or 0 (no CI) in an early look's evaluation when
    no declaration of ``declarations`` can judge ``metric`` (its CI would be thrown away)."""
    if _DECIDING.get() and not any(j.covers(metric) for j in declarations):
        return 0
    return n_boot
