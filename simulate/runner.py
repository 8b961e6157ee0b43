"""Turn configurations into kernel calls, and a claim's profile into a cached, resumable sweep."""

import threading
from collections.abc import Iterable

import numpy as np

from theory.claims import Claim, Profile

from .adaptive import NOISE_SHAPES, VECTOR_METHODS, adaptive_quadratic, trial_block
from .config import AdaptiveRun, NonconvexRun, QuadraticRun, checkpoints
from .kernels import strongly_convex_quadratic
from .methods import METHODS
from .noise import NOISE_CODES
from .nonconvex import OBJECTIVE_CODES, nonconvex_constant_step
from .objectives import PROJ_BALL, PROJ_NONE
from .progress import progress_bar
from .store import RunCache

OUTPUTS = ("avg_dist", "avg_gap", "last_dist", "max_dist", "noise")


def _trial_range(cfg, trial_offset: int, n_trials: int | None) -> int:
    """The number of trials in [trial_offset, trial_offset + n_trials), checked to lie inside [0, cfg.trials)."""
    n = cfg.trials - trial_offset if n_trials is None else n_trials
    if trial_offset < 0 or n < 1 or trial_offset + n > cfg.trials:
        raise ValueError(f"trials [{trial_offset}, {trial_offset + n}) are outside [0, {cfg.trials})")
    return n


def run_quadratic(cfg: QuadraticRun, trial_offset: int = 0, n_trials: int | None = None) -> dict[str, np.ndarray]:
    """Run trials [trial_offset, trial_offset + n_trials) of ``cfg``; returns k, per-trial outputs, diverged_at.

    Outputs (trials x checkpoints): avg_dist = ||xbar_k - x*||, avg_gap = f(xbar_k) - f*, last_dist = ||x_k - x*||,
    max_dist = max_{j<=k} ||x_j - x*||, noise = the gradient noise of coordinate 0 drawn at iteration k.
    """
    n = _trial_range(cfg, trial_offset, n_trials)
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


def run_nonconvex(cfg: NonconvexRun, trial_offset: int = 0, n_trials: int | None = None) -> dict[str, np.ndarray]:
    """Run trials [trial_offset, trial_offset + n_trials) of ``cfg``; returns per-trial avg, last and best of
    min{||grad f||, ||grad f||^2} (see ``nonconvex.nonconvex_constant_step``), diverged_at, and the run's K, eta,
    tau, sigma as 0-d arrays."""
    n = _trial_range(cfg, trial_offset, n_trials)
    eta, tau = cfg.parameters()
    out = {name: np.empty(n) for name in ("avg", "last", "best")}
    diverged_at = np.empty(n, dtype=np.int64)
    nonconvex_constant_step(
        (OBJECTIVE_CODES[cfg.objective], float(cfg.c), np.full(cfg.d, float(cfg.x0))),
        (NOISE_CODES[cfg.noise], float(cfg.tail), float(cfg.noise_scale)),
        (float(eta), float(tau), cfg.method == "gclip"),
        cfg.K,
        (np.uint64(cfg.seed), np.uint64(cfg.rng_key()), np.uint64(trial_offset)),
        (out["avg"], out["last"], out["best"], diverged_at),
    )
    scalars = dict(K=cfg.K, eta=eta, tau=tau, sigma=cfg.sigma)
    return {**out, "diverged_at": diverged_at, **{k: np.array(v) for k, v in scalars.items()}}


def run_adaptive(cfg: AdaptiveRun, trial_offset: int = 0, n_trials: int | None = None) -> dict[str, np.ndarray]:
    """Run trials [trial_offset, trial_offset + n_trials) of ``cfg``; returns k and per-trial (trials x checkpoints)
    avg_sq = ||xbar_k - x*||^2, last_sq = ||x_k - x*||^2, gap = f(x_k) - f*, and diverged_at (see
    ``adaptive.adaptive_quadratic``)."""
    n = _trial_range(cfg, trial_offset, n_trials)
    ks = checkpoints(cfg.K, cfg.per_decade)
    h, s = cfg.profile()
    out = {name: np.empty((n, ks.size)) for name in ("avg_sq", "last_sq", "gap")}
    diverged_at = np.empty(n, dtype=np.int64)
    adaptive_quadratic(
        (h, np.full(cfg.d, cfg.x_star), np.full(cfg.d, cfg.x0)),
        (NOISE_SHAPES[cfg.shape], NOISE_CODES[cfg.noise], float(cfg.tail), s, float(cfg.decay_t0),
         float(cfg.decay_power)),
        (VECTOR_METHODS[cfg.method], *cfg.step_schedule(), float(cfg.G), cfg.B * s / cfg.noise_scale,
         float(cfg.beta), float(cfg.beta1), float(cfg.beta2), float(cfg.eps), float(cfg.order)),
        ks,
        (np.uint64(cfg.seed), np.uint64(cfg.rng_key()), np.uint64(trial_offset)),
        (out["avg_sq"], out["last_sq"], out["gap"], diverged_at),
        trial_block(cfg.d),
    )  # fmt: skip
    return {"k": ks, **out, "diverged_at": diverged_at}


SHARED_OUTPUTS = ("k", "K", "eta", "tau", "sigma")  # the same for every trial; every other output is per trial
BLOCK_ITERATIONS = 2**25  # coordinate-iterations per kernel call: ~0.2 s on two cores, a fine-grained progress bar


def work(cfg) -> int:
    """Coordinate-iterations of a configuration, K x trials x d (the unit of the progress bar)."""
    return cfg.K * cfg.trials * cfg.d


def trial_blocks(cfg) -> list[tuple[int, int]]:
    """(first trial, trials) of each kernel call of a configuration: about ``BLOCK_ITERATIONS`` each, a multiple
    of 128 trials (so both threads get whole SIMD blocks). Each trial owns its stream, so the split leaves every
    result bit-identical."""
    per_block = max(128, BLOCK_ITERATIONS // (cfg.K * cfg.d) // 128 * 128)
    return [(first, min(per_block, cfg.trials - first)) for first in range(0, cfg.trials, per_block)]


def interruptible(fn, *args):
    """``fn(*args)`` in a worker thread, the calling thread waiting in short joins, so that Ctrl-C (a
    KeyboardInterrupt in the main thread) is felt within 0.1 s even while a kernel (which releases the GIL) is in
    the middle of a long call; the abandoned call ends with the process."""
    box = {}

    def target():
        try:
            box["value"] = fn(*args)
        except BaseException as err:  # handed to the caller
            box["error"] = err

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.1)
    if "error" in box:
        raise box["error"]
    return box["value"]


def run_config(cfg: QuadraticRun | NonconvexRun | AdaptiveRun, on_block=None) -> dict[str, np.ndarray]:
    """Run one configuration of any kind in blocks of trials (``trial_blocks``), calling ``on_block(work done)``
    after each block. Each block runs through ``interruptible``, so Ctrl-C stops a run at once."""
    # looked up at call time, so tests can substitute a runner
    runner = {NonconvexRun: run_nonconvex, AdaptiveRun: run_adaptive}.get(type(cfg), run_quadratic)
    out = None
    for first, n in trial_blocks(cfg):
        part = interruptible(runner, cfg, first, n)
        if out is None:  # whole-run arrays, filled block by block (memory: the run plus one block)
            out = {name: a if name in SHARED_OUTPUTS else np.empty((cfg.trials, *a.shape[1:]), a.dtype)
                   for name, a in part.items()}  # fmt: skip
        for name, a in part.items():
            if name not in SHARED_OUTPUTS:
                out[name][first : first + n] = a
        if on_block is not None:
            on_block(cfg.K * n * cfg.d)
    return out


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


def run_all(
    configs: Iterable[QuadraticRun | NonconvexRun | AdaptiveRun],
    cache: RunCache,
    *,
    progress: bool = True,
    label: str = "runs",
) -> list[tuple[QuadraticRun | NonconvexRun | AdaptiveRun, dict[str, np.ndarray], bool]]:
    """Run (or load from the cache) every configuration; returns (config, arrays, was_cached) in order.

    Each finished run is saved before the next starts, so an interrupted sweep resumes where it stopped. The
    progress bar counts coordinate-iterations (``work``) of the configurations not found in the cache.
    """
    configs = list(configs)
    loaded = [cache.load(cfg.cache_key(), cfg.describe()) for cfg in configs]
    todo = sum(work(cfg) for cfg, arrays in zip(configs, loaded, strict=True) if arrays is None)
    results = []
    with progress_bar(todo, f"{label}: {sum(a is None for a in loaded)} of {len(configs)} to compute",
                      enabled=progress and todo > 0) as bar:  # fmt: skip
        for cfg, arrays in zip(configs, loaded, strict=True):
            cached = arrays is not None
            if not cached:
                bar.set_postfix_str(cfg.label(), refresh=False)
                arrays = run_config(cfg, bar.update)
                cache.save(cfg.cache_key(), arrays, cfg.describe())
            results.append((cfg, arrays, cached))
    return results
