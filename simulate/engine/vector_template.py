"""Trajectory kernel template for vector problems (x in R^d): a block of trials, each trial's d coordinates
contiguous in flat arrays, the iteration loop outside the trial loop.

This file is a template. ``simulate.engine.compose`` copies it into a module of its own for every combination of
pieces and binds the names below to the pieces before Numba compiles it; the module is never run as it stands.
Per iteration k (1-based) of a block of trials, for every live trial b (its point is x[o:o+d], o = b d):
  sched = method_schedule(k, mp)                              once per block and iteration
  xbar[o:o+d] += 2/(k + 1) (x - xbar)                         Theorem 4's k-weighted average (when the metric asks)
  objective_gradient(g, x, o, t, states, b, op)             g = grad f(x) (or a sampled estimate of it)
  stop = metric_observe_gradient(acc, b, x, o, g, k, xp)      a trial may stop here (hitting times)
  noise_apply(g, xi, x, o, k, states, b, np)                g += noise; xi holds the noise added
  acc[b, 0] += method_step(x, o, g, m, v, k, sched, mp)       in place; returns the clipping events of the step
  objective_project(x, o, op) if the method projects
  metric_observe_step(acc, b, x, o, k, xp)
acc[b, 0] counts clipping events, the metric owns acc[b, 1:]. At each checkpoint ``metric_record`` writes a live
trial's outputs (given f(xbar) - f* when the metric averages) and says whether they are finite; the first
checkpoint where they are not is the trial's ``diverged_at`` (the trial stops), and ``metric_fill_diverged``
writes that checkpoint and every later one. A stopped trial is recorded at every later checkpoint from its frozen
state.
"""

import math

import numpy as np

from simulate.engine.jit import jit, jit_inline
from simulate.engine.primitives import averaging_weight, std_normal
from simulate.engine.rng import seed_stream

# Bound per combination by simulate.engine.compose (these placeholders are never called).
objective_gradient = objective_value = objective_project = noise_apply = noise_sample = None
method_schedule = method_step = None
metric_observe_gradient = metric_observe_step = metric_record = metric_fill_diverged = None
PROJECTS = AVERAGES = False
METRIC_INITIAL = (0.0,)


@jit
def trial_block(first, nb, x0, params, checkpoints, stream, outputs, diverged_at, stop_flag):
    """Trials first .. first + nb - 1, every one on its own stream (seed, key, offset + trial); params =
    (objective, noise, method, metric) parameters. Releases the GIL: blocks run on threads side by side. Returns
    early, its outputs unfinished, once ``stop_flag[0]`` is nonzero (``simulate.engine.stop``; read every iteration)."""
    op, np_, mp, xp = params
    seed, key, offset = stream
    n_ckpt = checkpoints.size
    K = checkpoints[n_ckpt - 1]
    d = x0.size
    states = np.empty((4, nb), dtype=np.uint64)
    x = np.empty(nb * d)
    xbar = np.empty(nb * d if AVERAGES else 0)
    m = np.zeros(nb * d)
    v = np.zeros(nb * d)
    g = np.empty(d)
    xi = np.zeros(d)
    width = len(METRIC_INITIAL)
    acc = np.zeros((nb, 1 + width))
    stopped = np.zeros(nb, dtype=np.bool_)
    for b in range(nb):
        seed_stream(states, b, seed, key, offset + first + b)
        x[b * d : (b + 1) * d] = x0
        if AVERAGES:
            xbar[b * d : (b + 1) * d] = x0
        for j in range(width):
            acc[b, 1 + j] = METRIC_INITIAL[j]
        diverged_at[first + b] = 0
    c = 0
    if checkpoints[0] == 0:  # the starting point
        for b in range(nb):
            fbar = objective_value(xbar, b * d, op) if AVERAGES else 0.0
            metric_record(outputs, first + b, 0, 0, x, b * d, xbar, xi, acc, b, fbar, op, xp)
        c = 1
    for k in range(1, K + 1):
        if stop_flag[0] != 0:
            return
        w = averaging_weight(k)
        sched = method_schedule(k, mp)
        record = k == checkpoints[c]
        for b in range(nb):
            t = first + b
            o = b * d
            if diverged_at[t] != 0:
                continue
            if not stopped[b]:
                if AVERAGES:
                    for i in range(d):
                        xbar[o + i] += w * (x[o + i] - xbar[o + i])
                objective_gradient(g, x, o, t, states, b, op)
                stopped[b] = metric_observe_gradient(acc, b, x, o, g, k, xp)
                if not stopped[b]:
                    noise_apply(g, xi, x, o, k, states, b, np_)
                    acc[b, 0] += method_step(x, o, g, m, v, k, sched, mp)
                    if PROJECTS:
                        objective_project(x, o, op)
                    metric_observe_step(acc, b, x, o, k, xp)
            if record:
                fbar = objective_value(xbar, o, op) if AVERAGES else 0.0
                if metric_record(outputs, t, c, k, x, o, xbar, xi, acc, b, fbar, op, xp):
                    continue
                diverged_at[t] = k
                for j in range(c, n_ckpt):
                    metric_fill_diverged(outputs, t, j)
        if record:
            c += 1


# How a scalar law becomes a vector noise (``Noise.lift``); p = (law parameters, scales float64[d], decay_t0,
# decay_power), and the noise is multiplied by level_k = (1 + k/decay_t0)^(-decay_power) (decay_t0 = inf: 1).


@jit_inline
def coordinate_noise(g, xi, x, o, k, s, so, p):
    """i.i.d. coordinates: xi_i = level_k * scales[i] * law."""
    law, scales, decay_t0, decay_power = p
    level = (1.0 + k / decay_t0) ** (-decay_power)
    for i in range(g.size):
        xi[i] = level * (scales[i] * noise_sample(s, so, law))
        g[i] += xi[i]


@jit_inline
def radial_noise(g, xi, x, o, k, s, so, p):
    """xi = level_k * scales[0] * |law| * u, u uniform on the sphere (d standard normals, normalised; drawn first)."""
    law, scales, decay_t0, decay_power = p
    level = (1.0 + k / decay_t0) ** (-decay_power)
    sq = 0.0
    for i in range(g.size):
        z = std_normal(s, so)
        xi[i] = z
        sq += z * z
    radius = abs(noise_sample(s, so, law)) * level * scales[0] / math.sqrt(sq)
    for i in range(g.size):
        xi[i] = radius * xi[i]
        g[i] += xi[i]
