"""rmsprop-as-clipping: the statement, the sizes per profile, the judged rules and the negative controls."""

from dataclasses import dataclass

from simulate.claims.common import read_notes
from theory.declarations import Claim, Control
from theory.sizing import Sizing
from theory.verdicts import Judged, Rule


@dataclass(frozen=True)
class EquivalenceProfile:
    """Sizes for rmsprop-as-clipping: (beta1, beta2) pairs run side by side on one noise stream."""

    d: int
    K: int
    trials: int
    pairs: tuple[tuple[float, float], ...]
    tail: float
    eta: float
    eps: float


CLAIM = Claim(
    order=9,
    category="mechanisms and laws (synthetic)",
    id="rmsprop-as-clipping",
    sizing=Sizing(reason="exact checks only (no CI, nothing to decide early)"),
    title="RMSProp as clipping: eta_k = eta/(eps + sqrt(v_k)), tau_k = (eps + sqrt(v_k))/sqrt(1 - beta2)",
    statement=(
        "With beta1 = 0, RMSProp's update equals the clipping update min(1, tau_k/|g_k|) eta_k g_k for "
        "eta_k = eta/(eps + sqrt(v_k)), tau_k = (eps + sqrt(v_k))/sqrt(1 - beta2), because sqrt(v_k) >= "
        "sqrt(1 - beta2) |g_k| (docs/theory.md §4): the clip never binds. With momentum, clipping m_k at the same "
        "tau_k can bind, and the two sequences part."
    ),
    profiles={
        "quick": EquivalenceProfile(
            d=5, K=10**4, trials=4, pairs=((0.0, 0.99), (0.9, 0.5)), tail=1.5, eta=1e-3, eps=1e-8
        ),
        "full": EquivalenceProfile(
            d=10,
            K=10**5,
            trials=8,
            pairs=((0.0, 0.99), (0.0, 0.5), (0.9, 0.99), (0.9, 0.5), (0.99, 0.9)),
            tail=1.5,
            eta=1e-3,
            eps=1e-8,
        ),
    },
    measures=(
        "max_relative_residual: max over trials, steps and coordinates of |x_rms - x_clip| / max(1, |x_rms|). "
        "clip_bound_fraction: fraction of coordinate-steps where the clipping form's clip bound. Both are exact "
        "identities for beta1 = 0 (regression checks, not evidence)."
    ),
    judged=(
        Judged(
            "max_relative_residual",
            Rule(
                "at_most",
                "an identity in exact arithmetic: 1e-12 allows float64 rounding accumulated over the run",
                target=1e-12,
                stat="value",
                kind="exact",
            ),
            where={"method": lambda r: str(r["method"]).startswith("beta1=0,")},
            label="beta1 = 0",
        ),
        Judged(
            "clip_bound_fraction",
            Rule(
                "at_most",
                "sqrt(v_k) >= sqrt(1 - beta2)|g_k| makes binding impossible: no tolerance",
                target=0.0,
                stat="value",
                kind="exact",
            ),
            where={"method": lambda r: str(r["method"]).startswith("beta1=0,")},
            label="beta1 = 0",
        ),
    ),
    controls=(Control("momentum-as-rmsprop", "beta1 = 0.9, beta2 = 0.5 (beta1 > sqrt(beta2)) presented as beta1 = 0"),),
    notes=read_notes(__file__),
)
