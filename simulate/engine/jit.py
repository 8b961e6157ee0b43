"""One place for the JIT flags shared by every kernel, and for where compiled kernels are cached.

fastmath stays off: reassociation would make results depend on vector width and break bit-identical
reproducibility across machines and thread counts. ``cache=True`` keeps compiled kernels on disk between runs.

Numba's cache notices when a kernel's own file changes but not when a helper it inlines (noise.py, rng.py, ...)
does, and would then load stale machine code. So the cache lives in a folder named by a hash of every source file
that the built-in kernels compile (``KERNEL_SOURCES``: the engine, the built-in pieces, the run configurations and
runner, Theorem 4's schedules): any edit starts a fresh folder. It lies under the user's cache folder
(``platformdirs.user_cache_dir("heavytail")``, ``~/.cache/heavytail/numba`` on Linux) unless NUMBA_CACHE_DIR is
set. (Pieces outside these files, such as a claim folder's model or a notebook's, are keyed by their own source:
see ``simulate.engine.compose``.)
"""

import ast
import functools
import hashlib
from pathlib import Path

import numba
import platformdirs
from numba import njit

_ENGINE = Path(__file__).parent
_PACKAGE = _ENGINE.parent
_THEORY = _PACKAGE.parent / "theory"
# The files whose code is compiled into a kernel or decides how a kernel is called. Reporting code is left out, so
# editing a figure neither recompiles kernels nor invalidates finished runs.
_RUN_FILES = ("config.py", "runner.py")
KERNEL_SOURCES = sorted(
    [
        *_ENGINE.glob("*.py"),
        *(_PACKAGE / "pieces").glob("*.py"),
        *(_PACKAGE / "run" / name for name in _RUN_FILES),
        _THEORY / "schedules.py",
    ]
)


def _code_only(source: str) -> str:
    """The syntax tree of a module without its docstrings (comments and layout are not in the tree): what the
    module computes, so that editing documentation neither recompiles kernels nor invalidates finished runs."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


@functools.cache  # parsing every source takes ~55 ms, and every run and cache lookup asks; sources do not change
def source_hash() -> str:
    """Short hash of the code (``_code_only``) of every file in ``KERNEL_SOURCES``: the run cache's code version,
    and the kernel cache's folder name."""
    h = hashlib.sha256()
    for path in KERNEL_SOURCES:
        h.update(path.name.encode())
        h.update(_code_only(path.read_text()).encode())
    return h.hexdigest()[:16]


if not numba.config.CACHE_DIR:  # a user's NUMBA_CACHE_DIR wins; never inside the package (read-only when installed)
    numba.config.CACHE_DIR = str(Path(platformdirs.user_cache_dir("heavytail")) / "numba" / source_hash())


def wide_vector_features() -> str | None:
    """The host's LLVM CPU features with ``-prefer-256-bit`` added on AVX-512 hosts, None elsewhere.

    LLVM's tuning for AVX-512 server cores prefers 256-bit vectors, so the loops over trials run 4 doubles per
    instruction where the hardware takes 8; allowing 512-bit vectors made the d = 1 kernel 1.7x faster on a 2-core
    Emerald Rapids Xeon (``make bench``). Kernels compile without fastmath (no reassociation), so the vector width
    changes no result bit (tested)."""
    from llvmlite import binding

    features = binding.get_host_cpu_features().flatten()
    return features + ",-prefer-256-bit" if "+avx512f" in features.split(",") else None


# a user's NUMBA_CPU_FEATURES wins; set before the first compilation in this process (Numba's cache keys on it)
if numba.config.CPU_FEATURES is None:
    numba.config.CPU_FEATURES = wide_vector_features()

# error_model="numpy": a float division by zero gives inf/NaN as IEEE says instead of raising; the raise would be
# an early exit that stops LLVM from vectorising loops over trials. Kernels detect non-finite iterates themselves.
JIT_OPTIONS = {"cache": True, "fastmath": False, "nogil": True, "error_model": "numpy"}

jit = njit(**JIT_OPTIONS)
"""Decorator for functions called from Python (and kernels)."""

jit_inline = njit(inline="always", **JIT_OPTIONS)
"""Decorator for small helpers called in hot loops: inlined at the Numba IR level, so LLVM optimises them together
with the loop that calls them."""

jit_parallel = njit(parallel=True, **JIT_OPTIONS)
"""Decorator for trajectory kernels that ``prange`` over trials."""
