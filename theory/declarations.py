"""The language in which a claim is declared: the claim itself, its fitted metrics, its negative controls, and the
rules every exponent claim and every small-transformer claim share. Claims live in ``simulate/claims/<claim>/``;
``theory.verdicts`` applies the rules."""

from collections.abc import Callable
from dataclasses import dataclass, field

from .sizing import Sizing, default_profile
from .verdicts import Judged, Rule

# The convention shared by every exponent claim, fixed before any run.
EXPONENT_TOLERANCE = 0.05

EXPONENT_REASON = (
    "the convention shared by every exponent claim, fixed before any run: 0.05 in the exponent is a 26% change of "
    "the error across the two-decade window; capped at half the predicted exponent, so that an error that does not "
    "shrink can never pass a small predicted rate (alpha near 1)"
)

ALL_INCONCLUSIVE = ("ci", "drift", "small-rate")


def exponent_rule(**kw) -> Rule:
    """|fitted - theory| <= min(0.05, |theory|/2) with every inconclusive rule: the rule of every exponent claim."""
    return Rule(
        "within", EXPONENT_REASON, tolerance=EXPONENT_TOLERANCE, inconclusive_when=ALL_INCONCLUSIVE, relative=0.5, **kw
    )


def direction_rule(test: str, reason: str, target) -> Rule:
    """A rule on the row's ``value`` against a fixed target (the small-transformer claims' directions and bands)."""
    return Rule(test, reason, target=target, stat="value")


@dataclass(frozen=True)
class Control:
    """A negative control: a deliberately wrong set-up (``setup``) whose rows the claim's own rules must judge
    ``fail``; the claim folder's ``experiment.py`` implements it under ``name``."""

    name: str
    setup: str


@dataclass(frozen=True)
class Metric:
    """One fitted quantity: ``stat`` (mean/median/q90) over trials of the kernel output ``source``."""

    name: str
    source: str
    stat: str
    theory: Callable[[float], float]
    primary: bool  # drawn in the exponent-vs-alpha figure (what is judged is declared in ``Claim.judged``)
    description: str
    finite_k: Callable | None = None  # maps the predicted E e^2 curve to this metric's curve (None: no prediction)


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
    controls: tuple[Control, ...] = ()
    problem: dict = field(default_factory=dict)
    notes: str = ""  # Markdown: what the statistics mean and why (the claim folder's notes.md); no run's numbers
    # (noise, tail, alpha, K, ks, problem) -> predicted E||xbar_k - x*||^2 at ks, or None where no prediction exists
    finite_k_curve: Callable | None = None
    sizing: Sizing = field(default_factory=lambda: Sizing(reason="no sizing declared"))  # the default's trial count

    def __post_init__(self):
        if self.category not in CATEGORIES:
            raise ValueError(f"category={self.category!r} is not one of the accepted values: {', '.join(CATEGORIES)}")
        if "full" in self.profiles and "default" not in self.profiles:
            self.profiles["default"] = default_profile(self.profiles["full"], self.sizing)


PROFILES = ("quick", "default", "full")
