"""Hand-written kernels kept only as the benchmark's yardstick: the loops the composed kernels replaced, as they
were written before ``simulate.engine`` (d = 1 proj-GClip with symmetric Pareto noise; GClip and CClip in R^d).
``make bench`` times them beside the composed kernels in the same run and checks the outputs are bit-identical."""

import math

import numpy as np

from simulate.engine.jit import jit
from simulate.engine.primitives import averaging_weight
from simulate.engine.rng import seed_stream
from simulate.pieces.methods import clip_global, clip_threshold, power_step
from simulate.pieces.noise import symmetric_pareto


@jit
def scalar_block(first, nb, h, xs, x0, tail, scale, eta0, k0, power, G, beta, lo, hi, checkpoints, seed, key, outputs):
    """proj-GClip on f = h/2 (x - xs)^2 over [lo, hi], trials first .. first + nb - 1 (the old d = 1 kernel)."""
    out_avg_dist, out_avg_gap, out_last_dist, out_max_dist, out_noise, diverged_at = outputs
    n_ckpt = checkpoints.size
    K = checkpoints[n_ckpt - 1]
    states = np.empty((4, nb), dtype=np.uint64)
    x = np.full(nb, x0)
    xbar = np.full(nb, x0)
    xi = np.empty(nb)
    max_dist = np.zeros(nb)
    for b in range(nb):
        seed_stream(states, b, seed, key, np.uint64(first + b))
        diverged_at[first + b] = 0
    c = 0
    for k in range(1, K + 1):
        w = averaging_weight(k)
        eta = power_step(k, eta0, k0, power)
        tau = clip_threshold(k, G, beta)
        for b in range(nb):
            xi[b] = scale * symmetric_pareto(states, b, tail)
        for b in range(nb):
            xbar[b] += w * (x[b] - xbar[b])
            g = min(max(h * (x[b] - xs) + xi[b], -tau), tau)
            x[b] = min(max(x[b] - eta * g, lo), hi)
            max_dist[b] = max(max_dist[b], abs(x[b] - xs))
        if k == checkpoints[c]:
            for b in range(nb):
                t = first + b
                if diverged_at[t] == 0 and not math.isfinite(x[b]):
                    diverged_at[t] = k
                if diverged_at[t] != 0:
                    out_avg_dist[t, c] = np.inf
                    out_avg_gap[t, c] = np.inf
                    out_last_dist[t, c] = np.inf
                    out_max_dist[t, c] = np.inf
                    out_noise[t, c] = np.nan
                else:
                    e = xbar[b] - xs
                    out_avg_dist[t, c] = abs(e)
                    out_avg_gap[t, c] = 0.5 * h * e * e
                    out_last_dist[t, c] = abs(x[b] - xs)
                    out_max_dist[t, c] = max_dist[b]
                    out_noise[t, c] = xi[b]
            c += 1


@jit
def vector_block(
    first, nb, hess, x_star, x0, tail, scales, cclip, eta0, k0, power, G, B, beta, checkpoints, seed, key, outputs
):
    """GClip (or CClip) on f = 1/2 sum h_i (x_i - x*_i)^2 with i.i.d. Pareto coordinates (the old R^d kernel)."""
    out_avg_sq, out_last_sq, out_gap, diverged_at = outputs
    n_ckpt = checkpoints.size
    K = checkpoints[n_ckpt - 1]
    d = x0.size
    states = np.empty((4, nb), dtype=np.uint64)
    x = np.empty(nb * d)
    xbar = np.empty(nb * d)
    g = np.empty(d)
    for b in range(nb):
        seed_stream(states, b, seed, key, np.uint64(first + b))
        x[b * d : (b + 1) * d] = x0
        xbar[b * d : (b + 1) * d] = x0
        diverged_at[first + b] = 0
    c = 0
    for k in range(1, K + 1):
        w = averaging_weight(k)
        eta = power_step(k, eta0, k0, power)
        growth = clip_threshold(k, 1.0, beta)
        record = k == checkpoints[c]
        for b in range(nb):
            t = first + b
            o = b * d
            if diverged_at[t] != 0:
                continue
            for i in range(d):
                xbar[o + i] += w * (x[o + i] - xbar[o + i])
                g[i] = hess[i] * (x[o + i] - x_star[i])
            for i in range(d):
                g[i] += 1.0 * (scales[i] * (1.0 * symmetric_pareto(states, b, tail)))
            if cclip:
                for i in range(d):
                    th = B[i] * growth
                    x[o + i] -= eta * min(max(g[i], -th), th)
            else:
                clip_global(g, G * growth)
                for i in range(d):
                    x[o + i] -= eta * g[i]
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


@jit
def draws_block(first, nb, tail, K, seed, key, sink):
    """The d = 1 kernel's floor: only its noise draws (K symmetric Pareto draws per trial, trials first .. first +
    nb - 1, on their own streams), summed into ``sink`` so that the compiler keeps them."""
    states = np.empty((4, nb), dtype=np.uint64)
    acc = np.zeros(nb)
    for b in range(nb):
        seed_stream(states, b, seed, key, np.uint64(first + b))
    for _ in range(K):
        for b in range(nb):
            acc[b] += symmetric_pareto(states, b, tail)
    for b in range(nb):
        sink[first + b] = acc[b]
