"""ln-placement-heterogeneity: the statement, the sizes per profile, the judged rules and the negative controls."""

from simulate.claims.common import read_notes
from simulate.claims.small_transformer.shapes import NET_SIZING, QUICK_NET, SMALL_NET, NetTrainingProfile
from theory.declarations import Claim, Control, direction_rule
from theory.sizing import Sizing
from theory.verdicts import Judged

CLAIM = Claim(
    order=14,
    category="real-model rows",
    id="ln-placement-heterogeneity",
    sizing=Sizing(reason=NET_SIZING),
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
    notes=read_notes(__file__),
)
