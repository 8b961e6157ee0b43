"""Same configuration + seed => bit-identical output for any thread count and any chunking of trials."""

import os
import subprocess
import sys

import numpy as np
import pytest

import simulate.runner as runner
from simulate.config import AdaptiveRun, NonconvexRun, QuadraticRun
from simulate.runner import run_adaptive, run_nonconvex, run_quadratic

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
        "from simulate.config import QuadraticRun\nfrom simulate.runner import run_quadratic\n"
        f"cfg = QuadraticRun(**{CFG.__dict__!r})\n"
        "sys.stdout.write(run_quadratic(cfg)['avg_dist'].tobytes().hex())\n"
    )

    env = {**os.environ, "NUMBA_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert bytes.fromhex(out) == run_quadratic(CFG)["avg_dist"].tobytes()
