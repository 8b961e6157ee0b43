"""The zero-chain function of Arjevani et al. (2019) used in Theorem 6 of [Z], and a probability-p oracle.

f_d(x) = -Psi(1) Phi(x_1) + sum_{i=2}^{d} [Psi(-x_{i-1}) Phi(-x_i) - Psi(x_{i-1}) Phi(x_i)],
Psi(t) = 0 for t <= 1/2, exp(1 - 1/(2t - 1)^2) for t > 1/2;  Phi(t) = sqrt(e) int_{-inf}^t exp(-s^2/2) ds.
prog_beta(x) = the largest 1-based index i with |x_i| > beta (0 if none). A zero-respecting method started at 0
can only make coordinate prog_0(x) + 1 non-zero, and the oracle reveals it only with probability p.
"""

import math

import numpy as np

from simulate.engine import Metric, Noise, Objective, Trajectory, run_trajectory
from simulate.engine.jit import jit, jit_inline
from simulate.engine.rng import uniform_open
from simulate.pieces.methods import method

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


# --- the chain as pieces: objective f_d, the probability-p oracle, and the "calls to finish" metric ---


@jit_inline
def _chain_gradient(g, x, o, t, s, so, p):
    gradient(x[o : o + g.size], g)


@jit_inline
def _chain_value(x, o, p):
    return value(x[o : o + p[0]])


@jit_inline
def _probability_p_oracle(g, xi, x, o, k, s, so, p):
    """Scale coordinate prog_{1/4}(x) + 1 of the gradient by z/p, z ~ Bernoulli(p): the only coordinate a
    zero-respecting method could newly reveal is revealed with probability p (unbiased: E[z/p] = 1)."""
    j = prog(x[o : o + g.size], 0.25)
    z = 1.0 if uniform_open(s, so) < p[0] else 0.0
    g[j] *= z / p[0]


@jit_inline
def _observe_chain(acc, b, x, o, g, k, p):
    """Stop when prog_{1/4}(x) = d (acc[b, 1] = oracle calls so far, acc[b, 3] = 1); else track min ||grad f||."""
    if prog(x[o : o + g.size], 0.25) >= g.size:
        acc[b, 1] = k - 1
        acc[b, 3] = 1.0
        return True
    sq = 0.0
    for i in range(g.size):
        sq += g[i] * g[i]
    acc[b, 2] = min(acc[b, 2], math.sqrt(sq))
    return False


@jit_inline
def _record_chain(out, t, c, k, x, o, xbar, xi, acc, b, fbar, op, p):
    out[0][t] = acc[b, 1] if acc[b, 3] == 1.0 else k
    out[1][t] = acc[b, 2]
    return True


@jit_inline
def _fill_chain(out, t, c):
    out[1][t] = np.inf


def _chain_outputs(trials: int, n_ckpt: int) -> dict[str, np.ndarray]:
    return {"calls": np.empty(trials), "min_grad": np.empty(trials)}


def calls_to_finish(d, p, eta, tau, clips, max_calls, seed, key, out_calls, out_min_grad):
    """Per trial: oracle calls until prog_{1/4}(x) = d (or max_calls), and min ||grad f_d|| before that; GClip
    (``clips``) or SGD with constant eta and tau from x0 = 0; trial t draws from stream (seed, key, t)."""
    objective = Objective("zero-chain", _chain_gradient, _chain_value, (int(d),), shape="vector")
    oracle = Noise("probability-p", apply=_probability_p_oracle, params=(float(p),))
    step = method("gclip" if clips else "sgd", "vector", eta0=eta, G=tau)
    metric = Metric(
        "calls-to-finish",
        _record_chain,
        _fill_chain,
        _chain_outputs,
        observe_gradient=_observe_chain,
        initial=(0.0, np.inf, 0.0),
    )
    traj = Trajectory(
        objective, oracle, step, metric, np.zeros(int(d)), [int(max_calls)], out_calls.size, int(seed), int(key)
    )
    out = run_trajectory(traj)
    out_calls[:] = out["calls"].astype(np.int64)
    out_min_grad[:] = out["min_grad"]
