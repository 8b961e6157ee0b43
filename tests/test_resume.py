"""An interrupted sweep keeps what finished and resumes without recomputing it."""

import numpy as np
import pytest

import simulate.run.runner as runner
from simulate.run.config import QuadraticRun
from simulate.run.executors import LocalExecutor
from simulate.run.store import RunCache


def _configs():
    base = dict(claim="resume", method="proj-gclip", noise="pareto", K=500, trials=8)
    return [QuadraticRun(alpha=a, **base) for a in (1.3, 1.6, 1.9)]


def test_interrupted_sweep_resumes(tmp_path, monkeypatch):
    cache = RunCache(tmp_path)
    real = runner.run_trials
    calls = []

    def interrupted(cfg, *args, **kwargs):
        if cfg.alpha == 1.6:
            raise KeyboardInterrupt
        calls.append(cfg.alpha)
        return real(cfg, *args, **kwargs)

    monkeypatch.setattr(runner, "run_trials", interrupted)
    with pytest.raises(KeyboardInterrupt):
        runner.run_all(_configs(), cache, progress=False, executor=LocalExecutor())
    assert calls == [1.3]
    assert len(list(tmp_path.glob("*.npz"))) == 1
    assert not list(tmp_path.glob(".*tmp*")), "no partial files left behind"

    monkeypatch.setattr(runner, "run_trials", lambda cfg, *a, **k: calls.append(cfg.alpha) or real(cfg, *a, **k))
    results = runner.run_all(_configs(), cache, progress=False, executor=LocalExecutor())
    assert calls == [1.3, 1.6, 1.9], "the finished configuration was not recomputed"
    assert [cached for _, _, cached in results] == [True, False, False]
    np.testing.assert_array_equal(results[0][1]["avg_dist"], real(_configs()[0])["avg_dist"])


@pytest.mark.parametrize("garbage", [b"truncated", b"PK\x03\x04 half a zip"])
def test_unreadable_cache_entry_is_recomputed(tmp_path, garbage):
    cfg = _configs()[0]
    (tmp_path / f"{cfg.cache_key()}.npz").write_bytes(garbage)
    ((_, arrays, cached),) = runner.run_all([cfg], RunCache(tmp_path), progress=False, executor=LocalExecutor())
    assert not cached and arrays["avg_dist"].shape == (8, len(arrays["k"]))


def _rewrite(path, change):
    """Rewrite an .npz entry with ``change(arrays)`` applied, keeping its stored description as it was."""
    with np.load(path) as z:
        arrays = {name: z[name] for name in z.files}
    change(arrays)
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


@pytest.mark.parametrize(
    "corrupt,why",
    [
        (lambda a: a.update(avg_dist=np.where(True, np.nan, a["avg_dist"])), "arrays altered"),
        (
            lambda a: a.update({n: v[:2] for n, v in a.items() if n != "__entry__" and v.ndim and v.shape[0] == 8}),
            "missing or reshaped",
        ),
        (lambda a: a.pop("avg_gap"), "missing or reshaped"),
        (lambda a: a.pop("__entry__"), "no description"),
    ],
    ids=["nan-array", "cut-trials", "missing-array", "no-description"],
)
def test_a_readable_but_wrong_cache_entry_is_discarded_and_recomputed(tmp_path, capsys, corrupt, why):
    cfg = _configs()[0]
    cache = RunCache(tmp_path)
    ((_, fresh, _),) = runner.run_all([cfg], cache, progress=False, executor=LocalExecutor())
    _rewrite(tmp_path / f"{cfg.cache_key()}.npz", corrupt)
    ((_, arrays, cached),) = runner.run_all([cfg], cache, progress=False, executor=LocalExecutor())
    assert not cached and why in capsys.readouterr().err
    for name, value in fresh.items():
        np.testing.assert_array_equal(arrays[name], value)
    ((_, _, cached),) = runner.run_all(
        [cfg], cache, progress=False, executor=LocalExecutor()
    )  # the recomputed entry is good again
    assert cached


def test_another_configurations_entry_under_this_key_is_not_used(tmp_path, capsys):
    a, b = _configs()[:2]
    cache = RunCache(tmp_path)
    runner.run_all([a, b], cache, progress=False, executor=LocalExecutor())
    (tmp_path / f"{b.cache_key()}.npz").replace(tmp_path / f"{a.cache_key()}.npz")
    ((_, arrays, cached),) = runner.run_all([a], cache, progress=False, executor=LocalExecutor())
    assert not cached and "written under another key" in capsys.readouterr().err
    np.testing.assert_array_equal(arrays["avg_dist"], runner.run_quadratic(a)["avg_dist"])


def test_a_cache_entry_that_is_a_link_or_a_fifo_is_discarded_without_following_it(tmp_path, capsys):
    import os
    import threading

    cache = RunCache(tmp_path / "cache")
    elsewhere = RunCache(tmp_path / "elsewhere")
    arrays = {"x": np.arange(3.0)}
    elsewhere.save("k1", arrays)
    target = tmp_path / "elsewhere" / "k1.npz"
    (tmp_path / "cache").mkdir()
    os.symlink(target, tmp_path / "cache" / "k1.npz")
    assert cache.load("k1") is None
    assert "a symbolic link" in capsys.readouterr().err
    assert target.exists() and not os.path.lexists(tmp_path / "cache" / "k1.npz")  # the link, not its target, went

    os.mkfifo(tmp_path / "cache" / "k2.npz")  # opening a FIFO for reading blocks until a writer comes
    box = {}
    reader = threading.Thread(target=lambda: box.setdefault("got", cache.load("k2")), daemon=True)
    reader.start()
    reader.join(10)
    assert not reader.is_alive(), "loading a FIFO entry hung"
    assert box["got"] is None and "not a regular file" in capsys.readouterr().err
    assert not os.path.lexists(tmp_path / "cache" / "k2.npz")
