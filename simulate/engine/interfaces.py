"""The three interfaces a trajectory is composed from (objective, noise, method) and the recorder (metric).

Every piece is a set of Numba-jitted functions plus the runtime parameters passed to them (a tuple of floats,
ints and float64 arrays). A plain Python function given as a piece's function is compiled with
``numba.njit(inline="always")`` (so it is inlined into the kernel loop). A piece's ``key`` is a hash of the source
of its functions, of the jitted helpers they call and of the constants they read: the run cache keys a result by
it, and the kernel cache builds one kernel per combination of keys.

Signatures (``p`` the piece's own parameters; ``s, so`` a trial's xoshiro256** state s[so:so+4]):

scalar shape (x in R, the d = 1 SIMD template)
  Objective  gradient(x, p) -> float;  value(x, p) -> float (f - f*);  project(x, p) -> float
  Noise      sample(s, so, p) -> float                     one draw, added to the gradient
  Method     schedule(k, p) -> tuple;  step(x, g, m, sched, p) -> (x, m)   m: one float of state per trial
  Metric     track(a0, a1, x_prev, grad_prev, x, p) -> (a0, a1)   every iteration, after the step
             record(out, t, c, k, x, xbar, xi, a0, a1, fbar, op, p) -> bool (finite);  fill_diverged(out, t, c)
             fbar = objective.value(xbar) (f(xbar) - f*) when the metric ``averages``, else 0
vector shape (x in R^d, the trial's point is x[o:o+d])
  Objective  gradient(g, x, o, t, s, so, p) writes grad f (or an estimate sampled from s) into g[0:d];
             value(x, o, p) -> float;  project(x, o, p) in place
  Noise      apply(g, xi, x, o, k, s, so, p): adds the noise to g, and writes what it added into xi
             (or: a scalar ``sample`` and shape "coordinate" / "radial", lifted in ``simulate.engine.vector_template``)
  Method     schedule(k, p) -> tuple;  step(x, o, g, m, v, k, sched, p) -> float (clipping events)
             m, v: state arrays laid out as x
  Metric     observe_gradient(acc, b, x, o, g, k, p) -> bool (stop this trial);  observe_step(acc, b, x, o, k, p)
             record(out, t, c, k, x, o, xbar, xi, acc, b, fbar, op, p) -> bool (finite);  fill_diverged(out, t, c)
             acc[b, 0] counts clipping events; acc[b, 1:] starts at ``initial`` and belongs to the metric
"""

from __future__ import annotations

import dis
import hashlib
import inspect
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numba import njit
from numba.core.registry import CPUDispatcher

from simulate.engine.jit import JIT_OPTIONS

SHAPES = ("scalar", "vector")


def as_kernel_function(fn: Callable | None) -> CPUDispatcher | None:
    """``fn`` itself if it is already jitted, else ``fn`` compiled with ``njit(inline="always")``. Not cached on its
    own (a function from a notebook cell or exec'd text has no file to key a cache by): it is inlined into the
    composed kernel, and that kernel is cached."""
    if fn is None or isinstance(fn, CPUDispatcher):
        return fn
    if not callable(fn):
        raise TypeError(f"{fn!r} is not a function")
    return njit(inline="always", **{**JIT_OPTIONS, "cache": False})(fn)


_RANDOM_MODULES = ("random", "numpy.random")


def _reads(code) -> list[tuple[str, str | None]]:
    """(global name, attribute read from it or None) for every global a code object and the code nested in it
    read (``LOAD_GLOBAL``, then a ``LOAD_ATTR``/``LOAD_METHOD`` on it when one follows)."""
    out = []
    instructions = list(dis.get_instructions(code))
    for i, ins in enumerate(instructions):
        if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
            nxt = instructions[i + 1] if i + 1 < len(instructions) else None
            attribute = nxt.argval if nxt is not None and nxt.opname in ("LOAD_ATTR", "LOAD_METHOD") else None
            out.append((ins.argval, attribute))
    for const in code.co_consts:
        if inspect.iscode(const):
            out.extend(_reads(const))
    return out


def _is_random_source(value, attribute: str | None) -> bool:
    """Whether reading ``value`` (and ``attribute`` of it) reaches Python's or NumPy's global random state."""
    if inspect.ismodule(value):
        return value.__name__ in _RANDOM_MODULES or (value.__name__ == "numpy" and attribute == "random")
    owner = getattr(value, "__self__", None)
    if isinstance(owner, random.Random | np.random.RandomState | np.random.Generator):
        return True
    module = getattr(value, "__module__", None) or ""
    return module in _RANDOM_MODULES or module.startswith("numpy.random.")


def _value_key(value) -> str | None:
    """What a kernel compiled from a function depends on in one non-function global value it reads: the repr of a
    number, string or type, the content hash of an array (Numba freezes a global array's values into the kernel),
    None for a module or other callable (a NumPy ufunc, a Numba type); a ValueError for anything else (Numba cannot
    freeze it faithfully)."""
    if isinstance(value, np.ndarray):
        a = np.ascontiguousarray(value)
        return hashlib.sha256(f"{a.dtype.str}|{a.shape}|".encode() + a.tobytes()).hexdigest()[:16]
    if isinstance(value, tuple):
        return "(" + ",".join(str(_value_key(v)) for v in value) + ")"
    if isinstance(value, bool | int | float | str | complex | np.generic | type) or value is None:
        return repr(value)
    if inspect.ismodule(value) or callable(value):
        return None
    raise ValueError(
        f"a {type(value).__name__} (a kernel freezes globals when it compiles, and this one cannot be frozen "
        "faithfully): pass data through the piece's params (numbers, float64 arrays, tuples of them)"
    )


def source_key(fn: Callable | None, _seen: set | None = None) -> str:
    """Hash of a function's source, the jitted functions it calls and the values it reads from its globals and
    closure (numbers, strings, types, arrays by content; recursively): what a kernel compiled from it depends on.
    A ValueError names a global that cannot be part of a kernel (reading Python's or NumPy's global random state,
    which no seed of the suite controls, or a list, dict or other object)."""
    if fn is None:
        return "none"
    seen = set() if _seen is None else _seen
    py = getattr(fn, "py_func", fn)
    if id(py) in seen:
        return "cycle"
    seen.add(id(py))
    h = hashlib.sha256()
    try:
        h.update(inspect.getsource(py).encode())
    except (OSError, TypeError):  # no source file (exec'd code): the bytecode and constants stand in
        h.update(py.__code__.co_code)
        h.update(repr(py.__code__.co_consts).encode())
    cells = dict(zip(py.__code__.co_freevars, (c.cell_contents for c in py.__closure__ or ()), strict=True))
    reads = [(name, None) for name in cells] + [(n, a) for n, a in _reads(py.__code__) if n not in cells]
    for name, attribute in sorted(set(reads), key=lambda r: (r[0], r[1] or "")):
        value = cells[name] if name in cells else py.__globals__.get(name)
        where = f"{py.__qualname__} reads {name}{'.' + attribute if attribute else ''}"
        if _is_random_source(value, attribute):
            raise ValueError(
                f"{where}: Python's or NumPy's global random state breaks reproducibility; draw from the trial's "
                "stream instead (simulate.engine.rng: uniform_open, std_normal, ...)"
            )
        if isinstance(value, CPUDispatcher) or inspect.isfunction(value):
            h.update(f"{name}:{source_key(value, seen)}".encode())
            continue
        try:
            value_key = _value_key(value)
        except ValueError as err:
            raise ValueError(f"{where}, {err}") from None
        if value_key is not None:
            h.update(f"{name}={value_key}".encode())
    return h.hexdigest()[:16]


def _params(params: Any) -> tuple:
    return params if isinstance(params, tuple) else (params,)


# Each role's signature in each template (the module docstring); None: the role does not exist in that template.
SIGNATURES = {
    "Objective": {
        "gradient": ("gradient(x, p)", "gradient(g, x, o, t, s, so, p)"),
        "value": ("value(x, p)", "value(x, o, p)"),
        "project": ("project(x, p)", "project(x, o, p)"),
    },
    "Noise": {"sample": ("sample(s, so, p)", "sample(s, so, p)"), "apply": (None, "apply(g, xi, x, o, k, s, so, p)")},
    "Method": {
        "schedule": ("schedule(k, p)", "schedule(k, p)"),
        "step": ("step(x, g, m, sched, p)", "step(x, o, g, m, v, k, sched, p)"),
    },
    "Metric": {
        "record": (
            "record(out, t, c, k, x, xbar, xi, a0, a1, fbar, op, p)",
            "record(out, t, c, k, x, o, xbar, xi, acc, b, fbar, op, p)",
        ),
        "fill_diverged": ("fill_diverged(out, t, c)", "fill_diverged(out, t, c)"),
        "track": ("track(a0, a1, x_prev, grad_prev, x, p)", None),
        "observe_gradient": (None, "observe_gradient(acc, b, x, o, g, k, p)"),
        "observe_step": (None, "observe_step(acc, b, x, o, k, p)"),
    },
}


def _arity(signature: str) -> int:
    return signature.count(",") + 1


def _takes(fn: Callable, n: int) -> bool:
    """Whether ``fn`` can be called with ``n`` positional arguments."""
    parameters = inspect.signature(getattr(fn, "py_func", fn)).parameters.values()
    if any(q.kind in (q.KEYWORD_ONLY, q.VAR_KEYWORD) and q.default is q.empty for q in parameters):
        return False
    positional = [q for q in parameters if q.kind in (q.POSITIONAL_ONLY, q.POSITIONAL_OR_KEYWORD)]
    required = sum(q.default is q.empty for q in positional)
    return required <= n and (n <= len(positional) or any(q.kind == q.VAR_POSITIONAL for q in parameters))


def _check_param(value, where: str) -> None:
    """A runtime parameter as kernels take it: a number (NaN refused; +-inf allowed, as G = inf means no clipping),
    a NumPy array of numbers (no NaN), or a tuple of these."""
    if isinstance(value, tuple):
        for i, v in enumerate(value):
            _check_param(v, f"{where}[{i}]")
        return
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise ValueError(
                f"{where} is an array of {value.dtype}; accepted: arrays of numbers (float64, int64, bool)"
            )
        if value.dtype.kind == "f" and np.isnan(value).any():
            raise ValueError(f"{where} holds NaN; accepted: arrays of numbers, no NaN")
        return
    if not isinstance(value, bool | int | float | np.bool_ | np.integer | np.floating):
        raise ValueError(f"{where}={value!r} is not a number; accepted: numbers, NumPy arrays and tuples of them")
    if isinstance(value, float | np.floating) and math.isnan(value):
        raise ValueError(f"{where}=nan; accepted: numbers (not NaN)")


@dataclass(frozen=True)
class _Piece:
    """Common to every piece: a name for labels, its parameters, and the key of its code."""

    def functions(self) -> dict[str, CPUDispatcher | None]:
        """The piece's jitted functions by role."""
        raise NotImplementedError

    def key(self) -> str:
        """Hash of the piece's code (``source_key`` of each function) and its compile-time settings: what a kernel
        compiled from it depends on (``compose.combination_key``)."""
        h = hashlib.sha256(type(self).__name__.encode())
        for role, fn in sorted(self.functions().items()):
            h.update(f"{role}:{source_key(fn)}".encode())
        for name, value in sorted(self.settings().items()):
            h.update(f"{name}={value!r}".encode())
        return h.hexdigest()[:16]

    def settings(self) -> dict[str, Any]:
        """Compile-time settings (they shape the kernel, unlike ``params``)."""
        return {}

    def result_key(self) -> str:
        """``key()`` and whatever else shapes a run's stored arrays without being compiled into the kernel (the
        run cache keys a result by it)."""
        return self.key()

    def __post_init__(self):
        """Checks the piece as it is built, each refusal naming it: every function takes its role's arguments
        (``SIGNATURES``), the parameters are numbers, arrays or tuples of them, and the code reads no global random
        state and no global that a kernel cannot freeze (``source_key``)."""
        kind = type(self).__name__
        label = f"{kind.lower()} {self.name!r}"
        for role, fn in self.functions().items():
            if fn is None:
                continue
            if not callable(fn):
                raise ValueError(f"{label}: {role}={fn!r} is not a function")
            expected = [sig for sig in SIGNATURES[kind][role] if sig is not None]
            if not any(_takes(fn, _arity(sig)) for sig in expected):
                got = inspect.signature(getattr(fn, "py_func", fn))
                raise ValueError(
                    f"{label}: {role}{got} does not match {' or '.join(expected)} (simulate.engine.interfaces)"
                )
            object.__setattr__(self, role, as_kernel_function(fn))
        object.__setattr__(self, "params", _params(self.params))
        _check_param(self.params, f"{label}: params")
        try:
            self.key()
        except ValueError as err:
            raise ValueError(f"{label}: {err}") from None

    def check_shape(self, shape: str) -> None:
        """A ValueError naming the piece when one of its functions does not take the arguments the ``shape``
        template passes (a piece built for the other template), before Numba's typing error would."""
        kind = type(self).__name__
        for role, fn in self.functions().items():
            signature = SIGNATURES[kind][role][SHAPES.index(shape)]
            if fn is None:
                continue
            if signature is None:
                raise ValueError(f"{kind.lower()} {self.name!r}: {role} is not part of a {shape} problem's kernel")
            if not _takes(fn, _arity(signature)):
                got = inspect.signature(getattr(fn, "py_func", fn))
                raise ValueError(f"{kind.lower()} {self.name!r}: {role}{got} does not match the {shape} {signature}")


@dataclass(frozen=True)
class Objective(_Piece):
    """An objective: f, its gradient and (with a domain X) the projection onto X.

    Parameters
    ----------
    name : a label.
    gradient, value, project : jitted or plain Python functions with the signatures of the module docstring
        (``value`` is f - f*; ``project`` may be None when the objective has no domain).
    params : the tuple passed as ``p`` to every function (floats, ints, float64 arrays, nested tuples).
    shape : "scalar" (x in R, the SIMD template) or "vector" (x in R^d).
    """

    name: str
    gradient: Callable
    value: Callable
    params: tuple = ()
    project: Callable | None = None
    shape: str = "scalar"

    def functions(self):
        return {"gradient": self.gradient, "value": self.value, "project": self.project}

    def settings(self):
        return {"shape": self.shape}

    def __post_init__(self):
        if self.shape not in SHAPES:
            raise ValueError(f"shape={self.shape!r} is not one of the accepted values {', '.join(SHAPES)}")
        super().__post_init__()
        self.check_shape(self.shape)


@dataclass(frozen=True)
class Noise(_Piece):
    """A noise law: a scalar ``sample``, or a vector ``apply`` (any oracle noise, which may depend on x).

    Parameters
    ----------
    name : a label.
    sample : ``sample(s, so, p) -> float``, one draw from the trial's stream; give this or ``apply``.
    params : the tuple passed as ``p``.
    apply : ``apply(g, xi, x, o, k, s, so, p)``, for vector problems only.
    lift, lift_params : how vector problems draw a scalar law: "coordinate" or "radial", with (scales float64[d],
        decay_t0, decay_power) (see ``simulate.pieces.noise.law``).
    """

    name: str
    sample: Callable | None = None
    params: tuple = ()
    apply: Callable | None = None
    lift: str = "coordinate"  # how a scalar law becomes a vector: "coordinate" (i.i.d.) or "radial"
    lift_params: tuple = field(default=())  # (scales float64[d], decay_t0, decay_power) for the lifts

    def functions(self):
        return {"sample": self.sample, "apply": self.apply}

    def settings(self):
        return {"lift": self.lift}

    def __post_init__(self):
        if (self.sample is None) == (self.apply is None):
            raise ValueError(f"noise {self.name!r}: give exactly one of sample (a scalar law) and apply (a vector)")
        if self.lift not in ("coordinate", "radial"):
            raise ValueError(f"lift={self.lift!r} is not one of the accepted values coordinate, radial")
        super().__post_init__()
        _check_param(self.lift_params, f"noise {self.name!r}: lift_params")


@dataclass(frozen=True)
class Method(_Piece):
    """An optimiser: its per-iteration schedule and its step.

    Parameters
    ----------
    name : a label.
    schedule : ``schedule(k, p) -> tuple``, run once per iteration for a whole block of trials (e.g.
        ``simulate.pieces.methods.power_schedule``: (eta_k, tau_k, k^beta)).
    step : the update, scalar or vector signature (module docstring).
    params : the tuple passed as ``p`` to both.
    projects : project onto the objective's domain after every step.
    """

    name: str
    schedule: Callable
    step: Callable
    params: tuple = ()
    projects: bool = False

    def functions(self):
        return {"schedule": self.schedule, "step": self.step}

    def settings(self):
        return {"projects": self.projects}


@dataclass(frozen=True)
class Metric(_Piece):
    """What a run records at its checkpoints.

    Parameters
    ----------
    name : a label.
    record, fill_diverged : write a trial's outputs at a checkpoint (returning whether they are finite), and the
        outputs of a diverged trial (module docstring).
    outputs : ``outputs(trials, n_checkpoints) -> dict[str, numpy.ndarray]``: allocates the output arrays, in the
        order the kernel receives them.
    params : the tuple passed as ``p``.
    track : scalar template: ``track(a0, a1, x_prev, grad_prev, x, p) -> (a0, a1)`` every iteration.
    observe_gradient, observe_step : vector template hooks (module docstring).
    initial : starting values of the accumulators (a0, a1 or acc[b, 1:]).
    averages : keep Theorem 4's k-weighted average xbar (and pass f(xbar) - f* to ``record``).
    """

    name: str
    record: Callable
    fill_diverged: Callable
    outputs: Callable[[int, int], dict[str, np.ndarray]]
    params: tuple = ()
    track: Callable | None = None
    observe_gradient: Callable | None = None
    observe_step: Callable | None = None
    initial: tuple = (0.0, 0.0)
    averages: bool = False

    def functions(self):
        return {
            "record": self.record,
            "fill_diverged": self.fill_diverged,
            "track": self.track,
            "observe_gradient": self.observe_gradient,
            "observe_step": self.observe_step,
        }

    def settings(self):
        return {"initial": tuple(float(a) for a in self.initial), "averages": self.averages}

    def result_key(self):
        """The code key and the ``outputs`` allocator's source key. The allocator runs outside the kernel (a new
        array layout is only a new signature of the same compiled module), so a closure over, say, the class
        count does not compile a new kernel per value."""
        return hashlib.sha256(f"{self.key()}|outputs:{source_key(self.outputs)}".encode()).hexdigest()[:16]
