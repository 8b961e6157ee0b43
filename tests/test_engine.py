"""The open engine: user pieces against plain-NumPy references, keys by source, the kernel cache, refusals."""

import dataclasses
import math
import random
import sys
from pathlib import Path

import numpy as np
import pytest

from simulate.engine import Method, Noise, Objective, Trajectory, compose, run_cached, run_trajectory, source_key
from simulate.engine.compose import combination_key
from simulate.engine.rng import uniform_open, uniforms
from simulate.pieces import methods, metrics, objectives
from simulate.pieces.noise import NONE, draw, law
from simulate.run.store import RunCache


def normalized_sgd(x, o, g, m, v, k, sched, p):
    """A user's vector method: x -= eta g/||g|| (no step at g = 0)."""
    sq = 0.0
    for i in range(g.size):
        sq += g[i] * g[i]
    if sq > 0.0:
        f = sched[0] / math.sqrt(sq)
        for i in range(g.size):
            x[o + i] -= f * g[i]
    return 0.0


def uniform_noise(s, o, p):
    """A user's law: uniform on [-p[0], p[0]], one uniform per draw."""
    return p[0] * (2.0 * uniform_open(s, o) - 1.0)


def test_user_vector_method_and_law_match_a_numpy_loop_on_the_same_stream():
    d, K, T = 3, 200, 4
    h = np.array([1.0, 2.0, 5.0])
    method = Method("nsgd-mine", methods.power_schedule, normalized_sgd, ((0.3, 1.0, 0.5, math.inf, 0.0), ()))
    noise = Noise("uniform", sample=uniform_noise, params=(0.5,), lift_params=(np.ones(d), math.inf, 0.0))
    traj = Trajectory(
        objectives.quadratic(h, np.zeros(d)),
        noise,
        method,
        metrics.squared(np.zeros(d)),
        np.ones(d),
        np.arange(1, K + 1),
        T,
        seed=4,
        stream_key=9,
    )
    out = run_trajectory(traj)
    for t in range(T):
        u = uniforms(4, 9, t, K * d).reshape(K, d)  # the same stream trial t draws from
        x = np.ones(d)
        for k in range(1, K + 1):
            g = h * x + 0.5 * (2.0 * u[k - 1] - 1.0)
            x = x - 0.3 / math.sqrt(k + 1.0) * g / np.linalg.norm(g)
            np.testing.assert_allclose(out["last_sq"][t, k - 1], np.sum(x * x), rtol=1e-12)


def test_user_pieces_are_bit_identical_across_threads_and_trial_splits(one_and_all_threads):
    traj = Trajectory(
        objectives.quadratic(1.0, 0.0),
        Noise("uniform", sample=uniform_noise, params=(3.0,)),
        methods.method("gclip", eta0=4.0, k0=1.0, power=1.0, G=1.0, beta=0.6),
        metrics.trajectory(0.0),
        [1.0],
        [1, 10, 100, 1000],
        300,
        seed=2,
    )
    one, many = one_and_all_threads(lambda: run_trajectory(traj))
    parts = [run_trajectory(traj, 0, 70), run_trajectory(traj, 70, 230)]
    for name in one:
        assert np.array_equal(one[name], many[name]), name
        if name != "k":
            assert np.array_equal(one[name], np.concatenate([p[name] for p in parts])), name


def _law_a(s, o, p):
    return p[0] * uniform_open(s, o)


def _law_b(s, o, p):
    return p[0] * uniform_open(s, o) * 2.0


def test_a_piece_is_keyed_by_its_source_and_what_it_calls():
    a, b = Noise("x", sample=_law_a, params=(1.0,)), Noise("x", sample=_law_b, params=(1.0,))
    assert a.key() != b.key()
    assert a.key() == Noise("renamed", sample=_law_a, params=(2.0,)).key(), "parameters are not code"
    assert source_key(methods.gclip_vector) != source_key(methods.sgd_vector)
    # a helper's source is part of its callers' keys
    assert "clip_global" in methods.gclip_vector.py_func.__code__.co_names
    objective, method, metric = objectives.quadratic(1.0, 0.0), methods.method("sgd", eta0=0.1), metrics.trajectory(0.0)
    ka, kb = (combination_key("scalar", objective, n, method, metric) for n in (a, b))
    assert ka != kb
    assert compose("scalar", objective, a, method, metric) is compose("scalar", objective, a, method, metric)


def _edited_law(s, o, p):
    """A law of its own, so that its kernel module is this test's alone."""
    return p[0] * (uniform_open(s, o) - 0.5)


@pytest.mark.parametrize("damage", ["edited", "cut", "symlinked"])
def test_a_damaged_generated_kernel_module_is_written_afresh_before_it_runs(monkeypatch, tmp_path, damage):
    compose_module = sys.modules["simulate.engine.compose"]  # the package's ``compose`` is the function
    objective, method, metric = objectives.quadratic(1.0, 0.0), methods.method("sgd", eta0=0.1), metrics.trajectory(0.0)
    noise = Noise("edited", sample=_edited_law, params=(1.0,))
    path = Path(compose("scalar", objective, noise, method, metric).__file__)
    good = path.read_bytes()
    if damage == "edited":
        path.write_bytes(good + b"\nraise RuntimeError('an edited module ran')\n")
    elif damage == "cut":
        path.write_bytes(good[: len(good) // 2])
    else:
        (tmp_path / "elsewhere.py").write_text("raise RuntimeError('a linked file ran')\n")
        path.unlink()
        path.symlink_to(tmp_path / "elsewhere.py")
    monkeypatch.setattr(compose_module, "_LOADED", {})  # as a new process would
    module = compose("scalar", objective, noise, method, metric)
    assert not path.is_symlink() and path.read_bytes() == good
    traj = Trajectory(objective, noise, method, metric, [1.0], [1, 20], 8, seed=2)
    assert module.trial_block is compose("scalar", objective, noise, method, metric).trial_block
    assert np.isfinite(run_trajectory(traj)["avg_dist"]).all()


def test_the_outputs_allocator_keys_results_but_does_not_compile_a_new_kernel():
    """The allocator runs outside the kernel: a closure over a size (the head's class count) must not make a new
    kernel per size, but its results must not share a cache entry either."""

    def allocator(extra):
        return lambda trials, n_ckpt: {f"a{i}": np.empty((trials, n_ckpt)) for i in range(3 + extra)}

    base = metrics.squared(np.zeros(2))
    wider = dataclasses.replace(base, outputs=allocator(1))
    assert base.key() == wider.key()
    assert base.result_key() != wider.result_key() != dataclasses.replace(base, outputs=allocator(2)).result_key()
    objective = objectives.quadratic(np.ones(2), np.zeros(2), shape="vector")
    method = methods.method("sgd", "vector", eta0=0.1)
    keys = {combination_key("vector", objective, NONE, method, m) for m in (base, wider)}
    assert len(keys) == 1


def test_run_cached_loads_what_it_stored_and_recomputes_a_changed_piece(tmp_path):
    cache = RunCache(tmp_path)

    def traj(noise):
        return Trajectory(
            objectives.quadratic(1.0, 0.0),
            noise,
            methods.method("sgd", eta0=0.1),
            metrics.trajectory(0.0),
            [1.0],
            [1, 50],
            16,
            seed=1,
        )

    first = run_cached(traj(Noise("a", sample=_law_a, params=(1.0,))), cache)
    assert len(list(tmp_path.glob("*.npz"))) == 1
    again = run_cached(traj(Noise("a", sample=_law_a, params=(1.0,))), cache)
    assert np.array_equal(first["avg_dist"], again["avg_dist"])
    assert len(list(tmp_path.glob("*.npz"))) == 1, "loaded, not recomputed"
    run_cached(traj(Noise("b", sample=_law_b, params=(1.0,))), cache)
    assert len(list(tmp_path.glob("*.npz"))) == 2, "a changed law is a new entry"


def test_draw_gives_the_law_of_a_user_sampler():
    xi = draw(Noise("uniform", sample=uniform_noise, params=(2.0,)), 20000, seed=3)
    assert -2.0 < xi.min() and xi.max() < 2.0
    assert abs(xi.mean()) < 0.05 and abs(xi.var() - 4.0 / 3.0) < 0.05


def test_refusals_name_the_bad_value():
    quad = objectives.quadratic(1.0, 0.0)
    sgd, metric = methods.method("sgd", eta0=0.1), metrics.trajectory(0.0)
    with pytest.raises(ValueError, match="x0 has 2 coordinates"):
        Trajectory(quad, NONE, sgd, metric, [1.0, 2.0], [1, 2], 4)
    with pytest.raises(ValueError, match=r"checkpoints=\[3, 2\]"):
        Trajectory(quad, NONE, sgd, metric, [1.0], [3, 2], 4)
    with pytest.raises(ValueError, match="trials=0"):
        Trajectory(quad, NONE, sgd, metric, [1.0], [1, 2], 0)
    with pytest.raises(ValueError, match="give exactly one of sample"):
        Noise("nothing")
    with pytest.raises(ValueError, match="method='adamw'"):
        methods.method("adamw", "vector", eta0=0.1)
    with pytest.raises(ValueError, match="has no domain"):
        nowhere = Objective("free", lambda x, p: x, lambda x, p: 0.5 * x * x)
        run_trajectory(
            Trajectory(nowhere, law("pareto", 1.5), methods.method("proj-sgd", eta0=0.1), metric, [1.0], [1, 2], 4)
        )
    with pytest.raises(ValueError, match="noise 'none': apply is not part of a scalar problem's kernel"):
        run_trajectory(Trajectory(quad, NONE, sgd, metric, [1.0], [1, 2], 4))


SCALE = np.array([1.0])
SAMPLES = [1.0, 2.0]


def _scaled_law(s, o, p):
    return SCALE[0] * (uniform_open(s, o) - 0.5)


def _numpy_random_law(s, o, p):
    return np.random.standard_normal()  # noqa: NPY002 (the refused call)


def _python_random_law(s, o, p):
    return random.random()


def _list_law(s, o, p):
    return SAMPLES[0] * uniform_open(s, o)


def _typo_law(s, o, p):
    return p.nonexistent


def test_a_piece_reading_a_global_array_is_keyed_by_its_values():
    def run():
        noise = Noise("scaled", sample=_scaled_law)
        traj = Trajectory(
            objectives.quadratic(1.0, 0.0), noise, methods.method("sgd", eta0=0.1), metrics.trajectory(0.0), [1.0],
            [1, 30], 16, seed=4,
        )  # fmt: skip
        return noise.key(), run_trajectory(traj)["avg_dist"]

    key_one, one = run()
    try:
        SCALE[0] = 3.0
        key_three, three = run()
    finally:
        SCALE[0] = 1.0
    assert key_one != key_three and not np.array_equal(one, three), "a changed array must not give stale results"
    assert run()[0] == key_one and np.array_equal(run()[1], one)


@pytest.mark.parametrize(
    "sample,message",
    [
        (_numpy_random_law, "_numpy_random_law reads np.random: Python's or NumPy's global random state"),
        (_python_random_law, "_python_random_law reads random.random: Python's or NumPy's global random state"),
        (_list_law, "_list_law reads SAMPLES, a list"),
        (lambda s, p: 0.0, r"sample\(s, p\) does not match sample\(s, so, p\)"),
    ],
    ids=["np.random", "random", "a global list", "signature"],
)
def test_a_user_piece_is_checked_when_built_naming_it(sample, message):
    with pytest.raises(ValueError, match=f"noise 'mine': .*{message}"):
        Noise("mine", sample=sample, params=(1.0,))


@pytest.mark.parametrize(
    "params,message",
    [
        (("a",), r"params\[0\]='a' is not a number"),
        ((1.0, (math.nan,)), r"params\[1\]\[0\]=nan"),
        ((np.array([1.0, math.nan]),), r"params\[0\] holds NaN"),
        (([1.0],), r"params\[0\]=\[1.0\] is not a number"),
    ],
)
def test_a_user_piece_with_bad_parameters_is_refused_naming_them(params, message):
    with pytest.raises(ValueError, match=f"noise 'mine': {message}"):
        Noise("mine", sample=uniform_noise, params=params)


def test_a_typing_error_names_the_piece_and_its_signature():
    traj = Trajectory(
        objectives.quadratic(1.0, 0.0), Noise("typo", sample=_typo_law, params=(1.0,)), methods.method("sgd", eta0=0.1),
        metrics.trajectory(0.0), [1.0], [1, 5], 4,
    )  # fmt: skip
    with pytest.raises(TypeError, match=r"noise 'typo' \(sample: expected sample\(s, so, p\)\)"):
        run_trajectory(traj)


def test_the_code_version_ignores_documentation_and_sees_code():
    from simulate.engine.jit import _code_only

    base = 'def f(x):\n    """Doc."""\n    return x  # note\n'
    assert _code_only(base) == _code_only('def f(x):\n    """Other words."""\n\n    return x\n')
    assert _code_only(base) != _code_only('def f(x):\n    """Doc."""\n    return x + 1\n')
    assert _code_only(base) != _code_only('def f(y):\n    """Doc."""\n    return y\n')
