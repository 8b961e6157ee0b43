"""RMSProp and its clipping form side by side on one noise stream per trial (docs/theory.md §4, derived), as pieces.

The two paths are one trajectory in R^{2d}: x[0:d] is RMSProp (momentum b1 on the gradient): m = b1 m + (1 - b1) g,
v = b2 v + (1 - b2) g^2, x -= eta m/(sqrt(v) + eps); x[d:2d] is ACClip-style coordinate clipping of m with RMSProp's
effective step and threshold: the same m and v from its own gradients, eta_k = eta/(eps + sqrt(v)),
tau_k = (eps + sqrt(v))/sqrt(1 - b2), x -= eta_k min(1, tau_k/|m|) m. Both halves see the same noise draw. With
b1 = 0, tau_k >= |g_k| always, so the paths agree up to rounding; with b1 > 0, |m| can exceed tau_k and they part.
"""

from __future__ import annotations

import math

import numpy as np

from simulate.engine import Method, Metric, Noise, Trajectory, run_trajectory
from simulate.engine.jit import jit_inline
from simulate.pieces.methods import power_schedule
from simulate.pieces.noise import pareto_sample, validate_noise
from simulate.pieces.objectives import quadratic


@jit_inline
def _shared_coordinate_noise(g, xi, x, o, k, s, so, p):
    """The same i.i.d. draw xi_i = scales[i] law for coordinate i of both halves."""
    sample_params, scales = p
    half = g.size // 2
    for i in range(half):
        z = scales[i] * pareto_sample(s, so, sample_params)
        xi[i] = z
        g[i] += z
        g[half + i] += z


@jit_inline
def _pair_step(x, o, g, m, v, k, sched, p):
    """Path 1 on the first half, path 2 on the second; returns the coordinates where path 2's clip bound."""
    eta = sched[0]
    b1, b2, eps = p[1]
    half = g.size // 2
    bound = 0.0
    for i in range(half):
        j = half + i
        m[o + i] = b1 * m[o + i] + (1.0 - b1) * g[i]
        v[o + i] = b2 * v[o + i] + (1.0 - b2) * g[i] * g[i]
        x[o + i] -= eta * m[o + i] / (math.sqrt(v[o + i]) + eps)
        m[o + j] = b1 * m[o + j] + (1.0 - b1) * g[j]
        v[o + j] = b2 * v[o + j] + (1.0 - b2) * g[j] * g[j]
        root = eps + math.sqrt(v[o + j])
        step, tau = eta / root, root / math.sqrt(1.0 - b2)
        if abs(m[o + j]) > tau:
            bound += 1.0
            x[o + j] -= step * tau * m[o + j] / abs(m[o + j])
        else:
            x[o + j] -= step * m[o + j]
    return bound


@jit_inline
def _observe_residual(acc, b, x, o, k, p):
    half = p[0]
    for i in range(half):
        acc[b, 1] = max(acc[b, 1], abs(x[o + i] - x[o + half + i]) / max(1.0, abs(x[o + i])))


@jit_inline
def _record_pair(out, t, c, k, x, o, xbar, xi, acc, b, fbar, op, p):
    out[0][t] = acc[b, 1]
    out[1][t] = acc[b, 0] / (k * p[0])
    return True


@jit_inline
def _fill_pair(out, t, c):
    pass


def _pair_outputs(trials: int, n_ckpt: int) -> dict[str, np.ndarray]:
    return {"residual": np.empty(trials), "bound": np.empty(trials)}


def rmsprop_versus_clipping(
    hess: np.ndarray,
    x_star: np.ndarray,
    x0: np.ndarray,
    tail: float,
    eta: float,
    beta1: float,
    beta2: float,
    eps: float,
    K: int,
    *,
    trials: int,
    seed: int,
    stream_key: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Per trial (stream (seed, stream_key, t)): the largest relative difference of the two iterate sequences over
    K steps, max_{k, i} |x1 - x2| / max(1, |x1|), and the fraction of coordinate-steps where path 2's clip bound.
    Problem: f = 1/2 sum h_i (x_i - x*_i)^2, symmetric Pareto noise with tail ``tail`` on every coordinate."""
    tail = validate_noise("pareto", tail)
    d = np.asarray(x_star).size
    objective = quadratic(np.concatenate([hess, hess]), np.concatenate([x_star, x_star]), shape="vector")
    noise = Noise("shared-pareto", apply=_shared_coordinate_noise, params=((1.0, tail), np.ones(d)))
    method = Method(
        "rmsprop-and-clipping-form",
        power_schedule,
        _pair_step,
        ((float(eta), 0.0, 0.0, math.inf, 0.0), (float(beta1), float(beta2), float(eps))),
    )
    metric = Metric(
        "residual", _record_pair, _fill_pair, _pair_outputs, (d,), observe_step=_observe_residual, initial=(0.0,)
    )
    traj = Trajectory(objective, noise, method, metric, np.concatenate([x0, x0]), [int(K)], trials, seed, stream_key)
    out = run_trajectory(traj)
    return out["residual"], out["bound"]
