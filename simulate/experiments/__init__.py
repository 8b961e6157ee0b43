"""One experiment per claim: it turns a claim's profile into runs, rows of rates.csv, figures and a REPORT section.

``EXPERIMENTS`` maps a claim id to its ``run(claim, profile, ctx) -> ClaimOutput``.
"""

from . import acclip, clip_map, dimension, het_head, het_sign, noise_diagnostics, rem1, rmsprop, thm2, thm4, thm5, thm6
from .common import ClaimOutput, Context

EXPERIMENTS = {
    "thm4-strongly-convex": thm4.run,
    "rem1-sgd-failure": rem1.run,
    "noise-diagnostics": noise_diagnostics.run,
    "thm5-lower-bound": thm5.run,
    "thm6-nonconvex-lower-bound": thm6.run,
    "clip-exponent-map": clip_map.run,
    "thm2-nonconvex": thm2.run,
    "cor7-thm8-dimension": dimension.run,
    "rmsprop-as-clipping": rmsprop.run,
    "acclip-nonstationary": acclip.run,
    "het-gd-vs-sign": het_sign.run,
    "het-linear-head-momentum": het_head.run,
}

__all__ = ["EXPERIMENTS", "ClaimOutput", "Context"]
