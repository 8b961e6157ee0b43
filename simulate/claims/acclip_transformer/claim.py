"""acclip-transformer: the statement, the sizes per profile, the judged rules and the negative controls."""

from simulate.claims.common import read_notes
from simulate.claims.small_transformer.shapes import NET_SIZING, QUICK_NET, SMALL_NET, NetTrainingProfile
from theory.declarations import Claim, Control, direction_rule
from theory.sizing import Sizing
from theory.verdicts import Judged

CLAIM = Claim(
    order=16,
    category="real-model rows",
    id="acclip-transformer",
    sizing=Sizing(reason=NET_SIZING),
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
    },
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
    notes=read_notes(__file__),
)
