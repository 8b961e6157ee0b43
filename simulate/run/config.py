"""Run configurations: validated, hashable descriptions of one kernel run.

``rng_key`` hashes everything that defines the experiment except the trial count and the seed, so trial t's
stream is the same whatever the number of trials; ``cache_key`` adds trials, seed and the code version.
"""

import hashlib
import json
import math
from dataclasses import asdict, dataclass
from typing import ClassVar

import numpy as np

from simulate.engine import Trajectory
from simulate.engine.jit import source_hash
from simulate.engine.run import LARGEST_K
from simulate.memory import check_fits
from simulate.pieces import metrics, objectives
from simulate.pieces.methods import METHODS, VECTOR_METHODS, method, projects
from simulate.pieces.noise import law, unit_abs_moment, validate_noise
from theory import nonconvex
from theory.schedules import theorem4_beta
from theory.validation import (
    check_alpha,
    check_choice,
    check_finite,
    check_int,
    check_positive,
    check_positive_int,
    check_seed,
    normalise_fields,
)


def code_version() -> str:
    """Hash of the source of every module that shapes a cached run's output (the cache's code version)."""
    return source_hash()


def _digest(fields: dict) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


BYTES_PER_TRIAL_CHECKPOINT = 8 * 8  # float64: the kernel's outputs (up to 5) plus the fit's working copies
BYTES_PER_COORDINATE = 8 * 16  # float64: x0, the noise's scales and every thread's block state (x, xbar, m, v)


def checkpoints(K: int, per_decade: int = 10) -> np.ndarray:
    """Log-spaced iteration numbers 1 .. K (inclusive, unique, int64), about ``per_decade`` per decade;
    ``per_decade = 0`` records the last iteration only."""
    K = check_int(K, "K", 1, LARGEST_K + 1)
    if per_decade == 0:
        return np.array([K], dtype=np.int64)
    n = max(2, int(math.ceil(per_decade * math.log10(K))) + 1)
    ks = np.unique(np.round(np.logspace(0.0, math.log10(K), n)).astype(np.int64))
    ks[-1] = K
    return ks


@dataclass(frozen=True)
class RunConfig:
    """What the run configurations share: their first fields (a subclass adds its own, with d and seed among them),
    the checks of those fields, the stream key, the stored result's description and key, and the progress label. A
    subclass sets the class attributes below and builds its ``trajectory()``."""

    claim: str
    method: str
    noise: str
    alpha: float
    K: int
    trials: int
    tail: float | None = None

    _RNG_KIND: ClassVar[str | None] = None  # prefixed to the stream key's fields; None: no prefix (QuadraticRun's)
    _RNG_EXCLUDED: ClassVar[tuple[str, ...]] = ("trials", "seed")  # fields outside the stream key
    # Fields added after the first results: they enter the stream key only when they differ from these defaults,
    # so adding a field never reshuffles the random streams of existing configurations.
    _LATER_FIELDS: ClassVar[dict] = {}
    _INFINITE_FIELDS: ClassVar[tuple[str, ...]] = ()  # float fields that may be +-inf

    def _check_run_fields(self, methods) -> None:
        """Type-check every field, then the method (one of ``methods``), alpha, tail (None: tail = alpha) against
        the noise law, K, trials, d, seed and, where the configuration has them, beta (None: 1/alpha) and
        per_decade."""
        normalise_fields(self, may_be_infinite=self._INFINITE_FIELDS)
        check_choice(self.method, methods, "method")
        object.__setattr__(self, "alpha", check_alpha(self.alpha))
        if self.tail is None:
            object.__setattr__(self, "tail", self.alpha)
        object.__setattr__(self, "tail", validate_noise(self.noise, self.tail))
        for name in ("K", "trials", "d"):
            check_positive_int(getattr(self, name), name)
        check_seed(self.seed)
        if hasattr(self, "beta"):
            if self.beta is None:
                object.__setattr__(self, "beta", theorem4_beta(self.alpha))
            if not (0.0 <= self.beta <= 5.0):
                raise ValueError(f"beta={self.beta!r} is outside the accepted range [0, 5]")
        if hasattr(self, "per_decade") and not (isinstance(self.per_decade, int) and 0 <= self.per_decade <= 100):
            raise ValueError(f"per_decade={self.per_decade!r} is outside the accepted range: integers in [0, 100]")
        check_fits(self.memory_bytes(), f"trials={self.trials!r} with K={self.K!r} and d={self.d!r}")

    def memory_bytes(self) -> int:
        """Bytes a run of this configuration holds: per trial its outputs at every checkpoint, per coordinate the
        start, the noise's scales and the threads' block states."""
        per_decade = getattr(self, "per_decade", 10)  # at most this many per decade, and the ends
        n_checkpoints = 1 if per_decade == 0 else max(2, math.ceil(per_decade * math.log10(self.K)) + 1)
        return self.trials * n_checkpoints * BYTES_PER_TRIAL_CHECKPOINT + self.d * BYTES_PER_COORDINATE

    def rng_key(self) -> int:
        """64-bit key of the experiment (without trials, seed and ``_RNG_EXCLUDED``) that seeds every trial's
        stream."""
        fields = asdict(self)
        for name in self._RNG_EXCLUDED:
            fields.pop(name)
        for name, default in self._LATER_FIELDS.items():
            if fields[name] == default:
                fields.pop(name)
        if self._RNG_KIND is not None:
            fields = {"kind": self._RNG_KIND, **fields}
        return int(_digest(fields)[:16], 16)

    def run_constants(self) -> dict[str, float]:
        """Constants of the run stored beside its per-trial outputs (none unless a subclass has some)."""
        return {}

    def derived(self) -> dict:
        """Values computed from the configuration that its stored result depends on (none unless a subclass has)."""
        return {}

    def describe(self) -> dict:
        """What this run's stored result depends on: the configuration, ``derived()`` and the kernels' code version."""
        return {**asdict(self), **self.derived(), "code": code_version()}

    def cache_key(self) -> str:
        """Key of this run's stored result (a hash of ``describe()``)."""
        return _digest(self.describe())[:24]

    def _label_parts(self) -> tuple[str, str]:
        """(what the method runs on, what follows alpha) in the progress label."""
        return "", ""

    def label(self) -> str:
        """One line for the progress bar."""
        where, extra = self._label_parts()
        return (
            f"{self.method}{where} {self.noise}(tail={self.tail:g}) alpha={self.alpha:g}{extra} K={self.K} "
            f"trials={self.trials}"
        )


@dataclass(frozen=True)
class QuadraticRun(RunConfig):
    """One strongly convex quadratic run: f(x) = mu/2 ||x - x*||^2 in R^d, x* = x_star * ones.

    ``alpha`` is the moment order used by the schedule (beta = 1/alpha unless given) and the prediction;
    ``tail`` is the noise's tail index (None means tail = alpha). ``radius`` bounds X = ball(0, radius) for the
    projected methods. ``step``: ``theorem4`` (eta_k = 4/(mu (k+1))), ``constant`` (eta_k = eta) or ``harmonic``
    (eta_k = eta/(mu k)).
    """

    d: int = 1
    mu: float = 1.0
    x_star: float = 0.0
    x0: float = 1.0
    radius: float = 1.0
    G: float = 1.0
    beta: float | None = None
    noise_scale: float = 1.0
    seed: int = 0
    step: str = "theorem4"
    eta: float | None = None
    per_decade: int = 10

    _LATER_FIELDS = {"step": "theorem4", "eta": None, "per_decade": 10}

    def __post_init__(self):
        self._check_run_fields(METHODS)
        check_positive(self.mu, "mu")
        check_positive(self.radius, "radius")
        check_positive(self.G, "G")
        check_positive(self.noise_scale, "noise_scale")
        check_finite(self.x_star, "x_star")
        check_finite(self.x0, "x0")
        check_choice(self.step, ("theorem4", "constant", "harmonic"), "step")
        if self.step != "theorem4":
            if self.eta is None:
                raise ValueError(f"eta=None: a {self.step} step needs eta in (0, inf)")
            check_positive(self.eta, "eta")
        if projects(self.method) and abs(self.x_star) * math.sqrt(self.d) > self.radius:
            raise ValueError(f"x_star={self.x_star!r} lies outside X = ball(0, radius={self.radius!r})")

    def step_schedule(self) -> tuple[float, float, float]:
        """(eta0, k0, power) with eta_k = eta0 / (k + k0)^power: Theorem 4's 4/(mu (k+1)), a constant eta, or
        eta/(mu k)."""
        if self.step == "constant":
            return float(self.eta), 0.0, 0.0
        if self.step == "harmonic":
            return float(self.eta) / self.mu, 0.0, 1.0
        return 4.0 / self.mu, 1.0, 1.0

    def trajectory(self) -> Trajectory:
        """This run as an ``engine.Trajectory``: (proj-)SGD / (proj-)GClip on the quadratic, X = ball(0, radius),
        i.i.d. noise coordinates, Theorem 4's trajectory statistics (``simulate.pieces.metrics.trajectory``)."""
        d, shape = self.d, "scalar" if self.d == 1 else "vector"
        eta0, k0, power = self.step_schedule()
        objective = objectives.quadratic(np.full(d, self.mu), np.full(d, self.x_star), radius=self.radius)
        noise = law(self.noise, self.tail, self.noise_scale, scales=np.ones(d))
        step = method(self.method, shape, eta0=eta0, k0=k0, power=power, G=self.G, beta=self.beta)
        metric = metrics.trajectory(self.x_star if d == 1 else np.full(d, self.x_star))
        return Trajectory(
            objective,
            noise,
            step,
            metric,
            np.full(d, self.x0),
            checkpoints(self.K, self.per_decade),
            self.trials,
            self.seed,
            self.rng_key(),
        )

    def _label_parts(self) -> tuple[str, str]:
        if self.step == "harmonic":
            return "", f" eta={self.eta:g}/(mu k)"
        return "", "" if self.step == "theorem4" else f" eta={self.eta:g}"


@dataclass(frozen=True)
class NonconvexRun(RunConfig):
    """One Theorem 2 run: GClip or SGD with constant eta (and tau) for K steps on a cosine objective in R^d.

    eta and tau come from ``theory.nonconvex.theorem2_parameters(params, alpha, sigma, L, F0, K)``; SGD uses the
    same eta as GClip would and does not clip. ``tail`` is the noise's tail index (None means tail = alpha); sigma
    comes from the noise's alpha-moment (``theory.nonconvex.sigma``). x0 = x0 * ones.
    """

    objective: str = "cosine"
    d: int = 1
    c: float = 2.0
    x0: float = 0.5
    noise_scale: float = 0.25
    params: str = "scaling"
    seed: int = 0

    _RNG_KIND = "nonconvex"  # every K has its own streams

    def __post_init__(self):
        self._check_run_fields(("gclip", "sgd"))
        check_choice(self.objective, nonconvex.OBJECTIVES, "objective")
        nonconvex.check_c(self.c)
        check_finite(self.x0, "x0")
        check_positive(self.noise_scale, "noise_scale")
        check_choice(self.params, nonconvex.PARAMETER_RULES, "params")
        if self.F0 <= 0.0:
            raise ValueError(f"x0={self.x0!r} is a global minimiser (F0 = 0): Theorem 2 needs f(x0) > f*")

    @property
    def L(self) -> float:
        return nonconvex.smoothness(self.c)

    @property
    def F0(self) -> float:
        """f(x0) - f*."""
        x0 = np.full(self.d, float(self.x0))
        return float(nonconvex.value(self.objective, x0, self.c)) - nonconvex.f_star(self.objective, self.d, self.c)

    @property
    def sigma(self) -> float:
        return nonconvex.sigma(unit_abs_moment(self.noise, self.tail, self.alpha), self.noise_scale, self.alpha, self.d)

    def parameters(self, K: float | None = None) -> tuple[float, float]:
        """(eta, tau) of Theorem 2 for the horizon K (this run's by default; any horizon, for the theory)."""
        return nonconvex.theorem2_parameters(self.params, self.alpha, self.sigma, self.L, self.F0, K or self.K)

    def trajectory(self) -> Trajectory:
        """This run as an ``engine.Trajectory``: constant-step GClip or SGD on the cosine objective, i.i.d. noise
        coordinates, Theorem 2's metric (``simulate.pieces.metrics.theorem2``) at the horizon K."""
        eta, tau = self.parameters()
        d, shape = self.d, "scalar" if self.d == 1 else "vector"
        rotated = self.objective == "rotated-cosine" and d > 1  # in d = 1 both are phi(x) (phi is even)
        objective = objectives.cosine(self.c, d, rotated=rotated)
        noise = law(self.noise, self.tail, self.noise_scale, scales=np.ones(d))
        step = method(self.method, shape, eta0=eta, G=tau)
        metric = metrics.theorem2("rotated-cosine" if rotated else "cosine", d)
        return Trajectory(
            objective, noise, step, metric, np.full(d, float(self.x0)), [self.K], self.trials, self.seed, self.rng_key()
        )

    def run_constants(self) -> dict[str, float]:
        """The run's K, eta, tau and sigma (stored beside its per-trial outputs)."""
        eta, tau = self.parameters()
        return dict(K=self.K, eta=eta, tau=tau, sigma=self.sigma)

    def derived(self) -> dict:
        """The (eta, tau) this run uses."""
        eta, tau = self.parameters()
        return {"eta": eta, "tau": tau}

    def _label_parts(self) -> tuple[str, str]:
        return f" {self.objective}(d={self.d})", f" {self.params}"


@dataclass(frozen=True)
class AdaptiveRun(RunConfig):
    """One run of a vector method (``simulate.pieces.methods.VECTOR_METHODS``) on f(x) = 1/2 sum_i h_i (x_i - x*_i)^2.

    Curvatures h_i = mu * curvature_spread^(i/(d-1)) rise log-spaced from mu; coordinate noise scales
    s_i = noise_scale * noise_spread^(-i/(d-1)) fall log-spaced (so the noisiest coordinates are the flattest);
    radial noise uses noise_scale. x* = x_star * ones, x0 = x0 * ones.
    Steps: ``theorem4`` eta_k = 4/(mu(k+1)); ``constant`` eta; ``power`` eta/(k + 1)^eta_power.
    Thresholds: GClip tau_k = G k^beta, CClip tau_k,i = B (s_i/noise_scale) k^beta (beta = 1/alpha unless given).
    The noise is multiplied by (1 + k/decay_t0)^(-decay_power) (decay_t0 = inf: stationary).
    """

    shape: str = "coordinate"
    d: int = 1
    mu: float = 1.0
    curvature_spread: float = 1.0
    noise_scale: float = 1.0
    noise_spread: float = 1.0
    x_star: float = 0.0
    x0: float = 1.0
    step: str = "theorem4"
    eta: float = 1.0
    eta_power: float = 0.0
    G: float = 1.0
    B: float = 1.0
    beta: float | None = None
    beta1: float = 0.9
    beta2: float = 0.99
    eps: float = 1e-8
    order: float = 1.0
    decay_t0: float = math.inf
    decay_power: float = 0.0
    per_decade: int = 10
    seed: int = 0

    _RNG_KIND = "adaptive"
    # the method's own parameters stay out of the stream key, so every method of a comparison sees the same noise
    # stream in trial t
    _RNG_EXCLUDED = (
        "trials",
        "seed",
        "method",
        "step",
        "eta",
        "eta_power",
        "G",
        "B",
        "beta",
        "beta1",
        "beta2",
        "eps",
        "order",
        "per_decade",
    )
    _INFINITE_FIELDS = ("decay_t0",)

    def __post_init__(self):
        self._check_run_fields(VECTOR_METHODS)
        check_choice(self.shape, ("coordinate", "radial"), "shape")
        for name in ("mu", "noise_scale", "eta", "G", "B", "order"):
            check_positive(getattr(self, name), name)
        for name in ("x_star", "x0"):
            check_finite(getattr(self, name), name)
        if not self.decay_t0 > 0.0:
            raise ValueError(f"decay_t0={self.decay_t0!r} is outside the accepted range (0, inf]")
        for name in ("curvature_spread", "noise_spread"):
            if not (1.0 <= getattr(self, name) <= 1e8):
                raise ValueError(f"{name}={getattr(self, name)!r} is outside the accepted range [1, 1e8]")
        check_choice(self.step, ("theorem4", "constant", "power"), "step")
        for name, lo, hi in (
            ("beta1", 0.0, 1.0 - 1e-12),
            ("beta2", 0.0, 1.0 - 1e-12),
            ("eps", 0.0, 1.0),
            ("eta_power", 0.0, 2.0),
            ("decay_power", 0.0, 5.0),
        ):
            if not (lo <= getattr(self, name) <= hi):
                raise ValueError(f"{name}={getattr(self, name)!r} is outside the accepted range [{lo:g}, {hi:g}]")

    def profile(self) -> tuple[np.ndarray, np.ndarray]:
        """(h, s): the curvatures h_i and coordinate noise scales s_i."""
        t = np.linspace(0.0, 1.0, self.d) if self.d > 1 else np.zeros(1)
        return self.mu * self.curvature_spread**t, self.noise_scale * self.noise_spread ** (-t)

    def step_schedule(self) -> tuple[float, float, float]:
        """(eta0, k0, power) with eta_k = eta0 / (k + k0)^power."""
        if self.step == "theorem4":
            return 4.0 / self.mu, 1.0, 1.0
        if self.step == "constant":
            return float(self.eta), 0.0, 0.0
        return float(self.eta), 1.0, float(self.eta_power)

    def trajectory(self) -> Trajectory:
        """This run as an ``engine.Trajectory``: the vector method on the quadratic with the noise profile, the
        squared-distance metric (``simulate.pieces.metrics.squared``)."""
        h, s = self.profile()
        eta0, k0, power = self.step_schedule()
        x_star = np.full(self.d, self.x_star)
        objective = objectives.quadratic(h, x_star, shape="vector")
        noise = law(
            self.noise, self.tail, lift=self.shape, scales=s, decay_t0=self.decay_t0, decay_power=self.decay_power
        )
        step = method(
            self.method,
            "vector",
            eta0=eta0,
            k0=k0,
            power=power,
            G=self.G,
            beta=self.beta,
            B=self.B * s / self.noise_scale,
            beta1=self.beta1,
            beta2=self.beta2,
            eps=self.eps,
            order=self.order,
        )
        return Trajectory(
            objective,
            noise,
            step,
            metrics.squared(x_star),
            np.full(self.d, self.x0),
            checkpoints(self.K, self.per_decade),
            self.trials,
            self.seed,
            self.rng_key(),
        )

    def _label_parts(self) -> tuple[str, str]:
        return f" d={self.d} {self.shape}", f" {self.step} eta={self.eta:g}"
