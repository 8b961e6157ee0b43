"""Kernels for the lower-bound constructions: first-order methods fed by the Bernoulli oracle of Theorem 5."""

import numpy as np
from numba import prange

from .jit import jit, jit_parallel
from .methods import averaging_weight, clip_threshold, power_step
from .rng import seed_stream, uniform_open

TRIAL_BLOCK = 64


@jit
def _bernoulli_block(first, nb, family, method, checkpoints, stream, out_gap):
    jump, p, b = family
    eta0, k0, step_power, clips, G, beta, x0 = method
    seed, config_hash, trial_offset = stream
    n_ckpt = checkpoints.size
    K = checkpoints[n_ckpt - 1]
    states = np.empty(4 * nb, dtype=np.uint64)
    x = np.full(nb, x0)
    xbar = np.full(nb, x0)
    hit = np.empty(nb)
    for t in range(nb):
        seed_stream(states, 4 * t, seed, config_hash, trial_offset + first + t)
    c = 0
    for k in range(1, K + 1):
        w = averaging_weight(k)
        eta = power_step(k, eta0, k0, step_power)
        tau = clip_threshold(k, G, beta) if clips else np.inf
        for t in range(nb):
            hit[t] = 1.0 if uniform_open(states, 4 * t) < p else 0.0
        for t in range(nb):
            xbar[t] += w * (x[t] - xbar[t])
            g = min(max(x[t] - jump * hit[t], -tau), tau)
            x[t] = min(max(x[t] - eta * g, 0.0), 0.5)
        if k == checkpoints[c]:
            for t in range(nb):
                e = xbar[t] - b
                out_gap[first + t, c] = 0.5 * e * e
            c += 1


@jit_parallel
def bernoulli_oracle(family, method, checkpoints, stream, out_gap):
    """(proj-)SGD / (proj-)GClip on f_b(x) = (x - b)^2/2 over X = [0, 1/2] with the Bernoulli oracle.

    family = (jump, p, b): the oracle returns x - jump with probability p, else x (E g = x - b when p jump = b).
    method = (eta0, k0, power, clips, G, beta, x0): eta_k = eta0/(k + k0)^power, tau_k = G k^beta if ``clips``.
    stream = (seed, config_hash, trial_offset). Writes f_b(xbar_k) - f* for every trial and checkpoint into
    ``out_gap`` (trials x checkpoints), xbar_k the k-weighted average of Theorem 4.
    """
    n_trials = out_gap.shape[0]
    n_blocks = (n_trials + TRIAL_BLOCK - 1) // TRIAL_BLOCK
    for blk in prange(n_blocks):
        first = blk * TRIAL_BLOCK
        _bernoulli_block(first, min(TRIAL_BLOCK, n_trials - first), family, method, checkpoints, stream, out_gap)
