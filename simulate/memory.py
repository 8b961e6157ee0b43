"""Resident memory: the process's peak, and handing memory freed inside the C heap back to the system."""

import ctypes
import ctypes.util
import functools
import resource


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
