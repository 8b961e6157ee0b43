"""thm4-strongly-convex: the statement, the sizes per profile, the judged rules and the negative controls."""

from dataclasses import dataclass

import numpy as np

from simulate.claims.common import FULL_RUN, read_notes
from theory import exponents, finite_k
from theory.declarations import Claim, Control, Metric, exponent_rule
from theory.sizing import Sizing
from theory.verdicts import Judged


@dataclass(frozen=True)
class Profile:
    """A grid of runs: every combination of alphas x noises x methods, each with K iterations and trials."""

    alphas: tuple[float, ...]
    noises: tuple[str, ...]
    methods: tuple[str, ...]
    K: int
    trials: int


def _thm4_curve(noise, tail, alpha, K, ks, problem):
    if noise not in ("pareto", "pareto-onesided") or problem["d"] != 1:
        return None
    return finite_k.theorem4_second_moment(
        noise, tail, alpha, K, ks, mu=problem["mu"], x0=problem["x0"] - problem["x_star"], G=problem["G"]
    )


CLAIM = Claim(
    order=1,
    category="theorem rates (synthetic)",
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
    notes=read_notes(__file__),
)
