"""``make bench``: iterations per second of the d = 1 proj-GClip kernel (Pareto noise) at 1 and 2 threads,
beside a plain NumPy implementation vectorised over trials (single-threaded), measured in one run;
iterations x dimension per second of the d = 1000 GClip and CClip kernels at 1 and 2 threads; each of these composed
kernels (``simulate.engine``) beside the hand-written loop it replaced (``simulate.bench_reference``), with the
ratio and a check that their outputs are bit-identical; and full-batch SignGD steps per second of the
softmax-head kernel (``simulate.claims.het_linear_head_momentum.model``, C = 1000) beside NumPy with its BLAS matrix
products.

An iteration is one (trial, step) pair. Compilation is excluded: every kernel is called once before timing; each
figure is the best of three runs. Beside them: the floor under the d = 1 kernel (its noise draws alone), how soon
a kernel stops once the stop flag is set (what Ctrl-C does), the machine's load before and after, and the cores
other processes used meanwhile; with ``--sweep``, the whole quick profile's wall time, locally and on Dask.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numba
import numpy as np

from simulate import bench_reference
from simulate.claims.het_linear_head_momentum.model import train_linear_head, zipf_dataset
from simulate.engine import stop
from simulate.engine.run import run_blocks, set_thread_count, trial_block
from simulate.pieces.metrics import TRAJECTORY_OUTPUTS
from simulate.run.config import AdaptiveRun, QuadraticRun, checkpoints
from simulate.run.runner import run_adaptive, run_quadratic
from theory.schedules import averaging_weight, clip_threshold, theorem4_step


def numpy_proj_gclip(trials: int, K: int, alpha: float, seed: int = 0) -> np.ndarray:
    """proj-GClip with Theorem 4's schedule on f = x^2/2, X = [-10, 10], vectorised over trials.

    Returns ||xbar_k - x*|| at the same checkpoints as the kernel (different random numbers: NumPy's PCG64).
    """
    rng = np.random.default_rng(seed)
    ks = checkpoints(K)
    out = np.empty((trials, ks.size))
    x = np.ones(trials)
    xbar = x.copy()
    xi = np.empty(trials)
    sign = np.empty(trials)
    c = 0
    for k in range(1, K + 1):
        xbar += averaging_weight(k) * (x - xbar)
        rng.random(out=xi)
        np.power(xi, -1.0 / alpha, out=xi)
        rng.random(out=sign)
        np.copysign(xi, sign - 0.5, out=xi)
        xi += x  # gradient mu (x - x*) + noise, mu = 1, x* = 0
        tau = clip_threshold(k, 1.0, 1.0 / alpha)
        np.clip(xi, -tau, tau, out=xi)
        x -= theorem4_step(k, 1.0) * xi
        np.clip(x, -10.0, 10.0, out=x)
        if k == ks[c]:
            out[:, c] = np.abs(xbar)
            c += 1
    return out


def _best(fn, repeats: int = 3) -> float:
    """Shortest wall time of ``repeats`` calls (the least disturbed by other load on the machine)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _hand_written_scalar(cfg: QuadraticRun) -> dict[str, np.ndarray]:
    """``cfg`` (proj-GClip, Pareto, d = 1) through the hand-written d = 1 kernel of ``bench_reference``."""
    ks = checkpoints(cfg.K, cfg.per_decade)
    out = {name: np.empty((cfg.trials, ks.size)) for name in TRAJECTORY_OUTPUTS}
    diverged_at = np.empty(cfg.trials, dtype=np.int64)
    eta0, k0, power = cfg.step_schedule()
    args = (
        cfg.mu,
        cfg.x_star,
        cfg.x0,
        cfg.tail,
        cfg.noise_scale,
        eta0,
        k0,
        power,
        cfg.G,
        cfg.beta,
        -cfg.radius,
        cfg.radius,
        ks,
        np.uint64(cfg.seed),
        np.uint64(cfg.rng_key()),
        (*out.values(), diverged_at),
    )
    run_blocks(bench_reference.scalar_block, cfg.trials, trial_block(1), args)
    return {**out, "diverged_at": diverged_at}


def _hand_written_vector(cfg: AdaptiveRun) -> dict[str, np.ndarray]:
    """``cfg`` (GClip or CClip, coordinate Pareto noise) through the hand-written R^d kernel of ``bench_reference``."""
    ks = checkpoints(cfg.K, cfg.per_decade)
    out = {name: np.empty((cfg.trials, ks.size)) for name in ("avg_sq", "last_sq", "gap")}
    diverged_at = np.empty(cfg.trials, dtype=np.int64)
    h, s = cfg.profile()
    eta0, k0, power = cfg.step_schedule()
    args = (
        h,
        np.full(cfg.d, cfg.x_star),
        np.full(cfg.d, cfg.x0),
        cfg.tail,
        s,
        cfg.method == "cclip",
        eta0,
        k0,
        power,
        cfg.G,
        cfg.B * s / cfg.noise_scale,
        cfg.beta,
        ks,
        np.uint64(cfg.seed),
        np.uint64(cfg.rng_key()),
        (*out.values(), diverged_at),
    )
    run_blocks(bench_reference.vector_block, cfg.trials, trial_block(cfg.d), args)
    return {**out, "diverged_at": diverged_at}


def _identical(a: dict, b: dict) -> bool:
    return all(np.array_equal(a[name], b[name], equal_nan=True) for name in b)


def _compare(label: str, composed, hand_written, work: int, unit: str) -> None:
    """Time both kernels at 1 and 2 threads in this run; print rates, ratios and whether outputs are identical."""
    top = numba.config.NUMBA_NUM_THREADS
    same = _identical(composed(), hand_written())
    print(f"  {label}: composed and hand-written outputs bit-identical: {'yes' if same else 'NO'}")
    for threads in sorted({1, min(2, top)}):
        set_thread_count(threads)
        mine, theirs = work / _best(composed), work / _best(hand_written)
        print(
            f"    {threads} thread(s): composed {mine / 1e6:8.2f} M {unit}/s, hand-written {theirs / 1e6:8.2f} M "
            f"{unit}/s, ratio {mine / theirs:5.3f} (aim >= 0.95)"
        )
    set_thread_count(top)


def _busy_jiffies() -> int | None:
    """CPU time (jiffies) every process of the machine has spent since boot (Linux' /proc/stat), or None."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return user + nice + system + irq + softirq + steal


def _load_line() -> str:
    return "machine load (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


class OtherLoad:
    """Cores' worth of CPU time that processes other than this one used while the block ran (from /proc/stat and
    this process's own CPU time); a benchmark that shares its cores measures the sharing, not the kernel."""

    def __enter__(self):
        self.start = (_busy_jiffies(), os.times(), time.perf_counter())
        return self

    def __exit__(self, *exc):
        jiffies, times, t0 = self.start
        end = _busy_jiffies()
        wall = time.perf_counter() - t0
        own = (os.times().user - times.user) + (os.times().system - times.system)
        hz = os.sysconf("SC_CLK_TCK")
        self.cores = None if jiffies is None or end is None else max(0.0, ((end - jiffies) / hz - own) / wall)
        return False


def bench_floor(cfg: QuadraticRun, work: int) -> float:
    """Iterations per second of the d = 1 kernel's noise draws alone (``bench_reference.draws_block``) on 1 thread:
    the floor under the kernel, which adds the update, the clipping, the average and the checkpoints to them."""
    sink = np.empty(cfg.trials)
    args = (cfg.tail, cfg.K, np.uint64(cfg.seed), np.uint64(cfg.rng_key()), sink)
    run_blocks(bench_reference.draws_block, 32, 32, (cfg.tail, 10, *args[2:]))
    set_thread_count(1)
    rate = work / _best(lambda: run_blocks(bench_reference.draws_block, cfg.trials, trial_block(1), args))
    set_thread_count(numba.config.NUMBA_NUM_THREADS)
    return rate


def run_bench(trials: int = 4096, K: int = 20000, alpha: float = 1.5, sweep: bool = False) -> int:
    print(_load_line() + " (before)")
    with OtherLoad() as others:
        _bench_kernels(trials, K, alpha, sweep)
    print(_load_line() + " (after)")
    if others.cores is not None:
        print(f"other processes used {others.cores:.2f} cores on average while the benchmark ran")
        if others.cores > 0.5:
            print("warning: another process held a core: the figures above measure a shared machine", file=sys.stderr)
    return 0


def _bench_kernels(trials: int, K: int, alpha: float, sweep: bool) -> None:
    cfg = QuadraticRun(claim="bench", method="proj-gclip", noise="pareto", alpha=alpha, K=K, trials=trials, radius=10.0)
    warm = QuadraticRun(**{**cfg.__dict__, "K": 10, "trials": 32})
    top = numba.config.NUMBA_NUM_THREADS
    run_quadratic(warm)
    _hand_written_scalar(warm)
    numpy_proj_gclip(32, 10, alpha)
    work = trials * K
    rows = {}
    for threads in sorted({1, min(2, top)}):
        set_thread_count(threads)
        rows[f"numba kernel, {threads} thread(s)"] = work / _best(lambda: run_quadratic(cfg))
    set_thread_count(top)
    rows["numpy vectorised, 1 thread"] = work / _best(lambda: numpy_proj_gclip(trials, K, alpha))
    print(f"proj-GClip, d = 1, symmetric Pareto tail {alpha}, {trials} trials x {K} steps (compile excluded)")
    for name, rate in rows.items():
        print(f"  {name:32s} {rate / 1e6:8.2f} M iterations/s")
    np_rate = rows["numpy vectorised, 1 thread"]
    one = rows["numba kernel, 1 thread(s)"]
    floor = bench_floor(cfg, work)
    print(f"  per-core speed-up over NumPy     {one / np_rate:8.2f}x   (aim >= 2x)")
    print(
        f"  floor: its noise draws alone     {floor / 1e6:8.2f} M iterations/s on 1 thread; the kernel runs at "
        f"{one / floor:.2f} of it"
    )
    if top >= 2:
        two = rows["numba kernel, 2 thread(s)"]
        print(f"  scaling 1 -> 2 threads           {two / one:8.2f}x   (aim >= 1.8x)")
        print(f"  2 threads                        {two / 1e6:8.2f} M iterations/s (aim >= 300)")
    wide = numba.config.CPU_FEATURES is not None and "-prefer-256-bit" in numba.config.CPU_FEATURES
    print(f"  vector width                     {'512-bit allowed (AVX-512 host)' if wide else 'LLVM default'}")
    kernel_bytes = 3 * trials * checkpoints(K).size * 8
    print(f"  kernel output memory             {kernel_bytes / 1e6:8.2f} MB (trials x checkpoints; O(K) never stored)")
    print(f"  stop latency (flag to return)    {bench_stop_latency(cfg) * 1e3:8.2f} ms  (aim < 1000: Ctrl-C, SIGTERM)")
    print("composed kernel (simulate.engine) against the hand-written one it replaced (simulate.bench_reference)")
    _compare("d = 1 proj-GClip", lambda: run_quadratic(cfg), lambda: _hand_written_scalar(cfg), work, "iterations")
    bench_vector_kernels(alpha)
    bench_linear_head()
    if sweep:
        bench_quick_sweep()


def bench_stop_latency(cfg: QuadraticRun, running_s: float = 1.0) -> float:
    """Seconds from setting the stop flag (what Ctrl-C or SIGTERM does) to the return of a run of ``cfg``'s kernel
    at an endless K on every thread, the flag set after ``running_s`` s of running; the worst of three."""
    endless = QuadraticRun(**{**cfg.__dict__, "K": 2**50})
    flagged_at = []  # perf_counter() when each try set the flag

    def request_stop():
        flagged_at.append(time.perf_counter())
        stop.FLAG[0] = signal.SIGINT

    latencies = []
    for _ in range(3):
        threading.Timer(running_s, request_stop).start()
        try:
            run_quadratic(endless)
        except stop.Stopped:
            latencies.append(time.perf_counter() - flagged_at[-1])
        finally:
            stop.reset()
    return max(latencies)


def _small_transformer_claims() -> set[str]:
    """Claim ids whose experiments train the small JAX transformer (their profiles name a ``net``): they run in the
    calling process whatever the executor."""
    from simulate.claims import NET_CLAIMS

    return set(NET_CLAIMS)


def _sweep_seconds(out: Path, *options: str) -> tuple[float, dict]:
    """Wall time (s) of ``python -m simulate rates --profile quick --no-cache`` with ``options``, in a fresh
    process, and its provenance (per-claim wall times)."""
    cmd = [
        sys.executable,
        "-m",
        "simulate",
        "rates",
        "--profile",
        "quick",
        "--no-cache",
        "--quiet",
        "--out",
        str(out),
        *options,
    ]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0, json.loads((out / "provenance.json").read_text())["claims"]


def bench_quick_sweep() -> None:
    """The whole quick profile (every claim, nothing cached) in a fresh process: local executor, then Dask
    LocalClusters of 1 worker (all cores' threads) and 2 workers (cores / 2 threads each). The first run also
    fills Numba's disk cache if it is cold, so it is run twice and the second is reported."""
    print("the whole quick sweep (python -m simulate rates --profile quick --no-cache), wall time in a fresh process")
    cores = os.cpu_count() or 1
    runs = {"local, 1 process (warm-up: compiles what is not on disk)": (), "local, 1 process": ()}
    runs |= {
        f"dask, {w} worker(s) x {max(1, cores // w)} thread(s)": ("--executor", "dask", "--workers", str(w))
        for w in sorted({1, min(2, cores)})
    }
    net_claims = _small_transformer_claims()
    with tempfile.TemporaryDirectory() as tmp:
        for i, (label, options) in enumerate(runs.items()):
            wall, claims = _sweep_seconds(Path(tmp) / str(i), *options)
            nets = sum(c["wall_time_s"] for name, c in claims.items() if name in net_claims)
            print(f"  {label:58s} {wall:7.1f} s (of which {nets:.0f} s the small-transformer claims, in-process)")


def bench_vector_kernels(alpha: float, d: int = 1000, trials: int = 16, K: int = 2000) -> None:
    """Iterations x dimension per second of GClip and CClip in R^d (independent Pareto coordinates), composed and
    hand-written."""
    print(f"GClip / CClip, d = {d}, symmetric Pareto coordinates tail {alpha + 0.2:g}, {trials} trials x {K} steps")
    for method in ("gclip", "cclip"):
        cfg = AdaptiveRun(
            claim="bench",
            method=method,
            noise="pareto",
            alpha=alpha,
            tail=alpha + 0.2,
            K=K,
            trials=trials,
            d=d,
            G=30.0,
            B=3.0,
        )
        warm = AdaptiveRun(**{**cfg.__dict__, "K": 10, "trials": 2})
        run_adaptive(warm)
        _hand_written_vector(warm)
        _compare(
            method,
            lambda cfg=cfg: run_adaptive(cfg),
            lambda cfg=cfg: _hand_written_vector(cfg),
            trials * K * d,
            "it x dim",
        )


def numpy_head_gradient(X: np.ndarray, y: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Full-batch gradient (C x p) of the mean softmax cross-entropy, through NumPy's BLAS matrix products."""
    Z = X @ W.T
    Z -= Z.max(axis=1, keepdims=True)
    P = np.exp(Z)
    P /= P.sum(axis=1, keepdims=True)
    P[np.arange(y.size), y] -= 1.0
    return P.T @ X / y.size


def bench_linear_head(n_classes: int = 1000, n_top: int = 512, p: int = 33, K: int = 20, eta: float = 1e-2) -> None:
    """Full-batch SignGD steps per second on the softmax head (one trial per thread), against NumPy."""
    top = numba.config.NUMBA_NUM_THREADS
    X, y = zipf_dataset(n_classes, n_top, p, trials=2, seed=0)
    train_linear_head(X[:1, :50], y[:1, :50], n_classes, "signsgd", eta, batch=0, checkpoints=[1])
    print(
        f"softmax head, C = {n_classes}, n = {y.shape[1]}, p = {p}: full-batch SignGD, {K} steps per trial "
        "(the kernel adds one full pass to record the last checkpoint)"
    )
    rates = {}
    for threads in sorted({1, min(2, top)}):
        set_thread_count(threads)
        data = (X[:threads], y[:threads], n_classes, "signsgd", eta)
        rates[threads] = threads * K / _best(lambda data=data: train_linear_head(*data, batch=0, checkpoints=[K]))
    set_thread_count(top)

    def numpy_run():
        W = np.zeros((n_classes, p))
        for _ in range(K):
            W -= eta * np.sign(numpy_head_gradient(X[0], y[0], W))

    numpy_rate = K / _best(numpy_run)
    for threads, rate in rates.items():
        print(f"  numba kernel, {threads} thread(s)        {rate:8.2f} steps/s (trial-steps over all threads)")
    print(f"  numpy + BLAS, 1 trial             {numpy_rate:8.2f} steps/s (BLAS on its own threads)")
    print(f"  kernel on 1 thread / NumPy        {rates[1] / numpy_rate:8.2f}x")
    if 2 in rates:
        print(f"  scaling 1 -> 2 threads            {rates[2] / rates[1]:8.2f}x")
