"""One place for the JIT flags shared by every kernel.

fastmath stays off: reassociation would make results depend on vector width and break bit-identical
reproducibility across machines and thread counts. ``cache=True`` keeps compiled kernels on disk between runs.
"""

from numba import njit

JIT_OPTIONS = {"cache": True, "fastmath": False, "nogil": True}

jit = njit(**JIT_OPTIONS)
"""Decorator for scalar helpers called from kernels."""

jit_parallel = njit(parallel=True, **JIT_OPTIONS)
"""Decorator for trajectory kernels that ``prange`` over trials."""
