"""Gradient and Hessian heterogeneity definitions (theory/heterogeneity.py) on cases with known answers."""

import numpy as np
import pytest

from theory import heterogeneity as het


def test_block_norms_and_gradient_heterogeneity():
    g = np.array([3.0, 4.0, 0.0, 1.0, 1.0, 1.0, 1.0])  # blocks of sizes 2, 1, 4: norms 5, 0, 2
    assert np.allclose(het.block_norms(g, [2, 1, 4]), [5.0, 0.0, 2.0])
    assert np.allclose(het.block_norms(g, [2, 1, 4], per_coordinate=True), [5 / np.sqrt(2), 0.0, 1.0])
    h = het.gradient_heterogeneity(g, [2, 1, 4])
    assert h["max_min_ratio"] == np.inf
    h = het.gradient_heterogeneity(g, [2, 5])
    assert h["max_min_ratio"] == pytest.approx(5.0 / 2.0)
    assert h["cv"] == pytest.approx(np.std([5.0, 2.0]) / 3.5)
    batch = np.stack([g, 2 * g])  # leading axes are kept
    assert het.block_norms(batch, [2, 5]).shape == (2, 2)


def test_hessian_heterogeneity_is_rotation_sensitive():
    rng = np.random.default_rng(0)
    sizes = [3, 3]
    eig = np.array([1.0, 0.5, 0.1, 0.01, 0.005, 0.001])
    H = np.diag(eig)
    assert np.allclose(het.block_curvatures(H, sizes), [1.0, 0.01])
    assert het.hessian_heterogeneity(H, sizes)["max_min_ratio"] == pytest.approx(100.0)
    q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    R = q @ H @ q.T  # same spectrum, mixed across the blocks
    assert het.l2_smoothness(R) == pytest.approx(het.l2_smoothness(H))
    assert het.hessian_heterogeneity(R, sizes)["max_min_ratio"] < 10.0
    assert het.linf_smoothness(H) == pytest.approx(eig.sum())
    assert het.linf_smoothness(R) > het.linf_smoothness(H)


def test_linf_smoothness_bounds_the_inf_to_one_norm():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(5, 5))
    H = a @ a.T
    signs = np.array(np.meshgrid(*([[-1.0, 1.0]] * 5))).reshape(5, -1).T
    exact = max(np.abs(H @ s).sum() for s in signs)  # the max of a convex function sits at a vertex of the cube
    assert exact <= het.linf_smoothness(H) + 1e-12


@pytest.mark.parametrize("blocks", [[], [2, 0], [2, 2.5], [[1, 2]]])
def test_bad_blocks_fail_fast(blocks):
    with pytest.raises(ValueError):
        het.block_norms(np.ones(4), blocks)


def test_blocks_must_cover_the_vector():
    with pytest.raises(ValueError, match="d = 4"):
        het.block_norms(np.ones(4), [1, 2])
