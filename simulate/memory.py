"""Resident memory: the process's peak, and handing memory freed inside the C heap back to the system."""

import ctypes
import ctypes.util
import functools
import gc
import os
import resource
import sys
from pathlib import Path

MEMORY_SHARE = 0.8  # of the available memory a run may plan to hold; the rest is left to everything else


def available_bytes() -> int:
    """Bytes of memory available to a new process now (MemAvailable on Linux, else physical memory)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def check_fits(need: int, sizes: str) -> None:
    """A ValueError naming ``sizes`` (the values that ask for the memory) when ``need`` bytes exceed
    ``MEMORY_SHARE`` of the memory available now, before anything is allocated."""
    available = available_bytes()
    if need > MEMORY_SHARE * available:
        raise ValueError(
            f"{sizes} needs about {need / 2**30:.3g} GiB; this machine has {available / 2**30:.1f} GiB available "
            f"(accepted: at most {MEMORY_SHARE:.0%} of it): lower them"
        )


def peak_rss_mib() -> float:
    """Peak resident memory so far of this process and its finished children, in MiB (Linux reports KiB). With
    ``--executor dask`` the workers' memory is their own and not included."""
    own, children = (resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return round(max(own, children) / 1024, 1)


@functools.cache
def _malloc_trim():
    libc = ctypes.util.find_library("c")
    return getattr(ctypes.CDLL(libc), "malloc_trim", None) if libc else None


def trim_heap() -> None:
    """Return the free memory of glibc's heap to the system (``malloc_trim``; nothing where there is none).

    XLA's compilations and a JAX training run free a few hundred MiB in small blocks that glibc keeps for reuse;
    the next phase's large arrays are then placed beside them and the process's peak grows by that much (a small
    transformer's training: 913 MiB resident after it, 588 MiB after a trim)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def release_memory() -> None:
    """Free what a finished phase leaves behind: cyclic garbage, JAX's compiled executables (``jax.clear_caches``,
    when JAX was imported) and glibc's free heap (``trim_heap``). For the end of a claim, and for phases inside one
    that share no compiled program (ln-placement's two layer-norm placements are two models). Numba's kernels stay:
    every claim of a sweep calls them again.

    Measured on the quick profile of the four small-transformer claims in one process, called between claims: peak
    1399 -> 1171 MiB, resident between claims ~1050 -> ~600 MiB, at ~3 s of recompilation."""
    gc.collect()
    jax = sys.modules.get("jax")
    if jax is not None:
        jax.clear_caches()
    trim_heap()
