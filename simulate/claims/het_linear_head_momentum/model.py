"""Kernel for het-linear-head-momentum: a softmax-regression "linear head" trained by a vector method.

Loss on a batch S: (1/|S|) sum_{i in S} [logsumexp(W x_i) - (W x_i)_{y_i}] with W in R^{C x p}; the batch gradient is
(1/|S|) sum_i (softmax(W x_i) - e_{y_i}) x_i^T. Mini-batches are drawn uniformly with replacement from the n
samples, one stream per trial (``batch = 0``: the full batch, every step). The update is a vector method of
``simulate.pieces.methods`` with a constant step eta, on W flattened; the run is an ``engine.Trajectory`` whose
objective
samples its mini-batch gradient from the trial's stream.

W is stored transposed and flat, w[j * C + c] = W[c, j], so that the inner loops run over classes: each logit
keeps its own accumulator (the sums are in the same order for any vector width) and LLVM can vectorise them.
Samples go through in blocks of SAMPLE_BLOCK and classes in tiles of CLASS_TILE, so that a row of W is read once
per block rather than once per sample; every logit still adds its features, and every gradient entry its samples,
in the order a loop over single samples would (tests/test_linear_head.py checks the bits).

Its runs (seconds to a minute each) are not stored in the run cache.
"""

import math

import numpy as np

from simulate.engine import Metric, Objective, Trajectory, run_trajectory
from simulate.engine.jit import jit, jit_inline
from simulate.engine.rng import uniform_open
from simulate.engine.vecmath import vexp
from simulate.pieces.methods import method as make_method
from simulate.pieces.noise import NONE

HEAD_OUTPUTS = ("w_norm", "logit_norm", "loss", "accuracy")
_CLASS_OUTPUTS = ("class_grad_norm", "class_w_norm", "class_bias")
# methods without clipping thresholds (GClip and CClip would need tau / B_i for W; they are not run here)
HEAD_METHODS = ("sgd", "nsgd", "signsgd", "signum", "rmsprop", "adam", "acclip")


SAMPLE_BLOCK = 16  # samples whose logits are computed together: each row of W is read once per block
CLASS_TILE = 128  # classes per tile: a block's logits of one tile (SAMPLE_BLOCK x CLASS_TILE) stay in L1


@jit_inline
def _block_logits(w, X, rows, nrows, C, Z):
    """Z[s, :C] = W x for the samples x = X[rows[s]], s < nrows. Each logit sums over features in order (the same
    sum as one sample at a time, for any tiling or vector width); tiles keep the block's logits in L1."""
    for s in range(nrows):
        Z[s, :C] = 0.0
    p = X.shape[1]
    p4 = p - p % 4
    for c0 in range(0, C, CLASS_TILE):
        c1 = min(C, c0 + CLASS_TILE)
        for j in range(0, p4, 4):  # four features per pass over the tile, added one after another as in the loop below
            w0, w1 = w[j * C + c0 : j * C + c1], w[(j + 1) * C + c0 : (j + 1) * C + c1]
            w2, w3 = w[(j + 2) * C + c0 : (j + 2) * C + c1], w[(j + 3) * C + c0 : (j + 3) * C + c1]
            for s in range(nrows):
                x = X[rows[s]]
                x0, x1, x2, x3 = x[j], x[j + 1], x[j + 2], x[j + 3]
                z_tile = Z[s, c0:c1]
                for c in range(z_tile.size):
                    z_tile[c] = (((z_tile[c] + w0[c] * x0) + w1[c] * x1) + w2[c] * x2) + w3[c] * x3
        for j in range(p4, p):
            w_tile = w[j * C + c0 : j * C + c1]  # views: indices from 0 let LLVM vectorise the inner loop
            for s in range(nrows):
                xj = X[rows[s], j]
                z_tile = Z[s, c0:c1]
                for c in range(w_tile.size):
                    z_tile[c] += w_tile[c] * xj


@jit_inline
def _softmax_residual(z, label, C, r):
    """r = softmax(z) - e_label; returns the sample's loss logsumexp(z) - z_label."""
    top = -math.inf
    for c in range(C):
        top = max(top, z[c])
    total = 0.0
    for c in range(C):  # vexp vectorises (libm's exp is an opaque call); below -700 it is not defined, and
        r[c] = vexp(max(z[c] - top, -700.0))  # exp(-700) ~ 1e-304 is 0 beside the top class's 1
    for c in range(C):
        total += r[c]
    for c in range(C):
        r[c] /= total
    r[label] -= 1.0
    return top + math.log(total) - z[label]


@jit_inline
def _block_accumulate(grad, X, rows, nrows, R, weight, C):
    """grad += weight * sum_s R[s] x_s^T (transposed flat layout), samples added in order s = 0, 1, ... to every
    entry (the same sum as one sample at a time)."""
    n4 = nrows - nrows % 4
    for c0 in range(0, C, CLASS_TILE):
        c1 = min(C, c0 + CLASS_TILE)
        for j in range(X.shape[1]):
            g_tile = grad[j * C + c0 : j * C + c1]
            for s in range(0, n4, 4):  # four samples per pass over the tile, added one after another
                a0, a1 = weight * X[rows[s], j], weight * X[rows[s + 1], j]
                a2, a3 = weight * X[rows[s + 2], j], weight * X[rows[s + 3], j]
                r0, r1, r2, r3 = R[s, c0:c1], R[s + 1, c0:c1], R[s + 2, c0:c1], R[s + 3, c0:c1]
                for c in range(g_tile.size):
                    g_tile[c] = (((g_tile[c] + a0 * r0[c]) + a1 * r1[c]) + a2 * r2[c]) + a3 * r3[c]
            for s in range(n4, nrows):
                a = weight * X[rows[s], j]
                r_tile = R[s, c0:c1]
                for c in range(g_tile.size):
                    g_tile[c] += a * r_tile[c]


@jit
def _full_pass(w, X, y, C, grad, Z, R):
    """Over all n samples: the mean loss, mean ||W x_i||_2, accuracy, and the full gradient into ``grad``;
    Z, R: scratch (SAMPLE_BLOCK x C)."""
    n = X.shape[0]
    grad[:] = 0.0
    loss, logit_norm, correct = 0.0, 0.0, 0
    rows = np.empty(SAMPLE_BLOCK, dtype=np.int64)
    for first in range(0, n, SAMPLE_BLOCK):
        nrows = min(SAMPLE_BLOCK, n - first)
        for s in range(nrows):
            rows[s] = first + s
        _block_logits(w, X, rows, nrows, C, Z)
        for s in range(nrows):
            sq = 0.0
            best = 0
            for c in range(C):
                sq += Z[s, c] * Z[s, c]
                if Z[s, c] > Z[s, best]:
                    best = c
            logit_norm += math.sqrt(sq)
            correct += best == y[rows[s]]
            loss += _softmax_residual(Z[s], y[rows[s]], C, R[s])
        _block_accumulate(grad, X, rows, nrows, R, 1.0 / n, C)
    return loss / n, logit_norm / n, correct / n


@jit
def _record(t, c, w, X, y, C, grad, Z, R, outputs):
    """Write checkpoint c of trial t: scalars (HEAD_OUTPUTS order), per-class full-gradient and weight row norms,
    and per-class weights of the last feature."""
    scalars, class_grad, class_w, class_last = outputs
    loss, logit_norm, accuracy = _full_pass(w, X, y, C, grad, Z, R)
    sq_total = 0.0
    for cls in range(C):
        gsq, wsq = 0.0, 0.0
        for j in range(X.shape[1]):
            gsq += grad[j * C + cls] ** 2
            wsq += w[j * C + cls] ** 2
        class_grad[t, c, cls] = math.sqrt(gsq)
        class_w[t, c, cls] = math.sqrt(wsq)
        class_last[t, c, cls] = w[(X.shape[1] - 1) * C + cls]
        sq_total += wsq
    scalars[t, c, 0] = math.sqrt(sq_total)
    scalars[t, c, 1] = logit_norm
    scalars[t, c, 2] = loss
    scalars[t, c, 3] = accuracy


# --- the head as pieces: its mini-batch gradient (an objective whose gradient samples from the trial's stream)
# and its recorder; params (X[trials, n, p], y[trials, n], C, batch) ---


@jit_inline
def _minibatch_gradient(g, x, o, t, s, so, p):
    """g = the batch gradient of trial t's loss at W = x[o:o+pC]; batch 0: the full batch, else ``batch``
    samples drawn uniformly with replacement from the trial's stream."""
    X3, y2, C, batch = p
    X, y = X3[t], y2[t]
    n = X.shape[0]
    size = n if batch == 0 else batch
    w = x[o : o + g.size]
    Z, R = np.empty((SAMPLE_BLOCK, C)), np.empty((SAMPLE_BLOCK, C))
    rows = np.empty(SAMPLE_BLOCK, dtype=np.int64)
    g[:] = 0.0
    for first in range(0, size, SAMPLE_BLOCK):
        nrows = min(SAMPLE_BLOCK, size - first)
        for r in range(nrows):
            rows[r] = first + r if batch == 0 else min(int(uniform_open(s, so) * n), n - 1)
        _block_logits(w, X, rows, nrows, C, Z)
        for r in range(nrows):
            _softmax_residual(Z[r], y[rows[r]], C, R[r])
        _block_accumulate(g, X, rows, nrows, R, 1.0 / size, C)


@jit_inline
def _head_loss(x, o, p):
    """The full-batch loss of trial 0's data at W = x[o:...] (nats)."""
    X3, y2, C, batch = p
    d = X3.shape[2] * C
    grad, Z, R = np.empty(d), np.empty((SAMPLE_BLOCK, C)), np.empty((SAMPLE_BLOCK, C))
    return _full_pass(x[o : o + d], X3[0], y2[0], C, grad, Z, R)[0]


@jit_inline
def _record_head(out, t, c, k, x, o, xbar, xi, acc, b, fbar, op, p):
    X3, y2, C, batch = op
    d = X3.shape[2] * C
    grad, Z, R = np.empty(d), np.empty((SAMPLE_BLOCK, C)), np.empty((SAMPLE_BLOCK, C))
    _record(t, c, x[o : o + d], X3[t], y2[t], C, grad, Z, R, out)
    return True


@jit_inline
def _fill_head(out, t, c):
    pass


def train_linear_head(
    X: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    method: str,
    eta: float,
    *,
    batch: int,
    checkpoints,
    seed: int = 0,
    stream_key: int = 0,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> dict[str, np.ndarray]:
    """Train W (C x p, from 0) on each trial's data set, recording at ``checkpoints`` (iterations, increasing;
    0 = the start).

    X: float64[trials, n, p] features, y: int64[trials, n] labels in [0, C). batch = 0: full batch, else the
    mini-batch size (with replacement). Trial t's batches come from stream (seed, stream_key, t), so two methods
    given the same seed and key see the same batches. Returns arrays over (trial, checkpoint): ``w_norm``
    (Frobenius), ``logit_norm`` (mean over samples of ||W x_i||_2), ``loss`` (mean cross-entropy, nats),
    ``accuracy``; and over (trial, checkpoint, class): ``class_grad_norm`` (rows of the full-batch gradient),
    ``class_w_norm`` (rows of W) and ``class_bias`` (W[c, p - 1], the weight of the last feature: the bias with
    ``zipf_dataset``'s constant feature). Runs are bit-identical for any thread count (trials are independent).
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.int64)
    if X.ndim != 3 or y.shape != X.shape[:2]:
        raise ValueError(f"X shape {X.shape} and y shape {y.shape}: expected (trials, n, p) and (trials, n)")
    if not isinstance(n_classes, int | np.integer) or n_classes < 2:
        raise ValueError(f"n_classes={n_classes!r} outside the accepted range: an integer >= 2")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"labels span [{y.min()}, {y.max()}], outside the accepted range [0, {n_classes - 1}]")
    if method not in HEAD_METHODS:
        raise ValueError(f"method={method!r} is not one of the accepted values {', '.join(HEAD_METHODS)}")
    if not (eta > 0 and math.isfinite(eta)):
        raise ValueError(f"eta={eta!r} outside the accepted range: finite and > 0")
    if not isinstance(batch, int | np.integer) or not 0 <= batch <= X.shape[1]:
        raise ValueError(f"batch={batch!r} outside the accepted range: 0 (full batch) or 1 ... n = {X.shape[1]}")
    for name, value in (("beta1", beta1), ("beta2", beta2)):
        if not 0 <= value < 1:
            raise ValueError(f"{name}={value!r} outside the accepted range [0, 1)")
    ck = np.asarray(checkpoints, dtype=np.int64)
    if ck.ndim != 1 or ck.size == 0 or ck[0] < 0 or np.any(np.diff(ck) <= 0):
        raise ValueError(f"checkpoints={ck.tolist()!r}: expected increasing iterations >= 0")

    def outputs(trials: int, n_ck: int) -> dict[str, np.ndarray]:
        return {
            "scalars": np.zeros((trials, n_ck, len(HEAD_OUTPUTS))),
            **{name: np.zeros((trials, n_ck, n_classes)) for name in _CLASS_OUTPUTS},
        }

    objective = Objective(
        "softmax-head", _minibatch_gradient, _head_loss, (X, y, int(n_classes), int(batch)), shape="vector"
    )
    metric = Metric("head", _record_head, _fill_head, outputs)
    step = make_method(method, "vector", eta0=eta, beta1=beta1, beta2=beta2, eps=eps)
    traj = Trajectory(objective, NONE, step, metric, np.zeros(X.shape[2] * n_classes), ck, X.shape[0], seed, stream_key)
    out = run_trajectory(traj)
    result = {name: out["scalars"][:, :, i] for i, name in enumerate(HEAD_OUTPUTS)}
    return {**result, **{name: out[name] for name in _CLASS_OUTPUTS}}


def zipf_counts(n_classes: int, n_top: int, zipf_s: float = 1.0) -> np.ndarray:
    """Samples per class, n_c = max(1, round(n_top (c + 1)^(-zipf_s))) for c = 0 ... C - 1: Zipf class frequencies
    in which every class has at least one sample."""
    for name, value, low in (("n_classes", n_classes, 2), ("n_top", n_top, 1)):
        if not isinstance(value, int | np.integer) or value < low:
            raise ValueError(f"{name}={value!r} outside the accepted range: an integer >= {low}")
    if not zipf_s >= 0:
        raise ValueError(f"zipf_s={zipf_s!r} outside the accepted range: >= 0")
    ranks = np.arange(1, n_classes + 1, dtype=float)
    return np.maximum(1, np.round(n_top * ranks ** -float(zipf_s))).astype(np.int64)


def zipf_dataset(
    n_classes: int,
    n_top: int,
    p: int,
    *,
    zipf_s: float = 1.0,
    separation: float = 1.0,
    bias: bool = True,
    trials: int = 1,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic features with Zipf class counts (``zipf_counts``), one data set per trial: X[trials, n, p] and
    y[trials, n], n = the counts' sum, samples in random order.

    Class means mu_c ~ N(0, s^2/q I_q) with q = p - 1 and s = ``separation`` (so ||mu_c|| is about s), features
    x = (mu_y + N(0, I_q/q), 1): the last feature is the constant 1 (the head's bias). ``bias=False``: q = p and
    no constant feature. Trial t's data come from numpy's PCG64 seeded by (seed, C, t).
    """
    for name, value, low in (("p", p, 2), ("trials", trials, 1)):
        if not isinstance(value, int | np.integer) or value < low:
            raise ValueError(f"{name}={value!r} outside the accepted range: an integer >= {low}")
    if not separation >= 0:
        raise ValueError(f"separation={separation!r} outside the accepted range: >= 0")
    counts = zipf_counts(n_classes, n_top, zipf_s)
    n, q = int(counts.sum()), p - 1 if bias else p
    X = np.empty((trials, n, p))
    y = np.empty((trials, n), dtype=np.int64)
    for t in range(trials):
        rng = np.random.default_rng([seed, n_classes, t])
        means = rng.standard_normal((n_classes, q)) * (separation / math.sqrt(q))
        y[t] = rng.permutation(np.repeat(np.arange(n_classes), counts))
        X[t, :, :q] = means[y[t]] + rng.standard_normal((n, q)) / math.sqrt(q)
        if bias:
            X[t, :, q] = 1.0
    return X, y
