"""thm2-nonconvex: the statement, the sizes per profile, the judged rules and the negative controls."""

from dataclasses import dataclass

from simulate.claims.common import read_notes
from theory import exponents
from theory.declarations import (
    LIGHTER_TAIL,
    Claim,
    Control,
    Metric,
    PowerCurve,
    Predicts,
    exponent_rule,
    finite_k_rule,
    hypothesis_holds,
    model_judges,
    model_silent,
    tight_case,
    upper_bound_rule,
)
from theory.nonconvex import PARAMETER_RULES
from theory.sizing import SEQUENTIAL
from theory.verdicts import Judged


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
    lighter_tail: float = LIGHTER_TAIL  # GClip on the Pareto laws also at tail = alpha + this (the hypothesis holds)
    instances: tuple[tuple[float, float], ...] = ()  # other (c, x0) of the 1-D objective, judged by the same rules


PARETO_LAWS = ("pareto", "pareto-onesided")
SECOND_INSTANCE = (3.0, 3.0)  # f = x^2/2 + 3 cos x from x0 = 3: other constants, the same rules


def instance_suffix(c: float, x0: float) -> str:
    """The metric-name suffix of a run on the 1-D objective with constants (c, x0) other than the claim's."""
    return f"_c{c:g}_from{x0:g}"


def _judged(metric: str) -> tuple[Judged, ...]:
    """GClip's rows of ``metric``: against the finite-k prediction wherever its model holds over the window (every
    law, both tails); otherwise against the theorem where testable: its exponent at tail = alpha, as an upper bound
    at a lighter tail."""
    silent = {"method": "gclip", "finite_k_exponent": model_silent}
    return (
        Judged(
            metric,
            finite_k_rule(),
            where={"method": "gclip", "finite_k_exponent": model_judges},
            label="the finite-k model holds over the window",
        ),
        Judged(metric, exponent_rule(), where={**silent, "tail": tight_case}, label="no finite-k model, tail = alpha"),
        Judged(
            metric,
            upper_bound_rule(),
            where={**silent, "tail": hypothesis_holds},
            label="no finite-k model, tail > alpha",
        ),
    )


METRICS = (
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
)


# the metric suffixes of the runs on the other parameter rules (the experiment's ``metric_suffix``)
OFF_SCALING_SUFFIXES = tuple(f"_{rule}" for rule in PARAMETER_RULES if rule != "scaling")


def _on_the_scaling_rules(row) -> bool:
    """Rows of runs with Theorem 2's scaling of eta and tau (the appendix and main-text constants keep tau from
    growing like K^(1/(3alpha-2)) over these horizons: no exponent is predicted for them; see the notes)."""
    return not row["metric"].endswith(OFF_SCALING_SUFFIXES)


def _theorem2_predictions(method: str, exponent) -> tuple[Predicts, ...]:
    """The predicted exponent in K of the average and last iterates of ``method`` on the scaling rules (none for
    the best iterate)."""
    return tuple(
        Predicts("theory_exponent", exponent, ("alpha",), name, {"method": method, "metric": _on_the_scaling_rules}, 6)
        for name in ("avg_min_grad*", "last_min_grad*")
    )


CLAIM = Claim(
    order=7,
    category="theorem rates (synthetic)",
    id="thm2-nonconvex",
    sizing=SEQUENTIAL,
    title="Theorem 2: GClip on L-smooth non-convex functions, rate in the horizon K",
    statement=(
        "For L-smooth f and noise with E||xi||^alpha <= sigma^alpha, GClip with Theorem 2's constant eta and tau "
        "for horizon K reaches (1/K) sum_{k<K} E min{||grad f(x_k)||, ||grad f(x_k)||^2} = "
        "O(K^(-2(alpha-1)/(3alpha-2))). Each K is its own run; the objective is f(x) = x^2/2 + 2 cos(x) "
        "(L = 3, non-convex, minima at +-1.8955) from x0 = 0.5."
    ),
    judged_methods=("gclip",),
    metrics=METRICS,
    predictions=(
        *_theorem2_predictions("gclip", exponents.theorem2),
        *_theorem2_predictions("sgd", exponents.theorem2_sgd_same_step),
    ),
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
            instances=(SECOND_INSTANCE,),
        ),
    },
    problem=dict(objective="cosine", d=1, c=2.0, x0=0.5, noise_scale=0.25),
    measures=(
        "Every row is labelled by its noise tail and the alpha of parameters and prediction (tail = alpha + "
        "lighter_tail: the hypothesis holds). avg_min_grad: slope of log of the mean over trials of "
        "(1/K) sum_k min{|grad|, |grad|^2} against log K "
        "over the horizons K in [K_max/100, K_max] (one run per K); 95% bootstrap CI over trials (independent "
        "across K); drift as for every fit. GClip's metric has finite moments; unclipped SGD's has infinite "
        "variance for tail <= 2, where a bootstrap of a mean is not valid, so its rows carry no CI (info)."
    ),
    judged=_judged("avg_min_grad") + _judged("avg_min_grad" + instance_suffix(*SECOND_INSTANCE)),
    controls=(
        Control(
            "tail-1.2-as-1.8",
            "GClip with Theorem 2's parameters for alpha = 1.8 on noise of tail 1.2 (the tail index differs from "
            "the alpha that parameters and prediction assume)",
        ),
        Control(
            "student-t-onesided",
            "GClip with Theorem 2's parameters for alpha = 1.5 on one-sided Student-t noise (|T| - E|T|, tail 1.6) "
            "instead of Pareto (the theorem covers it): its rows must pass",
            expected="pass",
        ),
    ),
    power=(
        PowerCurve(
            "tail-mismatch",
            "GClip with Theorem 2's parameters for alpha = 1.8 on symmetric Pareto noise of tail 1.8 - delta, "
            "presented as tail = alpha = 1.8",
            "delta",
            (0.05, 0.1, 0.2, 0.3, 0.4),
        ),
    ),
    notes=read_notes(__file__),
)
