"""The registry of claims: what to run (per profile), what to measure, what to expect, how to judge.

A claim is pure data: ``simulate`` turns its grid into kernel runs and measurement rows; the claim's ``judged``
declarations (``theory.verdicts``: statistic, comparison, tolerance and the reason for the tolerance) decide every
verdict, and its ``controls`` name the deliberately wrong set-ups that those same rules must fail.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import exponents, finite_k
from .sizing import Sizing, default_profile
from .verdicts import Judged, Rule

# where each Sizing's half-width was measured: the full-size sweep committed in results/
FULL_RUN = "results/ at b3fe9f7"
# the small-transformer claims' judged rows are sign and comparison rules (tolerance 0)
_NET_SIZING = (
    "sign and comparison rules (tolerance 0: the width needed depends on the effect, not on a declared tolerance)"
)

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
    return Rule("within", EXPONENT_REASON, tolerance=EXPONENT_TOLERANCE, inconclusive_when=ALL_INCONCLUSIVE,
                relative=0.5, **kw)  # fmt: skip


@dataclass(frozen=True)
class Control:
    """A negative control: a deliberately wrong set-up (``setup``) whose rows the claim's own rules must judge
    ``fail``; the experiment module implements it under ``name``."""

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


@dataclass(frozen=True)
class Profile:
    """A grid of runs: every combination of alphas x noises x methods, each with K iterations and trials."""

    alphas: tuple[float, ...]
    noises: tuple[str, ...]
    methods: tuple[str, ...]
    K: int
    trials: int


@dataclass(frozen=True)
class Rem1Profile:
    """Sizes for rem1-sgd-failure: mean square vs trials, expectation vs probability, divergence at the edge."""

    tails: tuple[float, ...]  # heavy-tailed laws (symmetric Pareto, infinite variance)
    controls: tuple[tuple[str, float], ...]  # (noise, tail) with finite variance
    k_fixed: int  # the iteration at which E|x_k - x*|^2 is estimated
    M: int  # trials for the mean-square-vs-M estimate (M = 10^2 ... M)
    curve_tails: tuple[float, ...]
    curve_K: int
    curve_trials: int
    edge_tails: tuple[float, ...]
    edge_etas: tuple[float, ...]  # constant step sizes
    edge_K: int
    edge_trials: int
    threshold: float  # "large error" for the edge experiment
    n_boot: int


@dataclass(frozen=True)
class DiagnosticsProfile:
    """Sizes for noise-diagnostics."""

    dims: tuple[int, ...]  # dimensions of the vector-noise norm study
    norm_samples: int  # vectors per (law, d)
    variance_n: int  # samples per running-variance curve
    variance_streams: int  # independent curves whose median is shown
    estimator_tails: tuple[float, ...]
    estimator_n: int  # samples per estimate
    estimator_reps: int
    kernel_K: int
    kernel_trials: int


@dataclass(frozen=True)
class LowerBoundProfile:
    """Sizes for thm5-lower-bound: the exact curve to k_max_exact; algorithms simulated to K on an eps grid."""

    alphas: tuple[float, ...]
    k_max_exact: int
    K: int
    trials: int
    n_eps: int


@dataclass(frozen=True)
class ZeroChainProfile:
    """Sizes for thm6-nonconvex-lower-bound."""

    dims: tuple[int, ...]
    probs: tuple[float, ...]
    trials: int
    property_points: int
    alphas: tuple[float, ...]


@dataclass(frozen=True)
class ClipMapProfile:
    """Sizes for clip-exponent-map: proj-GClip on the quadratic over a grid of (alpha, beta)."""

    alphas: tuple[float, ...]
    betas: tuple[float, ...]
    noises: tuple[str, ...]
    K: int
    trials: int


@dataclass(frozen=True)
class Thm2Profile:
    """Sizes for thm2-nonconvex: one run per horizon K on a log grid (``per_decade`` per decade, K_min .. K_max).

    The main grid is the 1-D cosine objective with the ``scaling`` parameters; ``rules`` adds the other parameter
    rules of Theorem 2 (GClip, symmetric Pareto, ``rule_alphas``); ``objectives`` adds (objective, d) problems in
    R^d (GClip, symmetric Pareto, ``objective_alphas``, horizons up to ``objective_K_max``, ``objective_trials``).
    """

    alphas: tuple[float, ...]
    noises: tuple[str, ...]
    methods: tuple[str, ...]
    K_min: int
    K_max: int
    per_decade: int
    trials: int
    rules: tuple[str, ...] = ()
    rule_alphas: tuple[float, ...] = ()
    objectives: tuple[tuple[str, int], ...] = ()
    objective_alphas: tuple[float, ...] = ()
    objective_K_max: int = 10**5
    objective_trials: int = 128


@dataclass(frozen=True)
class DimensionProfile:
    """Sizes for cor7-thm8-dimension: GClip vs CClip on the quadratic in R^d, one (d, trials) pair per dimension."""

    alphas: tuple[float, ...]
    tail_offset: float  # noise tail = alpha + tail_offset, so that the alpha-moments are finite
    dims: tuple[tuple[int, int], ...]  # (d, trials)
    shapes: tuple[str, ...]
    K: int
    g_draws: int  # coordinate draws for the Monte-Carlo estimate of G (vectors = g_draws / d, at least 1000)


@dataclass(frozen=True)
class EquivalenceProfile:
    """Sizes for rmsprop-as-clipping: (beta1, beta2) pairs run side by side on one noise stream."""

    d: int
    K: int
    trials: int
    pairs: tuple[tuple[float, float], ...]
    tail: float
    eta: float
    eps: float


@dataclass(frozen=True)
class ComparisonProfile:
    """Sizes for acclip-nonstationary: every method's constant step tuned on a log grid with ``tune_trials``
    (seed + 1), then run with ``trials`` on the report seed; K steps in R^d."""

    methods: tuple[str, ...]
    etas: tuple[float, ...]
    settings: tuple[tuple[str, float, float], ...]  # (name, decay_t0, decay_power)
    d: int
    K: int
    tune_trials: int
    trials: int
    tail: float
    alpha: float  # moment order for the clipping thresholds
    curvature_spread: float
    noise_scale: float
    noise_spread: float


@dataclass(frozen=True)
class HeterogeneityProfile:
    """Sizes for het-gd-vs-sign: block-heterogeneous quadratics over kappa_het, axis-aligned and rotated."""

    blocks: tuple[int, ...]
    kappa_in: float
    kappas: tuple[float, ...]
    etas: tuple[float, ...]  # eta0 grid for the sign methods and Adam (eta_k = eta0 / sqrt(k))
    target: float  # f(x_k) - f* <= target * (f(x0) - f*)
    max_iter: int
    noises: tuple[tuple[str, float], ...]  # (law, level) for the noisy runs, info
    noisy_trials: int


@dataclass(frozen=True)
class HeadProfile:
    """Sizes for het-linear-head-momentum: a softmax head on Zipf-count classes (``simulate.linear_head``), each
    method at its own constant step; ``sweeps`` = (batch, eta, K, bias feature) settings run for SignGD and Signum
    at the largest C with ``sweep_trials`` (batch 0: full batch)."""

    classes: tuple[int, ...]
    n_top: int  # samples of the most frequent class; class c has max(1, round(n_top / c^zipf_s))
    zipf_s: float
    features: int  # p, the constant bias feature included
    separation: float
    batch: int
    K: int
    trials: int
    etas: tuple[tuple[str, float], ...]  # (method, constant step)
    sweeps: tuple[tuple[int, float, int, bool], ...]
    sweep_trials: int


@dataclass(frozen=True)
class Claim:
    id: str
    title: str
    statement: str
    judged_methods: tuple[str, ...] = ()  # the methods the claim is about (figures draw them first)
    metrics: tuple[Metric, ...] = ()
    profiles: dict = field(default_factory=dict)
    measures: str = ""  # what the statistics are; the rules are rendered from ``judged``
    judged: tuple[Judged, ...] = ()
    controls: tuple[Control, ...] = ()
    problem: dict = field(default_factory=dict)
    notes: str = ""  # what the statistics mean and why; every number of the run is rendered, never written here
    # (noise, tail, alpha, K, ks, problem) -> predicted E||xbar_k - x*||^2 at ks, or None where no prediction exists
    finite_k_curve: Callable | None = None
    sizing: Sizing = field(default_factory=lambda: Sizing(reason="no sizing declared"))  # the default's trial count

    def __post_init__(self):
        if "full" in self.profiles and "default" not in self.profiles:
            self.profiles["default"] = default_profile(self.profiles["full"], self.sizing)


def _thm4_curve(noise, tail, alpha, K, ks, problem):
    if noise not in ("pareto", "pareto-onesided") or problem["d"] != 1:
        return None
    return finite_k.theorem4_second_moment(
        noise, tail, alpha, K, ks, mu=problem["mu"], x0=problem["x0"] - problem["x_star"], G=problem["G"]
    )


THM4 = Claim(
    id="thm4-strongly-convex",
    sizing=Sizing(2048, "proj-gclip, pareto, tail 1.4, mean_gap", 0.019720, 0.05, FULL_RUN),
    title="Theorem 4: proj-GClip on a strongly convex quadratic",
    statement=(
        "With eta_k = 4/(mu(k+1)), tau_k = G k^(1/alpha) and the k-weighted average xbar_k, "
        "E||xbar_k - x*|| decays like k^(-(alpha-1)/alpha) and E f(xbar_k) - f* like k^(-2(alpha-1)/alpha)."
    ),
    judged_methods=("proj-gclip",),
    metrics=(
        Metric("mean_dist", "avg_dist", "mean", exponents.theorem4_distance, True, "E||xbar_k - x*||", np.sqrt),
        Metric("mean_gap", "avg_gap", "mean", exponents.theorem4_gap, True, "E f(xbar_k) - f*", np.asarray),
        Metric("median_dist", "avg_dist", "median", exponents.theorem4_distance, False, "median ||xbar_k - x*||"),
        Metric("q90_dist", "avg_dist", "q90", exponents.theorem4_distance, False, "90% quantile ||xbar_k - x*||"),
    ),
    profiles={
        "quick": Profile(alphas=(1.2, 1.5, 1.8), noises=("pareto",), methods=("proj-gclip",), K=2**18, trials=1024),
        "full": Profile(
            alphas=(1.2, 1.4, 1.6, 1.8, 2.0),
            noises=("pareto", "pareto-onesided"),
            methods=("proj-gclip", "sgd"),
            K=2**20,
            trials=2048,
        ),
    },
    # f(x) = mu/2 (x - x*)^2 in R^d, X = ball(0, radius), tail == alpha, unit noise scale, nominal G = 1
    # (with tail == alpha, E|g|^alpha is infinite: G is a scale, not the theorem's moment bound).
    # radius = 10 > 2 max_k eta_k tau_k = 8 G / mu, so the projection rarely binds in the fitted window; with
    # radius = 1 (one clipped step) it binds throughout and alpha = 1.2 stays pre-asymptotic (slope -0.07).
    problem=dict(d=1, mu=1.0, x_star=0.0, x0=1.0, radius=10.0, G=1.0, noise_scale=1.0),
    finite_k_curve=_thm4_curve,
    measures=(
        "fitted_exponent: least-squares slope of log(mean over trials) against log k over the window [K/100, K]; "
        "CI: 95% percentile bootstrap over trials (valid for proj-GClip, whose clipped steps give finite moments; "
        "not computed for unclipped SGD's means, whose variance is infinite for tail <= 2)."
    ),
    judged=(
        Judged("mean_dist", exponent_rule(), where={"method": "proj-gclip"}),
        Judged("mean_gap", exponent_rule(), where={"method": "proj-gclip"}),
    ),
    controls=(
        Control("tau-k^0.1", "proj-GClip with tau_k = G k^0.1 instead of G k^(1/alpha), one-sided Pareto, alpha 1.5"),
        Control("tail-1.2-as-1.8", "noise with tail 1.2 while schedule and prediction assume alpha = 1.8"),
    ),
    notes="""\
**Where the rate can and cannot show at finite k.** The `finite_k_exponent` column is the slope, over the same
window, of an exact moment recursion for the linearised method (`theory/finite_k.py`: Theorem 4's schedule and
averaging with the closed-form mean and second moment of clipped Pareto noise; nothing fitted). Where a fitted
exponent misses the theorem but matches that column, the window is pre-asymptotic, not the code or the exponent
wrong. For symmetric Pareto with tail a, E min(xi^2, tau^2) = 1 + 2 (tau^(2-a) - 1)/(2-a); summing it gives
E (xbar_k - x*)^2 ~ k^-2 (k^(2/a) - k), whose local f-gap slope is -2 + 2/a + (2/a - 1)/(k^((2-a)/a) - 1): the
correction dies only like k^(-(2-a)/a), slowly when a is near 2. At a = 2 the Pareto law has infinite variance
(Theorem 4's assumption E|g|^2 <= G^2 fails), the clipped second moment is 1 + 2 log tau and the error carries a
log k factor. So the theorem's exponent is the k -> infinity limit, and misses at alpha near 2 are the finite-k
shape of the same bound (the kernel also matches a plain-NumPy reference step by step, `tests/test_methods.py`).

**SGD, the foil.** Its median and 90% quantile of |xbar_k - x*| follow the theorem's rate (generalised CLT), but
its mean metrics are means of infinite-variance quantities for tail <= 2: they are ruled by a few trials and never
settle (Remark 1; the next claim measures this), and no bootstrap CI is reported for them. `*_foil.png` shows it.

**Constants chosen.** X = ball(0, 10) with x0 = 1, mu = 1, unit noise scale, nominal G = 1 (with tail = alpha,
E|g|^alpha is infinite, so G is a scale, not the theorem's bound). radius 10 exceeds 2 max_k eta_k tau_k = 8 G/mu,
so the projection rarely binds in the window; with radius 1 one clipped step spans X and the projection binds
throughout (a pre-asymptotic artefact of the constants, recorded here rather than tuned away).""",
)

REM1 = Claim(
    id="rem1-sgd-failure",
    sizing=Sizing(
        reason=(
            "its tolerance-judged rows (ms_ratio_M_vs_M/100) compare the Monte-Carlo mean square over M = 10^6 "
            "trials with the one over M/100: M is the statistic's own parameter, not a precision knob; its other "
            "rows are sign rules (tolerance 0: the CI must exclude a threshold, so the width needed depends on "
            "the effect)"
        )
    ),
    title="Remark 1: unclipped SGD fails in expectation, not in probability",
    statement=(
        "For f(x) = x^2/2 and noise with E|xi|^alpha finite but E xi^2 infinite, unclipped SGD has E|x_k - x*|^2 = "
        "infinity at every k: its Monte-Carlo estimate keeps drifting up with the number of trials M, while the "
        "median error still shrinks like k^(-(a-1)/a). Clipping (GClip, Theorem 4 schedule) makes it settle."
    ),
    profiles={
        "quick": Rem1Profile(
            tails=(1.3, 1.6),
            controls=(("pareto", 2.5),),
            k_fixed=100,
            M=10**5,
            curve_tails=(1.3,),
            curve_K=2000,
            curve_trials=1000,
            edge_tails=(1.05,),
            edge_etas=(1.0,),
            edge_K=1000,
            edge_trials=1000,
            threshold=1e6,
            n_boot=100,
        ),
        "full": Rem1Profile(
            tails=(1.3, 1.6, 1.9),
            controls=(("pareto", 2.5), ("gaussian", 2.0)),
            k_fixed=500,
            M=10**6,
            curve_tails=(1.3, 1.6),
            curve_K=10**5,
            curve_trials=10**4,
            edge_tails=(1.05, 1.1),
            edge_etas=(0.5, 1.0, 1.5),
            edge_K=10**4,
            edge_trials=10**4,
            threshold=1e6,
            n_boot=200,
        ),
    },  # fmt: skip
    measures=(
        "e = x_k - x*. ms_ratio = (mean of e^2 over all M trials) / (median over disjoint batches of M/100 trials of "
        "their mean of e^2), 95% percentile bootstrap over trials, computed only where e^2 has finite variance "
        "(GClip, Gaussian noise): under infinite variance the percentile bootstrap of a mean is inconsistent "
        "(Athreya 1987). ms_growth_typical = (median over the 100 batches of M/100 trials of their mean of e^2) / "
        "(median over the batches of M/10^4 trials), its 95% CI distribution-free from the order statistics of the "
        "batch means (no bootstrap, valid for any tail). Edge rows: fraction of trials whose max_k |x_k - x*| "
        "exceeds the threshold or is not finite."
    ),
    judged=(
        Judged(
            "ms_growth_typical",
            Rule(
                "ci_above",
                "Remark 1: E e^2 is infinite, so the typical estimate must grow with M; the bound 1.1 "
                "(10% over two decades of M) sits above what skewness alone gives a finite-variance e^2 (the median "
                "of means of m >= 100 samples sits below their mean by O(skewness / sqrt(m)), under 1%)",
                target=1.1,
                stat="value",
            ),
            where={"method": "sgd", "tail": lambda r: r["tail"] < 2.0},
            label="tail < 2",
        ),
        Judged(
            "ms_ratio_M_vs_M/100",
            Rule(
                "ci_contains",
                "0.05: a mean square whose estimate moves by more than 5% between M/100 and M trials "
                "is not what 'settles' means; the CI must also be this narrow to decide",
                target=1.0,
                tolerance=0.05,
                stat="value",
                inconclusive_when=("ci",),
            ),
            where={"method": "gclip"},
        ),
        Judged(
            "ms_ratio_M_vs_M/100",
            Rule(
                "ci_contains",
                "as for GClip: Gaussian noise gives e^2 every moment, so its estimate must settle",
                target=1.0,
                tolerance=0.05,
                stat="value",
                inconclusive_when=("ci",),
            ),
            where={"method": "sgd", "noise": "gaussian"},
        ),
        Judged(
            "frac_max_err_over*",
            Rule(
                "at_most",
                "GClip's steps are at most eta tau_k, so no trial can reach the threshold: a single one "
                "contradicts the mechanism; no tolerance",
                target=0.0,
                stat="value",
            ),
            where={"method": "gclip"},
        ),
    ),
    controls=(
        Control(
            "gclip-as-sgd", "GClip under tail 1.3 presented as unclipped SGD: the 'keeps growing' rule must fail it"
        ),
        Control(
            "gaussian-as-heavy", "SGD under Gaussian noise presented as tail 1.3: the 'keeps growing' rule must fail it"
        ),
        Control(
            "pareto2.5-as-gaussian",
            "SGD under Pareto tail 2.5 (E e^2 finite, E e^4 infinite: it settles only slowly) presented as Gaussian: "
            "the 'settles' rule must fail it",
        ),
    ),
    notes="""\
**What the statistics say.** For e of tail index a < 2, e^2 has tail index a/2 < 1: its mean is infinite and the
mean of M samples typically grows like M^(2/a - 1) (the `predicted` column). The judged statistic,
`ms_growth_typical`, compares typical estimates at two trial counts through medians of batch means, whose
order-statistic CIs are valid for any tail; the percentile bootstrap of a mean is not (Athreya 1987), so it is
used only where e^2 has finite variance (GClip, Gaussian noise). GClip's steps are bounded by eta tau_k, so its
e^2 has every moment and its estimate settles.

**Expectation vs probability.** SGD's median |x_k - x*| shrinks like k^(-(a-1)/a) (generalised CLT), as GClip's
does; its mean square has no rate to fit (its fitted slopes carry no CI): the failure is in expectation and in
the tails, not in probability.

**At the edge (tail near 1, constant steps).** With |1 - eta| < 1 the recursion is stable in law and the largest
Pareto draw from 53-bit uniforms is 2^(53/a), about 10^15 at a = 1.05, so float64 cannot overflow: a non-finite
count needs an unstable step, which is not a heavy-tail effect. GClip's steps are at most eta tau_k, so none of
its trials can reach the threshold.""",
)

DIAG = Claim(
    id="noise-diagnostics",
    sizing=Sizing(
        reason=(
            "its tolerance-judged rows are tail-index estimates whose CI half-width at full size (0.056 for "
            "tolerance 0.1, b3fe9f7) already exceeds tolerance/3 = 0.033: a smaller size only widens it"
        )
    ),
    title="Measuring heavy tails: norms, running variance, tail-index estimators",
    statement=(
        "The measurements [Z] used to tell heavy-tailed from concentrated gradient noise, on synthetic noise of "
        "known law: norm histograms in R^d, running variance against sample size, and the Mohammadi and Hill "
        "tail-index estimators, validated and then applied to the noise the kernels draw."
    ),
    profiles={
        "quick": DiagnosticsProfile(
            dims=(1, 100),
            norm_samples=500,
            variance_n=10**4,
            variance_streams=5,
            estimator_tails=(1.2, 1.5, 1.8),
            estimator_n=10**5,
            estimator_reps=10,
            kernel_K=10**4,
            kernel_trials=2048,
        ),
        "full": DiagnosticsProfile(
            dims=(1, 100, 10**4),
            norm_samples=2000,
            variance_n=10**6,
            variance_streams=20,
            estimator_tails=(1.2, 1.5, 1.8),
            estimator_n=10**5,
            estimator_reps=20,
            kernel_K=10**4,
            kernel_trials=4096,
        ),
    },  # fmt: skip
    measures=(
        "Tail-index rows: value = mean of the estimates over independent samples (repetitions, or groups of kernel "
        "noise) of N each; CI: 95% Student-t interval of that mean; predicted = the configured tail."
    ),
    judged=tuple(
        Judged(
            metric,
            Rule(
                "within",
                "0.1 in the tail index, a third of the 0.3 spacing of the tails studied "
                "(1.2, 1.5, 1.8): an estimate that close names its tail unambiguously",
                target="predicted",
                tolerance=0.1,
                stat="value",
                inconclusive_when=("ci",),
            ),
            where={"method": method, "noise": noise},
        )
        for metric in ("tail_index_estimate", "kernel_noise_tail_index")
        for method, noise in (("hill", "pareto"), ("mohammadi", "stable"))
    ),
    controls=(
        Control(
            "tail-1.2-claimed-1.5",
            "Hill on Pareto noise of tail 1.2 presented as tail 1.5 (the tail index "
            "differs from the alpha the prediction assumes)",
        ),
    ),
    notes="""\
**What to look for.** Independent heavy-tailed coordinates with a finite variance look concentrated in norm at
large d, while radial heavy tails stay heavy ([Z] Appendix H); with infinite-variance coordinates the norm keeps
the coordinates' tail. The running variance settles for finite-variance laws and drifts up like n^(2/a - 1) for
tail a < 2 ([Z] Fig. 1 d/h; `theory_exponent` of the running-variance rows). Mohammadi's estimator assumes
symmetric stable-like data and reads the stable scaling of block sums, which Student-t and one-sided laws lack;
Hill's is exact for a Pareto tail but uses only the top sqrt(N) order statistics, so its spread is larger. Both
are judged only on their intended family; the other laws show their bias (info).""",
)

THM5 = Claim(
    id="thm5-lower-bound",
    sizing=Sizing(2048, "proj-gclip, bernoulli family, minimax_gap_exponent", 0.019568, 0.05, FULL_RUN),
    title="Theorem 5: the strongly convex lower bound, exactly, and the rate sandwich",
    statement=(
        "On the Bernoulli family of [Z] Appendix F, Le Cam's two-point bound LB(k) = max_eps (eps^2/16)(1 - TV) "
        "decays like k^(-2(alpha-1)/alpha) with maximiser eps*(k) ~ k^(-(alpha-1)/alpha); no algorithm's "
        "worst-case f-gap falls below it, and proj-GClip with Theorem 4's schedule matches its exponent."
    ),
    profiles={
        "quick": LowerBoundProfile(alphas=(1.5, 1.8), k_max_exact=10**6, K=10**5, trials=1024, n_eps=10),
        "full": LowerBoundProfile(alphas=(1.2, 1.4, 1.6, 1.8, 2.0), k_max_exact=10**7, K=10**5, trials=2048, n_eps=16),
    },  # fmt: skip
    measures=(
        "lb_exponent: slope of the exactly computed LB(k) over k in [10^3, k_max]. minimax_gap_exponent: slope over "
        "[K/100, K] of the worst case over nu and the eps grid of the mean f-gap; CI: 95% percentile bootstrap "
        "over trials (each (eps, nu) resampled, the envelope and its slope recomputed); drift as for every fit. "
        "no_point_below_bound: min over k and eps of (worst-case risk over nu, for simulated methods its mean plus "
        "3 standard errors) / (two-point bound at that k, eps)."
    ),
    judged=(
        Judged(
            "lb_exponent",
            Rule(
                "within",
                "a deterministic curve (no sampling error): 0.02 is the numerical "
                "allowance fixed with the claim for the grid maximisation over eps",
                tolerance=0.02,
            ),
        ),
        Judged("minimax_gap_exponent", exponent_rule(), where={"method": "proj-gclip"}),
        Judged(
            "no_point_below_bound",
            Rule(
                "at_least",
                "a lower bound admits no exception: no tolerance beyond the 3 standard errors added to simulated risks",
                target=1.0,
                stat="value",
            ),
            where={"method": ("proj-gclip", "proj-sgd")},
        ),
        Judged(
            "no_point_below_bound",
            Rule("at_least", "exact risks of exact estimators: no tolerance", target=1.0, stat="value", kind="exact"),
            where={"method": ("posterior-mean", "mle")},
        ),
    ),
    controls=(
        Control(
            "tau-k^0.1",
            "proj-GClip with tau_k = k^0.1 instead of k^(1/alpha) on the Bernoulli family, "
            "alpha 1.5: its worst case decays slower than the sandwich exponent",
        ),
    ),
    notes="""\
**How to read the sandwich.** LB(k) is Le Cam's two-point bound computed exactly (binomial total variation, no
sampling). proj-GClip's worst case over nu and the eps grid is a mean over trials of rare jumps: the family's jump
probability p_0 = (4 eps)^(alpha/(alpha-1)) is tiny at the worst eps, so the envelope is noisy unless there are
many trials; its CI comes from resampling trials in every (eps, nu) cell and recomputing the envelope. A flat
`sandwich_ratio` slope means the rate is tight up to a constant. The posterior-mean estimator (Bayes for the
two-point prior, computed exactly) can touch at most a ratio of 2 where TV = 0 (both risks equal eps^2/8, twice
Le Cam's eps^2/16).""",
)

THM6 = Claim(
    id="thm6-nonconvex-lower-bound",
    sizing=Sizing(400, "sgd, zero chain, calls_p_over_d_d5_p0.03", 0.044510, 0.1, FULL_RUN),
    title="Theorem 6: the zero-chain lower bound for non-convex problems",
    statement=(
        "On the zero-chain f_d with an oracle that reveals the next coordinate with probability p, a zero-respecting "
        "method started at 0 needs about d/p calls before prog(x) = d, and ||grad f_d|| >= 1 until then; with "
        "Theorem 6's scaling this gives E||grad F(x_k)|| >= Omega(k^(-(alpha-1)/(3alpha-2)))."
    ),
    profiles={
        "quick": ZeroChainProfile(dims=(5, 10), probs=(0.05, 0.2), trials=200, property_points=500, alphas=(1.5, 2.0)),
        "full": ZeroChainProfile(
            dims=(5, 10, 20, 40),
            probs=(0.01, 0.03, 0.1, 0.3),
            trials=400,
            property_points=5000,
            alphas=(1.2, 1.4, 1.6, 1.8, 2.0),
        ),
    },  # fmt: skip
    measures=(
        "Properties: worst values over random points in R^10. calls_p_over_d: mean over trials of the oracle calls "
        "to prog_1/4 = d, times p / d (predicted 1: each reveal takes a Geometric(p) number of calls); CI: mean "
        "+- 1.96 standard errors. calls_vs_d_over_p_exponent: least-squares slope of log mean calls against "
        "log(d/p). grad_norm_lb_exponent: slope of eps(k) implied by the measured constant and the scaling of "
        "THEORY.md section 5 (an algebraic consequence of the d/p law, hence an exact check, not evidence)."
    ),
    judged=(
        Judged("smoothness_max", Rule("at_most", "a stated constant of f_d", target=152.0, stat="value", kind="exact")),
        Judged("grad_inf_max", Rule("at_most", "a stated constant of f_d", target=23.0, stat="value", kind="exact")),
        Judged("prog_excess_max", Rule("at_most", "a stated property of f_d", target=0.0, stat="value", kind="exact")),
        Judged("grad_norm_min", Rule("at_least", "a stated property of f_d", target=1.0, stat="value", kind="exact")),
        Judged(
            "calls_p_over_d_*",
            Rule(
                "within",
                "10%, fixed with the claim: the d/p law is stated up to constants "
                "and 10% separates a constant of 1 from one of 2 or 1/2 many times over",
                target="predicted",
                tolerance=0.1,
                stat="value",
                inconclusive_when=("ci",),
            ),
        ),
        Judged(
            "calls_vs_d_over_p_exponent",
            Rule("within", "as for the calls ratio: 0.1 in the power of d/p", tolerance=0.1),
        ),
        Judged(
            "grad_norm_min_before_end",
            Rule(
                "at_least",
                "Theorem 6's statement: ||grad f_d|| >= 1 until prog = d; no tolerance",
                target=1.0,
                stat="value",
            ),
        ),
        Judged(
            "grad_norm_lb_exponent",
            Rule(
                "within",
                "a regression check of the algebra (0.05, the exponent convention)",
                tolerance=EXPONENT_TOLERANCE,
                kind="exact",
            ),
        ),
    ),
    controls=(
        Control("p-doubled", "the oracle reveals with probability 2p while the calls are scaled by the stated p"),
    ),
    notes="""\
**The implied bound.** With lambda = 304 eps / L and d = floor(Delta L / (7296 eps^2)) (THEORY.md section 5, read)
and Delta = L = sigma = 1, the reveal probability is the largest p keeping the noise's alpha-moment below
sigma^alpha: the scaled gradient's coordinates are at most 23 L lambda / 152 = 46 eps, so
p = (46 eps)^(alpha/(alpha-1)); the constant 46 is derived here, not recovered from the paper. The implied-exponent
rows then follow from the scaling once the d/p law holds (an exact check); the simulation's evidence is the d/p
law itself and the gradient staying >= 1 on the way. GClip's threshold 2 with step 0.5 still moves a revealed
coordinate by 1 > 1/4, so clipping does not stop the climb.""",
)

CLIPMAP = Claim(
    id="clip-exponent-map",
    sizing=Sizing(1024, "proj-gclip, pareto-onesided, tail 1.6, sq_dist_exponent_beta1", 0.107879, 0.05, FULL_RUN),
    title="Lemma 9's bias-variance trade-off: the clipping exponent map",
    statement=(
        "With eta_k = 4/(mu(k+1)) and tau_k = G k^beta, E||xbar_k - x*||^2 ~ k^e(beta) with "
        "e(beta) = max{-1 + beta(2 - alpha), -2 beta(alpha - 1)} for noise whose clipping is biased (one-sided "
        "Pareto); for symmetric noise the bias term drops out and small beta is faster."
    ),
    profiles={
        "quick": ClipMapProfile(alphas=(1.4, 1.8), betas=(0.4, 1.0), noises=("pareto-onesided",), K=2**16, trials=512),
        "full": ClipMapProfile(
            alphas=(1.2, 1.4, 1.6, 1.8, 2.0),
            betas=(0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2),
            noises=("pareto-onesided", "pareto"),
            K=2**18,
            trials=1024,
        ),
    },  # fmt: skip
    problem=dict(d=1, mu=1.0, x_star=0.0, x0=1.0, radius=10.0, G=1.0, noise_scale=1.0),
    measures=(
        "sq_dist_exponent: slope of log E||xbar_k - x*||^2 against log k over [K/100, K], 95% bootstrap CI over "
        "trials (clipped steps: finite moments). symmetric_faster: the one-sided minus the symmetric exponent at "
        "beta = 0.2, with the sum of the two CI half-widths as its half-width. beta = 0 and beta = 1.2 lie outside "
        "the derivation's range (tau below the noise's scale; thresholds past the projection radius): info."
    ),
    judged=(
        Judged(
            "sq_dist_exponent_beta*",
            exponent_rule(),
            where={"noise": "pareto-onesided", "beta": lambda r: 0.2 - 1e-9 <= r["beta"] <= 1.0 + 1e-9},
            label="beta in [0.2, 1]",
        ),
        Judged(
            "symmetric_faster_beta0.2",
            Rule(
                "ci_above",
                "the bias term must be visible beyond the sampling error of both exponents; no tolerance",
                target=0.0,
                stat="value",
            ),
        ),
    ),
    controls=(
        Control(
            "symmetric-as-onesided",
            "symmetric Pareto noise (no clipping bias) presented as one-sided at "
            "beta = 0.2, alpha 1.4: the biased prediction must fail it",
        ),
    ),
    notes="""\
**Reading the misses.** In every judged cell `finite_k_exponent` is the exact moment recursion of the linearised
method at that beta (nothing fitted): where the measurement misses e(beta) but matches that column, the window is
at fault, not the code or the asymptotic derivation. Two mechanisms make windows slow: where the bias and
variance terms have very different constants the asymptotically slower one takes over only at large k, and at
alpha = 2 the tail-2 law has infinite variance, so the variance term carries log k (as in thm4-strongly-convex).

**Where the linearisation itself breaks (info cells).** beta = 0 with symmetric noise: tau = G = 1 equals the
smallest Pareto magnitude, almost every stochastic gradient is clipped, the mean clipped gradient has a much
smaller slope in x than mu, and Theorem 4's step 4/(mu(k+1)) is too short for that effective curvature (a slow
k^(-c) rate). beta = 1.2 at small alpha: thresholds grow past the projection radius and the projection binds.""",
)

THM2 = Claim(
    id="thm2-nonconvex",
    sizing=Sizing(256, "gclip, pareto, tail 1.2, avg_min_grad", 0.003642, 0.05, FULL_RUN),
    title="Theorem 2: GClip on L-smooth non-convex functions, rate in the horizon K",
    statement=(
        "For L-smooth f and noise with E||xi||^alpha <= sigma^alpha, GClip with Theorem 2's constant eta and tau "
        "for horizon K reaches (1/K) sum_{k<K} E min{||grad f(x_k)||, ||grad f(x_k)||^2} = "
        "O(K^(-2(alpha-1)/(3alpha-2))). Each K is its own run; the objective is f(x) = x^2/2 + 2 cos(x) "
        "(L = 3, non-convex, minima at +-1.8955) from x0 = 0.5."
    ),
    judged_methods=("gclip",),
    metrics=(
        Metric(
            "avg_min_grad", "avg", "mean", exponents.theorem2, True, "(1/K) sum_k E min{|grad f(x_k)|, |grad f(x_k)|^2}"
        ),
        Metric("last_min_grad", "last", "mean", exponents.theorem2, False, "E min{|grad f(x_K)|, |grad f(x_K)|^2}"),
        Metric(
            "best_min_grad",
            "best",
            "mean",
            lambda a: float("nan"),
            False,
            "E min_k min{|grad f(x_k)|, |grad f(x_k)|^2}",
        ),
    ),  # fmt: skip
    profiles={
        "quick": Thm2Profile(
            alphas=(1.3, 1.7),
            noises=("pareto",),
            methods=("gclip",),
            K_min=10**3,
            K_max=10**5,
            per_decade=3,
            trials=128,
        ),
        "full": Thm2Profile(
            alphas=(1.2, 1.4, 1.6, 1.8, 2.0),
            noises=("pareto", "pareto-onesided", "stable"),
            methods=("gclip", "sgd"),
            K_min=10**3,
            K_max=10**6,
            per_decade=3,
            trials=256,
            rules=("appendix", "main"),
            rule_alphas=(1.2, 1.4, 1.6, 1.8, 2.0),
            objectives=(("cosine", 10), ("rotated-cosine", 10)),
            objective_alphas=(1.4, 1.8),
        ),
    },  # fmt: skip
    problem=dict(objective="cosine", d=1, c=2.0, x0=0.5, noise_scale=0.25),
    measures=(
        "avg_min_grad: slope of log of the mean over trials of (1/K) sum_k min{|grad|, |grad|^2} against log K "
        "over the horizons K in [K_max/100, K_max] (one run per K); 95% bootstrap CI over trials (independent "
        "across K); drift as for every fit. GClip's metric has finite moments; unclipped SGD's has infinite "
        "variance for tail <= 2, where a bootstrap of a mean is not valid, so its rows carry no CI (info)."
    ),
    judged=(Judged("avg_min_grad", exponent_rule(), where={"method": "gclip"}),),
    controls=(
        Control(
            "tail-1.2-as-1.8",
            "GClip with Theorem 2's parameters for alpha = 1.8 on noise of tail 1.2 (the tail index differs from "
            "the alpha that parameters and prediction assume)",
        ),
    ),
    notes="""\
**Setting.** f(x) = x^2/2 + 2 cos x: L = 3, minima at +-1.8955, a local maximum at 0; x0 = 0.5, so |f'| < 1 on the
way down and the metric is |f'|^2 there. With tail = alpha, E|xi|^alpha is infinite and sigma is the nominal
noise scale. One run per horizon K; the fit bootstraps trials, independent across K.

**Reading the misses: the window.** `finite_k_exponent` comes from a linearised model with nothing fitted
(`theory/finite_k.py: theorem2_metric`): the start-up term F0/(eta K) of the descent lemma plus the stationary
E f'^2 = m^2 + lambda eta v/(2 - eta lambda) of the linear recursion near the minimum, with the exact clipped mean
m(tau) and variance v(tau) of the Pareto laws. The slow part is the clipped moments: for tail a the clipped
second moment is s^2 (2 t^(2-a) - a)/(2 - a) with t = tau/s, whose constant fades slowly, and at a = 2 it is
s^2 (1 + 2 log t), a log factor (Pareto with tail 2 has infinite variance; stable with alpha = 2 is Gaussian).

**SGD with the same eta (info).** Derived here (`theory/exponents.py: theorem2_sgd_same_step`): unclipped, the
iterate's stationary law near the minimum has scale ~ eta^(1 - 1/alpha), so the metric ~ K^(-alpha(alpha-1)/(3alpha-2)),
slower than GClip's and equal at alpha = 2. Its means rest on an infinite variance, so no CI is reported.

**Theorem 2's explicit parameters (info rows `_appendix`, `_main`).** The appendix's tau and eta reach the scaling
form only when sigma K^(1/(3alpha-2)) exceeds their constants (48^(1/(alpha-1)) sigma^(alpha/(alpha-1)), 8 sigma,
and 24^(1/(alpha-1)) for the step), far beyond these horizons at small alpha. The main text's formula as printed
has a last tau term that falls with K, so tau and eta are constant in K and the metric tends to a floor: read as
a typo for the appendix's sigma K^(1/(3alpha-2)); this suite judges the scaling form that both versions tend to.

**Last and best iterate (info).** The last iterate sees only the stationary term. The best iterate's exponent says
nothing about the theorem: a noisy 1-D iterate crosses the minimiser, and the smallest |f'| over K visits shrinks
like a minimum of K draws.""",
)

COR7 = Claim(
    id="cor7-thm8-dimension",
    sizing=Sizing(
        reason=(
            "two of its four judged rows are sign rules (tolerance 0: the width needed depends on the effect, not"
            " on a declared tolerance), and its trials are set per dimension"
        )
    ),
    title="Corollary 7 vs Theorem 8: GClip's error grows with the dimension under independent noise, CClip's not",
    statement=(
        "On f(x) = ||x||^2/2 in R^d with eta_k = 4/(k+1), the k-weighted average and thresholds GClip tau_k = "
        "G k^(1/alpha) (G^alpha = E||xi||^alpha) and CClip tau_k,i = B_i k^(1/alpha) (B_i^alpha = E|xi_i|^alpha): "
        "under independent heavy-tailed coordinates GClip's per-coordinate error E||xbar_k - x*||^2/d grows with d "
        "(Lemma 12 allows up to d^(2/alpha - 1)) while CClip's does not; under radial noise the two coincide."
    ),
    judged_methods=("gclip", "cclip"),
    profiles={
        "quick": DimensionProfile(
            alphas=(1.5,),
            tail_offset=0.2,
            dims=((1, 1024), (100, 64)),
            shapes=("coordinate",),
            K=2**12,
            g_draws=2 * 10**6,
        ),
        "full": DimensionProfile(
            alphas=(1.3, 1.6),
            tail_offset=0.2,
            dims=((1, 4096), (10, 1024), (100, 256), (1000, 32), (10000, 8)),
            shapes=("coordinate", "radial"),
            K=2**13,
            g_draws=2 * 10**7,
        ),
    },  # fmt: skip
    measures=(
        "d_power_err_per_coord: least-squares power of d of the per-coordinate error E||xbar_K - x*||^2 / d over "
        "the dimensions, 95% CI from per-d bootstrap means over trials (tail alpha + 0.2: finite variance of the "
        "clipped error)."
    ),
    judged=(
        Judged(
            "d_power_err_per_coord",
            Rule(
                "within",
                "the exponent convention, 0.05, here for a power of d whose prediction is 0 (flat)",
                tolerance=EXPONENT_TOLERANCE,
                inconclusive_when=("ci",),
            ),
            where={"method": "cclip", "noise": "pareto-coordinate"},
        ),
        Judged(
            "d_power_err_per_coord",
            Rule(
                "ci_above",
                "Corollary 7 says only that GClip's error grows with d: "
                "its power must be positive beyond sampling error; no tolerance",
                target=0.0,
            ),
            where={"method": "gclip", "noise": "pareto-coordinate"},
        ),
    ),
    controls=(
        Control(
            "gclip-as-cclip",
            "GClip's per-coordinate errors under coordinate noise presented as CClip's: they are not flat in d",
        ),
        Control(
            "radial-as-coordinate",
            "radial noise (correlated coordinates) presented as independent "
            "coordinates: GClip's error does not grow with d there",
        ),
    ),
    notes="""\
**Setting.** f = ||x||^2/2 with x0 = x* = 0 (the error is all noise), eta_k = 4/(k+1), the k-weighted average;
symmetric Pareto noise with tail alpha + 0.2, so the alpha-moments are finite. B = (a/(a - alpha))^(1/alpha); G by
Monte Carlo, truncated at 100 d^(1/a) with the part above added in closed form (`theory/dimension.py`), every G
inside Lemma 12's bracket (table below).

**Against the theory (info).** Lemma 12 allows the GClip/CClip ratio to grow up to d^(2/alpha - 1) (the
`theory_exponent` of `d_power_ratio`). A heuristic derived here (not from [Z]): for i.i.d. tail-a coordinates
P(||xi|| > t) ~ d t^-a, so G ~ d^(1/a) and GClip's per-coordinate variance ~ tau^(2-a) ~ d^(2/a - 1); it is not a
tight prediction. Under radial noise the norm does not grow with d, both methods' per-coordinate errors fall like
d^-1 and their ratio is flat: Lemma 12's tight lower end.""",
)

RMSCLIP = Claim(
    id="rmsprop-as-clipping",
    sizing=Sizing(reason="exact checks only (no CI)"),
    title="RMSProp as clipping: eta_k = eta/(eps + sqrt(v_k)), tau_k = (eps + sqrt(v_k))/sqrt(1 - beta2)",
    statement=(
        "With beta1 = 0, RMSProp's update equals the clipping update min(1, tau_k/|g_k|) eta_k g_k for "
        "eta_k = eta/(eps + sqrt(v_k)), tau_k = (eps + sqrt(v_k))/sqrt(1 - beta2), because sqrt(v_k) >= "
        "sqrt(1 - beta2) |g_k| (THEORY.md §4): the clip never binds. With momentum, clipping m_k at the same tau_k "
        "can bind, and the two sequences part."
    ),
    profiles={
        "quick": EquivalenceProfile(
            d=5, K=10**4, trials=4, pairs=((0.0, 0.99), (0.9, 0.5)), tail=1.5, eta=1e-3, eps=1e-8
        ),
        "full": EquivalenceProfile(
            d=10,
            K=10**5,
            trials=8,
            pairs=((0.0, 0.99), (0.0, 0.5), (0.9, 0.99), (0.9, 0.5), (0.99, 0.9)),
            tail=1.5,
            eta=1e-3,
            eps=1e-8,
        ),
    },  # fmt: skip
    measures=(
        "max_relative_residual: max over trials, steps and coordinates of |x_rms - x_clip| / max(1, |x_rms|). "
        "clip_bound_fraction: fraction of coordinate-steps where the clipping form's clip bound. Both are exact "
        "identities for beta1 = 0 (regression checks, not evidence)."
    ),
    judged=(
        Judged(
            "max_relative_residual",
            Rule(
                "at_most",
                "an identity in exact arithmetic: 1e-12 allows float64 rounding accumulated over the run",
                target=1e-12,
                stat="value",
                kind="exact",
            ),
            where={"method": lambda r: str(r["method"]).startswith("beta1=0,")},
            label="beta1 = 0",
        ),
        Judged(
            "clip_bound_fraction",
            Rule(
                "at_most",
                "sqrt(v_k) >= sqrt(1 - beta2)|g_k| makes binding impossible: no tolerance",
                target=0.0,
                stat="value",
                kind="exact",
            ),
            where={"method": lambda r: str(r["method"]).startswith("beta1=0,")},
            label="beta1 = 0",
        ),
    ),
    controls=(Control("momentum-as-rmsprop", "beta1 = 0.9, beta2 = 0.5 (beta1 > sqrt(beta2)) presented as beta1 = 0"),),
    notes="""\
**Why the identity holds and where it stops.** With beta1 = 0 the two paths differ only by the rounding of
eta/(eps + sqrt v) * g against eta * g/(eps + sqrt v), and the clip cannot bind since
sqrt(v_k) >= sqrt(1 - beta2) |g_k|. Clipping the momentum m_k at the same tau_k binds only if |m_k| > tau_k. Derived
here: a spike g decays in |m| like (1 - beta1) beta1^j and in tau like beta2^(j/2), so spikes make it bind only
when beta1 > sqrt(beta2); for beta1 < sqrt(beta2) the worst case |m_k|/tau_k <= (1 - beta1)/(1 - beta1/sqrt(beta2))
leaves room only for contrived sequences.""",
)

_COMPARISON = dict(
    methods=("sgd", "gclip", "cclip", "adam", "rmsprop", "signum", "acclip"),
    settings=(("stationary", float("inf"), 0.0), ("decaying", 1000.0, 1.0)),
    tail=1.7,
    alpha=1.5,
    curvature_spread=100.0,
    noise_scale=10.0,
    noise_spread=1000.0,
)
ACCLIP = Claim(
    id="acclip-nonstationary",
    sizing=Sizing(
        reason="no judged rows (every row is info), so no CI width is needed; its figure keeps the full size"
    ),
    title="ACClip against Adam and the rest under heavy-tailed, non-stationary coordinate noise (empirical)",
    statement=(
        "[Z] motivates ACClip by gradient noise that is heavy-tailed and shrinks during training. On a quadratic "
        "in R^d with curvatures over two orders of magnitude and coordinate noise scales over three, each method's "
        "constant step is tuned on a log grid; the final suboptimality is compared on fresh seeds, with the noise "
        "stationary and decaying like (1 + k/1000)^-1. An empirical comparison, not a theorem: every row is info."
    ),
    profiles={
        "quick": ComparisonProfile(etas=(1e-3, 1e-2, 1e-1), d=20, K=2000, tune_trials=4, trials=8, **_COMPARISON),
        "full": ComparisonProfile(
            etas=tuple(10.0 ** (e / 2) for e in range(-9, 1)), d=100, K=10000, tune_trials=12, trials=48, **_COMPARISON
        ),
    },  # fmt: skip
    measures=(
        "Info only. Tuning: for each method and setting the constant step minimising the median of f(x_K) - f* "
        "over the tuning trials (seed + 1) is chosen from the grid; the reported runs use the report seed. "
        "Values are medians over trials with 95% bootstrap CIs; acclip_vs_adam is the ratio of the two medians."
    ),
    notes="""\
**Protocol.** h_i log-spaced over two decades, coordinate noise scales over three (the noisiest coordinates are the
flattest), symmetric Pareto noise, x0 = 0, x* = ones. Decaying setting: the noise is multiplied by
(1 + k/1000)^-1. Each method's constant step is chosen on the tuning seed; the rows report the report seed, every
method on the same noise in trial t. Clipping thresholds are constant and sized for the initial noise: CClip
B_i = s_i (E|xi|^alpha)^(1/alpha), GClip G = ||B||_alpha. ACClip as in `simulate/methods.py` (order 1, beta1 0.9,
beta2 0.99, eps 1e-5, no bias correction); Adam, RMSProp, Signum with 0.9, 0.99, 1e-8. A tuned step at the edge of
the grid is flagged in the row's description. One synthetic problem; no claim beyond it, and no verdict.""",
)

HET = Claim(
    id="het-gd-vs-sign",
    sizing=Sizing(
        reason=(
            "its rows are iteration counts of tuned runs and a power fitted across kappas, with no bootstrap CI "
            "over trials to size from"
        )
    ),
    title="Gradient heterogeneity across blocks slows GD, not sign-based methods ([T])",
    statement=(
        "On f(x) = 1/2 (x - x*)^T H (x - x*) with four blocks whose curvature scales span kappa_het (condition "
        "number 10 inside every block) and x* placed so that every eigen-coordinate holds the same share of "
        "f(x0) - f* (block gradient norms then differ by sqrt(kappa_het)), GD with step 1/L_max needs iterations "
        "growing like kappa_het, while SignGD, Signum and Adam grow markedly less; with the same spectrum rotated by "
        "a random orthogonal matrix (no block structure in the coordinates) the sign methods lose that advantage."
    ),
    judged_methods=("gd", "signgd", "signum", "adam"),
    profiles={
        "quick": HeterogeneityProfile(
            blocks=(8, 8, 8, 8),
            kappa_in=10.0,
            kappas=(1.0, 100.0),
            etas=(0.01, 0.1, 1.0),
            target=1e-3,
            max_iter=200_000,
            noises=(),
            noisy_trials=4,
        ),
        "full": HeterogeneityProfile(
            blocks=(16, 16, 16, 16),
            kappa_in=10.0,
            kappas=(1.0, 10.0, 100.0, 1000.0, 10000.0),
            etas=tuple(10.0 ** (e / 2) for e in range(-6, 6)),
            target=1e-3,
            max_iter=2_000_000,
            noises=(("gaussian", 1e-3), ("pareto", 1e-3)),
            noisy_trials=16,
        ),
    },  # fmt: skip
    measures=(
        "Deterministic runs (no sampling error, no CI). growth_power_in_kappa_het: least-squares slope of "
        "log(iterations to the target) against log(kappa_het), best eta0 per problem. power_minus_gd: a method's "
        "growth power minus GD's on the same family. Noisy runs are info."
    ),
    judged=(
        Judged(
            "growth_power_in_kappa_het",
            Rule(
                "within",
                "GD's count (L_2/mu) log(Delta/eps) is linear in "
                "kappa_het; 0.2, fixed with the claim, allows the integer "
                "rounding of short counts at kappa_het near 1",
                tolerance=0.2,
            ),
            where={"method": "gd", "noise": "none, axis-aligned"},
        ),
        Judged(
            "power_minus_gd",
            Rule(
                "at_most",
                "'grow markedly less' made a number before the runs: 0.3 below "
                "GD's power is a factor 10^1.2 = 16 fewer iterations over the four decades "
                "of kappa_het",
                target=-0.3,
                stat="value",
            ),
            where={"noise": "none, axis-aligned"},
        ),
        Judged(
            "power_minus_gd",
            Rule(
                "at_least",
                "the negation of the advantage above (0.3 below GD's power): rotated, the advantage must be gone",
                target=-0.3,
                stat="value",
            ),
            where={"noise": "none, rotated"},
        ),
    ),
    controls=(
        Control(
            "rotated-as-axis-aligned",
            "the rotated problem presented as axis-aligned: SignGD must not show the block advantage there",
        ),
    ),
    notes="""\
**Setting.** Four blocks; block curvature scales 1, kappa_het^(-1/3), kappa_het^(-2/3), 1/kappa_het, eigenvalues
log-spaced over a factor 10 inside each block; x* = 1/sqrt(lambda_i) in the eigenbasis, so each eigen-coordinate
holds the same share of f(0) - f* and the blocks' gradient norms at x0 = 0 differ by sqrt(kappa_het). GD uses its
step 1/L_max = 1 and its count is exactly the closed form (L_2/mu) log(Delta/eps) of `theory/heterogeneity.py`
(the tests check the kernel against it); SignGD, Signum (momentum 0.9) and Adam (0.9, 0.999) use eta0/sqrt(k) with
the best eta0 of the grid per problem. The rotated control is Q diag(lambda) Q^T with one fixed Haar-random Q: the
same spectrum, no block structure in the coordinates; GD is rotation-invariant.

**Reading the rotated rows.** The judged rule on the rotated family is the negation of the axis-aligned advantage:
a method whose power stays more than 0.3 below GD's there still has an advantage that does not come from the
block structure. Power near 1/2 is what momentum alone gives on an ill-conditioned quadratic (heavy ball's
sqrt(kappa)), so Signum's and Adam's surviving advantage is plausibly momentum, not the sign; GD with momentum was
not run, so that reading is not tested.

**Caveats.** A best eta0 at the top of the grid may overestimate a count (see the table). L_inf alone does not
predict the sign methods' counts: the distance to travel, ||x* - x0||_inf, grows with kappa_het. With Pareto
gradient noise the sign of a noisy near-zero gradient is noise, so SignGD can miss the target (censored counts).""",
)

HEAD = Claim(
    id="het-linear-head-momentum",
    sizing=Sizing(reason="sign rules (tolerance 0) and exact checks: no declared tolerance to size a CI from"),
    title="Momentum keeps a sign method's many-class linear head in check ([T])",
    statement=(
        "A softmax-regression head W (C x p) trained from 0 on synthetic features whose C classes have Zipf "
        "counts: with mini-batches and the same constant step, SignGD's head grows excessively when C is large "
        "while Signum's (momentum 0.9) does not - the final ||W||_F ratio SignGD / Signum exceeds 2 at C = 1000 "
        "and is near 1 at C = 10."
    ),
    judged_methods=("signgd", "signum"),
    profiles={
        "quick": HeadProfile(
            classes=(10, 300),
            n_top=128,
            zipf_s=1.0,
            features=17,
            separation=1.0,
            batch=16,
            K=500,
            trials=2,
            etas=(("signgd", 1e-2), ("signum", 1e-2), ("adam", 1e-2), ("gd", 1.0)),
            sweeps=((0, 1e-2, 100, True), (16, 1e-2, 500, False)),
            sweep_trials=2,
        ),
        "full": HeadProfile(
            classes=(10, 100, 1000),
            n_top=512,
            zipf_s=1.0,
            features=33,
            separation=1.0,
            batch=32,
            K=3000,
            trials=8,
            etas=(("signgd", 1e-2), ("signum", 1e-2), ("adam", 1e-2), ("gd", 1.0)),
            sweeps=(
                (8, 1e-2, 3000, True),
                (128, 1e-2, 3000, True),
                (512, 1e-2, 3000, True),
                (32, 1e-3, 3000, True),
                (32, 1e-2, 3000, False),
                (0, 1e-2, 300, True),
            ),
            sweep_trials=4,
        ),
    },  # fmt: skip
    measures=(
        "w_norm_ratio = mean over seeds of SignGD's final ||W||_F / the same for Signum (paired: one data set and "
        "one batch sequence per seed for every method), 95% bootstrap CI over seeds (the norms are bounded by "
        "eta K sqrt(Cp): finite moments). Mechanism rows: SignGD's mean bias over the classes with 1, 2 and 5 "
        "samples at the largest C against the exact drift -eta (K - 2 P_K), P_K ~ Binomial(K, q_c) "
        "(theory/linear_head.py): predicted = its mean, std_error = its standard deviation over the classes and "
        "seeds averaged."
    ),
    judged=(
        Judged(
            "w_norm_ratio_largest_C",
            Rule(
                "ci_above",
                "the claim's own number ([T] via issue 7: 'exceeds 2 at C = 1000'); no tolerance",
                target=2.0,
                stat="value",
            ),
        ),
        Judged(
            "w_norm_ratio_smallest_C",
            Rule(
                "between",
                "the claim's 'near 1 at C = 10', read before any run as within a factor 3/2",
                target=(2 / 3, 3 / 2),
                stat="value",
            ),
        ),
        Judged(
            "bias_of_classes_with_*",
            Rule(
                "within",
                "4 standard errors of the exact binomial drift (a false "
                "alarm once in 16000 rows); an identity of the update, so an exact "
                "check",
                target="predicted",
                tolerance=4.0,
                stat="value",
                kind="exact",
                tolerance_column="std_error",
            ),
            where={"method": "signgd"},
        ),
    ),
    controls=(Control("no-momentum", "Signum replaced by SignGD (no momentum where momentum is claimed)"),),
    notes="""\
**Setting.** W in R^(C x p) (Gaussian features and a bias) from 0; class c has max(1, round(n_top/c)) samples;
class means and within-class noise of norm about 1; batches drawn with replacement; constant steps, not tuned;
each seed its own data set and batch stream, shared by every method.

**Mechanism (derived here; an exact check).** The bias entry of a rare class's mini-batch gradient is > 0 whenever
the class is absent and < 0 when it is present (while its probabilities stay below 1/b), so SignGD moves the bias by
exactly -eta or +eta: bias_K = -eta (K - 2 P_K), P_K ~ Binomial(K, q_c); a unit test checks it per class and
trial against the batches counted from the stream. SignGD follows E sign(g), not sign(E g). What the softmax sees
is the gap to the frequent classes (`bias_gap_rarest_minus_top`): SignGD makes rare classes ever less likely,
which shows in its loss. A shift common to every bias is part of ||W||_F but invisible to the loss
(`final_feature_norm` leaves the bias column out). On the full batch the two methods take nearly the same steps;
the sweeps show how batch size, step and the bias feature move the ratio.

**Reading the verdicts.** The judged ratio is the claim's own number: > 2 at the largest C (its CI above 2) and
within [2/3, 3/2] at the smallest. The ratio also grows with K (the curves figure), so one fixed K is a fragile
test of "excessive growth"; the loss and bias rows show where the difference lies.""",
)


def direction_rule(test: str, reason: str, target) -> Rule:
    """A rule on the row's ``value`` against a fixed target (the small-transformer claims' directions and bands)."""
    return Rule(test, reason, target=target, stat="value")


@dataclass(frozen=True)
class NetShape:
    """The small transformer of the real-model claims (``simulate.nets.model.NetConfig``) and its minibatch size."""

    seq_len: int
    d_model: int
    heads: int
    layers: int
    mlp: int
    batch: int


QUICK_NET = NetShape(seq_len=8, d_model=16, heads=2, layers=1, mlp=32, batch=8)
SMALL_NET = NetShape(seq_len=16, d_model=32, heads=2, layers=2, mlp=64, batch=16)


@dataclass(frozen=True)
class NetNoiseProfile:
    """Sizes for attention-noise-2x2: per-example gradients of a pool of examples in each of the four cells."""

    net: NetShape
    pool: int  # examples whose per-example gradients define the noise (their mean is "the full gradient")
    batches: tuple[int, ...]  # minibatch sizes B of the noise norms
    draws: int  # minibatch noise norms (and Gaussian-reference norms) per cell and B
    n_boot: int
    train_eta: float  # Adam's step for the attention/text training points
    train_steps: tuple[int, ...]  # steps at which the attention/text cell's noise is measured again (0 first)


@dataclass(frozen=True)
class NetTrainingProfile:
    """Sizes for the training comparisons: every method on its own eta grid, ``tune_trials`` trials choose the eta
    (median final held-out loss), ``trials`` further trials are reported at it; ``pool`` examples for the
    heterogeneity measurements (ln-placement-heterogeneity only)."""

    net: NetShape
    grids: tuple[tuple[str, tuple[float, ...]], ...]  # (method, eta grid)
    tune_trials: int
    trials: int
    steps: int
    every: int
    clip_norm: float | None  # global-norm clip before every method ([T]'s runs: 1.0), or None
    pool: int = 0
    hessian_pool: int = 0  # the first examples of the pool, for the Hessian-vector products
    power_iterations: int = 0


@dataclass(frozen=True)
class HeadGrowthProfile:
    """Sizes for head-growth-transformer: SignSGD and Signum at one step eta on a few-class and a many-class task."""

    net: NetShape
    eta: float
    trials: int
    steps: int
    every: int


NOISE_2X2 = Claim(
    id="attention-noise-2x2",
    sizing=Sizing(reason=_NET_SIZING),
    title="Gradient noise of attention vs no attention, on text vs Gaussian input ([Z] Fig. 1, 2, 4, 5)",
    statement=(
        "[Z] Sec. 5.3: the minibatch gradient noise ||g_B - grad f|| of an attention model is heavy-tailed on text "
        "and on Gaussian input; the same model with its self-attention removed has Gaussian noise on Gaussian input "
        "and heavy-tailed noise on text ([Z] Fig. 4). During training the attention model's noise grows more "
        "concentrated ([Z] Fig. 2). Here: one small transformer, the four cells at initialisation, the "
        "attention/text cell again after Adam training."
    ),
    judged_methods=("attention/text", "attention/gaussian", "no-attention/text", "no-attention/gaussian"),
    profiles={
        "quick": NetNoiseProfile(
            net=QUICK_NET, pool=128, batches=(1,), draws=400, n_boot=200, train_eta=3e-3, train_steps=(0, 50)
        ),
        "full": NetNoiseProfile(
            net=SMALL_NET, pool=1024, batches=(1, 8), draws=4000, n_boot=1000, train_eta=3e-3, train_steps=(0, 100, 300)
        ),
    },  # fmt: skip
    measures=(
        "From a pool of M training examples: per-example gradients, their mean (the 'full' gradient) and deviations. "
        "A minibatch of B examples drawn with replacement has noise xi_B, the mean of B deviations; the Gaussian "
        "reference ([Z] Fig. 1) has the same covariance Sigma/B. spread = q99/median of the noise norms. "
        "noise_spread_excess = spread(noise) / spread(Gaussian reference); 95% percentile bootstrap over the "
        "draws of both (the minibatch sampling from this pool; the pool itself is one sample of the text). "
        "noise_spread_end_over_start: the attention/text cell's spread after the last training step over its "
        "spread at initialisation, same bootstrap."
    ),
    judged=(
        Judged(
            "noise_spread_excess",
            direction_rule(
                "ci_above",
                "'heavy-tailed' made a number with the claim, before the verdict runs: a 99th percentile 20% "
                "further out, in units of the median, than that of Gaussian noise with the same covariance; the "
                "Gaussian cell is judged against the same 1.2 read the other way. An exploratory look at "
                "initialisation (ratios 0.96-1.01 in all four cells) preceded this rule; 1.2 was not chosen from it",
                1.2,
            ),
            where={"method": ("attention/text", "attention/gaussian", "no-attention/text"), "k_max": 0},
        ),
        Judged(
            "noise_spread_excess",
            direction_rule(
                "between",
                "the heavy-tail threshold 1.2 above, read both ways: Gaussian noise is within a factor 1.2 of its "
                "same-covariance reference",
                (1 / 1.2, 1.2),
            ),
            where={"method": "no-attention/gaussian", "k_max": 0},
        ),
        Judged(
            "noise_spread_end_over_start",
            direction_rule(
                "ci_below",
                "[Z] Fig. 2's 'grows more concentrated' as a direction: the spread at the end is smaller than at "
                "initialisation; no tolerance",
                1.0,
            ),
        ),
    ),
    controls=(
        Control(
            "reference-as-noise",
            "the Gaussian reference's own norms presented as the attention/text cell's noise (B = 1)",
        ),
    ),
    notes="""\
**Set-up.** The same transformer (`simulate/nets`), causal, the class predicted from the last position: next
character of the pydoc language reference (103 classes). "no-attention" removes each block's attention sub-layer
(and its layer norm): [Z]'s "ResNet". "gaussian" replaces the token embedding by unit-norm Gaussian vectors (the
labels stay the text's), as [Z] Sec. 5.3. Pre-LN, weights N(0, 0.02^2). The noise is that of sampling a minibatch
from a fixed pool of M examples, so its tail is the pool's: a pool of M examples cannot show a tail index below
what its largest deviations allow, and the running variance must settle at M (the `running_variance_slope` rows,
info). Per-coordinate view ([Z] Fig. 5): one B = 8 minibatch's noise coordinates, their Hill tail index and
kurtosis (info). Tail indices of the norms (Hill, top 10%) are info: a Gaussian-reference norm also gives a finite
Hill estimate, so only the comparison with the reference's is meaningful.""",
)

LN_PLACEMENT = Claim(
    id="ln-placement-heterogeneity",
    sizing=Sizing(reason=_NET_SIZING),
    title="Layer-norm placement, gradient heterogeneity, and SGD vs sign methods on a small transformer ([T])",
    statement=(
        "[T]: gradient heterogeneity (disparity of per-block gradient norms) hinders SGD far more than sign-based "
        "methods, and Post-LN architectures show particularly pronounced heterogeneity. One small transformer with "
        "a Post-LN / Pre-LN switch: Post-LN's heterogeneity index exceeds Pre-LN's at initialisation and after "
        "training, sign methods beat their gradient counterparts under Post-LN, and by more than under Pre-LN."
    ),
    judged_methods=("sgd", "sgdm", "signsgd", "signum", "adam"),
    profiles={
        "quick": NetTrainingProfile(
            net=QUICK_NET,
            grids=(("sgd", (0.3,)), ("sgdm", (0.03,)), ("signsgd", (1e-3,)), ("signum", (1e-3,)), ("adam", (3e-3,))),
            tune_trials=1,
            trials=5,
            steps=40,
            every=20,
            clip_norm=1.0,
            pool=64,
            hessian_pool=16,
            power_iterations=5,
        ),
        "full": NetTrainingProfile(
            net=SMALL_NET,
            grids=(
                ("sgd", (0.1, 0.3, 1.0)),
                ("sgdm", (0.01, 0.03, 0.1)),
                ("signsgd", (3e-4, 1e-3, 3e-3)),
                ("signum", (3e-4, 1e-3, 3e-3)),
                ("adam", (1e-3, 3e-3, 1e-2)),
            ),
            tune_trials=2,
            trials=5,
            steps=300,
            every=50,
            clip_norm=1.0,
            pool=512,
            hessian_pool=64,
            power_iterations=20,
        ),
    },  # fmt: skip
    measures=(
        "Blocks are [T]'s named tensors: per layer Q, K, V (the thirds of wqkv), the attention output, both MLP "
        "matrices, both layer-norm scales, and the head; their gradient l2 norms on a pool of training examples. "
        "grad_het_cv = coefficient of variation of the block norms (theory/heterogeneity.py); "
        "grad_het_cv_post_over_pre = ratio of the geometric means over trials (initial weights of each trial; "
        "after training: the Adam run at its tuned eta), 95% CI from Welch's t interval on log CV. "
        "sign_advantage = final held-out loss of the gradient method minus that of its sign counterpart (SGD vs "
        "SignSGD, SGD-momentum vs Signum), each at its tuned eta, paired over the reported trials (same initial "
        "weights and minibatches), 95% t interval; sign_advantage_post_minus_pre: Post-LN's minus Pre-LN's, "
        "Welch's t interval."
    ),
    judged=(
        Judged(
            "grad_het_cv_post_over_pre",
            direction_rule(
                "ci_above",
                "[T]'s direction ('Post-LN ... particularly pronounced heterogeneity'); no tolerance",
                1.0,
            ),
        ),
        Judged(
            "sign_advantage",
            direction_rule(
                "ci_above",
                "[T]'s direction (sign methods less hindered than SGD where heterogeneity is pronounced); no tolerance",
                0.0,
            ),
            where={"noise": "post"},
        ),
        Judged(
            "sign_advantage_post_minus_pre",
            direction_rule(
                "ci_above",
                "[T]'s link made a direction: the more heterogeneous placement hinders the gradient "
                "method more, relative to its sign counterpart; no tolerance",
                0.0,
            ),
        ),
    ),
    controls=(Control("pre-as-post", "Pre-LN's measurements presented as Post-LN's (the same model on both sides)"),),
    notes="""\
**Protocol, as [T]'s runs.** Every method is preceded by a global-norm clip at 1.0 (a framework default in all of
[T]'s training, so their "SGD" is GClip-SGD; SignSGD is unaffected by it). SGD-momentum 0.9, Signum 0.9, Adam
(0.9, 0.999, 1e-8). Each method's eta is chosen on its grid by the median final held-out loss of the tuning trials;
the reported trials are different ones (different initial weights and minibatches), every method on the same ones.
Task: next character (103 classes). [T] compares RoBERTa (Post-LN) with ViT (Pre-LN), fine-tuned; here the switch is
in one model trained from scratch for a few hundred steps, so the placement is the only difference. Hessian
heterogeneity (top eigenvalue per block by power iteration on Hessian-vector products, [T]'s released code) is
measured on trial 0 (info).""",
)

HEAD_GROWTH = Claim(
    id="head-growth-transformer",
    sizing=Sizing(reason=_NET_SIZING),
    title="Momentum keeps a sign method's many-class head in check, on a small transformer ([T])",
    statement=(
        "[T]: with many classes, SignSGD without momentum lets the linear head grow excessively, Signum does not. "
        "Here: the same transformer on a 5-class task (kind of the next character) and a 103-class task (the next "
        "character), SignSGD and Signum at one step size: the final ||W_head||_F ratio SignSGD / Signum exceeds 1 "
        "with 103 classes, and is larger with 103 classes than with 5."
    ),
    judged_methods=("signsgd", "signum"),
    profiles={
        "quick": HeadGrowthProfile(net=QUICK_NET, eta=1e-3, trials=5, steps=40, every=20),
        "full": HeadGrowthProfile(net=SMALL_NET, eta=1e-3, trials=6, steps=600, every=50),
    },  # fmt: skip
    measures=(
        "head_norm_ratio = geometric mean over trials of SignSGD's final ||W_head||_F / Signum's (paired: the same "
        "initial weights and minibatches), 95% t interval on the log ratios; head_norm_ratio_many_over_few = the "
        "103-class ratio over the 5-class ratio, Welch's t interval on the log ratios. Logit norms and held-out "
        "losses are info."
    ),
    judged=(
        Judged(
            "head_norm_ratio",
            direction_rule(
                "ci_above",
                "[T]'s direction ('excessive growth' without momentum, many classes); no number is "
                "given for 103 classes, so no tolerance",
                1.0,
            ),
            where={"noise": "next-char"},
        ),
        Judged(
            "head_norm_ratio_many_over_few",
            direction_rule(
                "ci_above",
                "[T]'s 'with many classes' as a direction: the growth is larger with more classes",
                1.0,
            ),
        ),
    ),
    controls=(Control("no-momentum", "Signum replaced by SignSGD (no momentum where momentum is claimed)"),),
    notes="""\
**Set-up.** Pre-LN transformer, no clipping, Signum's momentum 0.9, the same eta for both methods (not tuned: the
claim is about the head's growth at one step, as in `het-linear-head-momentum`). [T] logs logit norms (not the
head's weight norm) on 100-class vision tasks against 2-3-class text tasks; the next-character classes have very
unequal frequencies (Zipf-like), which is where SignSGD's per-coordinate steps on rarely-seen classes accumulate.""",
)

ACCLIP_NET = Claim(
    id="acclip-transformer",
    sizing=Sizing(reason=_NET_SIZING),
    title="SGD, GClip, CClip, Adam, ACClip on a small language model ([Z] Fig. 3b)",
    statement=(
        "[Z] Fig. 3b (Transformer-XL on PTB): GClip improves on SGD, coordinate clipping closes most of the gap to "
        "Adam, and ACClip beats Adam. Here: the small transformer on next-character prediction, every method with "
        "its eta tuned on a grid, final held-out loss over several trials."
    ),
    judged_methods=("sgd", "gclip", "cclip", "adam", "acclip"),
    profiles={
        "quick": NetTrainingProfile(
            net=QUICK_NET,
            grids=(("sgd", (0.3,)), ("gclip", (0.3,)), ("cclip", (1.0,)), ("adam", (3e-3,)), ("acclip", (0.3,))),
            tune_trials=1,
            trials=5,
            steps=40,
            every=20,
            clip_norm=None,
        ),
        "full": NetTrainingProfile(
            net=SMALL_NET,
            grids=(
                ("sgd", (0.1, 0.3, 1.0)),
                ("gclip", (0.1, 0.3, 1.0)),
                ("cclip", (0.3, 1.0, 3.0)),
                ("adam", (1e-3, 3e-3, 1e-2)),
                ("acclip", (0.1, 0.3, 1.0)),
            ),
            tune_trials=2,
            trials=5,
            steps=300,
            every=50,
            clip_norm=None,
        ),
    },  # fmt: skip
    measures=(
        "Each method's eta is chosen on its grid by the median final held-out loss of the tuning trials; the "
        "reported trials are different ones, every method on the same initial weights and minibatches. "
        "loss_difference = final held-out loss of one method minus another's, paired over the reported trials, "
        "95% t interval. cclip_gap_closed = (L_gclip - L_cclip) / (L_gclip - L_adam), means over the reported "
        "trials (its CI: percentile bootstrap over trials, shown, not judged)."
    ),
    judged=(
        Judged(
            "loss_difference",
            direction_rule(
                "ci_below",
                "[Z]'s 'improves on' / 'beats' as a direction: a paired difference whose CI lies below 0; no tolerance",
                0.0,
            ),
            where={"method": ("gclip - sgd", "acclip - adam")},
        ),
        Judged(
            "cclip_gap_closed",
            direction_rule(
                "at_least",
                "'closes most of the gap' read, before any run, as more than half of it",
                0.5,
            ),
        ),
    ),
    controls=(Control("acclip-as-adam", "ACClip replaced by Adam in the ACClip-vs-Adam comparison"),),
    notes="""\
**Settings.** GClip: global-norm threshold tau = 1. CClip: coordinate threshold tau = 1/sqrt(P) (P = number of
parameters: the same l2 budget as GClip's when every coordinate clips). Adam (0.9, 0.999, 1e-8). ACClip with
[Z]'s published beta1 = 0.9, beta2 = 0.99, eps = 1e-5 and moment order 1, the update of `simulate/methods.py`
(its threshold is a running mean of |g|, so its eta is on SGD's scale, and the grid is). [Z]'s ACClip uses lr 1e-4
and weight decay on a far larger model; here every eta is tuned, no weight decay. A tuned eta at the edge of its
grid is flagged in the row's description.""",
)

NET_CLAIMS = tuple(c.id for c in (NOISE_2X2, LN_PLACEMENT, HEAD_GROWTH, ACCLIP_NET))  # run on simulate/nets
CLAIMS: dict[str, Claim] = {
    c.id: c
    for c in (
        THM4,
        REM1,
        DIAG,
        THM5,
        THM6,
        CLIPMAP,
        THM2,
        COR7,
        RMSCLIP,
        ACCLIP,
        HET,
        HEAD,
        NOISE_2X2,
        LN_PLACEMENT,
        HEAD_GROWTH,
        ACCLIP_NET,
    )
}
PROFILES = ("quick", "default", "full")


def get_claim(claim_id: str) -> Claim:
    """Look up a claim by id, naming the accepted ids when it is unknown."""
    if claim_id not in CLAIMS:
        raise ValueError(f"claim={claim_id!r} is not one of the accepted values: {', '.join(CLAIMS)}")
    return CLAIMS[claim_id]
