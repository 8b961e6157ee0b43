"""head-growth-transformer: the statement, the sizes per profile, the judged rules and the negative controls."""

from dataclasses import dataclass

from simulate.claims.common import read_notes
from simulate.claims.small_transformer.shapes import NET_SIZING, QUICK_NET, SMALL_NET, NetShape
from theory.declarations import Claim, Control, direction_rule
from theory.sizing import Sizing
from theory.verdicts import Judged


@dataclass(frozen=True)
class HeadGrowthProfile:
    """Sizes for head-growth-transformer: SignSGD and Signum at one step eta on a few-class and a many-class task."""

    net: NetShape
    eta: float
    trials: int
    steps: int
    every: int


CLAIM = Claim(
    order=15,
    category="real-model rows",
    id="head-growth-transformer",
    sizing=Sizing(reason=NET_SIZING),
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
    },
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
    notes=read_notes(__file__),
)
