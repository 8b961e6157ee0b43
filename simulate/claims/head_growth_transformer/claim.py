"""head-growth-transformer: the statement, the sizes per rung, the judged rules and the negative controls."""

from dataclasses import dataclass

from simulate.claims.common import read_notes
from simulate.transformer.ladder import NET_SIZING, NetShape, interval
from simulate.transformer.pretrained import DEFAULT_PRETRAINING, FULL_PRETRAINING, QUICK_PRETRAINING, Pretraining
from theory.declarations import Claim, Control, TrainedGate, direction_rule
from theory.verdicts import Judged

CLASS_COUNTS = (8, 64, 512)  # documents a window may come from: few, some, many
MANY = f"words, {CLASS_COUNTS[-1]} documents"

GATE = TrainedGate(
    margin=0.02,
    reason="the smallest margin a claim may declare: a fine-tuned classifier 0.02 nats below the uniform prior over "
    "its balanced classes (log C) on the same held-out windows has learned something of the documents",
)


@dataclass(frozen=True)
class HeadGrowthProfile:
    """Sizes for head-growth-transformer: the pretrained language model fine-tuned with a new head by SignSGD and
    Signum at one peak step eta on each class count; ``rung`` names the rung of the ladder."""

    rung: str
    pretraining: Pretraining
    eta: float
    trials: int
    steps: int
    every: int
    eval_size: int

    @property
    def net(self) -> NetShape:
        """The transformer fine-tuned: the pretrained language model's."""
        return self.pretraining.net

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
        "[T]: in fine-tuning with many classes, SignSGD without momentum lets the linear head grow excessively, "
        "Signum does not. Here: a transformer pretrained as a language model on words gets a new linear head and is "
        "fine-tuned to tell which of C documents a window of words comes from "
        f"(C = {', '.join(map(str, CLASS_COUNTS))}), by SignSGD and Signum at one step size: SignSGD's logit norms "
        "([T]'s statistic) and per-class head weights exceed Signum's with the most classes, and the excess grows "
        "with the class count."
    ),
    judged_methods=("signsgd", "signum"),
    profiles={
        "quick": HeadGrowthProfile(
            rung="quick", pretraining=QUICK_PRETRAINING, eta=3e-3, trials=10, steps=40, every=20, eval_size=64
        ),
        "default": HeadGrowthProfile(
            rung="default", pretraining=DEFAULT_PRETRAINING, eta=1e-3, trials=10, steps=500, every=100, eval_size=512
        ),
        "full": HeadGrowthProfile(
            rung="full", pretraining=FULL_PRETRAINING, eta=3e-4, trials=10, steps=2000, every=500, eval_size=512
        ),
    },
    measures=(
        "logit_norm_ratio = geometric mean over trials of SignSGD's final mean held-out logit norm (||logits|| per "
        "position, averaged) over Signum's (paired: the same initial weights and minibatches), 95% t interval on "
        "the log ratios; head_rms_ratio the same for the head's per-class weight size ||W_head||_F / sqrt(C) (a "
        "statistic that does not grow with the head's size alone). *_slope = the slope of the log ratio against "
        "log C over the class counts, per trial, 95% t interval. Rows carry the smallest margin of their models "
        "under the claim's trained gate (GATE: the fine-tuned classifier against the uniform prior log C on the same "
        "held-out windows); logit norms, weights and losses per method are info."
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
    controls=(
        Control(
            "momentum-swapped",
            "Signum's runs presented as SignSGD's and SignSGD's as Signum's: every ratio inverted, so that an effect "
            "in [T]'s direction appears reversed by as much and the rules must fail it",
        ),
    ),
    notes=read_notes(__file__),
)
