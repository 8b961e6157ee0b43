"""The language in which a claim is declared: the claim itself, its fitted metrics, its negative controls, and the
rules every exponent claim and every small-transformer claim share. Claims live in ``simulate/claims/<claim>/``;
``theory.verdicts`` applies the rules."""

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from .sizing import Sizing
from .verdicts import Judged, Rule, _value, selects

# The convention shared by every exponent claim, fixed before any run.
EXPONENT_TOLERANCE = 0.05
# The exponent claims' rows where a theorem's hypothesis holds run at noise tail = alpha + LIGHTER_TAIL.
LIGHTER_TAIL = 0.1

EXPONENT_REASON = (
    f"the convention shared by every exponent claim, fixed before any run: {EXPONENT_TOLERANCE:g} in the exponent is "
    f"a {100 * (100**EXPONENT_TOLERANCE - 1):.0f}% change of "
    "the error across the two-decade window; capped at half the predicted exponent, so that an error that does not "
    "shrink can never pass a small predicted rate (alpha near 1)"
)


FINITE_K_REASON = (
    f"the exponent convention ({EXPONENT_TOLERANCE:g}, capped at half the target), two-sided, against the sharpest "
    "prediction the suite has: the exact finite-k recursion at the noise's real tail over the same window, wherever "
    "its validity condition holds over the window (|E clip(xi)| / tau_k <= 0.1), at tail = alpha and at a lighter "
    "tail alike; the theorem's asymptotic exponent is beside it as information"
)

UPPER_BOUND_REASON = (
    f"where the hypothesis holds (noise tail = alpha + {LIGHTER_TAIL:g}, schedule and prediction at alpha) the theorem "
    "is an upper bound: at least as fast as predicted, one-sided, with the exponent convention's tolerance "
    f"({EXPONENT_TOLERANCE:g}, capped at half "
    "the prediction); a lighter tail may converge faster"
)


def exponent_rule(**kw) -> Rule:
    """|fitted - theory| <= min(0.05, |theory|/2), testable where the row's finite-k model (if any) puts its window in
    the asymptotic regime: the rule of every exponent claim judged against an asymptotic exponent."""
    return Rule(
        "within",
        EXPONENT_REASON,
        tolerance=EXPONENT_TOLERANCE,
        inconclusive_when=("pre-asymptotic",),
        relative=0.5,
        **kw,
    )


def finite_k_rule() -> Rule:
    """|fitted - finite-k prediction| <= min(0.05, |prediction|/2): the sharpest prediction, where its model holds."""
    return Rule(
        "within",
        FINITE_K_REASON,
        target="finite_k_exponent",
        tolerance=EXPONENT_TOLERANCE,
        relative=0.5,
    )


def upper_bound_rule() -> Rule:
    """fitted <= theory + min(0.05, |theory|/2): a theorem's rate as the upper bound it is, where it applies."""
    return Rule(
        "at_most_plus_tol",
        UPPER_BOUND_REASON,
        tolerance=EXPONENT_TOLERANCE,
        inconclusive_when=("pre-asymptotic",),
        relative=0.5,
    )


def model_judges(row) -> bool:
    """A row whose finite-k model holds over its window (``finite_k_exponent`` is a number): judged against it."""
    return math.isfinite(_value(row, "finite_k_exponent"))


def model_silent(row) -> bool:
    """A row without a finite-k model valid over its window: judged against the theorem where testable."""
    return not model_judges(row)


def hypothesis_holds(row) -> bool:
    """A row run where the theorem's hypothesis holds: noise tail above the alpha of schedule and prediction."""
    return row["tail"] > row["alpha"] + 1e-9


def tight_case(row) -> bool:
    """A row run at noise tail = alpha (the alpha-th moment is infinite: the theorem's tight case)."""
    return abs(row["tail"] - row["alpha"]) <= 1e-9


def direction_rule(test: str, reason: str, target) -> Rule:
    """A rule on the row's ``value`` against a fixed target (the small-transformer claims' directions and bands):
    a CI wholly on the accepted side passes, wholly on the other fails, and one that straddles the boundary is
    ``inconclusive`` (every judged rule of these claims can say so), as is a row about a trained model that does
    not pass its claim's trained gate (``TrainedGate``; ``untrained``)."""
    return Rule(test, reason, target=target, stat="value", inconclusive_when=("untrained",))


# the smallest margin a claim may declare for its trained gate: below it "trained" would not be a claim
MIN_TRAINED_MARGIN = 0.02


@dataclass(frozen=True)
class TrainedGate:
    """When a real-model row's model counts as trained, declared by its claim before any run.

    The model and its task's count baseline (``simulate.nets.tokens.baseline_losses``) are scored on the same
    held-out windows; d = model - baseline per window (the model's loss averaged over the row's trials), with its
    95% Student-t interval over the windows. A model that can use context is trained when that interval lies wholly
    below -``margin`` (nats). A model that cannot use context by construction (a transformer without attention is a
    bigram model: each position sees only its own token) can at best reach the bigram: it is gated on reaching that
    floor, the interval wholly inside [-``floor_tolerance``, +``floor_tolerance``]."""

    margin: float
    reason: str
    floor_tolerance: float | None = None
    floor_reason: str = ""

    def __post_init__(self):
        if not self.margin >= MIN_TRAINED_MARGIN:
            raise ValueError(f"margin={self.margin!r} is outside the accepted range: at least {MIN_TRAINED_MARGIN}")
        if not self.reason:
            raise ValueError("a trained gate needs its reason")
        if self.floor_tolerance is not None and not (self.floor_tolerance > 0 and self.floor_reason):
            raise ValueError(f"floor_tolerance={self.floor_tolerance!r} needs to be positive, with its reason")


# the theory columns of a row, which only a declared prediction (``Predicts``) may fill
PREDICTED_COLUMNS = ("theory_exponent", "predicted")


@dataclass(frozen=True)
class Predicts:
    """A prediction declared in a claim: the rows of ``metric`` (a name, or a prefix ending in ``*``) whose columns
    match ``where`` get ``column`` = ``function(*(row[p] for p in params))`` (a function of ``theory/`` of the row's
    own parameters), rounded to ``digits`` decimals where given. Rows are built through
    ``simulate.publish.rows.measurement_row``, which fills it; an experiment never writes a predicted number."""

    column: str
    function: Callable
    params: tuple[str, ...]
    metric: str
    where: dict = field(default_factory=dict)
    digits: int | None = None

    def __post_init__(self):
        if self.column not in PREDICTED_COLUMNS:
            accepted = ", ".join(PREDICTED_COLUMNS)
            raise ValueError(f"column={self.column!r} is not one of the accepted values: {accepted}")

    def matches(self, row) -> bool:
        return selects(self.metric, self.where, row)

    def value(self, row, inputs: dict | None = None) -> float:
        """The prediction for ``row`` (NaN where the function gives None); a parameter the row has no column for is
        read from ``inputs``, the run's settings its experiment passes along (never a predicted number)."""
        known = {**(inputs or {}), **row}
        missing = [p for p in self.params if p not in known]
        if missing:
            raise ValueError(
                f"the prediction of {self.column} for metric {row.get('metric')!r} reads {', '.join(missing)}, which "
                "neither the row's columns nor its inputs hold"
            )
        v = self.function(*(known[p] for p in self.params))
        if v is None:
            return math.nan
        return round(float(v), self.digits) if self.digits is not None else float(v)


@dataclass(frozen=True)
class Control:
    """A control: a negative one (``expected = "fail"``) is a deliberately wrong set-up whose rows the claim's own
    rules must judge ``fail``; a positive one (``expected = "pass"``) is a different set-up the theorem also covers,
    whose rows must pass. The claim folder's ``experiment.py`` implements it under ``name``."""

    name: str
    setup: str
    expected: str = "fail"

    def __post_init__(self):
        if self.expected not in ("fail", "pass"):
            raise ValueError(f"expected={self.expected!r} is not one of the accepted values: fail, pass")


@dataclass(frozen=True)
class PowerCurve:
    """A negative control at graded strengths: ``experiment.POWER[name](claim, profile, ctx, strength)`` gives the
    mutant's rows at each of ``strengths`` (``strength`` in words: what the number is), judged by the claim's own
    rules; the fraction judged ``fail`` against strength shows where the rules start to see the difference."""

    name: str
    setup: str
    strength: str
    strengths: tuple[float, ...]


@dataclass(frozen=True)
class Metric:
    """One fitted quantity: ``stat`` (mean/median/q90) over trials of the kernel output ``source``."""

    name: str
    source: str
    stat: str
    theory: Callable[[float], float]
    primary: bool  # drawn in the exponent-vs-alpha figure (what is judged is declared in ``Claim.judged``)
    description: str
    sq_power: float | None = None  # the metric ~ (E e^2)^sq_power in a finite-k model (None: no prediction)


def metric_predictions(metrics, digits: int | None = None, **where) -> tuple[Predicts, ...]:
    """One ``theory_exponent`` prediction per metric: its ``theory`` of the row's alpha (rows of that metric whose
    columns match ``where``)."""
    return tuple(Predicts("theory_exponent", m.theory, ("alpha",), m.name, where, digits) for m in metrics)


# What kind of evidence a claim's rows are, so that a reader can weigh the headline's counts: a theorem's rate or
# bound on synthetic problems, a mechanism or law on synthetic problems, or a statement about a real (small) model.
CATEGORIES = ("theorem rates (synthetic)", "mechanisms and laws (synthetic)", "real-model rows")


@dataclass(frozen=True)
class Claim:
    """A paper's statement made checkable: sizes per profile, what is measured, the judged rules (``judged``), the
    negative controls, and ``order``, the claim's place in a run, REPORT.md and rates.csv."""

    id: str
    order: int
    category: str  # one of CATEGORIES: how the headline groups its evidence rows
    title: str
    statement: str
    judged_methods: tuple[str, ...] = ()  # the methods the claim is about (figures draw them first)
    metrics: tuple[Metric, ...] = ()
    profiles: dict = field(default_factory=dict)
    measures: str = ""  # what the statistics are; the rules are rendered from ``judged``
    judged: tuple[Judged, ...] = ()
    predictions: tuple[Predicts, ...] = ()  # the theory columns of its rows (judged or info), declared
    controls: tuple[Control, ...] = ()
    power: tuple[PowerCurve, ...] = ()
    problem: dict = field(default_factory=dict)
    notes: str = ""  # Markdown: what the statistics mean and why (the claim folder's notes.md); no run's numbers
    sizing: Sizing = field(default_factory=lambda: Sizing(reason="no sizing declared"))  # how the default is sized

    def __post_init__(self):
        if self.category not in CATEGORIES:
            raise ValueError(f"category={self.category!r} is not one of the accepted values: {', '.join(CATEGORIES)}")
        if "full" in self.profiles and "default" not in self.profiles:
            self.profiles["default"] = self.profiles["full"]

    def predict(self, row: dict, inputs: dict | None = None) -> dict:
        """``row`` with the theory columns its declared predictions give it (``inputs``: run settings that are not
        columns, ``Predicts.value``); a row that already holds a value in a predicted column, or that two
        predictions of one column match, is refused (ValueError)."""
        out = dict(row)
        filled: set[str] = set()
        for p in self.predictions:
            if not p.matches(out):
                continue
            if p.column in filled:
                raise ValueError(f"two predictions of {p.column} match a row of metric {row['metric']!r}")
            given = row.get(p.column)
            if given is not None and not (isinstance(given, float) and math.isnan(given)):
                raise ValueError(
                    f"a row of claim {self.id!r}, metric {row['metric']!r} was built with {p.column}={given!r}; that "
                    "column is a prediction declared in the claim (Predicts), computed when the row is built"
                )
            out[p.column] = p.value(out, inputs)
            filled.add(p.column)
        return out


PROFILES = ("quick", "default", "full")
