"""Minibatch gradient noise of a model at fixed parameters, and [Z] Fig. 1's Gaussian reference.

From a pool of M examples: per-example gradients g_i, their mean g (the "full" gradient of the pool) and deviations
d_i = g_i - g (rows of D, M x P). A minibatch of B examples drawn with replacement has noise xi_B = (1/B) sum_{i in B}
d_i, whose covariance is Sigma / B with Sigma = D^T D / M. The Gaussian reference is the norm of a Gaussian vector
with that same covariance, z = D^T w / sqrt(M B) with w ~ N(0, I_M). Both norms need only the Gram matrix
G = D D^T (M x M): ||xi_B||^2 = c^T G c / B^2 (c = counts of each example in the batch), ||z||^2 = w^T G w / (M B).
``gram_by_blocks`` accumulates G (and any fixed combinations of the rows of D) over blocks of parameters on JAX's
device (a GPU where there is one), so that no M x P matrix is ever held whole: at the full rung (M = 2,048, P above
5 M) D alone would be 40 GB in float32. ``deviations`` and ``gram`` are the float64 NumPy reference.
"""

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from simulate.memory import trim_heap
from simulate.nets.curvature import per_example_gradients
from theory.validation import check_int


def flat_columns(tree: dict, a: int, b: int, out: np.ndarray | None = None) -> np.ndarray:
    """Columns [a, b) of a dict of tensors with a leading example axis laid side by side as one float64 matrix
    (tensors in name order, each flattened): only the tensors that overlap the columns are converted, written into
    ``out`` (rows x (b - a)) where given, so that no second copy is made."""
    names = sorted(tree)
    lead = tree[names[0]].shape[0]
    out = np.empty((lead, b - a)) if out is None else out
    start = 0
    for n in names:
        tensor = np.asarray(tree[n]).reshape(lead, -1)
        end = start + tensor.shape[1]
        lo, hi = max(a, start), min(b, end)
        if lo < hi:
            out[:, lo - a : hi - a] = tensor[:, lo - start : hi - start]
        start = end
    return out


def deviations(loss: Callable, params: dict, inputs, labels, chunk: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """(D, g): per-example gradient deviations from the pool mean (M x P) and the pool mean gradient (P)."""
    chunk = check_int(chunk, "chunk", 1)
    # filled chunk by chunk, tensor by tensor, and centred in place: one M x P float64 matrix, the largest array
    D = np.empty((len(labels), sum(int(np.prod(v.shape)) for v in params.values())))
    for s in range(0, len(labels), chunk):
        grads = per_example_gradients(loss, params, inputs[s : s + chunk], labels[s : s + chunk])
        flat_columns(grads, 0, D.shape[1], out=D[s : s + chunk])
    mean = D.mean(axis=0)
    D -= mean
    trim_heap()  # the per-example gradients' freed memory
    return D, mean


def _column_blocks(n_columns: int, rows: int, block_bytes: int, itemsize: int = 8) -> list[tuple[int, int]]:
    """Column ranges [a, b) of a rows x n_columns matrix of ``itemsize``-byte numbers, each block at most
    ``block_bytes`` (one column at least)."""
    width = max(1, block_bytes // (itemsize * rows))
    return [(a, min(a + width, n_columns)) for a in range(0, n_columns, width)]


def _device_columns(tree: dict, a: int, b: int) -> jax.Array:
    """Columns [a, b) of a dict of tensors with a leading example axis laid side by side (tensors in name order,
    each flattened), on the tensors' device, in their dtype: only the tensors that overlap the columns are sliced."""
    parts, start = [], 0
    for n in sorted(tree):
        tensor = tree[n].reshape(tree[n].shape[0], -1)
        end = start + tensor.shape[1]
        lo, hi = max(a, start), min(b, end)
        if lo < hi:
            parts.append(tensor[:, lo - start : hi - start])
        start = end
    return jnp.concatenate(parts, axis=1)


@jax.jit
def _block_products(block: jax.Array, combine: jax.Array) -> tuple[jax.Array, jax.Array]:
    """(block block^T, combine block) in float32 on the block's device, at full float32 precision."""
    highest = jax.lax.Precision.HIGHEST
    return jnp.matmul(block, block.T, precision=highest), jnp.matmul(combine, block, precision=highest)


def gram_by_blocks(
    loss: Callable,
    params: dict,
    inputs,
    labels,
    *,
    combine: np.ndarray | None = None,
    chunk: int = 256,
    block_bytes: int = 2**31,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(G, g, combine @ D): the Gram matrix of the per-example gradient deviations (M x M, float64), the pool mean
    gradient (P, float64), and the rows of ``combine`` (n x M, e.g. an example-count vector) applied to D (n x P),
    computed on JAX's device one block of at most ``block_bytes`` of D's float32 columns at a time.

    Precision: per-example gradients, the centred block of D and each block's products are float32 on the device
    (on a GPU the whole computation stays there); the mean gradient's chunk sums and G's sum over blocks are
    accumulated in float64 on the host, where float32 would lose digits as P grows. Against the float64 reference
    (``deviations`` then ``gram``) G agrees to float32 rounding (relative 1e-6 of its largest entries). With several
    blocks the per-example gradients are recomputed once per block plus once for the mean (time traded for
    memory); with one they are kept from the mean's pass."""
    chunk = check_int(chunk, "chunk", 1)
    M = len(labels)
    n_params = sum(int(np.prod(v.shape)) for v in params.values())
    blocks = _column_blocks(n_params, M, check_int(block_bytes, "block_bytes", 1), itemsize=4)
    starts = range(0, M, chunk)

    def chunk_gradients(s: int) -> dict:
        return per_example_gradients(loss, params, inputs[s : s + chunk], labels[s : s + chunk])

    kept = []
    mean = np.zeros(n_params)
    for s in starts:
        grads = chunk_gradients(s)
        for a, b in blocks:  # never the whole chunk x P matrix at once
            columns = _device_columns(grads, a, b)
            mean[a:b] += np.asarray(columns.sum(axis=0), dtype=np.float64)
            if len(blocks) == 1:
                kept.append(columns)  # the one block's columns, laid out once and reused for G
        del grads, columns
    mean /= M
    G = np.zeros((M, M))
    weights = jnp.zeros((1, M), jnp.float32) if combine is None else jnp.asarray(combine, jnp.float32)
    combined = None if combine is None else np.empty((combine.shape[0], n_params))
    for a, b in blocks:
        rows = kept if kept else [_device_columns(chunk_gradients(s), a, b) for s in starts]
        block = jnp.concatenate(rows, axis=0) - jnp.asarray(mean[a:b], jnp.float32)
        gram_block, combined_block = _block_products(block, weights)
        G += np.asarray(gram_block, dtype=np.float64)
        if combine is not None:
            combined[:, a:b] = np.asarray(combined_block, dtype=np.float64)
        del block, rows, gram_block, combined_block
        trim_heap()
    return G, mean, combined


def _quadratic_forms(rows: np.ndarray, gram: np.ndarray) -> np.ndarray:
    """rows[n] . gram . rows[n] for every row (one matrix product)."""
    return np.sum((rows @ gram) * rows, axis=1)


def minibatch_noise_norms(gram: np.ndarray, batch: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws of ||xi_B|| for minibatches of ``batch`` examples drawn with replacement from the pool."""
    batch, n = check_int(batch, "batch", 1), check_int(n, "n", 1)
    M = gram.shape[0]
    counts = np.stack([np.bincount(rng.integers(0, M, batch), minlength=M) for _ in range(n)]).astype(float)
    return np.sqrt(np.maximum(_quadratic_forms(counts, gram), 0.0)) / batch


def gaussian_reference_norms(gram: np.ndarray, batch: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws of the norm of a Gaussian vector with the minibatch noise's covariance (Sigma / batch)."""
    batch, n = check_int(batch, "batch", 1), check_int(n, "n", 1)
    M = gram.shape[0]
    w = rng.standard_normal((n, M))
    return np.sqrt(np.maximum(_quadratic_forms(w, gram), 0.0) / (M * batch))


def gram(D: np.ndarray) -> np.ndarray:
    """G = D D^T (float64)."""
    return D @ D.T
