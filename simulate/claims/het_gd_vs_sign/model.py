"""het-gd-vs-sign's measurement: iterations until a vector method first reaches f(x_k) - f* <= target on
f(x) = 1/2 (x - x*)^T H (x - x*), H diagonal (heterogeneous blocks) or dense (the rotated control).

Runs take seconds and are not stored in the run cache.
"""

from __future__ import annotations

import math

import numpy as np

from simulate.engine import Method, Metric, Noise, Trajectory, run_trajectory
from simulate.engine.jit import jit_inline
from simulate.pieces.objectives import dense_quadratic, quadratic


@jit_inline
def _observe_hitting(acc, b, x, o, g, k, p):
    """f - f* from the exact gradient (1/2 (x - x*) . g); stop at the target (acc[b, 1] = steps taken,
    acc[b, 3] = 1) or when it is not finite; acc[b, 2] = f - f* where it stopped or was last seen."""
    target, x_star = p
    gap = 0.0
    for i in range(g.size):
        gap += 0.5 * (x[o + i] - x_star[i]) * g[i]
    acc[b, 2] = gap
    if gap <= target:
        acc[b, 1] = k - 1
        acc[b, 3] = 1.0
        return True
    return not math.isfinite(gap)


@jit_inline
def _record_hitting(out, t, c, k, x, o, xbar, xi, acc, b, fbar, op, p):
    out[0][t] = acc[b, 1] if acc[b, 3] == 1.0 else k + 1
    out[1][t] = acc[b, 2]
    return True


@jit_inline
def _fill_hitting(out, t, c):
    pass


def _hitting_outputs(trials: int, n_ckpt: int) -> dict[str, np.ndarray]:
    return {"hits": np.empty(trials), "finals": np.empty(trials)}


def iterations_to_target(
    H: np.ndarray,
    diagonal: bool,
    x_star: np.ndarray,
    x0: np.ndarray,
    method: Method,
    noise: Noise,
    target: float,
    max_iter: int,
    *,
    trials: int = 1,
    seed: int = 0,
    stream_key: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Per trial: the number of steps k until f(x_k) - f* <= target first holds (max_iter + 1: not within
    max_iter), and f - f* where it stopped (int64[trials], float64[trials]).

    ``diagonal``: only H's diagonal is read (the axis-aligned problems); ``method`` a vector ``engine.Method``
    (e.g. ``simulate.pieces.methods.method("signsgd", "vector", eta0=0.1, power=0.5)``); ``noise`` a vector
    ``engine.Noise`` added to the exact gradient (``simulate.pieces.noise.NONE``: deterministic).
    """
    objective = quadratic(np.diag(H).copy(), x_star, shape="vector") if diagonal else dense_quadratic(H, x_star)
    metric = Metric(
        "hitting",
        _record_hitting,
        _fill_hitting,
        _hitting_outputs,
        (float(target), objective.params[1]),
        observe_gradient=_observe_hitting,
        initial=(0.0, math.inf, 0.0),
    )
    traj = Trajectory(objective, noise, method, metric, x0, [int(max_iter)], trials, seed, stream_key)
    out = run_trajectory(traj)
    return out["hits"].astype(np.int64), out["finals"]
