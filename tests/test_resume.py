"""An interrupted sweep keeps what finished and resumes without recomputing it."""

import numpy as np
import pytest

import simulate.runner as runner
from simulate.config import QuadraticRun
from simulate.store import RunCache


def _configs():
    base = dict(claim="resume", method="proj-gclip", noise="pareto", K=500, trials=8)
    return [QuadraticRun(alpha=a, **base) for a in (1.3, 1.6, 1.9)]


def test_interrupted_sweep_resumes(tmp_path, monkeypatch):
    cache = RunCache(tmp_path)
    real = runner.run_quadratic
    calls = []

    def interrupted(cfg, *args, **kwargs):
        if cfg.alpha == 1.6:
            raise KeyboardInterrupt
        calls.append(cfg.alpha)
        return real(cfg, *args, **kwargs)

    monkeypatch.setattr(runner, "run_quadratic", interrupted)
    with pytest.raises(KeyboardInterrupt):
        runner.run_all(_configs(), cache, progress=False)
    assert calls == [1.3]
    assert len(list(tmp_path.glob("*.npz"))) == 1
    assert not list(tmp_path.glob(".*tmp*")), "no partial files left behind"

    monkeypatch.setattr(runner, "run_quadratic", lambda cfg, *a, **k: calls.append(cfg.alpha) or real(cfg, *a, **k))
    results = runner.run_all(_configs(), cache, progress=False)
    assert calls == [1.3, 1.6, 1.9], "the finished configuration was not recomputed"
    assert [cached for _, _, cached in results] == [True, False, False]
    np.testing.assert_array_equal(results[0][1]["avg_dist"], real(_configs()[0])["avg_dist"])


@pytest.mark.parametrize("garbage", [b"truncated", b"PK\x03\x04 half a zip"])
def test_unreadable_cache_entry_is_recomputed(tmp_path, garbage):
    cfg = _configs()[0]
    (tmp_path / f"{cfg.cache_key()}.npz").write_bytes(garbage)
    ((_, arrays, cached),) = runner.run_all([cfg], RunCache(tmp_path), progress=False)
    assert not cached and arrays["avg_dist"].shape == (8, len(arrays["k"]))
