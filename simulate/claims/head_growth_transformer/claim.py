"""head-growth-transformer: the statement, the sizes per rung, the judged rules and the negative controls."""

from dataclasses import dataclass

from simulate.claims.common import read_notes
from simulate.claims.small_transformer.shapes import (
    DEFAULT_TUNED_NET,
    FULL_NET,
    NET_SIZING,
    QUICK_NET,
    NetShape,
    interval,
)
from theory.declarations import Claim, Control, direction_rule
from theory.verdicts import Judged

CLASS_COUNTS = (5, 64, 1024)  # frequency classes of the next word: few, some, many
MANY = f"words, {CLASS_COUNTS[-1]} classes"


@dataclass(frozen=True)
class HeadGrowthProfile:
    """Sizes for head-growth-transformer: SignSGD and Signum at one peak step eta on each class count;
    ``rung`` names the rung of the ladder."""

    rung: str
    net: NetShape
    eta: float
    trials: int
    steps: int
    every: int
    eval_size: int

    @property
    def interval(self) -> int:
        """Steps between recorded checkpoints (``shapes.interval``)."""
        return interval(self.steps, self.every)


CLAIM = Claim(
    order=15,
    category="real-model rows",
    id="head-growth-transformer",
    sizing=NET_SIZING,
    title="Momentum keeps a sign method's many-class head in check, on a small transformer ([T])",
    statement=(
        "[T]: with many classes, SignSGD without momentum lets the linear head grow excessively, Signum does not. "
        "Here: the same transformer reads words and predicts, at every position, the next word's frequency class "
        f"({', '.join(map(str, CLASS_COUNTS))} classes: the most frequent words each a class, the rest one), "
        "SignSGD and Signum at one step size: SignSGD's logit norms ([T]'s statistic) and per-class head weights "
        "exceed Signum's with the most classes, and the excess grows with the class count."
    ),
    judged_methods=("signsgd", "signum"),
    profiles={
        "quick": HeadGrowthProfile(rung="quick", net=QUICK_NET, eta=3e-3, trials=10, steps=40, every=20, eval_size=64),
        "default": HeadGrowthProfile(
            rung="default", net=DEFAULT_TUNED_NET, eta=3e-3, trials=10, steps=200, every=50, eval_size=128
        ),
        "full": HeadGrowthProfile(rung="full", net=FULL_NET, eta=1e-3, trials=10, steps=4000, every=500, eval_size=128),
    },
    measures=(
        "logit_norm_ratio = geometric mean over trials of SignSGD's final mean held-out logit norm (||logits|| per "
        "position, averaged) over Signum's (paired: the same initial weights and minibatches), 95% t interval on "
        "the log ratios; head_rms_ratio the same for the head's per-class weight size ||W_head||_F / sqrt(C) (a "
        "statistic that does not grow with the head's size alone). *_slope = the slope of the log ratio against "
        "log C over the class counts, per trial, 95% t interval. Rows carry the smallest margin of their models "
        "over the count-bigram baseline of their task; logit norms, weights and losses per method are info."
    ),
    judged=(
        Judged(
            "logit_norm_ratio",
            direction_rule(
                "ci_above",
                "[T]'s direction ('excessive growth' without momentum, many classes), on [T]'s own statistic; no "
                "number is given, so no tolerance",
                1.0,
            ),
            where={"noise": MANY},
        ),
        Judged(
            "head_rms_ratio",
            direction_rule(
                "ci_above",
                "the same direction on the head's weights, per class so that a larger head alone does not count",
                1.0,
            ),
            where={"noise": MANY},
        ),
        Judged(
            "logit_norm_ratio_slope",
            direction_rule(
                "ci_above",
                "[T]'s 'with many classes' as a direction: the excess grows with the class count",
                0.0,
            ),
        ),
        Judged(
            "head_rms_ratio_slope",
            direction_rule(
                "ci_above",
                "[T]'s 'with many classes' as a direction, on the per-class head weights",
                0.0,
            ),
        ),
    ),
    controls=(Control("no-momentum", "Signum replaced by SignSGD (no momentum where momentum is claimed)"),),
    notes=read_notes(__file__),
)
