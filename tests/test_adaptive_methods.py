"""Every vector method's step against a plain-NumPy reference on random gradient sequences (zeros, huge values,
|m| = 0 included), the noise shapes, and determinism of the adaptive kernel."""

import math

import numpy as np
import pytest
from numba import njit

from simulate.engine import trial_block
from simulate.pieces.methods import VECTOR_METHODS, apply_step, method
from simulate.run.config import AdaptiveRun
from simulate.run.runner import run_adaptive

PARAMS = dict(tau=1.5, B=np.array([0.5, 1.0, 2.0, 0.1, 3.0]), growth=1.0, beta1=0.9, beta2=0.99, eps=1e-8, order=1.0)


def piece(name, p):
    """The built-in method with constant eta and tau (growth 1) and the parameters ``p``."""
    return method(
        name,
        "vector",
        eta0=p["eta"],
        G=p["tau"],
        B=p["B"],
        beta1=p["beta1"],
        beta2=p["beta2"],
        eps=p["eps"],
        order=p["order"],
    )


def reference_step(method, x, g, m, v, k, p):
    """The update rules as written in simulate/pieces/methods.py's docstring, in NumPy (returns new x, m, v)."""
    x, m, v = x.copy(), m.copy(), v.copy()
    b1, b2, eps = p["beta1"], p["beta2"], p["eps"]
    norm = np.linalg.norm(g)
    if method == "sgd":
        x -= p["eta"] * g
    elif method == "gclip":
        x -= p["eta"] * (g if norm <= p["tau"] else g * (p["tau"] / norm))
    elif method == "cclip":
        t = p["B"] * p["growth"]
        x -= p["eta"] * np.clip(g, -t, t)
    elif method == "nsgd":
        x -= p["eta"] * (g / norm if norm > 0 else 0.0)
    elif method == "signsgd":
        x -= p["eta"] * np.sign(g)
    elif method == "signum":
        m = b1 * m + (1 - b1) * g
        x -= p["eta"] * np.sign(m)
    elif method == "rmsprop":
        v = b2 * v + (1 - b2) * g * g
        denom = np.sqrt(v) + eps
        x -= p["eta"] * np.divide(g, denom, out=np.zeros_like(g), where=denom > 0)
    elif method == "adam":
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        denom = np.sqrt(v / (1 - b2**k)) + eps
        x -= p["eta"] * np.divide(m / (1 - b1**k), denom, out=np.zeros_like(g), where=denom > 0)
    elif method == "acclip":
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * np.abs(g) ** p["order"]
        tau = v ** (1 / p["order"])
        denom = np.abs(m) + eps  # 0 only where m = 0, and then the step is 0 whatever the factor
        x -= p["eta"] * np.minimum(1.0, np.divide(tau, denom, out=np.ones_like(m), where=denom > 0)) * m
    return x, m, v


def gradient_sequence(rng, n, d):
    """Heavy-tailed gradients with exact zeros, whole zero vectors and a few huge entries."""
    g = rng.standard_t(1.5, size=(n, d))
    g[rng.random((n, d)) < 0.2] = 0.0
    g[rng.random(n) < 0.1] = 0.0
    g[rng.random((n, d)) < 0.02] *= 1e12
    return g


@pytest.mark.parametrize("method", list(VECTOR_METHODS))
@pytest.mark.parametrize("eps", [1e-8, 0.0])
def test_step_matches_numpy_reference(method, eps):
    rng = np.random.default_rng(VECTOR_METHODS.index(method))
    p = {**PARAMS, "eta": 0.01, "eps": eps}
    step = piece(method, p)
    d = p["B"].size
    x = rng.normal(size=d)
    xr, mr, vr = x.copy(), np.zeros(d), np.zeros(d)
    xs, ms, vs = x.copy(), np.zeros(d), np.zeros(d)  # one trial's slice of the kernel's flat arrays
    for k, g in enumerate(gradient_sequence(rng, 300, d), start=1):
        xr, mr, vr = reference_step(method, xr, g, mr, vr, k, p)
        apply_step(step, xs, g.copy(), ms, vs, k)
        assert np.all(np.isfinite(xs)), (method, k, xs)
        np.testing.assert_allclose(xs, xr, rtol=1e-12, atol=1e-300, err_msg=f"{method} step {k}")


def test_zero_gradient_from_rest_gives_no_step_and_no_nan():
    p = {**PARAMS, "eta": 0.1, "tau": 1.0, "B": np.ones(3), "eps": 0.0}
    for name in VECTOR_METHODS:
        x, m, v = np.ones(3), np.zeros(3), np.zeros(3)
        apply_step(piece(name, p), x, np.zeros(3), m, v, 1)
        assert np.array_equal(x, np.ones(3)), name


def test_acclip_with_order_two_and_no_momentum_clips_at_the_rms():
    """beta1 = 0, order 2: tau_1 = sqrt(1 - beta2) |g_1| < |g_1|, so the first step is clipped to that value."""
    x, m, v = np.zeros(1), np.zeros(1), np.zeros(1)
    apply_step(
        method("acclip", "vector", eta0=1.0, beta1=0.0, beta2=0.99, eps=0.0, order=2.0), x, np.array([4.0]), m, v, 1
    )
    assert x[0] == pytest.approx(-math.sqrt(0.01) * 4.0)


def test_radial_noise_is_radial():
    """With the Theorem 4 step at k -> the noise dominates; here simply check the radial draw's norm law: the
    Pareto radius exceeds t with probability t^-tail, whatever d."""
    from simulate.engine import Metric, Trajectory, run_trajectory
    from simulate.pieces.noise import law
    from simulate.pieces.objectives import quadratic

    @njit(inline="always")
    def record_noise_norm(out, t, c, k, x, o, xbar, xi, acc, b, fbar, op, p):
        out[0][t, c] = np.sqrt(np.sum(xi * xi))
        return True

    @njit(inline="always")
    def nothing(out, t, c):
        pass

    def outputs(trials, n_ckpt):
        return {"norm": np.empty((trials, n_ckpt))}

    for d in (1, 50):
        traj = Trajectory(
            quadratic(np.ones(d), np.zeros(d), shape="vector"),
            law("pareto", 1.5, lift="radial", scales=np.ones(d)),
            method("sgd", "vector", eta0=0.0),
            Metric("noise-norm", record_noise_norm, nothing, outputs),
            np.zeros(d),
            np.arange(1, 201),
            100,
            seed=1,
            stream_key=d,
        )
        norms = run_trajectory(traj)["norm"].ravel()
        assert norms.min() >= 1.0 - 1e-12
        assert np.mean(norms > 4.0) == pytest.approx(4.0**-1.5, abs=0.01)


def test_kernel_is_deterministic_across_threads_and_paired_across_methods(one_and_all_threads):
    cfg = AdaptiveRun("t", "cclip", "pareto", 1.5, 2000, 9, tail=1.7, d=700, B=1.3)
    assert trial_block(cfg.d) == 5
    one, many = one_and_all_threads(lambda: run_adaptive(cfg))
    assert np.array_equal(one["avg_sq"], many["avg_sq"])
    # fewer trials than one block holds: one block on one thread, split over the threads on several
    few = AdaptiveRun("t", "gclip", "pareto", 1.5, 500, 12, tail=1.7, d=100)
    assert trial_block(few.d) > few.trials
    one, many = one_and_all_threads(lambda: run_adaptive(few))
    assert np.array_equal(one["avg_sq"], many["avg_sq"]) and np.array_equal(one["last_sq"], many["last_sq"])
    # the method's parameters do not enter the noise stream: GClip with an infinite-like threshold equals SGD
    sgd = run_adaptive(AdaptiveRun("t", "sgd", "pareto", 1.5, 500, 3, tail=1.7, d=4))
    gclip = run_adaptive(AdaptiveRun("t", "gclip", "pareto", 1.5, 500, 3, tail=1.7, d=4, G=1e300))
    assert np.array_equal(sgd["last_sq"], gclip["last_sq"])


@pytest.mark.parametrize(
    "field,value",
    [
        ("method", "lion"),
        ("shape", "cube"),
        ("beta1", 1.0),
        ("eps", -1.0),
        ("curvature_spread", 0.5),
        ("G", 0.0),
        ("decay_t0", 0.0),
    ],
)
def test_bad_adaptive_configuration_fails_fast(field, value):
    with pytest.raises(ValueError, match=field):
        AdaptiveRun(**{**dict(claim="t", method="gclip", noise="pareto", alpha=1.5, K=10, trials=2), field: value})
