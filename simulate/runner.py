"""Turn configurations into kernel calls, and a claim's profile into a cached, resumable sweep."""

import sys
import time
from collections.abc import Iterable
from dataclasses import replace

import numpy as np

from theory.claims import Claim, Profile

from .adaptive import NOISE_SHAPES, VECTOR_METHODS, adaptive_quadratic, trial_block
from .config import AdaptiveRun, NonconvexRun, QuadraticRun, checkpoints
from .kernels import strongly_convex_quadratic
from .methods import METHODS
from .noise import NOISE_CODES
from .nonconvex import OBJECTIVE_CODES, nonconvex_constant_step
from .objectives import PROJ_BALL, PROJ_NONE
from .store import RunCache

OUTPUTS = ("avg_dist", "avg_gap", "last_dist", "max_dist", "noise")


def run_quadratic(cfg: QuadraticRun, trial_offset: int = 0, n_trials: int | None = None) -> dict[str, np.ndarray]:
    """Run trials [trial_offset, trial_offset + n_trials) of ``cfg``; returns k, per-trial outputs, diverged_at.

    Outputs (trials x checkpoints): avg_dist = ||xbar_k - x*||, avg_gap = f(xbar_k) - f*, last_dist = ||x_k - x*||,
    max_dist = max_{j<=k} ||x_j - x*||, noise = the gradient noise of coordinate 0 drawn at iteration k.
    """
    n = cfg.trials - trial_offset if n_trials is None else n_trials
    if trial_offset < 0 or n < 1 or trial_offset + n > cfg.trials:
        raise ValueError(f"trials [{trial_offset}, {trial_offset + n}) are outside [0, {cfg.trials})")
    ks = checkpoints(cfg.K, cfg.per_decade)
    d = cfg.d
    clips, projects = METHODS[cfg.method]
    out = {name: np.empty((n, ks.size)) for name in OUTPUTS}
    diverged_at = np.empty(n, dtype=np.int64)
    zeros = np.zeros(d)
    strongly_convex_quadratic(
        (np.full(d, cfg.mu), np.full(d, cfg.x_star), np.full(d, cfg.x0)),
        (NOISE_CODES[cfg.noise], float(cfg.tail), float(cfg.noise_scale)),
        (*cfg.step_schedule(), clips, float(cfg.G), float(cfg.beta)),
        (PROJ_BALL if projects else PROJ_NONE, zeros, float(cfg.radius), zeros, zeros),
        ks,
        (np.uint64(cfg.seed), np.uint64(cfg.rng_key()), np.uint64(trial_offset)),
        tuple(out[name] for name in OUTPUTS) + (diverged_at,),
    )
    return {"k": ks, **out, "diverged_at": diverged_at}


def run_nonconvex(cfg: NonconvexRun) -> dict[str, np.ndarray]:
    """Run every trial of ``cfg``; returns per-trial avg, last and best of min{||grad f||, ||grad f||^2}
    (see ``nonconvex.nonconvex_constant_step``), diverged_at, and the run's K, eta, tau, sigma as 0-d arrays."""
    eta, tau = cfg.parameters()
    out = {name: np.empty(cfg.trials) for name in ("avg", "last", "best")}
    diverged_at = np.empty(cfg.trials, dtype=np.int64)
    nonconvex_constant_step(
        (OBJECTIVE_CODES[cfg.objective], float(cfg.c), np.full(cfg.d, float(cfg.x0))),
        (NOISE_CODES[cfg.noise], float(cfg.tail), float(cfg.noise_scale)),
        (float(eta), float(tau), cfg.method == "gclip"),
        cfg.K,
        (np.uint64(cfg.seed), np.uint64(cfg.rng_key()), np.uint64(0)),
        (out["avg"], out["last"], out["best"], diverged_at),
    )
    scalars = dict(K=cfg.K, eta=eta, tau=tau, sigma=cfg.sigma)
    return {**out, "diverged_at": diverged_at, **{k: np.array(v) for k, v in scalars.items()}}


def run_adaptive(cfg: AdaptiveRun) -> dict[str, np.ndarray]:
    """Run every trial of ``cfg``; returns k and per-trial (trials x checkpoints) avg_sq = ||xbar_k - x*||^2,
    last_sq = ||x_k - x*||^2, gap = f(x_k) - f*, and diverged_at (see ``adaptive.adaptive_quadratic``)."""
    ks = checkpoints(cfg.K, cfg.per_decade)
    h, s = cfg.profile()
    out = {name: np.empty((cfg.trials, ks.size)) for name in ("avg_sq", "last_sq", "gap")}
    diverged_at = np.empty(cfg.trials, dtype=np.int64)
    adaptive_quadratic(
        (h, np.full(cfg.d, cfg.x_star), np.full(cfg.d, cfg.x0)),
        (NOISE_SHAPES[cfg.shape], NOISE_CODES[cfg.noise], float(cfg.tail), s, float(cfg.decay_t0),
         float(cfg.decay_power)),
        (VECTOR_METHODS[cfg.method], *cfg.step_schedule(), float(cfg.G), cfg.B * s / cfg.noise_scale,
         float(cfg.beta), float(cfg.beta1), float(cfg.beta2), float(cfg.eps), float(cfg.order)),
        ks,
        (np.uint64(cfg.seed), np.uint64(cfg.rng_key()), np.uint64(0)),
        (out["avg_sq"], out["last_sq"], out["gap"], diverged_at),
        trial_block(cfg.d),
    )  # fmt: skip
    return {"k": ks, **out, "diverged_at": diverged_at}


def run_config(cfg: QuadraticRun | NonconvexRun | AdaptiveRun) -> dict[str, np.ndarray]:
    """Run one configuration of any kind (names are looked up at call time, so tests can substitute a runner)."""
    if isinstance(cfg, NonconvexRun):
        return run_nonconvex(cfg)
    if isinstance(cfg, AdaptiveRun):
        return run_adaptive(cfg)
    return run_quadratic(cfg)


def problem_run(claim: Claim, seed: int, **fields) -> QuadraticRun:
    """A run on the claim's quadratic problem (``claim.problem``: d, mu, x_star, x0, radius, G, noise_scale)."""
    return QuadraticRun(claim=claim.id, seed=seed, **claim.problem, **fields)


def profile_configs(claim: Claim, profile: Profile, seed: int) -> list[QuadraticRun]:
    """Every configuration of a claim's profile grid, in a fixed order."""
    return [
        problem_run(claim, seed, method=method, noise=noise, alpha=alpha, K=profile.K, trials=profile.trials)
        for noise in profile.noises
        for alpha in profile.alphas
        for method in profile.methods
    ]


def with_overrides(profile: Profile, alphas=None, K=None, trials=None) -> Profile:
    """A profile with some of its grid replaced (from the command line or a notebook)."""
    changes = {}
    if alphas:
        changes["alphas"] = tuple(float(a) for a in alphas)
    if K is not None:
        changes["K"] = K
    if trials is not None:
        changes["trials"] = trials
    return replace(profile, **changes)


def run_all(
    configs: Iterable[QuadraticRun | NonconvexRun | AdaptiveRun], cache: RunCache, *, progress: bool = True
) -> list[tuple[QuadraticRun | NonconvexRun | AdaptiveRun, dict[str, np.ndarray], bool]]:
    """Run (or load from the cache) every configuration; returns (config, arrays, was_cached) in order.

    Each finished run is saved before the next starts, so an interrupted sweep resumes where it stopped.
    """
    configs = list(configs)
    results = []
    t_start = time.perf_counter()
    for i, cfg in enumerate(configs, 1):
        key = cfg.cache_key()
        arrays = cache.load(key)
        cached = arrays is not None
        t0 = time.perf_counter()
        if not cached:
            arrays = run_config(cfg)
            cache.save(key, arrays)
        if progress:
            took = "cached" if cached else f"{time.perf_counter() - t0:6.1f}s"
            total = time.perf_counter() - t_start
            print(f"[{i:3d}/{len(configs)}] {cfg.label():70s} {took}  (total {total:6.1f}s)", file=sys.stderr)
        results.append((cfg, arrays, cached))
    return results
