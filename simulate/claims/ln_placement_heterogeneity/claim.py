"""ln-placement-heterogeneity: the statement, the sizes per profile, the judged rules and the negative controls."""

from simulate.claims.common import read_notes
from simulate.claims.small_transformer.shapes import (
    DEFAULT_TUNED_NET,
    FULL_NET,
    NET_SIZING,
    QUICK_NET,
    NetTrainingProfile,
    log_grid,
)
from theory.declarations import Claim, Control, direction_rule
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

CLAIM = Claim(
    order=14,
    category="real-model rows",
    id="ln-placement-heterogeneity",
    sizing=NET_SIZING,
    title="Layer-norm placement, gradient heterogeneity, and SGD vs sign methods on a small transformer ([T])",
    statement=(
        "[T]: gradient heterogeneity (disparity of per-block gradient norms) hinders SGD far more than sign-based "
        "methods, and Post-LN architectures show particularly pronounced heterogeneity. One small transformer with "
        "a Post-LN / Pre-LN switch, a causal language model on words (the loss at every position): Post-LN's "
        "heterogeneity index exceeds Pre-LN's at initialisation and after training, sign methods beat their "
        "gradient counterparts under Post-LN, and by more than under Pre-LN."
    ),
    judged_methods=("sgd", "sgdm", "signsgd", "signum", "adam"),
    profiles={
        "quick": NetTrainingProfile(
            rung="quick",
            net=QUICK_NET,
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
            net=DEFAULT_TUNED_NET,
            grids=GRIDS,
            tune_trials=3,
            trials=10,
            steps=50,
            every=25,
            clip_norm=1.0,
            eval_size=128,
            run_group=25,
            pool=256,
            hessian_pool=32,
            power_iterations=10,
        ),
        "full": NetTrainingProfile(
            rung="full",
            net=FULL_NET,
            grids=GRIDS,
            tune_trials=3,
            trials=10,
            steps=4000,
            every=500,
            clip_norm=1.0,
            run_group=25,
            eval_size=128,
            pool=2048,
            hessian_pool=128,
            power_iterations=20,
        ),
    },
    measures=(
        "Blocks are [T]'s named tensors: per layer Q, K, V (the thirds of wqkv), the attention output, both MLP "
        "matrices, both layer-norm scales, and the head; their gradient l2 norms on a pool of training examples. "
        "grad_het_cv = coefficient of variation of the block norms (theory/heterogeneity.py); "
        "grad_het_cv_post_over_pre = ratio of the geometric means over trials (initial weights of each trial; "
        "after training: the Adam run at its tuned eta), 95% CI from Welch's t interval on log CV. "
        "sign_advantage = final held-out loss of the gradient method minus that of its sign counterpart (SGD vs "
        "SignSGD, SGD-momentum vs Signum), each at its tuned eta, paired over the reported trials (same initial "
        "weights and minibatches), 95% t interval; sign_advantage_post_minus_pre: Post-LN's minus Pre-LN's, "
        "Welch's t interval. Rows about trained models carry the smallest margin of their models over the "
        "count-bigram baseline of words."
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
    notes=read_notes(__file__),
)
