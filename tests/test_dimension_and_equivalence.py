"""cor7-thm8-dimension at d in {1, 100} and rmsprop-as-clipping (quick sizes), and the moment constants."""

import numpy as np
import pytest

from simulate.claims.cor7_thm8_dimension import experiment as dimension
from simulate.claims.cor7_thm8_dimension.claim import CLAIM as COR7
from simulate.claims.rmsprop_as_clipping import experiment as rmsprop
from simulate.claims.rmsprop_as_clipping.claim import CLAIM as RMSCLIP
from simulate.run.executors import LocalExecutor
from simulate.run.runner import run_all
from simulate.run.store import RunCache
from theory import dimension as dim
from theory.declarations import EXPONENT_TOLERANCE


def test_sphere_moment_and_lemma12():
    u = np.random.default_rng(0).normal(size=(200000, 7))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    assert np.mean(np.abs(u[:, 0]) ** 1.5) == pytest.approx(dim.sphere_coordinate_moment(7, 1.5), rel=0.01)
    assert dim.sphere_coordinate_moment(1, 1.5) == 1.0
    lo, hi = dim.lemma12_bounds(2.0, 1.5, 100)
    assert hi == pytest.approx((100 * 2.0**1.5) ** (1 / 1.5)) and lo == pytest.approx(hi * 100 ** (0.5 - 1 / 1.5))
    with pytest.raises(ValueError, match="p=2.0"):
        dim.pareto_moment(1.7, 2.0)


@pytest.mark.parametrize("d", [10, 100])
def test_monte_carlo_G_lies_within_lemma12_and_agrees_with_a_plain_estimate(d):
    tail, p = 1.7, 1.5
    G, rel_se, n = dimension.coordinate_G(tail, p, d, 2 * 10**6, seed=0)
    lo, hi = dim.lemma12_bounds(dim.coordinate_B(tail, p), p, d)
    assert lo < G < hi and rel_se < 0.02 and n == 2 * 10**6 // d
    # an independent estimate (another seed, 4x more vectors) must agree within the stated error
    G2, _, _ = dimension.coordinate_G(tail, p, d, 8 * 10**6, seed=1)
    assert G2 == pytest.approx(G, rel=6 * rel_se + 0.01)


def test_quick_dimension_claim_cclip_flat_gclip_grows():
    """d in {1, 100}, alpha 1.5, tail 1.7: CClip's per-coordinate error must not depend on d (|power| <= 0.05) and
    GClip's must grow (power CI above 0)."""
    p = COR7.profiles["quick"]
    pairs = dimension.configs(COR7, p, seed=0)
    results = run_all([c for c, _ in pairs], RunCache(None), progress=False, executor=LocalExecutor())
    per_coord = {}
    rng = np.random.default_rng(0)
    for (cfg, _), (_, arrays, _) in zip(pairs, results, strict=True):
        err = arrays["avg_sq"][:, -1] / cfg.d
        per_coord[(cfg.alpha, cfg.shape, cfg.method, cfg.d)] = (err.mean(), dimension._boot_means(err, rng))
    rows = {r["method"]: r for r in dimension._power_rows(COR7, p, per_coord)}
    assert abs(rows["cclip"]["fitted_exponent"]) <= EXPONENT_TOLERANCE
    assert rows["gclip"]["ci_low"] > 0
    assert rows["gclip/cclip"]["fitted_exponent"] <= 2 / 1.5 - 1  # Lemma 12's bound on the power


def test_rmsprop_equals_clipping_without_momentum_and_parts_with_long_momentum():
    p = RMSCLIP.profiles["quick"]
    residual, bound = rmsprop.residuals(p, 0.0, 0.99, seed=0)
    assert residual.max() <= 1e-12 and bound.max() == 0.0
    residual, bound = rmsprop.residuals(p, 0.9, 0.5, seed=0)  # beta1 = 0.9 > sqrt(0.5): the clip must bind
    assert bound.min() > 0.0 and residual.max() > 1e-3
