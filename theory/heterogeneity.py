"""Gradient and Hessian heterogeneity across parameter blocks ([T]; THEORY.md §7), for any gradient or Hessian.

A partition into blocks is given by their sizes d_b (consecutive coordinates, in order). Definitions:
  block gradient norms   n_b = ||grad_b f||, or n_b / sqrt(d_b) with ``per_coordinate=True`` (the RMS gradient
                         entry of the block: blocks of different sizes compare fairly)
  gradient heterogeneity (i) max_b n_b / min_b n_b   and   (ii) the coefficient of variation std_b(n_b)/mean_b(n_b)
  block curvature        L_b = the largest |eigenvalue| of the diagonal block H_bb
  Hessian heterogeneity  max_b L_b / min_b L_b and the coefficient of variation of L_b
Smoothness constants of the standard bounds: L_2 = ||H||_2 (GD) and L_inf = ||H||_{inf->1} (SignGD), for which
``linf_smoothness`` gives sum_ij |H_ij| (an upper bound, exact for diagonal H); for block-diagonal H,
L_inf <= sum_b d_b L_b.
"""

import numpy as np

from .validation import check_positive_int


def check_blocks(sizes, d: int | None = None) -> np.ndarray:
    """Block sizes as an int array of positive entries (summing to ``d`` when given)."""
    sizes = np.asarray(sizes)
    if sizes.ndim != 1 or sizes.size == 0:
        raise ValueError(f"blocks={sizes.tolist()!r}: expected a non-empty list of block sizes")
    for s in sizes:
        check_positive_int(s, "block size")
    sizes = sizes.astype(np.int64)
    if d is not None and sizes.sum() != d:
        raise ValueError(f"blocks sum to {int(sizes.sum())}, outside the accepted value d = {d}")
    return sizes


def _edges(sizes: np.ndarray) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(sizes)])


def block_norms(grad, blocks, *, per_coordinate: bool = False) -> np.ndarray:
    """||grad_b|| for every block (last axis of ``grad``; leading axes are kept), optionally divided by sqrt(d_b)."""
    grad = np.asarray(grad, dtype=float)
    sizes = check_blocks(blocks, grad.shape[-1])
    e = _edges(sizes)
    norms = np.stack([np.linalg.norm(grad[..., e[i] : e[i + 1]], axis=-1) for i in range(sizes.size)], axis=-1)
    return norms / np.sqrt(sizes) if per_coordinate else norms


def spread(values) -> dict[str, float]:
    """max/min ratio (inf when the smallest is 0) and coefficient of variation of positive block statistics."""
    v = np.asarray(values, dtype=float)
    ratio = float(v.max() / v.min()) if v.min() > 0 else float("inf")
    cv = float(v.std() / v.mean()) if v.mean() > 0 else float("nan")
    return {"max_min_ratio": ratio, "cv": cv}


def gradient_heterogeneity(grad, blocks, *, per_coordinate: bool = False) -> dict[str, float]:
    """Gradient heterogeneity of one gradient vector: max/min and CV of its block norms."""
    return spread(block_norms(grad, blocks, per_coordinate=per_coordinate))


def block_curvatures(H, blocks) -> np.ndarray:
    """L_b = largest |eigenvalue| of each diagonal block of the symmetric matrix H."""
    H = np.asarray(H, dtype=float)
    if H.ndim != 2 or H.shape[0] != H.shape[1]:
        raise ValueError(f"H has shape {H.shape}; expected a square matrix")
    sizes = check_blocks(blocks, H.shape[0])
    e = _edges(sizes)
    return np.array([np.abs(np.linalg.eigvalsh(H[e[i] : e[i + 1], e[i] : e[i + 1]])).max() for i in range(sizes.size)])


def hessian_heterogeneity(H, blocks) -> dict[str, float]:
    """Hessian heterogeneity: max/min and CV of the block curvatures L_b."""
    return spread(block_curvatures(H, blocks))


def l2_smoothness(H) -> float:
    """L_2 = ||H||_2 (largest |eigenvalue| of symmetric H)."""
    return float(np.abs(np.linalg.eigvalsh(np.asarray(H, dtype=float))).max())


def linf_smoothness(H) -> float:
    """sum_ij |H_ij| >= ||H||_{inf->1} = max_{||x||_inf <= 1} ||H x||_1 (equal for diagonal H)."""
    return float(np.abs(np.asarray(H, dtype=float)).sum())
