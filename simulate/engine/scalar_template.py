"""Trajectory kernel template for scalar problems (x in R): trials side by side, written so that LLVM vectorises
the loops over a block's trials (the d = 1 SIMD path).

This file is a template. ``simulate.engine.compose`` copies it into a module of its own for every combination of
pieces and binds the names below to the pieces before Numba compiles it; the module is never run as it stands.
Per iteration k (1-based) of a block of trials:
  sched = method_schedule(k, mp)                      once per block and iteration (eta_k, tau_k, ...)
  xi[b] = noise_sample(stream of trial b, np)         every trial's draw first, in a loop of its own
  xbar  += 2/(k + 1) (x - xbar)                       Theorem 4's k-weighted average (when the metric asks)
  g      = objective_gradient(x, op) + xi
  x, m   = method_step(x, g, m, sched, mp);  x = objective_project(x, op) if the method projects
  a0, a1 = metric_track(a0, a1, x_prev, grad_prev, x, xp)
At each checkpoint, ``metric_record`` (given f(xbar) - f* when the metric averages) writes every live trial's
outputs and says whether they are finite; the first checkpoint where they are not is the trial's ``diverged_at``,
and ``metric_fill_diverged`` writes that checkpoint and every later one. A diverged trial keeps iterating
(branch-free loops) but is never recorded again.
"""

import numpy as np

from simulate.engine.jit import jit
from simulate.engine.primitives import averaging_weight
from simulate.engine.rng import seed_stream

# Bound per combination by simulate.engine.compose (these placeholders are never called).
objective_gradient = objective_value = objective_project = noise_sample = method_schedule = method_step = None
metric_track = metric_record = metric_fill_diverged = None
PROJECTS = AVERAGES = False
METRIC_INITIAL = (0.0, 0.0)


@jit
def trial_block(first, nb, x0, params, checkpoints, stream, outputs, diverged_at, stop_flag):
    """Trials first .. first + nb - 1, every one on its own stream (seed, key, offset + trial); params =
    (objective, noise, method, metric) parameters. Releases the GIL: blocks run on threads side by side. Returns
    early, its outputs unfinished, once ``stop_flag[0]`` is nonzero (``simulate.engine.stop``; read every iteration)."""
    op, np_, mp, xp = params
    seed, key, offset = stream
    n_ckpt = checkpoints.size
    K = checkpoints[n_ckpt - 1]
    states = np.empty((4, nb), dtype=np.uint64)
    x = np.full(nb, x0[0])
    xbar = np.full(nb, x0[0])
    m = np.zeros(nb)
    xi = np.zeros(nb)
    a0 = np.full(nb, METRIC_INITIAL[0])
    a1 = np.full(nb, METRIC_INITIAL[1])
    for b in range(nb):
        seed_stream(states, b, seed, key, offset + first + b)
        diverged_at[first + b] = 0
    c = 0
    if checkpoints[0] == 0:  # the starting point
        for b in range(nb):
            fbar = objective_value(xbar[b], op)
            metric_record(outputs, first + b, 0, 0, x[b], xbar[b], xi[b], a0[b], a1[b], fbar, op, xp)
        c = 1
    for k in range(1, K + 1):
        if stop_flag[0] != 0:
            return
        w = averaging_weight(k)
        sched = method_schedule(k, mp)
        for b in range(nb):
            xi[b] = noise_sample(states, b, np_)
        for b in range(nb):
            if AVERAGES:
                xbar[b] += w * (x[b] - xbar[b])
            grad = objective_gradient(x[b], op)
            x_new, m[b] = method_step(x[b], grad + xi[b], m[b], sched, mp)
            if PROJECTS:
                x_new = objective_project(x_new, op)
            a0[b], a1[b] = metric_track(a0[b], a1[b], x[b], grad, x_new, xp)
            x[b] = x_new
        if k == checkpoints[c]:
            for b in range(nb):
                t = first + b
                if diverged_at[t] == 0:
                    fbar = objective_value(xbar[b], op) if AVERAGES else 0.0
                    if not metric_record(outputs, t, c, k, x[b], xbar[b], xi[b], a0[b], a1[b], fbar, op, xp):
                        diverged_at[t] = k
                if diverged_at[t] != 0:
                    metric_fill_diverged(outputs, t, c)
            c += 1
