"""acclip-transformer: the statement, the sizes per rung, the judged rules and the negative controls."""

from simulate.claims.common import read_notes
from simulate.transformer.ladder import DEFAULT_NET, FULL_NET, NET_SIZING, QUICK_NET, NetTrainingProfile, log_grid
from theory.declarations import Claim, Control, TrainedGate, direction_rule
from theory.verdicts import Judged


def _grids(scale: float = 1.0) -> tuple[tuple[str, tuple[float, ...]], ...]:
    """Five-point log grids, half a decade apart (SGD-scale steps for SGD, GClip and ACClip; CClip's threshold
    1/sqrt(P) makes its steps larger; Adam's steps are per coordinate)."""
    return (
        ("sgd", log_grid(0.1 * scale, 10 * scale, 5)),
        ("gclip", log_grid(0.1 * scale, 10 * scale, 5)),
        ("cclip", log_grid(1 * scale, 100 * scale, 5)),
        ("adam", log_grid(3e-4, 3e-2, 5)),
        ("acclip", log_grid(0.1 * scale, 10 * scale, 5)),
    )


GATE = TrainedGate(
    margin=0.02,
    reason="the smallest margin a claim may declare: a model 0.02 nats per character below the count bigram on the "
    "same held-out windows has used more than the previous character",
)

CLAIM = Claim(
    order=16,
    category="real-model rows",
    id="acclip-transformer",
    sizing=NET_SIZING,
    title="SGD, GClip, CClip, Adam, ACClip on a small language model ([Z] Fig. 3b)",
    statement=(
        "[Z] Fig. 3b (Transformer-XL on PTB): GClip improves on SGD, coordinate clipping closes most of the gap to "
        "Adam, and ACClip beats Adam. Here: the small transformer as a causal language model on characters (loss at "
        "every position: the statement is about the optimisers, not the tokenisation, and a character model trains "
        "past the count bigram within the default rung's budget), every method with its eta tuned on a log grid, "
        "final held-out loss over the reported trials."
    ),
    judged_methods=("sgd", "gclip", "cclip", "adam", "acclip"),
    profiles={
        "quick": NetTrainingProfile(
            rung="quick",
            net=QUICK_NET,
            grids=_grids(),
            tune_trials=3,
            trials=10,
            steps=40,
            every=20,
            clip_norm=None,
            eval_size=64,
        ),
        "default": NetTrainingProfile(
            rung="default",
            net=DEFAULT_NET,
            grids=_grids(),
            tune_trials=1,  # one tuning trial per eta and 8 reported: what lets 800 steps fit the rung's budget
            trials=8,
            steps=800,
            every=200,
            clip_norm=None,
            eval_size=512,
            run_group=25,
        ),
        "full": NetTrainingProfile(
            rung="full",
            net=FULL_NET,
            grids=_grids(),
            tune_trials=3,
            trials=10,
            steps=4000,
            every=500,
            clip_norm=None,
            run_group=25,
            eval_size=512,
        ),
    },
    measures=(
        "Each method's eta is chosen on its log grid (widened by the declared rule while the best sits at an edge) "
        "by the median final held-out loss of 3 tuning trials; 10 different trials are reported at it, every method "
        "on the same initial weights and minibatches. loss_difference = final held-out loss (nats per character, "
        "every position) of one method minus another's, paired over the reported trials, 95% t interval. "
        "cclip_midpoint_difference = L_cclip - (L_gclip + L_adam) / 2 per trial, paired, 95% t interval: below 0 "
        "exactly when CClip closes more than half of GClip's gap to Adam. cclip_gap_closed (the ratio) is info. "
        "Comparison rows carry the smallest margin of their models under the claim's trained gate (GATE)."
    ),
    judged=(
        Judged(
            "loss_difference",
            direction_rule(
                "ci_below",
                "[Z]'s 'improves on' / 'beats' as a direction: a paired difference whose CI lies below 0; no tolerance",
                0.0,
            ),
            where={"method": ("gclip - sgd", "acclip - adam"), "noise": "chars"},
        ),
        Judged(
            "cclip_midpoint_difference",
            direction_rule(
                "ci_below",
                "'closes most of the gap' read, before any run, as more than half of it, judged as a paired "
                "difference of final losses (CClip against the midpoint of GClip and Adam) rather than a ratio of "
                "small differences: the same threshold",
                0.0,
            ),
            where={"noise": "chars"},
        ),
    ),
    controls=(
        Control(
            "methods-swapped",
            "in each judged comparison the two methods' runs swapped (SGD's as GClip's, Adam's as ACClip's and the "
            "reverse): every difference reversed, so that an effect in [Z]'s direction appears reversed by as much "
            "and the rules must fail it",
        ),
    ),
    notes=read_notes(__file__),
)
