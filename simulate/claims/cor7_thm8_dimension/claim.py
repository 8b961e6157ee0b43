"""cor7-thm8-dimension: the statement, the sizes per profile, the judged rules and the negative controls."""

from dataclasses import dataclass

from simulate.claims.common import read_notes
from theory import dimension, exponents
from theory.declarations import EXPONENT_TOLERANCE, Claim, Control, Predicts
from theory.sizing import SEQUENTIAL
from theory.verdicts import Judged, Rule


@dataclass(frozen=True)
class DimensionProfile:
    """Sizes for cor7-thm8-dimension: GClip vs CClip on the quadratic in R^d, one (d, trials) pair per dimension."""

    alphas: tuple[float, ...]
    tail_offset: float  # noise tail = alpha + tail_offset, so that the alpha-moments are finite
    dims: tuple[tuple[int, int], ...]  # (d, trials)
    shapes: tuple[str, ...]
    K: int
    g_draws: int  # coordinate draws for the Monte-Carlo estimate of G (vectors = g_draws / d, at least 1000)


CLAIM = Claim(
    order=8,
    category="theorem rates (synthetic)",
    id="cor7-thm8-dimension",
    sizing=SEQUENTIAL,
    title="Corollary 7 vs Theorem 8: GClip's error grows with the dimension under independent noise, CClip's not",
    statement=(
        "On f(x) = ||x||^2/2 in R^d with eta_k = 4/(k+1), the k-weighted average and thresholds GClip tau_k = "
        "G k^(1/alpha) (G^alpha = E||xi||^alpha) and CClip tau_k,i = B_i k^(1/alpha) (B_i^alpha = E|xi_i|^alpha): "
        "under independent heavy-tailed coordinates GClip's per-coordinate error E||xbar_k - x*||^2/d grows with d "
        "(Lemma 12 allows up to d^(2/alpha - 1)) while CClip's does not; under radial noise the two coincide."
    ),
    judged_methods=("gclip", "cclip"),
    profiles={
        "quick": DimensionProfile(
            alphas=(1.5,),
            tail_offset=0.2,
            dims=((1, 1024), (100, 64)),
            shapes=("coordinate",),
            K=2**12,
            g_draws=2 * 10**6,
        ),
        "full": DimensionProfile(
            alphas=(1.3, 1.6),
            tail_offset=0.2,
            dims=((1, 4096), (10, 1024), (100, 256), (1000, 32), (10000, 8)),
            shapes=("coordinate", "radial"),
            K=2**13,
            g_draws=2 * 10**7,
        ),
    },
    measures=(
        "d_power_err_per_coord: least-squares power of d of the per-coordinate error E||xbar_K - x*||^2 / d over "
        "the dimensions, 95% CI from per-d bootstrap means over trials (tail alpha + 0.2: finite variance of the "
        "clipped error)."
    ),
    predictions=(
        Predicts("theory_exponent", exponents.clipping_variance, ("alpha", "tail"), "k_exponent_d*"),
        Predicts("theory_exponent", dimension.cclip_d_power, (), "d_power_err_per_coord", {"method": "cclip"}),
        Predicts("theory_exponent", dimension.lemma12_ratio_power, ("alpha",), "d_power_ratio"),
    ),
    judged=(
        Judged(
            "d_power_err_per_coord",
            Rule(
                "within",
                "the exponent convention, 0.05, here for a power of d whose prediction is 0 (flat)",
                tolerance=EXPONENT_TOLERANCE,
            ),
            where={"method": "cclip", "noise": "pareto-coordinate"},
        ),
        Judged(
            "d_power_err_per_coord",
            Rule(
                "ci_above",
                "Corollary 7 says only that GClip's error grows with d: "
                "its power must be positive beyond sampling error; no tolerance",
                target=0.0,
            ),
            where={"method": "gclip", "noise": "pareto-coordinate"},
        ),
    ),
    controls=(
        Control(
            "gclip-as-cclip",
            "GClip's per-coordinate errors under coordinate noise presented as CClip's: they are not flat in d",
        ),
        Control(
            "radial-as-coordinate",
            "radial noise (correlated coordinates) presented as independent "
            "coordinates: GClip's error does not grow with d there",
        ),
    ),
    notes=read_notes(__file__),
)
