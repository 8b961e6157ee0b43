"""Same configuration + seed => bit-identical output for any thread count and any chunking of trials."""

import os
import subprocess
import sys

import numpy as np
import pytest

import simulate.run.runner as runner
from simulate.engine.jit import wide_vector_features
from simulate.run.config import AdaptiveRun, NonconvexRun, QuadraticRun
from simulate.run.runner import run_adaptive, run_nonconvex, run_quadratic

CFG = QuadraticRun(claim="det", method="proj-gclip", noise="pareto-onesided", alpha=1.3, K=5000, trials=37, seed=5)


def _arrays(res):
    return np.concatenate([res["avg_dist"].ravel(), res["avg_gap"].ravel(), res["last_dist"].ravel()])


def test_thread_count_does_not_change_results(one_and_all_threads):
    one, many = one_and_all_threads(lambda: _arrays(run_quadratic(CFG)))
    assert np.array_equal(one, many)


def test_chunking_does_not_change_results():
    whole = run_quadratic(CFG)
    parts = [run_quadratic(CFG, 0, 10), run_quadratic(CFG, 10, 1), run_quadratic(CFG, 11, 26)]
    for name in ("avg_dist", "avg_gap", "last_dist", "diverged_at"):
        assert np.array_equal(whole[name], np.concatenate([p[name] for p in parts]))


@pytest.mark.parametrize(
    "cfg",
    [
        CFG,
        NonconvexRun(claim="det", method="gclip", noise="stable", alpha=1.5, K=400, trials=300, seed=5),
        AdaptiveRun(claim="det", method="acclip", noise="pareto", alpha=1.5, K=300, trials=300, d=3, seed=5),
    ],
    ids=["quadratic", "nonconvex", "adaptive"],
)
def test_runs_split_into_blocks_of_trials_are_bit_identical_to_one_call(cfg, monkeypatch):
    whole = {QuadraticRun: run_quadratic, NonconvexRun: run_nonconvex, AdaptiveRun: run_adaptive}[type(cfg)](cfg)
    monkeypatch.setattr(runner, "BLOCK_ITERATIONS", 1)  # blocks of 128 trials: 300 = 128 + 128 + 44
    assert len(runner.trial_blocks(cfg)) == (1 if cfg.trials <= 128 else 3)
    blocked = runner.run_config(cfg)
    assert blocked.keys() == whole.keys()
    for name, value in whole.items():
        assert np.array_equal(blocked[name], value, equal_nan=True), name


def test_trial_streams_do_not_depend_on_trial_count():
    more = QuadraticRun(**{**CFG.__dict__, "trials": 50})
    assert np.array_equal(run_quadratic(CFG)["avg_dist"], run_quadratic(more)["avg_dist"][:37])


def test_seed_changes_results():
    other = QuadraticRun(**{**CFG.__dict__, "seed": 6})
    assert not np.array_equal(run_quadratic(CFG)["avg_dist"], run_quadratic(other)["avg_dist"])


def test_fresh_process_with_one_thread_agrees():
    code = (
        "import numpy as np, sys\n"
        "from simulate.run.config import QuadraticRun\nfrom simulate.run.runner import run_quadratic\n"
        f"cfg = QuadraticRun(**{CFG.__dict__!r})\n"
        "sys.stdout.write(run_quadratic(cfg)['avg_dist'].tobytes().hex())\n"
    )

    env = {**os.environ, "NUMBA_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert bytes.fromhex(out) == run_quadratic(CFG)["avg_dist"].tobytes()


_WIDTH_CONFIGS = (
    "QuadraticRun('w', 'proj-gclip', 'pareto', 1.5, 3000, 64, seed=3)",
    "QuadraticRun('w', 'sgd', 'stable', 1.4, 3000, 64, seed=3)",
    "AdaptiveRun('w', 'cclip', 'pareto', 1.5, 500, 8, tail=1.7, d=37)",
)
_WIDTH_SCRIPT = f"""
import sys, numpy as np
from simulate.run.config import AdaptiveRun, QuadraticRun
from simulate.run.runner import run_trials
out = {{f"{{i}}_{{k}}": v for i, c in enumerate([{", ".join(_WIDTH_CONFIGS)}]) for k, v in run_trials(c).items()}}
np.savez(sys.argv[1], **out)
"""


@pytest.mark.skipif(wide_vector_features() is None, reason="not an AVX-512 host")
def test_512_bit_vectors_change_no_result_bit(tmp_path):
    """The kernels compiled for 512-bit vectors (the default on AVX-512 hosts) and for LLVM's preferred 256-bit
    vectors (the host's plain features, in a separate Numba cache) give the same bytes."""
    from llvmlite import binding

    plain = dict(
        os.environ,
        NUMBA_CPU_FEATURES=binding.get_host_cpu_features().flatten(),
        NUMBA_CACHE_DIR=str(tmp_path / "numba"),
    )
    outputs = {}
    for name, env in (("wide", dict(os.environ)), ("plain", plain)):
        outputs[name] = tmp_path / f"{name}.npz"
        subprocess.run([sys.executable, "-c", _WIDTH_SCRIPT, str(outputs[name])], env=env, check=True, timeout=600)
    with np.load(outputs["wide"]) as wide, np.load(outputs["plain"]) as plain_out:
        assert sorted(wide.files) == sorted(plain_out.files) and len(wide.files) >= 12
        for name in wide.files:
            assert wide[name].tobytes() == plain_out[name].tobytes(), name
