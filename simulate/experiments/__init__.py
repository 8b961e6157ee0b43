"""One experiment per claim: it turns a claim's profile into runs, measurement rows of rates.csv and figures.

``EXPERIMENTS`` maps a claim id to its ``run(claim, profile, ctx) -> ClaimOutput``; ``CONTROLS`` maps a claim id to
its negative controls, ``{mutant name: (claim, profile, ctx) -> measurement rows}``, the names declared in the
claim's ``controls``. The verdicts come from ``theory.verdicts.judge``, never from an experiment.
"""

from . import (
    acclip,
    acclip_transformer,
    attention_noise,
    clip_map,
    dimension,
    head_growth,
    het_head,
    het_sign,
    ln_placement,
    noise_diagnostics,
    rem1,
    rmsprop,
    thm2,
    thm4,
    thm5,
    thm6,
)
from .common import ClaimOutput, Context

MODULES = {
    "thm4-strongly-convex": thm4,
    "rem1-sgd-failure": rem1,
    "noise-diagnostics": noise_diagnostics,
    "thm5-lower-bound": thm5,
    "thm6-nonconvex-lower-bound": thm6,
    "clip-exponent-map": clip_map,
    "thm2-nonconvex": thm2,
    "cor7-thm8-dimension": dimension,
    "rmsprop-as-clipping": rmsprop,
    "acclip-nonstationary": acclip,
    "het-gd-vs-sign": het_sign,
    "het-linear-head-momentum": het_head,
    "attention-noise-2x2": attention_noise,
    "ln-placement-heterogeneity": ln_placement,
    "head-growth-transformer": head_growth,
    "acclip-transformer": acclip_transformer,
}
EXPERIMENTS = {claim_id: module.run for claim_id, module in MODULES.items()}
CONTROLS = {claim_id: getattr(module, "CONTROLS", {}) for claim_id, module in MODULES.items()}

__all__ = ["CONTROLS", "EXPERIMENTS", "ClaimOutput", "Context"]
