"""Gradient and Hessian heterogeneity across parameter blocks ([T]; docs/theory.md §7), for any gradient or Hessian.

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

import math

import numpy as np

from theory.validation import check_positive_int


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


def block_spectrum(sizes, kappa_het: float, kappa_in: float) -> np.ndarray:
    """Eigenvalues of a block-heterogeneous quadratic: block b (of B) has curvature scale L_b = kappa_het^(-b/(B-1))
    (so max/min L_b = kappa_het) and, inside the block, eigenvalues log-spaced in [L_b/kappa_in, L_b] — the
    within-block condition number stays kappa_in whatever kappa_het is."""
    sizes = check_blocks(sizes)
    if not (kappa_het >= 1.0 and kappa_in >= 1.0):
        raise ValueError(f"kappa_het={kappa_het!r}, kappa_in={kappa_in!r}: both must be >= 1")
    B = sizes.size
    scales = kappa_het ** (-np.arange(B) / max(B - 1, 1))
    return np.concatenate(
        [L * np.logspace(-np.log10(kappa_in), 0.0, int(n)) for L, n in zip(scales, sizes, strict=True)]
    )


def exact_matmul(a, b) -> np.ndarray:
    """``a @ b`` (a matrix times a matrix or a vector) with every entry the exactly rounded sum of its float products
    (``math.fsum``): the same bits on every machine and thread count, where BLAS's blocked sums differ between CPU
    kernels and thread counts (a chaotic run downstream then moved in its third digit). For small matrices."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    columns = b[:, None] if b.ndim == 1 else b
    out = np.array([[math.fsum(row * col) for col in columns.T] for row in a]).reshape(a.shape[0], columns.shape[1])
    return out[:, 0] if b.ndim == 1 else out


def random_rotation(d: int, seed: int) -> np.ndarray:
    """A Haar-random orthogonal d x d matrix: the Q of a Gaussian matrix's QR with R's diagonal positive, by
    Gram-Schmidt with exactly rounded dot products (twice over, which restores the orthogonality one pass loses in
    floating point), so that its bits do not depend on the machine's LAPACK and BLAS."""
    d = check_positive_int(d, "d")
    g = np.random.default_rng(seed).normal(size=(d, d))
    q = np.empty((d, d))
    for j in range(d):
        v = g[:, j].copy()
        for _ in range(2):
            for i in range(j):
                v = v - math.fsum(q[:, i] * v) * q[:, i]
        q[:, j] = v / math.sqrt(math.fsum(v * v))
    return q


def gd_iterations(eigenvalues, start_gaps, target: float) -> float:
    """Steps for GD with step 1/L_max on a quadratic to bring sum_i g_i (1 - lambda_i/L_max)^(2k) below ``target``,
    where g_i is coordinate i's share of f(x0) - f* in the eigenbasis (exact for the deterministic method)."""
    lam = np.asarray(eigenvalues, dtype=float)
    g = np.asarray(start_gaps, dtype=float)
    rho = (1.0 - lam / lam.max()) ** 2
    if g.sum() <= target:
        return 0.0
    lo, hi = 0, 1
    while (g * rho**hi).sum() > target:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        k = (lo + hi) // 2
        lo, hi = (k, hi) if (g * rho**k).sum() > target else (lo, k)
    return float(hi)


def gd_iterations_power() -> float:
    """Gradient descent's iterations to a fixed accuracy grow linearly in the heterogeneity kappa_het (power 1):
    its step is set by the largest block curvature and the slowest block converges at the smallest."""
    return 1.0
