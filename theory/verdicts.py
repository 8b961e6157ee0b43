"""The verdict layer: every judged row of every claim is declared as data and judged here, by one function.

A claim (``simulate/claims/<claim>/claim.py``) declares ``Judged(metric, where, rule)`` entries. An experiment
produces measurement rows only (no verdicts); ``judge`` matches each row to at most one declaration and applies its
``Rule`` in one order, everywhere (docs/decisions.md, D9):

0. testability, decided from theory before any comparison: a row judged against an asymptotic exponent whose own
   finite-k model puts its window outside the asymptotic regime (``finite_k_exponent`` more than tolerance/2 from
   ``limit_exponent``, or a model that does not reach the window) is not evidence: it becomes ``info``, "not
   testable at this horizon"; a row about a model that does not pass its claim's trained gate is ``inconclusive``
   (``untrained``);
1. a row whose 95% CI lies wholly outside the rule's acceptance region (``acceptance_region``: the values of the
   statistic the comparison accepts) fails;
2. one whose CI lies wholly inside it passes;
3. one whose CI straddles a boundary is ``inconclusive``, with the trials that would decide it were the estimate to
   hold;
4. a row without a CI (an exact computation), and every ``exact`` row (an identity or a regression check, whose CI
   is information), is decided by the comparison (``TESTS``) of its point estimate.

Rows that no declaration matches are ``info``. Row kinds: ``evidence`` (a measured statistic against a
prediction), ``exact`` (identities and regression checks), ``info``.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

VERDICTS = ("pass", "fail", "inconclusive", "info")
KINDS = ("evidence", "exact", "info")
# the gates a rule may declare, both decided before any comparison: testability from theory, and the trained gate
INCONCLUSIVE_RULES = ("pre-asymptotic", "untrained")


def _value(row, column: str) -> float:
    v = row.get(column, math.nan)
    return math.nan if v is None or pd.isna(v) else float(v)


# test name -> (statement template, predicate(x, target, tolerance, row) -> bool)
TESTS: dict[str, tuple[str, Callable]] = {
    "within": ("|{stat} - {target}| <= {tol}", lambda x, t, tol, r: abs(x - t) <= tol),
    "at_most_plus_tol": ("{stat} <= {target} + {tol}", lambda x, t, tol, r: x <= t + tol),
    "at_most": ("{stat} <= {target}", lambda x, t, tol, r: x <= t),
    "at_least": ("{stat} >= {target}", lambda x, t, tol, r: x >= t),
    "between": ("{stat} in [{target}]", lambda x, t, tol, r: t[0] <= x <= t[1]),
    "ci_above": (
        "the 95% CI of {stat} lies above {target}",
        lambda x, t, tol, r: _value(r, "ci_low") > t,
    ),
    "ci_below": (
        "the 95% CI of {stat} lies below {target}",
        lambda x, t, tol, r: _value(r, "ci_high") < t,
    ),
    "ci_contains": (
        "the 95% CI of {stat} contains {target}",
        lambda x, t, tol, r: _value(r, "ci_low") <= t <= _value(r, "ci_high"),
    ),
}


@dataclass(frozen=True)
class Rule:
    """How one measured quantity is judged.

    ``stat`` is the column compared (``fitted_exponent`` or ``value``); ``target`` is a number, a pair (for
    ``between``), or the name of a column holding the prediction (``theory_exponent``, ``predicted``);
    ``tolerance`` is used by ``within`` and by the ``ci``/``drift`` inconclusive rules; ``tolerance_column``
    multiplies it by a per-row column (e.g. 4 x ``std_error``); ``relative`` caps it at that fraction of |target|
    (so that an error that does not shrink can never pass a small predicted rate). ``reason`` says where the
    tolerance comes from; it must not come from the measured outcome.
    """

    test: str
    reason: str
    target: float | str | tuple[float, float] = "theory_exponent"
    tolerance: float = 0.0
    stat: str = "fitted_exponent"
    kind: str = "evidence"
    inconclusive_when: tuple[str, ...] = ()
    tolerance_column: str | None = None
    relative: float | None = None

    def __post_init__(self):
        if self.test not in TESTS:
            raise ValueError(f"test={self.test!r} is not one of the accepted values: {', '.join(TESTS)}")
        if self.kind not in ("evidence", "exact"):
            raise ValueError(f"kind={self.kind!r} is not one of the accepted values: evidence, exact")
        bad = set(self.inconclusive_when) - set(INCONCLUSIVE_RULES)
        if bad:
            raise ValueError(f"inconclusive_when={sorted(bad)!r}: accepted values are {', '.join(INCONCLUSIVE_RULES)}")
        if not self.reason.strip():
            raise ValueError("a judged rule needs a reason for its tolerance")
        if self.test == "ci_contains" and not self.tolerance > 0:
            raise ValueError(
                f"tolerance={self.tolerance!r}: ci_contains needs a positive tolerance (it accepts target +- "
                "tolerance; a CI can never lie inside a single point, so such a rule could never pass)"
            )

    def text(self) -> str:
        """The rule in words, as REPORT.md and rates.csv show it."""
        target = self.target
        if isinstance(target, tuple):
            target = f"{target[0]:.4g}, {target[1]:.4g}"
        elif isinstance(target, float | int):
            target = f"{target:g}"
        tol = f"{self.tolerance:g}" + (f" x {self.tolerance_column}" if self.tolerance_column else "")
        if self.relative is not None:
            tol = f"min({tol}, {self.relative:g} |{target}|)"
        out = TESTS[self.test][0].format(stat=self.stat, target=target, tol=tol)
        if self.inconclusive_when:
            out += "; " + ", ".join(_INCONCLUSIVE_TEXT[r](self) for r in self.inconclusive_when)
        return out

    def tolerance_for(self, row) -> float:
        """The tolerance applied to ``row`` (scaled by ``tolerance_column``, capped by ``relative``)."""
        tol = self.tolerance * (_value(row, self.tolerance_column) if self.tolerance_column else 1.0)
        if self.relative is not None and isinstance(self.target, str):
            tol = min(tol, self.relative * abs(_value(row, self.target)))
        return tol


_INCONCLUSIVE_TEXT = {
    "pre-asymptotic": lambda r: (
        "info when the finite-k model's window slope is more than tolerance/2 from its limit "
        "(not testable at this horizon)"
    ),
    "untrained": lambda r: "inconclusive when the row's trained model does not pass its claim's trained gate",
}


def covers(pattern: str, metric: str) -> bool:
    """Whether ``metric`` is ``pattern`` (a name, or a prefix ending in ``*``)."""
    if pattern.endswith("*"):
        return str(metric).startswith(pattern[:-1])
    return metric == pattern


def selects(pattern: str, where: dict, row) -> bool:
    """Whether ``row`` has a metric ``pattern`` covers and columns that match ``where`` (column -> accepted values,
    or a predicate on the row)."""
    if not covers(pattern, row["metric"]):
        return False
    for column, accepted in where.items():
        if callable(accepted):
            if not accepted(row):
                return False
        elif row.get(column) not in (accepted if isinstance(accepted, tuple) else (accepted,)):
            return False
    return True


@dataclass(frozen=True)
class Judged:
    """A declaration: rows with this ``metric`` (a name, or a prefix ending in ``*``) whose columns match ``where``
    (column -> accepted values, or a predicate on the row) are judged by ``rule``."""

    metric: str
    rule: Rule
    where: dict = field(default_factory=dict)
    label: str = ""  # how REPORT names the selection, when ``where`` holds a predicate

    def covers(self, metric: str) -> bool:
        """Whether rows of ``metric`` may be judged by this declaration (its name or prefix; ``where`` aside)."""
        return covers(self.metric, metric)

    def matches(self, row) -> bool:
        return selects(self.metric, self.where, row)

    def selection(self) -> str:
        """The rows this declaration judges, in words."""
        parts = [f"`{self.metric}`"]
        parts += [
            f"{c} = {v}" if not isinstance(v, tuple) else f"{c} in {', '.join(map(str, v))}"
            for c, v in self.where.items()
            if not callable(v)
        ]
        if self.label:
            parts.append(self.label)
        return ", ".join(parts)


def half_width(row) -> float:
    """Half the width of the row's 95% CI (NaN when it has none)."""
    return (_value(row, "ci_high") - _value(row, "ci_low")) / 2.0


def acceptance_region(rule: Rule, target, tol: float) -> tuple[float, float] | None:
    """The values of the statistic that ``rule``'s comparison accepts, [low, high] (``ci_above`` / ``ci_below``: the
    half-line beyond the target, which the whole CI must lie in). ``ci_contains`` accepts target +- tol."""
    if rule.test in ("within", "ci_contains"):
        return target - tol, target + tol
    if rule.test == "at_most_plus_tol":
        return -math.inf, target + tol
    if rule.test == "at_most":
        return -math.inf, target
    if rule.test == "at_least":
        return target, math.inf
    if rule.test == "between":
        return target
    if rule.test == "ci_above":
        return target, math.inf
    if rule.test == "ci_below":
        return -math.inf, target
    return None


def ci_position(row, region: tuple[float, float] | None) -> str:
    """Where the row's 95% CI lies against the acceptance region: "outside" (wholly), "inside" (wholly),
    "overlaps" (a boundary), or "" when the row has no finite CI or the rule no region."""
    low, high = _value(row, "ci_low"), _value(row, "ci_high")
    if region is None or not (math.isfinite(low) and math.isfinite(high)):
        return ""
    if high < region[0] or low > region[1]:
        return "outside"
    return "inside" if region[0] <= low and high <= region[1] else "overlaps"


def pre_asymptotic_reason(rule: Rule, row) -> str:
    """Why the row's window is pre-asymptotic by its own finite-k model (empty when it is not, or when the row has
    no model, i.e. no ``limit_exponent``): |finite_k_exponent - limit_exponent| > tolerance / 2, or a model that
    gives no slope over the window (it does not reach these k: e.g. runs too short to settle near a minimum)."""
    if "pre-asymptotic" not in rule.inconclusive_when:
        return ""
    finite, limit = _value(row, "finite_k_exponent"), _value(row, "limit_exponent")
    if math.isfinite(limit) and not math.isfinite(finite):
        return (
            "the finite-k model does not hold over this window (its clipping bias |E clip(xi)| / tau_k exceeds the "
            "validity limit in it, or its runs have not settled near a minimum), and nothing else places the window "
            "in the asymptotic regime"
        )
    half = rule.tolerance_for(row) / 2.0
    if math.isfinite(finite) and math.isfinite(limit) and abs(finite - limit) > half:
        return (
            f"the finite-k model's slope over this window is {finite:.4g}, {abs(finite - limit):.3g} from its limit "
            f"{limit:.4g} (> tolerance/2 = {half:.3g}): the window is pre-asymptotic"
        )
    return ""


def untrained_reason(rule: Rule, row) -> str:
    """Why the row's model does not count as trained (empty when it does, or when the row is not about a trained
    model, i.e. has no ``baseline_margin``)."""
    margin = _value(row, "baseline_margin")
    if "untrained" not in rule.inconclusive_when or not math.isfinite(margin) or margin > 0:
        return ""
    return (
        f"untrained: the model misses its claim's trained gate by {-margin:.3g} nats (the paired difference model - "
        "count baseline on the same held-out windows must lie below the declared margin, or within the declared "
        "floor tolerance for a model that cannot use context; a row about a trained model is judged only when it does)"
    )


def straddle_note(row, region: tuple[float, float], x: float) -> str:
    """Why a row whose CI straddles a boundary of ``region`` is undecided, and about how many trials would decide it
    were the estimate ``x`` to hold (the CI's half-width shrinking like 1/sqrt(trials))."""
    low, high = _value(row, "ci_low"), _value(row, "ci_high")
    boundaries = [b for b in region if math.isfinite(b) and low <= b <= high]
    note = f"the 95% CI [{low:.4g}, {high:.4g}] straddles the boundary {boundaries[0]:.4g} of the accepted values"
    trials, gap = _value(row, "trials"), min(abs(x - b) for b in boundaries)
    if math.isfinite(trials) and trials > 0 and gap > 0:
        needed = trials * (half_width(row) / gap) ** 2
        note += f"; about {needed:.3g} trials (now {trials:g}) would decide it, were the estimate {x:.4g} to hold"
    return note


def judge_row(rule: Rule, row) -> tuple[str, str]:
    """(verdict, note) for one row under ``rule``; verdict ``info`` when the row is not testable at its horizon."""
    x = _value(row, rule.stat)
    if not math.isfinite(x):
        return "fail", f"{rule.stat} is not finite"
    target = rule.target
    if isinstance(target, str):
        target = _value(row, target)
        if not math.isfinite(target) and rule.target == "finite_k_exponent":
            return "info", "not testable at this horizon: no finite-k prediction over this window"
        if not math.isfinite(target):
            raise ValueError(f"row {row['claim']}/{row['metric']}: the rule's target column {rule.target!r} is empty")
    why = pre_asymptotic_reason(rule, row)
    if why:
        return "info", "not testable at this horizon: " + why
    why = untrained_reason(rule, row)
    if why:
        return "inconclusive", why
    tol = rule.tolerance_for(row)
    if rule.kind == "exact":  # an identity or a regression check: its point value decides, its CI is information
        return ("pass" if TESTS[rule.test][1](x, target, tol, row) else "fail"), ""
    region = acceptance_region(rule, target, tol)
    position = ci_position(row, region)
    if position == "outside":
        return "fail", f"the 95% CI lies wholly outside the acceptance region [{region[0]:.4g}, {region[1]:.4g}]"
    if position == "inside":
        return "pass", ""
    if position == "overlaps":
        return "inconclusive", straddle_note(row, region, x)
    ok = TESTS[rule.test][1](x, target, tol, row)
    return ("pass" if ok else "fail"), ""


def rule_for(declarations, row) -> Rule | None:
    """The rule of the one declaration that matches ``row`` (None: an info row); a row matched by two declarations
    is an error (the registry must be unambiguous)."""
    hits = [j for j in declarations if j.matches(row)]
    if len(hits) > 1:
        raise ValueError(f"row {row['claim']}/{row['method']}/{row['metric']} matches {len(hits)} declarations")
    return hits[0].rule if hits else None


RULE_FAMILIES = (
    "finite-k two-sided",
    "theorem exponent",
    "theorem bound",
    "value against a band",
    "direction",
)


def rule_family(rule: Rule) -> str:
    """The family of ``rule`` whose error rates ``heavytail power`` measures together: two-sided against the
    finite-k model's exponent; two-sided against the theorem's exponent; one-sided against the theorem's exponent
    (a bound); a value within a band around a fixed target (e.g. the mean square's settling ratio); a value's
    direction against a fixed threshold (the small-transformer claims)."""
    if rule.target == "finite_k_exponent":
        return "finite-k two-sided"
    if rule.stat == "fitted_exponent" and rule.test in ("within", "ci_contains"):
        return "theorem exponent"
    if rule.stat == "fitted_exponent":
        return "theorem bound"
    if rule.test in ("within", "ci_contains", "between"):
        return "value against a band"
    return "direction"


def judge(declarations, rates: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``rates`` with kind, rule, tolerance, reason, verdict and verdict_note filled from the
    declarations; a row matched by two declarations is an error (the registry must be unambiguous)."""
    out = rates.copy()
    cols = {c: [] for c in ("kind", "rule", "tolerance", "reason", "verdict", "verdict_note")}
    for _, row in out.iterrows():
        rule = rule_for(declarations, row)
        if rule is None:
            for c, v in zip(cols, ("info", "", math.nan, "", "info", ""), strict=True):
                cols[c].append(v)
            continue
        verdict, note = judge_row(rule, row)
        kind = "info" if verdict == "info" else rule.kind
        for c, v in zip(cols, (kind, rule.text(), rule.tolerance_for(row), rule.reason, verdict, note), strict=True):
            cols[c].append(v)
    for c, v in cols.items():
        out[c] = pd.Series(v, index=out.index, dtype=object if c != "tolerance" else float)
    return out


def render_criteria(declarations) -> str:
    """The claim's judged selections and their rules as a markdown list (REPORT's criterion text)."""
    if not declarations:
        return "Nothing is judged: every row is info."
    lines = []
    for j in declarations:
        lines.append(f"- {j.selection()} ({j.rule.kind}): {j.rule.text()}. Tolerance: {j.rule.reason}")
    return "\n".join(lines)


def counts(rates: pd.DataFrame) -> dict[str, int]:
    """Headline counts: evidence pass / fail / inconclusive, exact pass / fail, info."""
    ev = rates[rates.kind == "evidence"].verdict.value_counts()
    ex = rates[rates.kind == "exact"].verdict.value_counts()
    return {
        "evidence_pass": int(ev.get("pass", 0)),
        "evidence_fail": int(ev.get("fail", 0)),
        "evidence_inconclusive": int(ev.get("inconclusive", 0)),
        "exact_pass": int(ex.get("pass", 0)),
        "exact_fail": int(ex.get("fail", 0)) + int(ex.get("inconclusive", 0)),
        "info": int((rates.kind == "info").sum()),
    }
