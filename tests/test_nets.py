"""The small JAX transformer: data, model gradients, per-example gradients, HVPs, optimizers, determinism."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from simulate.adaptive import VECTOR_METHODS, vector_step
from simulate.nets import curvature, data, model, noise, optim

TINY = dict(seq_len=6, d_model=8, heads=2, layers=1, mlp=12)


def _setup(task="next-char", batch=5, **changes):
    cfg = model.NetConfig(vocab=len(data.vocabulary()), n_classes=data.n_classes(task), **{**TINY, **changes})
    params = model.init(jax.random.key(0), cfg)
    x, y = data.batch(jax.random.key(1), task, batch, cfg.seq_len)
    if cfg.inputs == "gaussian":
        x = model.gaussian_inputs(jax.random.key(2), cfg, batch)
    return cfg, params, x, y, lambda p, x, y: model.loss(p, cfg, x, y)


def test_corpus_and_tasks():
    text, vocab = data.corpus(), data.vocabulary()
    assert len(text) > 400_000 and 60 <= len(vocab) <= 200
    assert data.n_classes("char-kind") == len(data.KINDS)
    x, nxt = data.batch(jax.random.key(3), "next-char", 64, 10)
    _, kind = data.batch(jax.random.key(3), "char-kind", 64, 10)
    assert x.shape == (64, 10) and np.array_equal(data.kind_of_token()[np.asarray(nxt)], np.asarray(kind))
    window = "".join(vocab[int(t)] for t in x[0]) + vocab[int(nxt[0])]
    assert window in text, "windows are contiguous text followed by their next character"
    with pytest.raises(ValueError, match="task='words'"):
        data.batch(jax.random.key(3), "words", 4, 10)


@pytest.mark.parametrize("changes", [dict(ln="pre"), dict(ln="post"), dict(attention=False), dict(inputs="gaussian")])
def test_gradient_matches_finite_differences(changes):
    with jax.enable_x64(True):  # float64, so that a central difference resolves the directional derivative
        cfg, params, x, y, loss = _setup(**changes)
        grad = jax.grad(loss)(params, x, y)
        keys = dict(zip(params, jax.random.split(jax.random.key(4), len(params)), strict=True))
        direction = {n: jax.random.normal(keys[n], p.shape, jnp.float64) for n, p in params.items()}
        eps = 1e-6
        shifted = [loss({n: p + s * eps * direction[n] for n, p in params.items()}, x, y) for s in (1, -1)]
        fd = float(shifted[0] - shifted[1]) / (2 * eps)
        exact = float(sum(jnp.vdot(grad[n], direction[n]) for n in params))
    assert params["head.w"].dtype == jnp.float64
    assert abs(fd - exact) <= 1e-6 * abs(exact), (fd, exact)


def test_architecture_switches():
    pre, post, plain = (model.shapes(model.NetConfig(vocab=10, n_classes=3, **{**TINY, **c}))
                        for c in (dict(ln="pre"), dict(ln="post"), dict(attention=False)))  # fmt: skip
    assert "ln_f.scale" in pre and "ln_f.scale" not in post
    assert not any(".attn." in n or ".ln1." in n for n in plain) and any(".attn." in n for n in pre)
    cfg, params, x, _, _ = _setup()
    post_cfg = model.NetConfig(**{**cfg.__dict__, "ln": "post"})
    post_params = {n: params[n] for n in model.shapes(post_cfg)}
    assert not np.allclose(model.forward(params, cfg, x), model.forward(post_params, post_cfg, x))
    with pytest.raises(ValueError, match="ln='mid'"):
        model.NetConfig(vocab=10, n_classes=3, ln="mid")


def test_per_example_gradients_match_a_loop():
    _, params, x, y, loss = _setup(batch=4)
    batched = curvature.per_example_gradients(loss, params, x, y)
    grad = jax.jit(jax.grad(loss))
    for i in range(4):
        single = grad(params, x[i : i + 1], y[i : i + 1])
        for name in params:
            np.testing.assert_allclose(batched[name][i], single[name], rtol=1e-5, atol=1e-7)


def test_hvp_matches_finite_difference_of_gradients_and_power_iteration_finds_the_top_block_eigenvalue():
    _, params, x, y, loss = _setup()
    name = "block0.mlp.w2"
    v = jax.random.normal(jax.random.key(5), params[name].shape)
    zeros = jax.tree.map(jnp.zeros_like, params)
    exact = curvature.hvp(loss, params, x, y, {**zeros, name: v})[name]
    grad, eps = jax.grad(loss), 1e-3
    fd = (grad({**params, name: params[name] + eps * v}, x, y)[name]
          - grad({**params, name: params[name] - eps * v}, x, y)[name]) / (2 * eps)  # fmt: skip
    assert float(jnp.linalg.norm(fd - exact) / jnp.linalg.norm(exact)) < 1e-3
    # the dense block Hessian (columns by HVPs) and its eigenvalues
    size = params[name].size
    basis = jnp.eye(size).reshape(size, *params[name].shape)
    column = jax.jit(lambda e: curvature.hvp(loss, params, x, y, {**zeros, name: e})[name])
    H = np.array([np.asarray(column(e)).ravel() for e in basis])
    top = max(np.linalg.eigvalsh((H + H.T) / 2), key=abs)
    found = curvature.top_block_eigenvalue(loss, params, x, y, name, jax.random.key(6), iterations=300)
    assert abs(found - top) <= 1e-3 * abs(top), (found, top)


@pytest.mark.parametrize("method", ["sgd", "gclip", "cclip", "signsgd", "signum", "adam", "acclip"])
def test_each_optimizer_step_matches_the_numba_method_of_the_same_name(method):
    rng = np.random.default_rng(7)
    x0, grads = rng.normal(size=(2, 6)), rng.normal(size=(3, 2, 6)) * 3.0
    eta, tau, beta1, beta2, eps, order = 0.1, 2.0, 0.9, 0.99, 1e-8, 1.0
    params = {"a": jnp.asarray(x0[0], jnp.float32), "b": jnp.asarray(x0[1], jnp.float32)}
    opt = optim.optimizer(method, eta, tau=tau, beta1=beta1, beta2=beta2, eps=eps, order=order)
    state = opt.init(params)
    x, m, v = x0.ravel().copy(), np.zeros(12), np.zeros(12)
    for k, g in enumerate(grads, 1):
        updates, state = opt.update({"a": jnp.asarray(g[0]), "b": jnp.asarray(g[1])}, state, params)
        params = jax.tree.map(jnp.add, params, updates)
        # the Numba step clips globally over the whole vector, as the JAX one does over every tensor
        vector_step(VECTOR_METHODS[method], x, 0, g.ravel(), m, v, k, eta, tau, np.full(12, tau), 1.0, beta1, beta2,
                    eps, order)  # fmt: skip
    got = np.concatenate([np.asarray(params["a"]), np.asarray(params["b"])])
    np.testing.assert_allclose(got, x, rtol=2e-5, atol=2e-5)


def test_training_is_bit_identical_when_repeated():
    def train():
        cfg, params, _, _, loss = _setup()
        opt, grad = optim.optimizer("acclip", 1e-2), jax.jit(jax.grad(loss))
        state = opt.init(params)
        for i in range(5):
            x, y = data.batch(jax.random.fold_in(jax.random.key(9), i), "next-char", 8, cfg.seq_len)
            updates, state = opt.update(grad(params, x, y), state, params)
            params = jax.tree.map(jnp.add, params, updates)
        return np.concatenate([np.asarray(p).ravel() for p in params.values()])

    assert np.array_equal(train(), train())


def _toy(samples: np.ndarray):
    """Per-example loss 1/2 ||theta - x_i||^2: per-example gradients theta - x_i, deviations -(x_i - mean x)."""
    params = {"theta": jnp.zeros(samples.shape[1])}
    return params, jnp.asarray(samples), jnp.zeros(len(samples), jnp.int32), (
        lambda p, x, y: 0.5 * jnp.mean(jnp.sum((p["theta"] - x) ** 2, axis=1)))  # fmt: skip


def test_noise_deviations_and_norms_match_a_direct_computation():
    rng = np.random.default_rng(0)
    samples = rng.normal(size=(300, 7))
    params, x, y, loss = _toy(samples)
    D, mean = noise.deviations(loss, params, x, y, chunk=64)
    np.testing.assert_allclose(D, -(samples - samples.mean(0)), atol=1e-5)
    np.testing.assert_allclose(mean, -samples.mean(0), atol=1e-5)
    G = noise.gram(D)
    got = noise.minibatch_noise_norms(G, 4, 50, np.random.default_rng(1))
    again = np.random.default_rng(1)
    direct = [np.linalg.norm(D[again.integers(0, 300, 4)].mean(0)) for _ in range(50)]
    np.testing.assert_allclose(got, direct, rtol=1e-9)


@pytest.mark.parametrize("law,heavy", [("gaussian", False), ("pareto", True)])
def test_minibatch_noise_against_the_gaussian_reference(law, heavy):
    """Gaussian per-example gradients: the noise norms follow the reference (two-sample KS statistic below its 1%
    critical value); Pareto (tail 1.5): the noise norms' upper tail is far heavier than the reference's."""
    rng = np.random.default_rng(2)
    M, P, n = 4000, 20, 4000
    samples = rng.normal(size=(M, P)) if law == "gaussian" else rng.pareto(1.5, (M, P)) * rng.choice([-1, 1], (M, P))
    params, x, y, loss = _toy(samples)
    G = noise.gram(noise.deviations(loss, params, x, y, chunk=1000)[0])
    norms = noise.minibatch_noise_norms(G, 1, n, np.random.default_rng(3))
    reference = noise.gaussian_reference_norms(G, 1, n, np.random.default_rng(4))
    ks = stats.ks_2samp(norms, reference).statistic
    critical = 1.63 * np.sqrt(2 / n)  # the two-sample KS statistic's 1% critical value
    assert (ks > 3 * critical) if heavy else (ks < critical), ks
