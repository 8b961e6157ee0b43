"""attention-noise-2x2: the statement, the sizes per profile, the judged rules and the negative controls."""

from dataclasses import dataclass

from simulate.claims.common import read_notes
from simulate.claims.small_transformer.shapes import NET_SIZING, QUICK_NET, SMALL_NET, NetShape
from theory.declarations import Claim, Control, direction_rule
from theory.sizing import Sizing
from theory.verdicts import Judged


@dataclass(frozen=True)
class NetNoiseProfile:
    """Sizes for attention-noise-2x2: per-example gradients of a pool of examples in each of the four cells."""

    net: NetShape
    pool: int  # examples whose per-example gradients define the noise (their mean is "the full gradient")
    batches: tuple[int, ...]  # minibatch sizes B of the noise norms
    draws: int  # minibatch noise norms (and Gaussian-reference norms) per cell and B
    n_boot: int
    train_eta: float  # Adam's step for the attention/text training points
    train_steps: tuple[int, ...]  # steps at which the attention/text cell's noise is measured again (0 first)


CLAIM = Claim(
    order=13,
    category="real-model rows",
    id="attention-noise-2x2",
    sizing=Sizing(reason=NET_SIZING),
    title="Gradient noise of attention vs no attention, on text vs Gaussian input ([Z] Fig. 1, 2, 4, 5)",
    statement=(
        "[Z] Sec. 5.3: the minibatch gradient noise ||g_B - grad f|| of an attention model is heavy-tailed on text "
        "and on Gaussian input; the same model with its self-attention removed has Gaussian noise on Gaussian input "
        "and heavy-tailed noise on text ([Z] Fig. 4). During training the attention model's noise grows more "
        "concentrated ([Z] Fig. 2). Here: one small transformer, the four cells at initialisation, the "
        "attention/text cell again after Adam training."
    ),
    judged_methods=("attention/text", "attention/gaussian", "no-attention/text", "no-attention/gaussian"),
    profiles={
        "quick": NetNoiseProfile(
            net=QUICK_NET, pool=128, batches=(1,), draws=400, n_boot=200, train_eta=3e-3, train_steps=(0, 50)
        ),
        "full": NetNoiseProfile(
            net=SMALL_NET, pool=1024, batches=(1, 8), draws=4000, n_boot=1000, train_eta=3e-3, train_steps=(0, 100, 300)
        ),
    },
    measures=(
        "From a pool of M training examples: per-example gradients, their mean (the 'full' gradient) and deviations. "
        "A minibatch of B examples drawn with replacement has noise xi_B, the mean of B deviations; the Gaussian "
        "reference ([Z] Fig. 1) has the same covariance Sigma/B. spread = q99/median of the noise norms. "
        "noise_spread_excess = spread(noise) / spread(Gaussian reference); 95% percentile bootstrap over the "
        "draws of both (the minibatch sampling from this pool; the pool itself is one sample of the text). "
        "noise_spread_end_over_start: the attention/text cell's spread after the last training step over its "
        "spread at initialisation, same bootstrap."
    ),
    judged=(
        Judged(
            "noise_spread_excess",
            direction_rule(
                "ci_above",
                "'heavy-tailed' made a number with the claim, before the verdict runs: a 99th percentile 20% "
                "further out, in units of the median, than that of Gaussian noise with the same covariance; the "
                "Gaussian cell is judged against the same 1.2 read the other way. An exploratory look at "
                "initialisation (ratios 0.96-1.01 in all four cells) preceded this rule; 1.2 was not chosen from it",
                1.2,
            ),
            where={"method": ("attention/text", "attention/gaussian", "no-attention/text"), "k_max": 0},
        ),
        Judged(
            "noise_spread_excess",
            direction_rule(
                "between",
                "the heavy-tail threshold 1.2 above, read both ways: Gaussian noise is within a factor 1.2 of its "
                "same-covariance reference",
                (1 / 1.2, 1.2),
            ),
            where={"method": "no-attention/gaussian", "k_max": 0},
        ),
        Judged(
            "noise_spread_end_over_start",
            direction_rule(
                "ci_below",
                "[Z] Fig. 2's 'grows more concentrated' as a direction: the spread at the end is smaller than at "
                "initialisation; no tolerance",
                1.0,
            ),
        ),
    ),
    controls=(
        Control(
            "reference-as-noise",
            "the Gaussian reference's own norms presented as the attention/text cell's noise (B = 1)",
        ),
    ),
    notes=read_notes(__file__),
)
