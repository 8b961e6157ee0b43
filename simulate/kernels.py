"""Trajectory kernels: one jitted loop per (objective, method) family, ``prange`` over blocks of trials.

Each trial seeds its own stream from (seed, config_hash, trial_offset + t) and never touches another trial's
numbers, so results are bit-identical for any thread count and any chunking of trials. Trials run in blocks of
``TRIAL_BLOCK`` with the iteration loop outside the trial loop: the schedule (eta_k, tau_k, averaging weight) is
computed once per block and iteration, and in d = 1 the loop over the block's trials is vectorised by LLVM.
No allocation happens in the loop; statistics are written only at the checkpoints, so memory is
O(trials x checkpoints). A trial whose iterate stops being finite is recorded as diverged: ``diverged_at`` holds
the first checkpoint at which it was non-finite, and that checkpoint and all later ones hold +inf. Nothing is
dropped and nothing raises.
"""

import math

import numpy as np
from numba import prange

from .jit import jit, jit_parallel
from .methods import averaging_weight, clip_global, clip_threshold, power_step, sgd_step
from .noise import PARETO, PARETO_ONESIDED, draw_noise, onesided_pareto, symmetric_pareto
from .objectives import PROJ_BALL, PROJ_BOX, distance, project, quadratic_grad, quadratic_value
from .rng import seed_stream

TRIAL_BLOCK = 64


@jit
def _quadratic_block(first, nb, problem, noise, method, projection, checkpoints, stream, outputs):
    """Trials first .. first+nb-1 of ``strongly_convex_quadratic``.

    A separate function because Numba optimises a plain jitted body far better than the same code inside a
    parfor (measured 3x). The trials' iterates and generator states sit side by side in flat arrays and the
    trial loop is innermost, so their independent dependency chains overlap in the CPU.
    """
    hess, x_star, x0 = problem
    noise_kind, tail, noise_scale = noise
    eta0, k0, step_power, clips, G, beta = method
    proj_kind, proj_center, proj_radius, proj_lower, proj_upper = projection
    seed, config_hash, trial_offset = stream
    out_avg_dist, out_avg_gap, out_last_dist, out_max_dist, out_noise, diverged_at = outputs
    n_ckpt = checkpoints.size
    K = checkpoints[n_ckpt - 1]
    d = x0.size
    states = np.empty(4 * nb, dtype=np.uint64)
    x = np.empty(nb * d)
    xbar = np.empty(nb * d)
    g = np.empty(d)
    alive = np.ones(nb, dtype=np.bool_)
    max_dist = np.zeros(nb)
    for b in range(nb):
        seed_stream(states, 4 * b, seed, config_hash, trial_offset + first + b)
        x[b * d : (b + 1) * d] = x0
        xbar[b * d : (b + 1) * d] = x0
        diverged_at[first + b] = 0
    c = 0
    for k in range(1, K + 1):
        w = averaging_weight(k)
        eta = power_step(k, eta0, k0, step_power)
        tau = clip_threshold(k, G, beta) if clips else np.inf
        record = k == checkpoints[c]
        for b in range(nb):
            if not alive[b]:
                continue
            o = b * d
            for i in range(d):
                xbar[o + i] += w * (x[o + i] - xbar[o + i])
            quadratic_grad(g, x, o, hess, x_star)
            noise0 = 0.0
            for i in range(d):
                z = draw_noise(states, 4 * b, noise_kind, tail, noise_scale)
                noise0 = z if i == 0 else noise0
                g[i] += z
            if clips:
                clip_global(g, tau)
            sgd_step(x, o, g, eta)
            project(x, o, proj_kind, proj_center, proj_radius, proj_lower, proj_upper)
            dist = distance(x, o, x_star)
            max_dist[b] = max(max_dist[b], dist)
            t = first + b
            if not math.isfinite(dist):
                alive[b] = False
                diverged_at[t] = checkpoints[c]
                for j in range(c, n_ckpt):
                    out_avg_dist[t, j] = np.inf
                    out_avg_gap[t, j] = np.inf
                    out_last_dist[t, j] = np.inf
                    out_max_dist[t, j] = np.inf
                    out_noise[t, j] = np.nan
            elif record:
                out_avg_dist[t, c] = distance(xbar, o, x_star)
                out_avg_gap[t, c] = quadratic_value(xbar, o, hess, x_star)
                out_last_dist[t, c] = dist
                out_max_dist[t, c] = max_dist[b]
                out_noise[t, c] = noise0
        if record:
            c += 1


@jit
def _quadratic_block_1d(first, nb, problem, noise, method, projection, checkpoints, stream, outputs):
    """The d = 1 case of ``_quadratic_block``, written so that LLVM vectorises the loops over trials.

    Noise for the whole block is drawn first (Pareto laws vectorise; the others stay scalar), then one branch-free
    loop updates every trial: clipping and projection are min/max against bounds that are infinite when the method
    does not clip or project. A non-finite iterate is noticed at the next checkpoint.
    """
    hess, x_star, x0 = problem
    noise_kind, tail, noise_scale = noise
    eta0, k0, step_power, clips, G, beta = method
    proj_kind, proj_center, proj_radius, proj_lower, proj_upper = projection
    seed, config_hash, trial_offset = stream
    out_avg_dist, out_avg_gap, out_last_dist, out_max_dist, out_noise, diverged_at = outputs
    n_ckpt = checkpoints.size
    K = checkpoints[n_ckpt - 1]
    h, xs = hess[0], x_star[0]
    lo, hi = -np.inf, np.inf
    if proj_kind == PROJ_BALL:
        lo, hi = proj_center[0] - proj_radius, proj_center[0] + proj_radius
    elif proj_kind == PROJ_BOX:
        lo, hi = proj_lower[0], proj_upper[0]
    states = np.empty(4 * nb, dtype=np.uint64)
    x = np.full(nb, x0[0])
    xbar = np.full(nb, x0[0])
    xi = np.empty(nb)
    max_dist = np.zeros(nb)
    for b in range(nb):
        seed_stream(states, 4 * b, seed, config_hash, trial_offset + first + b)
        diverged_at[first + b] = 0
    c = 0
    for k in range(1, K + 1):
        w = averaging_weight(k)
        eta = power_step(k, eta0, k0, step_power)
        tau = clip_threshold(k, G, beta) if clips else np.inf
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


@jit_parallel
def strongly_convex_quadratic(problem, noise, method, projection, checkpoints, stream, outputs):
    """Run (proj-)SGD / (proj-)GClip on f(x) = 1/2 sum h_i (x_i - x*_i)^2 (Theorem 4 schedule or a constant step).

    Arguments are grouped in tuples (one signature serves every block function):
      problem    (hess, x_star, x0)                  float64[d] each; f = 1/2 sum h_i (x_i - x*_i)^2
      noise      (kind, tail, scale)                 a ``noise.NOISE_CODES`` value, tail index, scale
      method     (eta0, k0, power, clips, G, beta)   eta_k = eta0/(k + k0)^power; tau_k = G k^beta if ``clips``
      projection (kind, center, radius, lower, upper) an ``objectives.PROJECTIONS`` value and its set
      stream     (seed, config_hash, trial_offset)   uint64 each: trial t draws from stream trial_offset + t
      outputs    (avg_dist, avg_gap, last_dist, max_dist, noise, diverged_at), written in place
    Stochastic gradient g = h (x - x*) + xi with i.i.d. coordinates xi_i ~ scale * law(kind, tail). At checkpoint
    k it records ||xbar_k - x*||, f(xbar_k) - f* (xbar_k = sum_{j<=k} j x_{j-1} / sum j), ||x_k - x*||,
    max_{j<=k} ||x_j - x*|| and the noise g_k - grad f(x_{k-1}) of coordinate 0 into the (trials, checkpoints)
    outputs; K = checkpoints[-1].
    """
    n_trials = outputs[0].shape[0]
    n_blocks = (n_trials + TRIAL_BLOCK - 1) // TRIAL_BLOCK
    for blk in prange(n_blocks):
        first = blk * TRIAL_BLOCK
        nb = min(TRIAL_BLOCK, n_trials - first)
        if problem[2].size == 1:
            _quadratic_block_1d(first, nb, problem, noise, method, projection, checkpoints, stream, outputs)
        else:
            _quadratic_block(first, nb, problem, noise, method, projection, checkpoints, stream, outputs)
