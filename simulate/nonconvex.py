"""Kernel for Theorem 2: GClip / SGD with a constant step and threshold on the non-convex objectives of
``theory.nonconvex`` (cosine, rotated-cosine), recording the theorem's metric per trial.

Trials run in blocks of ``TRIAL_BLOCK`` under ``prange``, iteration loop outside the trial loop, each trial on its
own stream (bit-identical for any thread count, as in ``simulate.kernels``).
"""

import math

import numpy as np
from numba import prange

from .jit import jit, jit_inline, jit_parallel
from .methods import clip_global, sgd_step
from .noise import PARETO, PARETO_ONESIDED, draw_noise, onesided_pareto, symmetric_pareto
from .rng import seed_stream

COSINE, ROTATED_COSINE = 0, 1
OBJECTIVE_CODES = {"cosine": COSINE, "rotated-cosine": ROTATED_COSINE}
TRIAL_BLOCK = 64


@jit_inline
def cosine_gradient(g, x, o, kind, c):
    """Write grad f at x[o:o+d] into g (d = g.size); returns ||grad f||^2.

    cosine: grad_i = x_i - c sin(x_i). rotated-cosine: grad = x - c H sin(H x), H = I - (2/d) ones ones^T.
    """
    d = g.size
    if kind == ROTATED_COSINE:
        total = 0.0
        for i in range(d):
            total += x[o + i]
        shift = 2.0 * total / d
        total = 0.0
        for i in range(d):
            g[i] = math.sin(x[o + i] - shift)
            total += g[i]
        shift = 2.0 * total / d
        for i in range(d):
            g[i] = x[o + i] - c * (g[i] - shift)
    else:
        for i in range(d):
            g[i] = x[o + i] - c * math.sin(x[o + i])
    sq = 0.0
    for i in range(d):
        sq += g[i] * g[i]
    return sq


@jit_inline
def min_norm_sq(sq):
    """min{||v||, ||v||^2} from ||v||^2."""
    return min(math.sqrt(sq), sq)


@jit
def _nonconvex_block(first, nb, problem, noise, method, K, stream, outputs):
    """Trials first .. first+nb-1 of ``nonconvex_constant_step``."""
    kind, c, x0 = problem
    noise_kind, tail, noise_scale = noise
    eta, tau, clips = method
    seed, config_hash, trial_offset = stream
    out_avg, out_last, out_best, diverged_at = outputs
    d = x0.size
    states = np.empty(4 * nb, dtype=np.uint64)
    x = np.empty(nb * d)
    g = np.empty(d)
    acc = np.zeros(nb)
    best = np.full(nb, np.inf)
    for b in range(nb):
        seed_stream(states, 4 * b, seed, config_hash, trial_offset + first + b)
        x[b * d : (b + 1) * d] = x0
        diverged_at[first + b] = 0
    for k in range(K):
        for b in range(nb):
            if diverged_at[first + b] != 0:
                continue
            o = b * d
            m = min_norm_sq(cosine_gradient(g, x, o, kind, c))
            if not math.isfinite(m):
                diverged_at[first + b] = k + 1
                continue
            acc[b] += m
            best[b] = min(best[b], m)
            for i in range(d):
                g[i] += draw_noise(states, 4 * b, noise_kind, tail, noise_scale)
            if clips:
                clip_global(g, tau)
            sgd_step(x, o, g, eta)
    for b in range(nb):
        t = first + b
        m = min_norm_sq(cosine_gradient(g, x, b * d, kind, c))
        if diverged_at[t] == 0 and math.isfinite(m):
            out_avg[t] = acc[b] / K
            out_last[t] = m
            out_best[t] = min(best[b], m)
        else:
            diverged_at[t] = K if diverged_at[t] == 0 else diverged_at[t]
            out_avg[t] = np.inf
            out_last[t] = np.inf
            out_best[t] = np.inf


@jit
def _cosine_block_1d(first, nb, problem, noise, method, K, stream, outputs):
    """The d = 1 case of ``_nonconvex_block``: noise for the block first (Pareto draws vectorise), then one
    branch-free update loop; clipping is a clamp to [-tau, tau] (tau = inf when the method does not clip).
    A non-finite iterate is noticed at the end."""
    kind, c, x0 = problem
    noise_kind, tail, noise_scale = noise
    eta, tau, clips = method
    seed, config_hash, trial_offset = stream
    out_avg, out_last, out_best, diverged_at = outputs
    if not clips:
        tau = np.inf
    states = np.empty(4 * nb, dtype=np.uint64)
    x = np.full(nb, x0[0])
    xi = np.empty(nb)
    acc = np.zeros(nb)
    best = np.full(nb, np.inf)
    for b in range(nb):
        seed_stream(states, 4 * b, seed, config_hash, trial_offset + first + b)
    for _ in range(K):
        if noise_kind == PARETO:
            for b in range(nb):
                xi[b] = noise_scale * symmetric_pareto(states, 4 * b, tail)
        elif noise_kind == PARETO_ONESIDED:
            for b in range(nb):
                xi[b] = noise_scale * onesided_pareto(states, 4 * b, tail)
        else:
            for b in range(nb):
                xi[b] = draw_noise(states, 4 * b, noise_kind, tail, noise_scale)
        for b in range(nb):
            grad = x[b] - c * math.sin(x[b])
            m = min(abs(grad), grad * grad)
            acc[b] += m
            best[b] = min(best[b], m)
            x[b] -= eta * min(max(grad + xi[b], -tau), tau)
    for b in range(nb):
        t = first + b
        grad = x[b] - c * math.sin(x[b])
        m = min(abs(grad), grad * grad)
        if math.isfinite(acc[b]) and math.isfinite(m):
            diverged_at[t] = 0
            out_avg[t] = acc[b] / K
            out_last[t] = m
            out_best[t] = min(best[b], m)
        else:
            diverged_at[t] = K
            out_avg[t] = np.inf
            out_last[t] = np.inf
            out_best[t] = np.inf


@jit_parallel
def nonconvex_constant_step(problem, noise, method, K, stream, outputs):
    """Run GClip or SGD with constant eta (and tau) for K steps from x0 on a cosine objective.

    Arguments (tuples, as in ``simulate.kernels``):
      problem (kind, c, x0)          an OBJECTIVE_CODES value, the cosine weight c, float64[d] start
      noise   (kind, tail, scale)    a ``noise.NOISE_CODES`` value, tail index, scale (i.i.d. coordinates)
      method  (eta, tau, clips)      x_{k+1} = x_k - eta clip_tau(grad f(x_k) + xi_k); no clipping unless ``clips``
      stream  (seed, config_hash, trial_offset)
      outputs (avg, last, best, diverged_at), float64[trials] x 3 and int64[trials], written in place
    avg = (1/K) sum_{k=0}^{K-1} min{||grad f(x_k)||, ||grad f(x_k)||^2} (Theorem 2's metric, one trial),
    last = the same at x_K, best = its minimum over x_0 .. x_K. A trial whose gradient stops being finite gets +inf
    in all three and diverged_at = the 1-based step at which it was noticed (0 means it never diverged).
    """
    n_trials = outputs[0].size
    n_blocks = (n_trials + TRIAL_BLOCK - 1) // TRIAL_BLOCK
    for blk in prange(n_blocks):
        first = blk * TRIAL_BLOCK
        nb = min(TRIAL_BLOCK, n_trials - first)
        if problem[2].size == 1:
            _cosine_block_1d(first, nb, problem, noise, method, K, stream, outputs)
        else:
            _nonconvex_block(first, nb, problem, noise, method, K, stream, outputs)
