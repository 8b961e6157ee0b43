"""Built-in metrics (what a trajectory records) as ``engine.Metric`` pieces.

trajectory   Theorem 4's statistics at every checkpoint k (any objective with minimiser x*): avg_dist = ||xbar_k - x*||,
             avg_gap = f(xbar_k) - f* (the objective's ``value``),
             last_dist = ||x_k - x*||, max_dist = max_{j<=k} ||x_j - x*||, noise = the noise of coordinate 0 drawn
             at iteration k (xbar_k the k-weighted average); params (x_star,) (float in d = 1, array in d > 1)
squared      at every checkpoint, on the quadratic: avg_sq = ||xbar_k - x*||^2, last_sq = ||x_k - x*||^2,
             gap = f(x_k) - f*
theorem2     once, at the horizon K: avg = (1/K) sum_{k<K} min{||grad f(x_k)||, ||grad f(x_k)||^2} (Theorem 2's
             metric), last = the same at x_K, best = its minimum over x_0 .. x_K
A trial whose record is not finite gets +inf (noise: NaN) from its first such checkpoint on.
"""

from __future__ import annotations

import math

import numpy as np

from simulate.engine.interfaces import Metric
from simulate.engine.jit import jit_inline
from simulate.pieces.objectives import _cosine_gradient, _cosine_gradient_scalar, _rotated_cosine_gradient, distance

TRAJECTORY_OUTPUTS = ("avg_dist", "avg_gap", "last_dist", "max_dist", "noise")


def _per_checkpoint(names):
    def outputs(trials: int, n_ckpt: int) -> dict[str, np.ndarray]:
        return {name: np.empty((trials, n_ckpt)) for name in names}

    return outputs


def _per_trial(names):
    def outputs(trials: int, n_ckpt: int) -> dict[str, np.ndarray]:
        return {name: np.empty(trials) for name in names}

    return outputs


@jit_inline
def _fill_trajectory(out, t, c):
    out[0][t, c] = np.inf
    out[1][t, c] = np.inf
    out[2][t, c] = np.inf
    out[3][t, c] = np.inf
    out[4][t, c] = np.nan


@jit_inline
def _track_max_distance(a0, a1, x_prev, grad_prev, x, p):
    return max(a0, abs(x - p[0])), a1


@jit_inline
def _record_trajectory_scalar(out, t, c, k, x, xbar, xi, a0, a1, fbar, op, p):
    if not math.isfinite(x):
        return False
    xs = p[0]
    out[0][t, c] = abs(xbar - xs)
    out[1][t, c] = fbar
    out[2][t, c] = abs(x - xs)
    out[3][t, c] = a0
    out[4][t, c] = xi
    return True


@jit_inline
def _observe_max_distance(acc, b, x, o, k, p):
    acc[b, 1] = max(acc[b, 1], distance(x, o, p[0]))


@jit_inline
def _record_trajectory_vector(out, t, c, k, x, o, xbar, xi, acc, b, fbar, op, p):
    x_star = p[0]
    dist = distance(x, o, x_star)
    if not math.isfinite(dist):
        return False
    out[0][t, c] = distance(xbar, o, x_star)
    out[1][t, c] = fbar
    out[2][t, c] = dist
    out[3][t, c] = acc[b, 1]
    out[4][t, c] = xi[0]
    return True


def trajectory(x_star) -> Metric:
    """Theorem 4's trajectory statistics as an ``engine.Metric``.

    Parameters
    ----------
    x_star : the objective's minimiser: a float for scalar problems, float64[d] for vector ones.

    Returns
    -------
    A metric recording ``TRAJECTORY_OUTPUTS`` (trials x checkpoints each) with Theorem 4's k-weighted average.
    """
    outputs = _per_checkpoint(TRAJECTORY_OUTPUTS)
    if np.ndim(x_star) == 0:
        return Metric(
            "trajectory",
            _record_trajectory_scalar,
            _fill_trajectory,
            outputs,
            (float(x_star),),
            track=_track_max_distance,
            averages=True,
        )
    x_star = np.ascontiguousarray(x_star, dtype=np.float64)
    return Metric(
        "trajectory",
        _record_trajectory_vector,
        _fill_trajectory,
        outputs,
        (x_star,),
        observe_step=_observe_max_distance,
        initial=(0.0,),
        averages=True,
    )


@jit_inline
def _fill_squared(out, t, c):
    out[0][t, c] = np.inf
    out[1][t, c] = np.inf
    out[2][t, c] = np.inf


@jit_inline
def _record_squared(out, t, c, k, x, o, xbar, xi, acc, b, fbar, op, p):
    x_star, hess = p[0], op[0]
    avg_sq, last_sq, gap = 0.0, 0.0, 0.0
    for i in range(x_star.size):
        e = xbar[o + i] - x_star[i]
        avg_sq += e * e
        e = x[o + i] - x_star[i]
        last_sq += e * e
        gap += 0.5 * hess[i] * e * e
    if not (math.isfinite(avg_sq) and math.isfinite(last_sq)):
        return False
    out[0][t, c] = avg_sq
    out[1][t, c] = last_sq
    out[2][t, c] = gap
    return True


def squared(x_star) -> Metric:
    """avg_sq, last_sq and gap (see the module docstring) on a vector quadratic objective."""
    x_star = np.ascontiguousarray(x_star, dtype=np.float64)
    return Metric(
        "squared",
        _record_squared,
        _fill_squared,
        _per_checkpoint(("avg_sq", "last_sq", "gap")),
        (x_star,),
        initial=(0.0,),
        averages=True,
    )


@jit_inline
def min_norm_sq(sq):
    """min{||v||, ||v||^2} from ||v||^2."""
    return min(math.sqrt(sq), sq)


@jit_inline
def _fill_theorem2(out, t, c):
    out[0][t] = np.inf
    out[1][t] = np.inf
    out[2][t] = np.inf


@jit_inline
def _track_theorem2(a0, a1, x_prev, grad_prev, x, p):
    m = min(abs(grad_prev), grad_prev * grad_prev)
    return a0 + m, min(a1, m)


@jit_inline
def _write_theorem2(out, t, k, total, best, m):
    if not (math.isfinite(total) and math.isfinite(m)):
        return False
    out[0][t] = total / k
    out[1][t] = m
    out[2][t] = min(best, m)
    return True


@jit_inline
def _record_theorem2_scalar(out, t, c, k, x, xbar, xi, a0, a1, fbar, op, p):
    grad = _cosine_gradient_scalar(x, op)
    return _write_theorem2(out, t, k, a0, a1, min(abs(grad), grad * grad))


@jit_inline
def _observe_theorem2(acc, b, x, o, g, k, p):
    sq = 0.0
    for i in range(g.size):
        sq += g[i] * g[i]
    m = min_norm_sq(sq)
    acc[b, 1] += m
    acc[b, 2] = min(acc[b, 2], m)
    return not math.isfinite(m)


@jit_inline
def _norm_measure(g):
    sq = 0.0
    for i in range(g.size):
        sq += g[i] * g[i]
    return min_norm_sq(sq)


@jit_inline
def _record_theorem2_cosine(out, t, c, k, x, o, xbar, xi, acc, b, fbar, op, p):
    g = np.empty(op[1])
    _cosine_gradient(g, x, o, t, xi, 0, op)
    return _write_theorem2(out, t, k, acc[b, 1], acc[b, 2], _norm_measure(g))


@jit_inline
def _record_theorem2_rotated(out, t, c, k, x, o, xbar, xi, acc, b, fbar, op, p):
    g = np.empty(op[1])
    _rotated_cosine_gradient(g, x, o, t, xi, 0, op)
    return _write_theorem2(out, t, k, acc[b, 1], acc[b, 2], _norm_measure(g))


def theorem2(objective: str, d: int) -> Metric:
    """Theorem 2's metric (avg, last, best; see the module docstring) on the cosine objectives of
    ``simulate.pieces.objectives.cosine`` (record with checkpoints = [K])."""
    outputs = _per_trial(("avg", "last", "best"))
    if d == 1 and objective == "cosine":
        return Metric(
            "theorem2", _record_theorem2_scalar, _fill_theorem2, outputs, track=_track_theorem2, initial=(0.0, np.inf)
        )
    record = _record_theorem2_rotated if objective == "rotated-cosine" else _record_theorem2_cosine
    return Metric(
        "theorem2", record, _fill_theorem2, outputs, observe_gradient=_observe_theorem2, initial=(0.0, np.inf)
    )
