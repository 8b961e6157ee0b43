"""acclip-nonstationary: the statement, the sizes per profile, the judged rules and the negative controls."""

from dataclasses import dataclass

from simulate.claims.common import read_notes
from theory.declarations import Claim
from theory.sizing import SEQUENTIAL


@dataclass(frozen=True)
class ComparisonProfile:
    """Sizes for acclip-nonstationary: every method's constant step tuned on a log grid with ``tune_trials``
    (seed + 1), then run with ``trials`` on the report seed; K steps in R^d."""

    methods: tuple[str, ...]
    etas: tuple[float, ...]
    settings: tuple[tuple[str, float, float], ...]  # (name, decay_t0, decay_power)
    d: int
    K: int
    tune_trials: int
    trials: int
    tail: float
    alpha: float  # moment order for the clipping thresholds
    curvature_spread: float
    noise_scale: float
    noise_spread: float


_COMPARISON = dict(
    methods=("sgd", "gclip", "cclip", "adam", "rmsprop", "signum", "acclip"),
    settings=(("stationary", float("inf"), 0.0), ("decaying", 1000.0, 1.0)),
    tail=1.7,
    alpha=1.5,
    curvature_spread=100.0,
    noise_scale=10.0,
    noise_spread=1000.0,
)


CLAIM = Claim(
    order=10,
    category="mechanisms and laws (synthetic)",
    id="acclip-nonstationary",
    sizing=SEQUENTIAL,
    title="ACClip against Adam and the rest under heavy-tailed, non-stationary coordinate noise (empirical)",
    statement=(
        "[Z] motivates ACClip by gradient noise that is heavy-tailed and shrinks during training. On a quadratic "
        "in R^d with curvatures over two orders of magnitude and coordinate noise scales over three, each method's "
        "constant step is tuned on a log grid; the final suboptimality is compared on fresh seeds, with the noise "
        "stationary and decaying like (1 + k/1000)^-1. An empirical comparison, not a theorem: every row is info."
    ),
    profiles={
        "quick": ComparisonProfile(etas=(1e-3, 1e-2, 1e-1), d=20, K=2000, tune_trials=4, trials=8, **_COMPARISON),
        "full": ComparisonProfile(
            etas=tuple(10.0 ** (e / 2) for e in range(-9, 1)), d=100, K=10000, tune_trials=12, trials=48, **_COMPARISON
        ),
    },
    measures=(
        "Info only. Tuning: for each method and setting the constant step minimising the median of f(x_K) - f* "
        "over the tuning trials (seed + 1) is chosen from the grid; the reported runs use the report seed. "
        "Values are medians over trials with 95% bootstrap CIs; acclip_vs_adam is the ratio of the two medians."
    ),
    notes=read_notes(__file__),
)
