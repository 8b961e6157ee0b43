"""Rate regression: the quick profile of thm4-strongly-convex against Theorem 4's exponent.

Tolerance 0.05 on the exponent of E||xbar_k - x*|| (the issue's criterion). 1024 trials over k in
[2806, 262144] give bootstrap CIs of about +-0.014, so a real change of the rate by 0.05 would show.
"""

import pytest

from simulate.claims.thm4_strongly_convex.claim import CLAIM as THM4
from theory.exponents import theorem4_distance
from theory.fitting import fit_exponent

TOLERANCE = 0.05


@pytest.mark.parametrize("alpha", [1.2, 1.5, 1.8])
def test_proj_gclip_distance_exponent_matches_theorem4(thm4_quick_results, alpha):
    arrays = {cfg.alpha: arrays for cfg, arrays, _ in thm4_quick_results}[alpha]
    fit = fit_exponent(arrays["k"], arrays["avg_dist"], "mean", n_boot=500)
    theory = theorem4_distance(alpha)
    assert abs(fit.exponent - theory) <= TOLERANCE, (alpha, fit, theory)
    assert (arrays["diverged_at"] == 0).all()


def test_quick_profile_is_what_the_test_assumes():
    p = THM4.profiles["quick"]
    assert p.methods == ("proj-gclip",) and set(p.alphas) == {1.2, 1.5, 1.8} and p.trials >= 1000
