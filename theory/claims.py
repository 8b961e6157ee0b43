"""The registry of claims: what to run (per profile), what to measure, what exponent to expect, how to judge.

A claim is pure data; ``simulate`` turns its grid into kernel runs and ``theory.verdicts`` judges the fits.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from . import exponents


@dataclass(frozen=True)
class Metric:
    """One fitted quantity: ``stat`` (mean/median/q90) over trials of the kernel output ``source``."""

    name: str
    source: str
    stat: str
    theory: Callable[[float], float]
    judged: bool  # True: pass/fail against theory; False: info only
    description: str


@dataclass(frozen=True)
class Profile:
    """A grid of runs: every combination of alphas x noises x methods, each with K iterations and trials."""

    alphas: tuple[float, ...]
    noises: tuple[str, ...]
    methods: tuple[str, ...]
    K: int
    trials: int


@dataclass(frozen=True)
class Claim:
    id: str
    title: str
    statement: str
    judged_methods: tuple[str, ...]
    tolerance: float
    metrics: tuple[Metric, ...]
    profiles: dict[str, Profile] = field(default_factory=dict)
    problem: dict = field(default_factory=dict)
    notes: str = ""  # findings shown under the claim in REPORT.md


THM4 = Claim(
    id="thm4-strongly-convex",
    title="Theorem 4: proj-GClip on a strongly convex quadratic",
    statement=(
        "With eta_k = 4/(mu(k+1)), tau_k = G k^(1/alpha) and the k-weighted average xbar_k, "
        "E||xbar_k - x*|| decays like k^(-(alpha-1)/alpha) and E f(xbar_k) - f* like k^(-2(alpha-1)/alpha)."
    ),
    judged_methods=("proj-gclip",),
    tolerance=0.05,
    metrics=(
        Metric("mean_dist", "avg_dist", "mean", exponents.theorem4_distance, True, "E||xbar_k - x*||"),
        Metric("mean_gap", "avg_gap", "mean", exponents.theorem4_gap, True, "E f(xbar_k) - f*"),
        Metric("median_dist", "avg_dist", "median", exponents.theorem4_distance, False, "median ||xbar_k - x*||"),
        Metric("q90_dist", "avg_dist", "q90", exponents.theorem4_distance, False, "90% quantile ||xbar_k - x*||"),
    ),
    profiles={
        "quick": Profile(alphas=(1.2, 1.5, 1.8), noises=("pareto",), methods=("proj-gclip",), K=2**16, trials=512),
        "default": Profile(
            alphas=(1.2, 1.4, 1.6, 1.8, 2.0),
            noises=("pareto", "pareto-onesided"),
            methods=("proj-gclip", "sgd"),
            K=2**18,
            trials=1536,
        ),
    },
    # f(x) = mu/2 (x - x*)^2 in R^d, X = ball(0, radius), tail == alpha, unit noise scale, nominal G = 1
    # (with tail == alpha, E|g|^alpha is infinite: G is a scale, not the theorem's moment bound).
    # radius = 10 > 2 max_k eta_k tau_k = 8 G / mu, so the projection rarely binds in the fitted window; with
    # radius = 1 (one clipped step) it binds throughout and alpha = 1.2 stays pre-asymptotic (slope -0.07).
    problem=dict(d=1, mu=1.0, x_star=0.0, x0=1.0, radius=10.0, G=1.0, noise_scale=1.0),
)

CLAIMS: dict[str, Claim] = {c.id: c for c in (THM4,)}
PROFILES = ("quick", "default")


def get_claim(claim_id: str) -> Claim:
    """Look up a claim by id, naming the accepted ids when it is unknown."""
    if claim_id not in CLAIMS:
        raise ValueError(f"claim={claim_id!r} is not one of the accepted values: {', '.join(CLAIMS)}")
    return CLAIMS[claim_id]


def verdict(claim: Claim, method: str, metric: Metric, fitted: float, theory: float) -> str:
    """pass/fail for the judged (method, metric) pairs: |fitted - theory| <= tolerance; info otherwise."""
    if method not in claim.judged_methods or not metric.judged:
        return "info"
    if fitted != fitted:  # NaN: an infinite mean or too few finite points
        return "fail"
    return "pass" if abs(fitted - theory) <= claim.tolerance else "fail"
