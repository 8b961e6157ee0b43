"""The small JAX transformer: data, model gradients, per-example gradients, HVPs, optimizers, determinism."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from scipy import stats

from simulate.claims.ln_placement_heterogeneity import experiment as ln_placement
from simulate.nets import curvature, data, model, noise, optim, tokens
from simulate.nets.train import Schedule, eval_batch, initial_params, train, trial_key
from simulate.pieces.methods import apply_step
from simulate.pieces.methods import method as make_method
from simulate.transformer.gate import trained_gate
from simulate.transformer.ladder import net_config
from simulate.transformer.tuning import tuned_training
from theory.declarations import TrainedGate

TINY = dict(seq_len=6, d_model=8, heads=2, layers=1, mlp=12)


CHARS = tokens.Task("chars")
GATE = TrainedGate(margin=0.02, reason="test", floor_tolerance=0.05, floor_reason="test")


def _setup(task=CHARS, batch=5, **changes):
    cfg = _text_cfg(task, **changes)
    params = model.init(jax.random.key(0), cfg)
    x, y = tokens.batch(jax.random.key(1), task, batch, cfg.seq_len)
    if cfg.inputs == "gaussian":
        x = model.gaussian_inputs(jax.random.key(2), cfg, batch)
    return cfg, params, x, y, lambda p, x, y: model.loss(p, cfg, x, y)


def test_tasks_predict_the_next_token_or_its_frequency_class_at_every_position_or_the_last():
    words, few, last = tokens.Task("words"), tokens.Task("words", classes=5), tokens.Task("chars", positions="last")
    assert few.n_classes == 5 and words.n_classes == words.vocab == len(tokens.vocabulary("words"))
    x, y = tokens.batch(jax.random.key(3), words, 64, 10)
    _, c = tokens.batch(jax.random.key(3), few, 64, 10)
    # the four most frequent words keep a class each; every other word, and <unk> (id 0), share the last one
    np.testing.assert_array_equal(np.asarray(c), np.where((np.asarray(y) >= 1) & (np.asarray(y) <= 4), y - 1, 4))
    _, z = tokens.batch(jax.random.key(3), last, 64, 10)
    xc, yc = tokens.batch(jax.random.key(3), tokens.Task("chars"), 64, 10)
    np.testing.assert_array_equal(np.asarray(z), np.asarray(yc[:, -1]))
    vocab = tokens.vocabulary("chars")
    window = "".join(vocab[int(t)] for t in xc[0]) + vocab[int(yc[0, -1])]
    training_text = data.SEPARATOR.join(d.parts()[0] for d in data.documents())
    assert window in training_text, "windows are contiguous training text followed by their next character"
    with pytest.raises(ValueError, match="tokenisation='bytes'"):
        tokens.Task("bytes")
    with pytest.raises(ValueError, match="classes=1"):
        tokens.Task("words", classes=1)


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
    pre, post, plain = (
        model.shapes(model.NetConfig(vocab=10, n_classes=3, **{**TINY, **c}))
        for c in (dict(ln="pre"), dict(ln="post"), dict(attention=False))
    )
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
    fd = (
        grad({**params, name: params[name] + eps * v}, x, y)[name]
        - grad({**params, name: params[name] - eps * v}, x, y)[name]
    ) / (2 * eps)
    assert float(jnp.linalg.norm(fd - exact) / jnp.linalg.norm(exact)) < 1e-3
    # the dense block Hessians (columns by HVPs) and their eigenvalues, against power iteration on all blocks at once
    names = (name, "block0.attn.wo", "block0.ln2.scale")
    found = curvature.top_block_eigenvalues(loss, params, x, y, names, jax.random.key(6), iterations=300)
    for n in names:
        size = params[n].size
        basis = jnp.eye(size).reshape(size, *params[n].shape)
        column = jax.jit(lambda e, n=n: curvature.hvp(loss, params, x, y, {**zeros, n: e})[n])
        H = np.array([np.asarray(column(e)).ravel() for e in basis])
        top = max(np.linalg.eigvalsh((H + H.T) / 2), key=abs)
        assert abs(found[n] - top) <= 1e-3 * abs(top), (n, found[n], top)
    with pytest.raises(ValueError, match="are not parameter tensors"):
        curvature.top_block_eigenvalues(loss, params, x, y, ("head.q",), jax.random.key(6))


@pytest.mark.parametrize("method", ["sgd", "gclip", "cclip", "signsgd", "signum", "adam", "acclip"])
def test_each_optimizer_step_matches_the_numba_method_of_the_same_name(method):
    rng = np.random.default_rng(7)
    x0, grads = rng.normal(size=(2, 6)), rng.normal(size=(3, 2, 6)) * 3.0
    eta, tau, beta1, beta2, eps, order = 0.1, 2.0, 0.9, 0.99, 1e-8, 1.0
    params = {"a": jnp.asarray(x0[0], jnp.float32), "b": jnp.asarray(x0[1], jnp.float32)}
    opt = optim.optimizer(method, eta, tau=tau, beta1=beta1, beta2=beta2, eps=eps, order=order)
    state = opt.init(params)
    x, m, v = x0.ravel().copy(), np.zeros(12), np.zeros(12)
    step = make_method(
        method, "vector", eta0=eta, G=tau, B=np.full(12, tau), beta1=beta1, beta2=beta2, eps=eps, order=order
    )
    for k, g in enumerate(grads, 1):
        updates, state = opt.update({"a": jnp.asarray(g[0]), "b": jnp.asarray(g[1])}, state, params)
        params = jax.tree.map(jnp.add, params, updates)
        # the Numba step clips globally over the whole vector, as the JAX one does over every tensor
        apply_step(step, x, g.ravel().copy(), m, v, k)
    got = np.concatenate([np.asarray(params["a"]), np.asarray(params["b"])])
    np.testing.assert_allclose(got, x, rtol=2e-5, atol=2e-5)


def _toy(samples: np.ndarray):
    """Per-example loss 1/2 ||theta - x_i||^2: per-example gradients theta - x_i, deviations -(x_i - mean x)."""
    params = {"theta": jnp.zeros(samples.shape[1])}
    return (
        params,
        jnp.asarray(samples),
        jnp.zeros(len(samples), jnp.int32),
        (lambda p, x, y: 0.5 * jnp.mean(jnp.sum((p["theta"] - x) ** 2, axis=1))),
    )


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


def _text_cfg(task=CHARS, **changes):
    return model.NetConfig(vocab=task.vocab, n_classes=task.n_classes, positions=task.positions, **{**TINY, **changes})


@pytest.mark.parametrize("method,eta,clip_norm", [("adam", 1e-2, None), ("sgd", 0.5, 0.1), ("acclip", 0.3, None)])
def test_vmapped_training_matches_a_plain_optax_loop(method, eta, clip_norm):
    """One compiled call over (method, eta) x trials gives, for each run, what a plain loop of the optax
    transformation gives from the same initial weights and minibatches."""
    cfg, seed, steps = _text_cfg(), 3, 4
    schedule = Schedule(steps=steps, batch=4, every=2, eval_size=16, clip_norm=clip_norm)
    params, recs = train(cfg, CHARS, [("signum", 1e-3), (method, eta)], 2, seed, schedule)
    init_key, data_key = jax.random.split(trial_key(seed, 1))
    p = model.init(init_key, cfg)
    opt = optim.optimizer(method, eta)
    if clip_norm is not None:
        opt = optax.chain(optax.clip_by_global_norm(clip_norm), opt)
    state, grad = opt.init(p), jax.jit(jax.grad(model.loss), static_argnums=1)
    for k in range(steps):
        x, y = tokens.batch(jax.random.fold_in(data_key, k), CHARS, 4, cfg.seq_len)
        updates, state = opt.update(grad(p, cfg, x, y), state, p)
        p = jax.tree.map(lambda q, u, k=k: q + schedule.rate(k) * u, p, updates)  # warm-up and cosine decay
    # Another compiled program rounds differently, and Adam's m / (sqrt(v) + eps) turns a rounding difference in a
    # near-zero gradient into a visible one: 1% of one step, far below what a wrong method, step or clip would give.
    for name in p:
        np.testing.assert_allclose(params[name][1, 1], p[name], rtol=1e-4, atol=0.01 * eta, err_msg=name)
    assert recs["eval_loss"].shape == (2, 2, 3) and np.isnan(recs["train_loss"][..., 0]).all()
    np.testing.assert_array_equal(recs["eval_loss"][0, :, 0], recs["eval_loss"][1, :, 0])  # paired start
    assert not np.array_equal(recs["eval_loss"][0, :, -1], recs["eval_loss"][1, :, -1])


def test_training_in_groups_of_runs_gives_the_runs_of_one_batch():
    # 2 runs x 3 trials in groups of 4 (the last padded with a copy): the same runs, up to float32 rounding of
    # another compiled program
    cfg, schedule = _text_cfg(), Schedule(steps=4, batch=4, every=2, eval_size=16)
    runs = [("sgd", 0.1), ("adam", 1e-2)]
    whole, grouped = (train(cfg, CHARS, runs, 3, 5, schedule, group=g) for g in (None, 4))
    for name in whole[0]:
        assert grouped[0][name].shape == whole[0][name].shape
        np.testing.assert_allclose(grouped[0][name], whole[0][name], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grouped[1]["eval_loss"], whole[1]["eval_loss"], rtol=1e-5)


def test_methods_compiled_beside_a_run_do_not_change_it_and_must_include_its_method():
    # tuning rounds pass every method of the claim so that they share one compiled program: a method's runs must
    # not depend on the methods beside it (each method's state advances on its own; only the chosen direction moves)
    cfg, schedule = _text_cfg(), Schedule(steps=4, batch=4, every=2, eval_size=16)
    alone = train(cfg, CHARS, [("signum", 1e-3)], 2, 5, schedule)
    beside = train(cfg, CHARS, [("signum", 1e-3)], 2, 5, schedule, methods=("adam", "sgd", "signum"))
    for a, b in zip(alone, beside, strict=True):
        for name in a:
            np.testing.assert_allclose(b[name], a[name], rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="lacks signum"):
        train(cfg, CHARS, [("signum", 1e-3)], 1, 5, schedule, methods=("adam",))


def test_vmapped_training_is_bit_identical_when_repeated_and_snapshots_end_at_the_final_weights():
    cfg, schedule = _text_cfg(), Schedule(steps=4, batch=4, every=2, eval_size=16)
    runs = [("sgd", 0.1), ("adam", 1e-2)]
    first, repeat = (train(cfg, CHARS, runs, 2, 5, schedule) for _ in range(2))
    kept = train(cfg, CHARS, runs, 2, 5, schedule, snapshots=True)
    for name in first[0]:
        np.testing.assert_array_equal(first[0][name], repeat[0][name])
        # another compiled program (and eager sampling for initial_params): equal up to float32 rounding
        np.testing.assert_allclose(kept[0][name][:, :, -1], first[0][name], rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(kept[0][name][0, 1, 0], initial_params(cfg, 5, 1)[name], rtol=1e-5, atol=1e-7)
    for name in first[1]:
        np.testing.assert_array_equal(first[1][name], repeat[1][name])


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: train(_text_cfg(inputs="gaussian"), CHARS, [("sgd", 0.1)], 1, 0, Schedule(2, 2, 1)), "inputs"),
        (lambda: train(_text_cfg(), CHARS, [("lion", 0.1)], 1, 0, Schedule(2, 2, 1)), "method='lion'"),
        (lambda: train(_text_cfg(), CHARS, [("sgd", 0.0)], 1, 0, Schedule(2, 2, 1)), "eta"),
        (lambda: train(_text_cfg(), tokens.Task("words"), [("sgd", 0.1)], 1, 0, Schedule(2, 2, 1)), "does not fit"),
        (lambda: train(_text_cfg(), CHARS, [("sgd", 0.1)], 0, 0, Schedule(2, 2, 1)), "trials"),
        (lambda: Schedule(steps=4, batch=2, every=2, warmup=1.0), "warmup"),
        (lambda: Schedule(steps=5, batch=2, every=2), "not a multiple"),
        (lambda: Schedule(steps=4, batch=2, every=2, clip_norm=-1.0), "clip_norm"),
    ],
)
def test_bad_training_input_is_refused_before_any_work(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_tuning_skips_a_diverging_step_widens_a_grid_at_its_edge_and_reports_other_trials():
    from simulate.transformer.ladder import QUICK_NET, WIDEN_POINTS, WIDEN_ROUNDS, NetTrainingProfile

    p = NetTrainingProfile(
        rung="quick",
        net=QUICK_NET,
        grids=(("sgd", (1e3, 1e4)), ("adam", (1e-3, 3e-3, 1e-2))),
        tune_trials=2,
        trials=3,
        steps=4,
        every=2,
        clip_norm=None,
        eval_size=16,
    )
    cfg = net_config(QUICK_NET, CHARS)
    tuned = tuned_training(p, cfg, CHARS, 0, {}, GATE)
    sgd = tuned["sgd"]
    # both sgd steps diverge or crawl: its best sits at the low edge, so the grid grows downwards by the declared
    # rule (WIDEN_POINTS per round, at the grid's ratio 10, at most WIDEN_ROUNDS rounds)
    extra = sorted(set(sgd.scores) - set(p.grids[0][1]))
    assert len(extra) in [WIDEN_POINTS * r for r in range(1, WIDEN_ROUNDS + 1)]
    assert extra == pytest.approx([1e3 / 10**k for k in range(len(extra), 0, -1)])
    assert sgd.eta == min(sgd.scores, key=sgd.scores.get)
    assert sgd.final_loss.shape == (3,) and np.isfinite(sgd.final_loss).all()
    assert tuned["adam"].records["eval_loss"].shape == (3, 3)
    # the reported trials are not the tuning ones: trial 2 of the seed is the first reported
    first = train(cfg, CHARS, [("adam", tuned["adam"].eta)], 1, 0, Schedule(4, 8, 2, eval_size=16), first_trial=2)
    np.testing.assert_allclose(first[1]["eval_loss"][0, 0], tuned["adam"].records["eval_loss"][0], rtol=1e-5)
    # the gate pairs the reported trials' loss on every held-out window with the bigram's on the same windows
    x, y = eval_batch(cfg, CHARS, p.eval_size, 0)
    probs = tokens.bigram_probabilities(tokens.bigram_model(CHARS), np.asarray(x), np.asarray(y))
    d = tuned["adam"].records["eval_window_loss"][:, -1].mean(axis=0) + np.log(probs).mean(axis=1)
    half = stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
    assert tuned["adam"].margin == pytest.approx(-GATE.margin - (d.mean() + half), rel=1e-6)
    np.testing.assert_allclose(
        tuned["adam"].records["eval_window_loss"][:, -1].mean(axis=1), tuned["adam"].final_loss, rtol=1e-5
    )


def test_gradient_blocks_split_qkv_into_thirds_and_keep_every_named_block():
    cfg, params, x, y, loss = _setup()
    grads = jax.grad(loss)(params, x, y)
    blocks = ln_placement.gradient_blocks(grads, cfg.layers)
    qkv = sum(np.sum(blocks[f"block0.{n}"] ** 2) for n in "QKV")
    np.testing.assert_allclose(qkv, np.sum(np.asarray(grads["block0.attn.wqkv"], np.float64) ** 2), rtol=1e-6)
    assert set(blocks) == {
        "block0.Q",
        "block0.K",
        "block0.V",
        "block0.attn.wo",
        "block0.ln1.scale",
        "block0.mlp.w1",
        "block0.mlp.w2",
        "block0.ln2.scale",
        "head.w",
    }


_THREADS_SCRIPT = """
import sys, numpy as np, jax
from simulate.nets import model, tokens
from simulate.nets.train import Schedule, train
task = tokens.Task("words")
cfg = model.NetConfig(vocab=task.vocab, n_classes=task.n_classes, seq_len=8, d_model=16, heads=2, layers=1, mlp=32,
                      positions="all")
params, rec = train(cfg, task, [("adam", 3e-3), ("sgd", 0.3)], 2, 0, Schedule(steps=20, batch=8, every=10))
np.savez(sys.argv[1], head=params["head.w"], loss=rec["eval_loss"])
"""


def test_training_is_bit_identical_on_one_thread_and_on_every_core(tmp_path):
    import os
    import subprocess
    import sys

    outputs = []
    for i, flags in enumerate(("", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")):
        path = tmp_path / f"run{i}.npz"
        env = {**os.environ, "XLA_FLAGS": flags}
        subprocess.run([sys.executable, "-c", _THREADS_SCRIPT, str(path)], check=True, env=env, timeout=300)
        outputs.append(np.load(path))
    for name in ("head", "loss"):
        np.testing.assert_array_equal(outputs[0][name], outputs[1][name])


def test_a_language_model_predicts_every_position_causally():
    # positions = "all": the logits at position t depend on tokens 0..t only, and the loss is the mean over every
    # position of every window of the per-position cross-entropy.
    cfg = model.NetConfig(vocab=11, n_classes=11, seq_len=6, d_model=16, heads=2, layers=2, mlp=32, positions="all")
    params = model.init(jax.random.key(0), cfg)
    x = jax.random.randint(jax.random.key(1), (3, 6), 0, 11)
    y = jax.random.randint(jax.random.key(2), (3, 6), 0, 11)
    logits = model.forward(params, cfg, x)
    assert logits.shape == (3, 6, 11)
    changed = model.forward(params, cfg, x.at[:, 4:].set((x[:, 4:] + 1) % 11))
    np.testing.assert_array_equal(np.asarray(logits[:, :4]), np.asarray(changed[:, :4]))
    assert not np.allclose(np.asarray(logits[:, 4:]), np.asarray(changed[:, 4:]))
    log_p = np.asarray(jax.nn.log_softmax(logits))
    by_hand = -np.mean([log_p[b, t, int(y[b, t])] for b in range(3) for t in range(6)])
    assert abs(float(model.loss(params, cfg, x, y)) - by_hand) < 1e-5
    last = model.NetConfig(vocab=11, n_classes=11, seq_len=6, d_model=16, heads=2, layers=2, mlp=32)
    np.testing.assert_allclose(np.asarray(model.forward(params, last, x)), np.asarray(logits[:, -1]), rtol=1e-5)


def test_the_gram_matrix_by_blocks_of_parameters_equals_the_whole_one():
    # Two tensors, 7 + 5 parameters, 300 examples: blocks of 3 columns (several per tensor and across tensors) give
    # the same G, mean gradient and combined rows as the whole float64 matrix, in one block or several.
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(300, 7)), rng.pareto(1.5, (300, 5))
    params = {"a": jnp.zeros(7), "b": jnp.zeros(5)}
    x = jnp.asarray(np.concatenate([a, b], axis=1))

    def loss(p, xs, ys):
        return 0.5 * jnp.mean(jnp.sum((p["a"] - xs[:, :7]) ** 2, 1) + jnp.sum((p["b"] - xs[:, 7:]) ** 2, 1))

    y = jnp.zeros(300, jnp.int32)
    counts = np.stack([np.bincount(rng.integers(0, 300, 8), minlength=300) for _ in range(2)]).astype(float)
    D, mean = noise.deviations(loss, params, x, y, chunk=64)
    whole = (noise.gram(D), mean, counts @ D)
    one = noise.gram_by_blocks(loss, params, x, y, combine=counts, chunk=64)
    blocks = noise.gram_by_blocks(loss, params, x, y, combine=counts, chunk=64, block_bytes=3 * 4 * 300)
    for got in (one, blocks):  # float32 on the device against the float64 reference: float32 rounding
        for g, want in zip(got, whole, strict=True):
            scale = np.abs(want).max()
            np.testing.assert_allclose(g, want, rtol=0, atol=2e-6 * scale)
    # the blocks sum to the same G whatever the split, up to float32 rounding of each block's product
    np.testing.assert_allclose(blocks[0], one[0], rtol=0, atol=2e-6 * np.abs(one[0]).max())
    assert noise._column_blocks(12, 300, 3 * 4 * 300, itemsize=4) == [(0, 3), (3, 6), (6, 9), (9, 12)]


def test_a_fine_tuning_run_starts_from_the_pretrained_body_with_the_trials_new_head():
    cfg_lm = _text_cfg(tokens.Task("words"))
    body = initial_params(cfg_lm, 9)  # stands in for a pretrained model: any weights of the body's shapes
    task = tokens.Task("words", classes=8, positions="last", target="document")
    cfg = _text_cfg(task)
    kept, recs = train(cfg, task, [("signum", 1e-3)], 2, 4, Schedule(2, 4, 1, eval_size=8), snapshots=True, start=body)
    fresh, tuned = initial_params(cfg, 4, 1), initial_params(cfg, 4, 1, start=body)
    for name in model.shapes(cfg):
        start = kept[name][0, 1, 0]  # run 0, trial 1, checkpoint 0
        expected = fresh[name] if name.startswith("head.") else body[name]
        np.testing.assert_allclose(start, expected, rtol=1e-5, atol=1e-7, err_msg=name)
        np.testing.assert_array_equal(tuned[name], expected, err_msg=name)
    assert recs["eval_window_loss"].shape == (1, 2, 3, 8)
    with pytest.raises(ValueError, match="body"):
        train(cfg, task, [("sgd", 0.1)], 1, 0, Schedule(2, 2, 1), start={"embed": body["embed"]})


def test_the_trained_gate_pairs_model_and_baseline_on_the_same_windows():
    cfg, task = _text_cfg(), CHARS
    x, y = eval_batch(cfg, task, 64, 3)
    base = tokens.baseline_losses(task, x, y)
    rng = np.random.default_rng(0)
    better = base - 0.1 + rng.normal(0, 0.01, base.size)
    gate = trained_gate(GATE, cfg, task, 64, 3, better)
    assert gate.trained and gate.difference == pytest.approx(-0.1, abs=0.005)
    # the same per-window losses in another order are no longer paired with their windows: far wider, not trained
    shuffled = trained_gate(GATE, cfg, task, 64, 3, rng.permutation(better))
    assert shuffled.ci_high - shuffled.ci_low > 5 * (gate.ci_high - gate.ci_low)
    # a model level with the bigram is not trained, but it is at its floor
    level = base + rng.normal(0, 0.01, base.size)
    assert not trained_gate(GATE, cfg, task, 64, 3, level).trained
    assert trained_gate(GATE, cfg, task, 64, 3, level, floor=True).trained
    assert not trained_gate(GATE, cfg, task, 64, 3, level + 0.2, floor=True).trained
    # trials are averaged per window before pairing
    two = trained_gate(GATE, cfg, task, 64, 3, np.stack([better - 0.05, better + 0.05]))
    assert two.difference == pytest.approx(gate.difference)
    with pytest.raises(ValueError, match="held-out windows"):
        trained_gate(GATE, cfg, task, 64, 3, better[:10])


@pytest.mark.parametrize(
    "kw,match",
    [
        (dict(margin=0.01, reason="r"), "margin=0.01"),
        (dict(margin=0.05, reason=""), "reason"),
        (dict(margin=0.05, reason="r", floor_tolerance=0.1), "floor_tolerance"),
    ],
)
def test_a_trained_gate_refuses_a_margin_below_the_minimum_or_without_reasons(kw, match):
    with pytest.raises(ValueError, match=match):
        TrainedGate(**kw)


def test_a_pretrained_language_model_is_trained_once_and_then_loaded_by_content(tmp_path, monkeypatch):
    from simulate.run.store import RunCache
    from simulate.transformer import pretrained
    from simulate.transformer.ladder import NetShape

    pre = pretrained.Pretraining(
        net=NetShape(seq_len=6, d_model=8, heads=2, layers=1, mlp=12, batch=4),
        tokenisation="chars",
        steps=4,
        eta=1e-2,
        eval_size=8,
    )
    first = pretrained.language_model(pre, "post", True, 3, RunCache(tmp_path))
    assert len(list(tmp_path.glob("lm-*.npz"))) == 1

    def train_again(*args):
        raise AssertionError("trained again")

    monkeypatch.setattr(pretrained, "_train", train_again)
    again = pretrained.language_model(pre, "post", True, 3, RunCache(tmp_path))  # another store object: from disk
    assert again is not first
    for name in first.snapshots:
        np.testing.assert_array_equal(again.snapshots[name], first.snapshots[name])
    np.testing.assert_array_equal(again.window_losses(4), first.records["eval_window_loss"][-1])
    assert first.weights(0)["head.w"].shape == (8, tokens.Task("chars").vocab)
    # the weights at initialisation are trial 0's, and the end is what train() gives
    np.testing.assert_allclose(first.weights(0)["embed"], initial_params(first.cfg, 3)["embed"], rtol=1e-6)
    with pytest.raises(AssertionError, match="trained again"):  # another placement is another model
        pretrained.language_model(pre, "pre", True, 3, RunCache(tmp_path))
