"""Vector methods in R^d (coordinate clipping, ACClip and the adaptive family) and their trajectory kernel on the
quadratic f(x) = 1/2 sum_i h_i (x_i - x*_i)^2.

Every method updates x[o:o+d] in place from the stochastic gradient g, with per-trial state m, v (same layout as
x), at 1-based iteration k with step eta and thresholds tau (global) or B_i k^beta (per coordinate):
  sgd       x -= eta g
  gclip     x -= eta min(1, tau/||g||) g
  cclip     x_i -= eta min(1, tau_i/|g_i|) g_i
  nsgd      x -= eta g/||g||                         (no step when g = 0)
  signsgd   x -= eta sign(g)                         (sign(0) = 0)
  signum    m = b1 m + (1 - b1) g;  x -= eta sign(m)
  rmsprop   v = b2 v + (1 - b2) g^2;  x -= eta g/(sqrt(v) + eps)
  adam      m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  x -= eta mhat/(sqrt(vhat) + eps),
            mhat = m/(1 - b1^k), vhat = v/(1 - b2^k)      (bias-corrected, no weight decay)
  acclip    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) |g|^p  (v holds tau^p, p = ``order``, tau_0 = 0);
            x_i -= eta min(1, tau_i/(|m_i| + eps)) m_i with tau_i = v_i^(1/p)
ACClip is Algorithm 1 of [Z] as recalled in THEORY.md §3: clipping applied to the momentum, threshold from an EMA of
|g|^p; no bias correction, no weight decay, no global pre-clip. Its paper defaults are b1 = 0.9, b2 = 0.99,
eps = 1e-5 and p = 1 ("alpha = 1 works best").
"""

import math

import numpy as np
from numba import prange

from .jit import jit, jit_inline, jit_parallel
from .methods import averaging_weight, clip_threshold, power_step
from .noise import draw_noise, std_normal, symmetric_pareto
from .rng import seed_stream

SGD, GCLIP, CCLIP, NSGD, SIGNSGD, SIGNUM, RMSPROP, ADAM, ACCLIP = range(9)
VECTOR_METHODS = {
    "sgd": SGD,
    "gclip": GCLIP,
    "cclip": CCLIP,
    "nsgd": NSGD,
    "signsgd": SIGNSGD,
    "signum": SIGNUM,
    "rmsprop": RMSPROP,
    "adam": ADAM,
    "acclip": ACCLIP,
}
COORDINATE, RADIAL = 0, 1
NOISE_SHAPES = {"coordinate": COORDINATE, "radial": RADIAL}


@jit_inline
def _sign(z):
    return 1.0 if z > 0.0 else (-1.0 if z < 0.0 else 0.0)


@jit_inline
def vector_step(code, x, o, g, m, v, k, eta, tau, B, tau_growth, beta1, beta2, eps, order):
    """One step of method ``code`` on x[o:o+d] (d = g.size), state m[o:o+d], v[o:o+d]; k is 1-based.

    tau is the global threshold (gclip); CClip's thresholds are B[i] * tau_growth. ``g`` is not modified.
    """
    d = g.size
    if code == SGD:
        for i in range(d):
            x[o + i] -= eta * g[i]
    elif code == GCLIP or code == NSGD:
        sq = 0.0
        for i in range(d):
            sq += g[i] * g[i]
        if code == NSGD:
            factor = 1.0 / math.sqrt(sq) if sq > 0.0 else 0.0
        else:
            factor = tau / math.sqrt(sq) if sq > tau * tau else 1.0
        for i in range(d):
            x[o + i] -= eta * factor * g[i]
    elif code == CCLIP:
        for i in range(d):
            t = B[i] * tau_growth
            x[o + i] -= eta * min(max(g[i], -t), t)
    elif code == SIGNSGD:
        for i in range(d):
            x[o + i] -= eta * _sign(g[i])
    elif code == SIGNUM:
        for i in range(d):
            m[o + i] = beta1 * m[o + i] + (1.0 - beta1) * g[i]
            x[o + i] -= eta * _sign(m[o + i])
    elif code == RMSPROP:
        for i in range(d):
            v[o + i] = beta2 * v[o + i] + (1.0 - beta2) * g[i] * g[i]
            denom = math.sqrt(v[o + i]) + eps
            x[o + i] -= eta * g[i] / denom if denom > 0.0 else 0.0  # eps = 0 and g = 0 so far: no step
    elif code == ADAM:
        c1 = 1.0 - beta1**k
        c2 = 1.0 - beta2**k
        for i in range(d):
            m[o + i] = beta1 * m[o + i] + (1.0 - beta1) * g[i]
            v[o + i] = beta2 * v[o + i] + (1.0 - beta2) * g[i] * g[i]
            denom = math.sqrt(v[o + i] / c2) + eps
            x[o + i] -= eta * (m[o + i] / c1) / denom if denom > 0.0 else 0.0
    else:  # ACCLIP
        for i in range(d):
            m[o + i] = beta1 * m[o + i] + (1.0 - beta1) * g[i]
            v[o + i] = beta2 * v[o + i] + (1.0 - beta2) * abs(g[i]) ** order
            t = v[o + i] ** (1.0 / order)
            mi = m[o + i]
            x[o + i] -= eta * (mi if abs(mi) + eps <= t else t * mi / (abs(mi) + eps))


@jit_inline
def draw_vector_noise(g, scratch, states, so, shape, kind, tail, scales, level):
    """Add one noise vector to g: i.i.d. coordinates xi_i = level * scales[i] * law(kind, tail) (coordinate), or
    level * scales[0] * R * u with u uniform on the sphere and R = |symmetric Pareto(tail)| (radial).
    ``scratch`` is a float64[d] work array."""
    d = g.size
    if shape == COORDINATE:
        for i in range(d):
            g[i] += level * draw_noise(states, so, kind, tail, scales[i])
        return
    # radial: the direction from d standard normals, normalised; the radius is heavy-tailed
    sq = 0.0
    for i in range(d):
        z = std_normal(states, so)
        scratch[i] = z
        sq += z * z
    radius = abs(symmetric_pareto(states, so, tail)) * level * scales[0] / math.sqrt(sq)
    for i in range(d):
        g[i] += radius * scratch[i]


@jit
def _adaptive_block(first, nb, problem, noise, method, checkpoints, stream, outputs):
    hess, x_star, x0 = problem
    shape, kind, tail, scales, decay_t0, decay_power = noise
    code, eta0, k0, step_power, G, B, beta, beta1, beta2, eps, order = method
    seed, config_hash, trial_offset = stream
    out_avg_sq, out_last_sq, out_gap, diverged_at = outputs
    n_ckpt = checkpoints.size
    K = checkpoints[n_ckpt - 1]
    d = x0.size
    states = np.empty(4 * nb, dtype=np.uint64)
    x = np.empty(nb * d)
    xbar = np.empty(nb * d)
    m = np.zeros(nb * d)
    v = np.zeros(nb * d)
    g = np.empty(d)
    scratch = np.empty(d)
    for b in range(nb):
        seed_stream(states, 4 * b, seed, config_hash, trial_offset + first + b)
        x[b * d : (b + 1) * d] = x0
        xbar[b * d : (b + 1) * d] = x0
        diverged_at[first + b] = 0
    c = 0
    for k in range(1, K + 1):
        w = averaging_weight(k)
        eta = power_step(k, eta0, k0, step_power)
        growth = clip_threshold(k, 1.0, beta)
        tau = G * growth
        level = (1.0 + k / decay_t0) ** (-decay_power)
        record = k == checkpoints[c]
        for b in range(nb):
            t = first + b
            o = b * d
            if diverged_at[t] != 0:
                continue
            for i in range(d):
                xbar[o + i] += w * (x[o + i] - xbar[o + i])
                g[i] = hess[i] * (x[o + i] - x_star[i])
            draw_vector_noise(g, scratch, states, 4 * b, shape, kind, tail, scales, level)
            vector_step(code, x, o, g, m, v, k, eta, tau, B, growth, beta1, beta2, eps, order)
            if record:
                avg_sq, last_sq, gap = 0.0, 0.0, 0.0
                for i in range(d):
                    e = xbar[o + i] - x_star[i]
                    avg_sq += e * e
                    e = x[o + i] - x_star[i]
                    last_sq += e * e
                    gap += 0.5 * hess[i] * e * e
                if not (math.isfinite(avg_sq) and math.isfinite(last_sq)):
                    diverged_at[t] = k
                    for j in range(c, n_ckpt):
                        out_avg_sq[t, j] = np.inf
                        out_last_sq[t, j] = np.inf
                        out_gap[t, j] = np.inf
                else:
                    out_avg_sq[t, c] = avg_sq
                    out_last_sq[t, c] = last_sq
                    out_gap[t, c] = gap
        if record:
            c += 1


def trial_block(d: int) -> int:
    """Trials per parallel block: 64 in low dimension, fewer as d grows so that large-d runs still use every
    thread (results do not depend on it: each trial owns its stream)."""
    return max(1, min(64, 4096 // d))


@jit_parallel
def adaptive_quadratic(problem, noise, method, checkpoints, stream, outputs, block):
    """Run a vector method on f(x) = 1/2 sum h_i (x_i - x*_i)^2 with heavy-tailed noise, recording at checkpoints.

    Arguments (tuples, as in ``simulate.kernels``):
      problem (hess, x_star, x0)            float64[d] each
      noise   (shape, kind, tail, scales, decay_t0, decay_power)
              a NOISE_SHAPES value, a ``noise.NOISE_CODES`` value, tail index, float64[d] coordinate scales
              (radial uses scales[0]); the whole vector is multiplied by (1 + k/decay_t0)^(-decay_power)
              (decay_t0 = inf: stationary)
      method  (code, eta0, k0, power, G, B, beta, beta1, beta2, eps, order)
              a VECTOR_METHODS value; eta_k = eta0/(k + k0)^power; tau_k = G k^beta; CClip tau_k,i = B_i k^beta
      stream  (seed, config_hash, trial_offset)
      outputs (avg_sq, last_sq, gap, diverged_at): (trials, checkpoints) float64 x 3, int64[trials]
    At checkpoint k: ||xbar_k - x*||^2 (xbar_k the k-weighted average of Theorem 4), ||x_k - x*||^2, f(x_k) - f*.
    A trial whose iterate stops being finite gets +inf from its first bad checkpoint on.
    """
    n_trials = outputs[0].shape[0]
    n_blocks = (n_trials + block - 1) // block
    for blk in prange(n_blocks):
        first = blk * block
        _adaptive_block(first, min(block, n_trials - first), problem, noise, method, checkpoints, stream, outputs)


@jit
def _rmsprop_versus_clipping_trial(trial, problem, noise, params, K, stream, outputs):
    """One trial of ``rmsprop_versus_clipping``, written into outputs[.][trial]. (Writing from the caller's prange
    body through arrays unpacked from the outputs tuple silently wrote nothing under Numba 0.68.)"""
    hess, x_star, x0 = problem
    shape, kind, tail, scales = noise
    eta, b1, b2, eps = params
    seed, config_hash, trial_offset = stream
    d = x0.size
    states = np.empty(4, dtype=np.uint64)
    seed_stream(states, 0, seed, config_hash, trial_offset + trial)
    x1, x2 = x0.copy(), x0.copy()
    m1, v1, m2, v2 = np.zeros(d), np.zeros(d), np.zeros(d), np.zeros(d)
    xi, scratch = np.empty(d), np.empty(d)
    residual, bound = 0.0, 0
    for _ in range(K):
        xi[:] = 0.0
        draw_vector_noise(xi, scratch, states, 0, shape, kind, tail, scales, 1.0)
        for i in range(d):
            g1 = hess[i] * (x1[i] - x_star[i]) + xi[i]
            m1[i] = b1 * m1[i] + (1.0 - b1) * g1
            v1[i] = b2 * v1[i] + (1.0 - b2) * g1 * g1
            x1[i] -= eta * m1[i] / (math.sqrt(v1[i]) + eps)
            g2 = hess[i] * (x2[i] - x_star[i]) + xi[i]
            m2[i] = b1 * m2[i] + (1.0 - b1) * g2
            v2[i] = b2 * v2[i] + (1.0 - b2) * g2 * g2
            root = eps + math.sqrt(v2[i])
            step, tau = eta / root, root / math.sqrt(1.0 - b2)
            if abs(m2[i]) > tau:
                bound += 1
                x2[i] -= step * tau * m2[i] / abs(m2[i])
            else:
                x2[i] -= step * m2[i]
            residual = max(residual, abs(x1[i] - x2[i]) / max(1.0, abs(x1[i])))
    outputs[0][trial] = residual
    outputs[1][trial] = bound / (K * d)


@jit_parallel
def rmsprop_versus_clipping(problem, noise, params, K, stream, outputs):
    """RMSProp and its clipping form side by side on one noise stream per trial (THEORY.md §4, derived).

    Path 1 (RMSProp, momentum b1 on the gradient): m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2,
    x -= eta m/(sqrt(v) + eps). Path 2 (ACClip-style coordinate clipping of m with RMSProp's effective step and
    threshold): the same m and v from its own gradients, eta_k = eta/(eps + sqrt(v)), tau_k = (eps + sqrt(v))/
    sqrt(1 - b2), x -= eta_k min(1, tau_k/|m|) m. With b1 = 0, tau_k >= |g_k| always, so the paths agree up to
    rounding; with b1 > 0, |m| can exceed tau_k and they part.
    problem (hess, x_star, x0); noise (shape, kind, tail, scales); params (eta, b1, b2, eps);
    outputs (residual, bound): per trial, max over k and i of |x1 - x2| / max(1, |x1|), and the fraction of
    coordinate-steps where path 2's clipping bound.
    """
    for t in prange(outputs[0].size):
        _rmsprop_versus_clipping_trial(t, problem, noise, params, K, stream, outputs)
