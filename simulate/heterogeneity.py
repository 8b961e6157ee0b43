"""Kernel for het-gd-vs-sign: iterations until a vector method first reaches f(x_k) - f* <= target on
f(x) = 1/2 (x - x*)^T H (x - x*), with H diagonal (heterogeneous blocks) or dense (the rotated control).

The update rules are those of ``simulate.adaptive.vector_step``; the step is eta_k = eta0 / k^eta_power. Noise
(optional) is added to the exact gradient as in ``simulate.adaptive``; each trial owns its stream. Runs take
seconds and are not stored in the run cache, so this file is not in ``jit.KERNEL_SOURCES``: Numba notices edits to
it, and the helpers it inlines (adaptive.py, noise.py, rng.py) are listed there.
"""

import math

import numpy as np
from numba import prange

from .adaptive import draw_vector_noise, vector_step
from .jit import jit, jit_parallel
from .rng import seed_stream


@jit
def _hitting_trial(t, problem, method, noise, target, max_iter, stream, outputs):
    """One trial, written into outputs[.][t] (a helper, as Numba's parfors lose writes through unpacked tuples)."""
    hess, diagonal, x_star, x0 = problem
    code, eta0, eta_power, beta1, beta2, eps = method
    shape, kind, tail, scales, level = noise
    seed, config_hash, trial_offset = stream
    hits, finals = outputs
    d = x0.size
    states = np.empty(4, dtype=np.uint64)
    seed_stream(states, 0, seed, config_hash, trial_offset + t)
    x = x0.copy()
    m, v = np.zeros(d), np.zeros(d)
    r, g, scratch = np.empty(d), np.empty(d), np.empty(d)
    unit = np.ones(d)
    gap = math.inf
    k = 0
    for k in range(1, max_iter + 1):
        for i in range(d):
            r[i] = x[i] - x_star[i]
        gap = 0.0
        for i in range(d):
            if diagonal:
                g[i] = hess[i, i] * r[i]
            else:
                s = 0.0
                for j in range(d):
                    s += hess[i, j] * r[j]
                g[i] = s
            gap += 0.5 * r[i] * g[i]
        if gap <= target or not math.isfinite(gap):
            break
        if level > 0.0:
            draw_vector_noise(g, scratch, states, 0, shape, kind, tail, scales, level)
        vector_step(code, x, 0, g, m, v, k, eta0 / k**eta_power, math.inf, unit, 1.0, beta1, beta2, eps, 1.0)
    hits[t] = k - 1 if gap <= target else max_iter + 1
    finals[t] = gap


@jit_parallel
def iterations_to_target(problem, method, noise, target, max_iter, stream, outputs):
    """Per trial: the number of steps k until f(x_k) - f* <= target first holds (max_iter + 1: not within
    max_iter), and f - f* where it stopped.

    problem (H, diagonal, x_star, x0): H float64[d, d] (only its diagonal is read when ``diagonal``)
    method  (code, eta0, eta_power, beta1, beta2, eps): a ``simulate.adaptive.VECTOR_METHODS`` value
    noise   (shape, kind, tail, scales, level): as ``adaptive.draw_vector_noise``; level = 0 is deterministic
    stream  (seed, config_hash, trial_offset); outputs (hits int64[trials], finals float64[trials])
    """
    for t in prange(outputs[0].size):
        _hitting_trial(t, problem, method, noise, target, max_iter, stream, outputs)
