"""Each step against a plain-NumPy reference fed the same noise draws."""

import numpy as np
import pytest

from simulate.pieces.methods import clip_global, clip_global_reference
from simulate.pieces.noise import _fill, law
from simulate.pieces.objectives import project_reference, quadratic
from simulate.run.config import QuadraticRun, checkpoints
from simulate.run.runner import run_quadratic


def test_clip_global_matches_reference():
    rng = np.random.default_rng(0)
    for _ in range(200):
        g = rng.standard_cauchy(5) * 10.0 ** rng.integers(-3, 4)
        tau = 10.0 ** rng.uniform(-2, 2)
        got = g.copy()
        clip_global(got, tau)
        np.testing.assert_allclose(got, clip_global_reference(g, tau), rtol=1e-14)
        assert np.linalg.norm(got) <= tau * (1 + 1e-12) or np.allclose(got, g)
    z = np.zeros(3)
    clip_global(z, 1.0)
    assert not z.any()


def test_projections_match_reference():
    rng = np.random.default_rng(1)
    c = rng.normal(size=4)
    ball = quadratic(np.ones(4), np.zeros(4), radius=1.5, center=c)
    interval = quadratic(1.0, 0.0, lower=-1.0, upper=2.0)
    for _ in range(100):
        x = rng.normal(size=4) * 5
        got = x.copy()
        ball.project(got, 0, ball.params)
        np.testing.assert_allclose(got, project_reference(x, "ball", center=c, radius=1.5), rtol=1e-13)
        got = np.array([interval.project(xi, interval.params) for xi in x])
        np.testing.assert_array_equal(got, project_reference(x, "box", lower=-1.0, upper=2.0))


def reference_trajectory(cfg: QuadraticRun, trial: int):
    """Plain NumPy/Python loop of the method with the same noise stream as the kernel's trial."""
    ks = checkpoints(cfg.K)
    d = cfg.d
    noise = law(cfg.noise, cfg.tail, cfg.noise_scale)
    xi = _fill(
        noise.sample, noise.params, np.uint64(cfg.seed), np.uint64(cfg.rng_key()), np.uint64(trial), cfg.K * d
    ).reshape(cfg.K, d)
    x = np.full(d, cfg.x0)
    xs = np.full(d, cfg.x_star)
    xbar = x.copy()
    weight_sum = 0.0
    weighted = np.zeros(d)
    out = []
    running_max = 0.0
    eta0, k0, power = (cfg.eta, 0.0, 0.0) if cfg.step == "constant" else (4.0 / cfg.mu, 1.0, 1.0)
    for k in range(1, cfg.K + 1):
        weight_sum += k
        weighted += k * x
        xbar = weighted / weight_sum  # xbar_k = sum_j j x_{j-1} / sum_j j, computed directly
        g = cfg.mu * (x - xs) + xi[k - 1]
        if cfg.method in ("gclip", "proj-gclip"):
            g = clip_global_reference(g, cfg.G * k**cfg.beta)
        x = x - eta0 / (k + k0) ** power * g
        if cfg.method.startswith("proj"):
            x = project_reference(x, "ball", center=np.zeros(d), radius=cfg.radius)
        running_max = max(running_max, np.linalg.norm(x - xs))
        if k in ks:
            gap = 0.5 * cfg.mu * np.sum((xbar - xs) ** 2)
            out.append((np.linalg.norm(xbar - xs), gap, np.linalg.norm(x - xs), running_max, xi[k - 1, 0]))
    return np.array(out)


@pytest.mark.parametrize(
    "method,noise,d,eta",
    [
        ("proj-gclip", "pareto", 1, None),
        ("sgd", "pareto-onesided", 1, None),
        ("gclip", "stable", 3, None),
        ("proj-sgd", "student-t", 2, None),
        ("proj-gclip", "gaussian", 4, None),
        ("sgd", "pareto", 1, 0.7),
        ("gclip", "pareto", 2, 0.3),
    ],
)
def test_kernel_matches_numpy_reference(method, noise, d, eta):
    step = "theorem4" if eta is None else "constant"
    cfg = QuadraticRun(
        claim="t",
        method=method,
        noise=noise,
        alpha=1.5,
        K=3000,
        trials=3,
        d=d,
        radius=2.0,
        x0=1.0,
        x_star=0.2,
        tail=1.5 if noise != "student-t" else 3.0,
        step=step,
        eta=eta,
    )
    res = run_quadratic(cfg)
    for t in range(cfg.trials):
        ref = reference_trajectory(cfg, t)
        # The kernel's incremental average and the direct weighted sum round differently: compare to 1e-9.
        np.testing.assert_allclose(res["avg_dist"][t], ref[:, 0], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(res["avg_gap"][t], ref[:, 1], rtol=1e-8, atol=1e-14)
        np.testing.assert_allclose(res["last_dist"][t], ref[:, 2], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(res["max_dist"][t], ref[:, 3], rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(res["noise"][t], ref[:, 4])
    assert (res["diverged_at"] == 0).all()


def test_divergence_is_counted_not_fatal():
    # SGD with a constant step 3/mu multiplies the error by -2 every step: every trial overflows and is recorded.
    for d in (1, 3):
        cfg = QuadraticRun(
            claim="t", method="sgd", noise="gaussian", alpha=2.0, K=2000, trials=5, d=d, step="constant", eta=3.0
        )
        res = run_quadratic(cfg)
        assert (res["diverged_at"] > 0).all()
        assert np.isinf(res["avg_dist"][:, -1]).all()
        assert np.isnan(res["noise"][:, -1]).all()
