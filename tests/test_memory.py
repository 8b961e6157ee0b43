"""simulate.memory: the peak the provenance reports, handing freed memory back (trim_heap, between claims)."""

import os
import sys

import pytest

from simulate.memory import peak_rss_mib, release_memory, trim_heap


def _resident_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim and /proc are Linux's")
def test_trim_heap_returns_memory_freed_between_live_blocks():
    blocks = [bytes(4000) for _ in range(60_000)]  # 240 MB of malloc'd blocks, every page written
    kept = blocks[::50]  # live blocks spread over the heap: glibc cannot shrink it from the top
    del blocks
    before = _resident_mib()
    trim_heap()
    after = _resident_mib()
    assert before - after > 150, (before, after)
    assert peak_rss_mib() > 240  # the 240 MB of blocks were resident at once
    del kept


def test_release_memory_drops_jax_executables():
    jax = pytest.importorskip("jax")

    double = jax.jit(lambda x: 2 * x)
    double(jax.numpy.ones(3))
    assert double._cache_size() == 1
    release_memory()
    assert double._cache_size() == 0
