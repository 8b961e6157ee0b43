"""The zero-chain function of Arjevani et al. (2019) used in Theorem 6 of [Z], and a probability-p oracle.

f_d(x) = -Psi(1) Phi(x_1) + sum_{i=2}^{d} [Psi(-x_{i-1}) Phi(-x_i) - Psi(x_{i-1}) Phi(x_i)],
Psi(t) = 0 for t <= 1/2, exp(1 - 1/(2t - 1)^2) for t > 1/2;  Phi(t) = sqrt(e) int_{-inf}^t exp(-s^2/2) ds.
prog_beta(x) = the largest 1-based index i with |x_i| > beta (0 if none). A zero-respecting method started at 0
can only make coordinate prog_0(x) + 1 non-zero, and the oracle reveals it only with probability p.
"""

import math

import numpy as np
from numba import prange

from .jit import jit, jit_parallel
from .rng import seed_stream, uniform_open

_SQRT_E = math.sqrt(math.e)
_SQRT_2PI_E = math.sqrt(2.0 * math.pi * math.e)


@jit
def psi(t):
    return math.exp(1.0 - 1.0 / (2.0 * t - 1.0) ** 2) if t > 0.5 else 0.0


@jit
def dpsi(t):
    return psi(t) * 4.0 / (2.0 * t - 1.0) ** 3 if t > 0.5 else 0.0


@jit
def phi(t):
    return _SQRT_2PI_E * 0.5 * math.erfc(-t / math.sqrt(2.0))


@jit
def dphi(t):
    return _SQRT_E * math.exp(-0.5 * t * t)


@jit
def value(x):
    """f_d(x)."""
    v = -psi(1.0) * phi(x[0])
    for i in range(1, x.size):
        v += psi(-x[i - 1]) * phi(-x[i]) - psi(x[i - 1]) * phi(x[i])
    return v


@jit
def gradient(x, out):
    """Write grad f_d(x) into ``out``."""
    d = x.size
    out[0] = -psi(1.0) * dphi(x[0])
    for j in range(1, d):
        out[j] = -psi(-x[j - 1]) * dphi(-x[j]) - psi(x[j - 1]) * dphi(x[j])
    for j in range(d - 1):
        out[j] += -dpsi(-x[j]) * phi(-x[j + 1]) - dpsi(x[j]) * phi(x[j + 1])


@jit
def prog(x, beta):
    """Largest 1-based index with |x_i| > beta, 0 if none."""
    for i in range(x.size - 1, -1, -1):
        if abs(x[i]) > beta:
            return i + 1
    return 0


@jit
def _chain_trial(d, p, eta, tau, clips, max_calls, seed, key, trial):
    s = np.empty(4, dtype=np.uint64)
    seed_stream(s, 0, seed, key, trial)
    x = np.zeros(d)
    g = np.empty(d)
    min_grad = np.inf
    for k in range(1, max_calls + 1):
        if prog(x, 0.25) >= d:  # every coordinate revealed and past 1/4
            return k - 1, min_grad
        gradient(x, g)
        sq = 0.0
        for i in range(d):
            sq += g[i] * g[i]
        min_grad = min(min_grad, math.sqrt(sq))
        j = prog(x, 0.25)  # the oracle scales coordinate j + 1 (0-based j) by z / p
        z = 1.0 if uniform_open(s, 0) < p else 0.0
        g[j] *= z / p
        if clips:
            sq = 0.0
            for i in range(d):
                sq += g[i] * g[i]
            if sq > tau * tau:
                f = tau / math.sqrt(sq)
                for i in range(d):
                    g[i] *= f
        for i in range(d):
            x[i] -= eta * g[i]
    return max_calls, min_grad


@jit_parallel
def calls_to_finish(d, p, eta, tau, clips, max_calls, seed, key, out_calls, out_min_grad):
    """Per trial: oracle calls until prog_{1/4}(x) = d (or max_calls), and min ||grad f_d|| before that."""
    for t in prange(out_calls.size):
        out_calls[t], out_min_grad[t] = _chain_trial(d, p, eta, tau, clips, max_calls, seed, key, np.uint64(t))
