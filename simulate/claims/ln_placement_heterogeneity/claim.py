"""ln-placement-heterogeneity: the statement, the sizes per profile, the judged rules and the negative controls."""

from simulate.claims.common import read_notes
from simulate.transformer.ladder import NET_SIZING, NetTrainingProfile, log_grid
from simulate.transformer.pretrained import DEFAULT_PRETRAINING, FULL_PRETRAINING, QUICK_PRETRAINING
from theory.declarations import Claim, Control, TrainedGate, direction_rule
from theory.verdicts import Judged

# five-point log grids half a decade apart: SGD's scale, SGD-momentum's a tenth of it (its steps add up over
# ~10 gradients), per-coordinate steps for the sign methods and Adam
GRIDS = (
    ("sgd", log_grid(0.1, 10, 5)),
    ("sgdm", log_grid(0.01, 1, 5)),
    ("signsgd", log_grid(3e-4, 3e-2, 5)),
    ("signum", log_grid(3e-4, 3e-2, 5)),
    ("adam", log_grid(3e-4, 3e-2, 5)),
)

CLASSES = 64  # the fine-tuning task: which of 64 documents a window of words comes from

GATE = TrainedGate(
    margin=0.02,
    reason="the smallest margin a claim may declare: a fine-tuned classifier 0.02 nats below the uniform prior over "
    "its balanced classes (log C) on the same held-out windows has learned something of the documents",
)

CLAIM = Claim(
    order=14,
    category="real-model rows",
    id="ln-placement-heterogeneity",
    sizing=NET_SIZING,
    title="Layer-norm placement, gradient heterogeneity, and SGD vs sign methods on a small transformer ([T])",
    statement=(
        "[T]: gradient heterogeneity (disparity of per-block gradient norms) hinders SGD far more than sign-based "
        "methods, and Post-LN architectures show particularly pronounced heterogeneity; [T] measures it in "
        "fine-tuning. One small transformer with a Post-LN / Pre-LN switch, pretrained under each placement as a "
        "language model on words, then fine-tuned with a new linear head to tell which of 64 documents a window of "
        "words comes from: Post-LN's heterogeneity index exceeds Pre-LN's at the start of fine-tuning and after it, "
        "sign methods beat their gradient counterparts under Post-LN, and by more than under Pre-LN."
    ),
    judged_methods=("sgd", "sgdm", "signsgd", "signum", "adam"),
    profiles={
        "quick": NetTrainingProfile(
            rung="quick",
            net=QUICK_PRETRAINING.net,
            pretraining=QUICK_PRETRAINING,
            grids=GRIDS,
            tune_trials=3,
            trials=10,
            steps=40,
            every=20,
            clip_norm=1.0,
            eval_size=64,
            pool=64,
            hessian_pool=16,
            power_iterations=5,
        ),
        "default": NetTrainingProfile(
            rung="default",
            net=DEFAULT_PRETRAINING.net,
            pretraining=DEFAULT_PRETRAINING,
            grids=GRIDS,
            tune_trials=3,
            trials=10,
            steps=200,
            every=100,
            clip_norm=1.0,
            eval_size=512,
            run_group=25,
            pool=256,
            hessian_pool=32,
            power_iterations=10,
        ),
        "full": NetTrainingProfile(
            rung="full",
            net=FULL_PRETRAINING.net,
            pretraining=FULL_PRETRAINING,
            grids=GRIDS,
            tune_trials=3,
            trials=10,
            steps=1000,
            every=250,
            clip_norm=1.0,
            run_group=25,
            eval_size=512,
            pool=2048,
            hessian_pool=128,
            power_iterations=20,
        ),
    },
    measures=(
        "Blocks are [T]'s named tensors: per layer Q, K, V (the thirds of wqkv), the attention output, both MLP "
        "matrices, both layer-norm scales, and the head; their gradient l2 norms on a pool of training examples. "
        "grad_het_cv = coefficient of variation of the block norms (theory/heterogeneity.py); "
        "grad_het_cv_post_over_pre = ratio of the geometric means over trials (init: the fine-tuning start of each "
        "trial, the pretrained body with the trial's new head; trained: the Adam run at its tuned eta), 95% CI from "
        "Welch's t interval on log CV. "
        "sign_advantage = final held-out loss of the gradient method minus that of its sign counterpart (SGD vs "
        "SignSGD, SGD-momentum vs Signum), each at its tuned eta, paired over the reported trials (same initial "
        "weights and minibatches), 95% t interval; sign_advantage_post_minus_pre: Post-LN's minus Pre-LN's, "
        "Welch's t interval. Rows about trained models carry the smallest margin of their models under the claim's "
        "trained gate (GATE: the fine-tuned classifier against the uniform prior log C on the same held-out windows)."
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
    controls=(
        Control(
            "placements-swapped",
            "Pre-LN's measurements presented as Post-LN's and Post-LN's as Pre-LN's: every post-vs-pre comparison "
            "reversed, so that an effect in [T]'s direction appears reversed by as much and the rules must fail it",
        ),
    ),
    notes=read_notes(__file__),
)
