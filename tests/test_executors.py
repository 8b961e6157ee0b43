"""The Dask executor gives the local executor's bytes, for any worker count, and survives a killed worker."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from simulate.run.config import QuadraticRun
from simulate.run.executors import DaskExecutor, LocalExecutor
from simulate.run.runner import run_all
from simulate.run.store import RunCache

pytest.importorskip("dask.distributed")


def _configs(K=4096, trials=64):
    base = dict(claim="executors", noise="pareto", K=K, trials=trials)
    return [QuadraticRun(alpha=a, method=m, **base) for a in (1.3, 1.7) for m in ("proj-gclip", "sgd")]


def _entries(folder) -> list:
    """The cache's finished entries (not the hidden temporary files an entry is written through)."""
    return [p for p in folder.glob("*.npz") if not p.name.startswith(".")]


def _same_bytes(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        a[n].dtype == b[n].dtype and a[n].shape == b[n].shape and a[n].tobytes() == b[n].tobytes() for n in a
    )


@pytest.mark.parametrize("workers", [1, 2])
def test_dask_gives_the_local_bytes(tmp_path, workers):
    local = run_all(_configs(), RunCache(None), progress=False, executor=LocalExecutor())
    executor = DaskExecutor(workers=workers)
    try:
        remote = run_all(_configs(), RunCache(tmp_path), progress=False, executor=executor)
    finally:
        executor.close()
    assert [cached for *_, cached in remote] == [False] * len(local)
    for (cfg, a, _), (_, b, _) in zip(local, remote, strict=True):
        assert _same_bytes(a, b), cfg.label()
    assert len(_entries(tmp_path)) == len(local), "the workers wrote every run into the shared cache"
    again = run_all(_configs(), RunCache(tmp_path), progress=False, executor=LocalExecutor())
    assert all(cached for *_, cached in again)


def test_a_killed_worker_loses_no_finished_run(tmp_path):
    configs = [
        QuadraticRun(claim="executors", noise="pareto", method="proj-gclip", alpha=1.2 + 0.05 * i, K=2**17, trials=256)
        for i in range(12)
    ]
    run_all(
        configs[:1], RunCache(None), progress=False, executor=LocalExecutor()
    )  # compile in this process (workers load Numba's disk cache)
    executor = DaskExecutor(workers=2)
    box = {}
    sweep = threading.Thread(
        target=lambda: box.update(results=run_all(configs, RunCache(tmp_path), progress=False, executor=executor))
    )
    try:
        sweep.start()
        deadline = time.monotonic() + 120
        while not _entries(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        finished = {p: p.stat().st_mtime_ns for p in _entries(tmp_path)}
        assert finished, "no configuration finished within two minutes"
        busy = [addr for addr, keys in executor.client.processing().items() if keys]
        assert busy, "no worker was computing when the kill came"
        pid = executor.client.run(os.getpid, workers=busy[:1])[busy[0]]
        os.kill(pid, signal.SIGKILL)
        sweep.join(300)
        assert not sweep.is_alive(), "the sweep did not complete after the kill"
    finally:
        executor.close()
    assert len(box["results"]) == len(configs)
    for path, mtime in finished.items():
        assert path.stat().st_mtime_ns == mtime, f"{path.name}, finished before the kill, was written again"
    local = run_all(configs, RunCache(None), progress=False, executor=LocalExecutor())
    for (cfg, a, _), (_, b, _) in zip(local, box["results"], strict=True):
        assert _same_bytes(a, b), cfg.label()


@pytest.mark.parametrize(
    "argv, named",
    [
        (["--scheduler", "tcp://localhost:8786"], "--scheduler"),
        (["--workers", "2"], "--workers"),
        (["--executor", "dask", "--workers", "0"], "workers=0"),
        (["--executor", "spark"], "--executor: invalid choice: 'spark'"),
        (["--executor", "dask", "--scheduler", "tcp://127.0.0.1:9"], "scheduler='tcp://127.0.0.1:9' cannot be reached"),
    ],
)
def test_bad_executor_options_fail_before_work(tmp_path, argv, named):
    cmd = [
        sys.executable,
        "-m",
        "simulate",
        "rates",
        "--profile",
        "quick",
        "--claim",
        "thm4-strongly-convex",
        "--out",
        str(tmp_path / "out"),
        *argv,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert named in done.stderr
    assert not (tmp_path / "out").exists()


def test_the_slurm_example_runs_on_a_local_cluster_with_its_dashboard(tmp_path):
    out = tmp_path / "res"
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve().parents[1] / "examples" / "slurm_sweep.py"), "--local"]
        + ["--claim", "rem1-sgd-failure", "--profile", "quick", "--out", str(out), "--quiet"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "dashboard: http://" in proc.stderr and "dask dashboard: http://" in proc.stderr
    assert (out / "rates.csv").exists() and (out / "index.html").exists()
