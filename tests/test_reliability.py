"""Results cannot be lost or mixed, and bad input is refused up front.

Bad inputs (CLI and API) fail with exit 2 / ValueError naming the parameter and write nothing; a run killed with
SIGKILL leaves the output folder as it was and its rerun is byte-identical to an uninterrupted run; Ctrl-C stops
within a few seconds without a traceback; a run of one claim keeps every other claim of the folder; two runs on one
folder at once lose nothing; output files respect the umask; an interrupted publication is rolled forward.
"""

import gc
import io
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulate.cli import main
from simulate.pieces.noise import sample
from simulate.publish.folder import JOURNAL, Staging, read_sections, recover
from simulate.run.config import AdaptiveRun, NonconvexRun, QuadraticRun

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--profile", "quick", "--alphas", "1.5", "1.8", "--K", "3000", "--trials", "64"]
TWO_CLAIMS = ["thm4-strongly-convex", "thm5-lower-bound"]  # both take --alphas, --K and --trials


def _cli(*args, cwd=ROOT, umask=None, **kwargs) -> subprocess.Popen:
    """``python -m simulate ...`` in a subprocess (stderr captured), under ``umask`` when given (set by a shell:
    a preexec_fn would fork a process that JAX has made multithreaded)."""
    command = [sys.executable, "-m", "simulate", *args]
    if umask is not None:
        command = ["sh", "-c", f'umask {umask:03o} && exec "$@"', "sh", *command]
    return subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every published file of a folder (hidden files, the cache and the lock left out), by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    }


def _results(folder: Path) -> dict[str, bytes]:
    """The run-dependent outputs that must be byte-identical between equal runs (REPORT.md, the index.html made
    from it and provenance.json carry dates and wall times)."""
    return {k: v for k, v in _snapshot(folder).items() if k not in ("REPORT.md", "index.html", "provenance.json")}


BAD_CLI = [
    (["--alphas", "2.5"], "alpha=2.5"),
    (["--alphas", "1.0"], "alpha=1.0"),
    (["--alphas", "nan"], "alpha=nan"),
    (["--alphas", "inf"], "alpha=inf"),
    (["--claim", "thm4-strongly-convex", "--K", "0"], "K=0"),
    (["--claim", "thm4-strongly-convex", "--K", "1"], "K=1"),
    (["--claim", "thm4-strongly-convex", "--K", "3"], "K >= "),
    (["--claim", "thm4-strongly-convex", "--K", str(10**17)], f"K={10**17}"),
    (["--claim", "thm4-strongly-convex", "--trials", "-3"], "trials=-3"),
    (["--claim", "thm4-strongly-convex", "--trials", "1"], "trials=1"),
    (["--claim", "thm4-strongly-convex", "--trials", str(10**12)], "trials=1000000000000"),
    (["--claim", "thm4-strongly-convex", "--K", str(2**40)], "--allow-long"),
    (["--claim", "thm4-strongly-convex", "--trials", str(10**5), "--K", str(10**8)], "--allow-long"),
    (["--claim", "thm2-nonconvex", "--K", "2000"], "--K does not apply to claim 'thm2-nonconvex'"),
    (["--claim", "rem1-sgd-failure", "--alphas", "1.5"], "--alphas does not apply to claim 'rem1-sgd-failure'"),
    (["--claim", "cor7-thm8-dimension", "--trials", "40"], "--trials does not apply"),
    (["--K", "2000"], "--K does not apply"),
    (["--claim", "thm9"], "claim='thm9'"),
    (["--profile", "huge"], "invalid choice: 'huge'"),
    (["--seed", "-1"], "seed=-1"),
    (["--seed", str(2**63)], f"seed={2**63}"),
    (["--seed", str(2**70)], f"seed={2**70}"),
    (["--threads", "0"], "threads=0"),
    (["--threads", "99"], "threads=99"),
    (["--K", "1000.0"], "--K"),  # argparse: invalid int value
    (["--seed", "1.5"], "--seed"),
    (["--trials", "abc"], "--trials"),
    (["--alphas", "abc"], "--alphas"),
]


@pytest.mark.parametrize("args,named", BAD_CLI, ids=[" ".join(a) for a, _ in BAD_CLI])
def test_bad_cli_input_exits_2_naming_it_and_writes_nothing(tmp_path, capsys, args, named):
    out = tmp_path / "out"
    try:
        code = main(["rates", *args, "--out", str(out)])
    except SystemExit as exit_:  # argparse's own refusals
        code = exit_.code
    assert code == 2
    err = capsys.readouterr().err
    assert named in err and len(err.strip().splitlines()) <= 3, err
    assert not out.exists() and not list(tmp_path.iterdir())


def test_bad_folders_exit_2_before_any_work(tmp_path, capsys):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    new = str(tmp_path / "o")
    for args, named in (
        (["--out", str(a_file)], "out="),
        (["--out", str(a_file / "below")], "out="),
        (["--out", new, "--cache-dir", str(a_file)], "cache-dir="),
        (["--out", new, "--cache-dir", str(a_file / "below")], "cache-dir="),
    ):
        assert main(["rates", "--claim", "rmsprop-as-clipping", *args]) == 2
        assert named in capsys.readouterr().err
    assert main(["controls", "--claim", "acclip-nonstationary", "--no-cache", "--out", new]) == 2
    assert "claim='acclip-nonstationary' declares no controls" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


Q = dict(claim="c", method="proj-gclip", noise="pareto", alpha=1.5, K=100, trials=4)
N = dict(claim="c", method="gclip", noise="pareto", alpha=1.5, K=100, trials=4)
A = dict(claim="c", method="gclip", noise="pareto", alpha=1.5, K=100, trials=4, d=3)
BAD_API = [
    (QuadraticRun, Q, dict(K=1000.0), "K=1000.0"),
    (QuadraticRun, Q, dict(trials=np.float64(8)), "trials="),
    (QuadraticRun, Q, dict(seed=1.5), "seed=1.5"),
    (QuadraticRun, Q, dict(seed=2**64 - 1), "seed="),
    (QuadraticRun, Q, dict(seed=-1), "seed=-1"),
    (QuadraticRun, Q, dict(tail=math.inf), "tail=inf"),
    (QuadraticRun, Q, dict(tail=math.nan), "tail=nan"),
    (QuadraticRun, Q, dict(x0=math.nan), "x0=nan"),
    (QuadraticRun, Q, dict(x0=math.inf), "x0=inf"),
    (QuadraticRun, Q, dict(x_star=-math.inf), "x_star=-inf"),
    (QuadraticRun, Q, dict(alpha="abc"), "alpha='abc'"),
    (QuadraticRun, Q, dict(alpha=None), "alpha=None"),
    (QuadraticRun, Q, dict(d=True), "d=True"),
    (QuadraticRun, Q, dict(mu=math.nan), "mu=nan"),
    (QuadraticRun, Q, dict(noise_scale=math.inf), "noise_scale=inf"),
    (QuadraticRun, Q, dict(noise=3), "noise=3"),
    (NonconvexRun, N, dict(x0=math.inf), "x0=inf"),
    (NonconvexRun, N, dict(K=2.5), "K=2.5"),
    (NonconvexRun, N, dict(tail=math.inf), "tail=inf"),
    (AdaptiveRun, A, dict(eta=math.nan), "eta=nan"),
    (AdaptiveRun, A, dict(decay_t0=math.nan), "decay_t0=nan"),
    (AdaptiveRun, A, dict(x0=math.nan), "x0=nan"),
    (AdaptiveRun, A, dict(seed=2**63), "seed="),
    # sizes beyond the machine or the schedules' float64 iteration numbers, refused before anything is allocated
    (QuadraticRun, Q, dict(d=10**11), f"d={10**11}"),
    (QuadraticRun, Q, dict(trials=10**12), f"trials={10**12}"),
    (NonconvexRun, N, dict(trials=10**12), f"trials={10**12}"),
    (AdaptiveRun, A, dict(d=10**11), f"d={10**11}"),
]


@pytest.mark.parametrize("kind,base,bad,named", BAD_API, ids=[f"{k.__name__}-{n}" for k, _, _, n in BAD_API])
def test_bad_configuration_is_refused_naming_the_parameter(kind, base, bad, named):
    with pytest.raises(ValueError, match=named.replace("(", r"\(").replace("+", r"\+")):
        kind(**{**base, **bad})


@pytest.mark.parametrize("kind,base", [(QuadraticRun, Q), (NonconvexRun, N)], ids=["quadratic", "nonconvex"])
def test_a_horizon_beyond_float64_iteration_numbers_is_refused_before_it_runs(kind, base):
    # a configuration may describe any horizon for the theory (thm2's model reads K = 10^30); running one is refused
    with pytest.raises(ValueError, match=f"K={2**62}|{2**62}.*2\\^53"):
        kind(**{**base, "K": 2**62}).trajectory()


@pytest.mark.parametrize("tail", [math.inf, math.nan, "abc", None])
def test_sampler_refuses_a_bad_tail(tail):
    with pytest.raises(ValueError, match="tail="):
        sample("pareto", tail, 10)


def test_numpy_integers_are_accepted_and_keyed_like_python_ints():
    plain = QuadraticRun(**{**Q, "K": 100, "trials": 4, "seed": 3})
    numpy = QuadraticRun(
        **{**Q, "K": np.int64(100), "trials": np.int32(4), "seed": np.uint64(3), "x0": np.float32(1.0)}
    )
    assert numpy == plain and numpy.cache_key() == plain.cache_key() and numpy.rng_key() == plain.rng_key()
    assert type(numpy.K) is int and type(numpy.x0) is float


@pytest.fixture
def two_claims_published(tmp_path, computed_once) -> Path:
    """This test's own copy of a results folder holding TWO_CLAIMS at SMALL size, with its cache (``.cache``) inside:
    published once per test session, copied for each test that changes it."""

    def publish(folder):
        assert main(["rates", "--claim", *TWO_CLAIMS, *SMALL, "--out", str(folder / "res"), "--quiet"]) == 0

    out = tmp_path / "res"
    shutil.copytree(computed_once("two-claims-published", publish) / "res", out)
    return out


def test_one_claim_run_keeps_every_other_claim(two_claims_published):
    """The folder holds two claims; rerunning one replaces its rows, section and figures and keeps the other's."""
    out = two_claims_published
    before = _snapshot(out)
    sections = read_sections(out / "REPORT.md")
    # a figure an earlier run of the suite wrote (its provenance records it) that nothing produces any more
    stale = out / "figures" / "thm4-strongly-convex_from_an_old_run.png"
    stale.write_bytes(b"x")
    prov = json.loads((out / "provenance.json").read_text())
    prov["claims"][TWO_CLAIMS[0]]["figures"].append(stale.name)
    (out / "provenance.json").write_text(json.dumps(prov))
    stray = out / "figures" / "nothing-references-me.png"  # not the suite's: left alone
    stray.write_bytes(b"x")
    assert main(["rates", "--claim", "thm4-strongly-convex", *SMALL, "--seed", "7", "--out", str(out), "--quiet"]) == 0
    after = _snapshot(out)
    kept = [k for k in before if k.startswith(("figures/thm5", "runs/thm5"))]
    assert kept and all(after[k] == before[k] for k in kept), "the other claim's figures and tables are untouched"
    assert not stale.exists(), "a figure of the suite's that nothing references any more is removed"
    assert stray.exists(), "a file the suite did not write is left alone"
    rates_before, rates_after = (pd.read_csv(io.BytesIO(snapshot["rates.csv"])) for snapshot in (before, after))
    pd.testing.assert_frame_equal(
        rates_before[rates_before.claim == TWO_CLAIMS[1]].reset_index(drop=True),
        rates_after[rates_after.claim == TWO_CLAIMS[1]].reset_index(drop=True),
    )
    assert list(rates_after.claim.unique()) == TWO_CLAIMS
    assert read_sections(out / "REPORT.md")[TWO_CLAIMS[1]] == sections[TWO_CLAIMS[1]]
    prov = json.loads((out / "provenance.json").read_text())["claims"]
    assert prov[TWO_CLAIMS[0]]["seed"] == 7 and prov[TWO_CLAIMS[1]]["seed"] == 0
    assert "off-profile" in (out / "REPORT.md").read_text()


def _entries(cache: Path) -> list[Path]:
    """The finished entries of a run cache (not the temporary files of entries being written)."""
    return list(cache.glob("[!.]*.npz"))


def _wait_for(predicate, timeout=120.0):
    t0 = time.monotonic()
    while not predicate():
        if time.monotonic() - t0 > timeout:
            raise TimeoutError
        time.sleep(0.02)


def test_kill_9_leaves_results_untouched_and_the_rerun_is_byte_identical(tmp_path):
    out, cache = tmp_path / "res", tmp_path / "cache"
    assert main(["rates", "--claim", "rmsprop-as-clipping", "--profile", "quick", "--out", str(out), "--quiet"]) == 0
    earlier = _snapshot(out)
    reference = tmp_path / "reference"
    shutil.copytree(out, reference)
    run = ["rates", "--claim", *TWO_CLAIMS, *SMALL, "--out", str(out), "--cache-dir", str(cache), "--quiet"]
    proc = _cli(*run)
    # thm4's configurations are cached one by one; kill while the run is still going (thm4's last runs or thm5)
    _wait_for(lambda: len(_entries(cache)) >= 2 or proc.poll() is not None)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    assert _snapshot(out) == earlier, "a killed run changes nothing in the output folder"
    assert list(out.glob(".staging-*")), "the killed run's staging folder is left for the next run to remove"
    rerun = _cli(*run)
    assert rerun.wait() == 0, rerun.stderr.read()
    assert not list(out.glob(".staging-*")) and not (out / JOURNAL).exists()
    uninterrupted = _cli(*run[:-5], "--out", str(reference), "--no-cache", "--quiet")
    assert uninterrupted.wait() == 0, uninterrupted.stderr.read()
    assert _results(out) == _results(reference)
    assert "rmsprop-as-clipping" in pd.read_csv(out / "rates.csv").claim.values, "the earlier claim is kept"


def test_ctrl_c_stops_quickly_without_traceback_and_keeps_finished_entries(tmp_path):
    out, cache = tmp_path / "res", tmp_path / "cache"
    # eight configurations, so that seconds of work remain after the first entry even on a loaded machine
    alphas = ["1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "1.9"]
    proc = _cli(
        "rates",
        "--claim",
        "thm4-strongly-convex",
        "--profile",
        "quick",
        "--K",
        "200000",
        "--trials",
        "2048",
        "--alphas",
        *alphas,
        "--out",
        str(out),
        "--cache-dir",
        str(cache),
        "--quiet",
    )
    _wait_for(lambda: len(_entries(cache)) >= 1 or proc.poll() is not None)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    code = proc.wait(timeout=30)
    stopped = time.monotonic() - t0
    err = proc.stderr.read()
    assert code == 130 and "Traceback" not in err and "run the same command again to resume" in err, err
    assert stopped < 3.0, f"took {stopped:.1f} s to stop"
    assert not out.exists() or not (out / "rates.csv").exists()
    assert len(_entries(cache)) >= 1


HUGE_K = ["--claim", "thm4-strongly-convex", "--profile", "quick", "--alphas", "1.5", "--trials", "64"]


def test_runs_with_a_huge_K_stop_soon_after_sigint_and_sigterm(tmp_path):
    # the same kernel at a small K first, so that the huge runs find it compiled and are inside it when signalled
    warm = _cli("rates", *HUGE_K, "--K", "1000", "--out", str(tmp_path / "warm"), "--no-cache", "--quiet")
    assert warm.wait() == 0, warm.stderr.read()
    signals = {"SIGINT": (signal.SIGINT, 130), "SIGTERM": (signal.SIGTERM, 143)}
    huge = ["--K", str(2**44), "--allow-long", "--no-cache", "--quiet"]
    procs = {name: _cli("rates", *HUGE_K, *huge, "--out", str(tmp_path / name)) for name in signals}
    try:
        time.sleep(10)  # imports and loading the cached kernel take a few seconds; 2**44 iterations take days
        for name, (signum, status) in signals.items():
            proc = procs[name]
            assert proc.poll() is None, proc.stderr.read()
            t0 = time.monotonic()
            proc.send_signal(signum)
            code = proc.wait(timeout=60)
            stopped = time.monotonic() - t0
            err = proc.stderr.read()
            assert code == status and "interrupted" in err and "Traceback" not in err, (name, err)
            # generous: the kernels read the stop flag every iteration (make bench measures the latency)
            assert stopped < 10.0, f"{name}: took {stopped:.1f} s to stop"
            assert not (tmp_path / name / "rates.csv").exists()
    finally:
        for proc in procs.values():
            proc.kill()  # a run that did not stop must not outlive the test (it would take days)


SECOND_SIGNAL = """
import os, signal, time
from simulate.engine import stop
with stop.signals_stop_kernels():
    try:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
    except KeyboardInterrupt:
        print("first", flush=True)
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(5)
    print("not reached", flush=True)
"""


def _sigint_now():
    """Send SIGINT to this process and give its handler the bytecodes to run in."""
    os.kill(os.getpid(), signal.SIGINT)
    for _ in range(1000):
        time.sleep(0.001)


def test_an_interrupt_inside_a_held_block_is_raised_at_its_end_by_the_handler_it_would_have_met():
    from simulate.engine import stop

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # a pytest worker may ignore SIGINT
    finished = []
    try:
        with pytest.raises(KeyboardInterrupt):
            with stop.signals_deferred():
                with stop.signals_deferred():  # blocks nest
                    _sigint_now()
                    finished.append("inner")
                finished.append("outer")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert finished == ["inner", "outer"]
    assert signal.getsignal(signal.SIGINT) is previous


def test_an_interrupt_inside_numbas_thread_count_call_waits_until_the_call_returns(monkeypatch):
    # Numba holds a process-wide lock inside get_num_threads and set_num_threads: cut there, it stayed taken and
    # every later worker waited on it for ever
    import numba

    from simulate.engine.run import set_thread_count, thread_count

    calls = []

    def interrupted_inside(*args):
        _sigint_now()
        calls.append("returned")
        return 2

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        for name, call in (("get_num_threads", thread_count), ("set_num_threads", lambda: set_thread_count(2))):
            monkeypatch.setattr(numba, name, interrupted_inside)
            with pytest.raises(KeyboardInterrupt):
                call()
            assert calls.pop() == "returned", name
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_signal_handed_to_a_worker_thread_stops_the_kernels_within_a_second():
    # The operating system may hand a process's signal to any of its threads: Python's C handler then runs there and
    # only marks the signal, and the main thread, in an untimed wait for the kernels, was not woken to run the Python
    # handler until they had all ended (a hang at K = 2^44, about once in 30 runs of the many-instants test under load)
    from simulate.engine import stop
    from simulate.engine.run import map_on_threads

    def kernel(i):  # as a compiled kernel: runs until the stop flag is set, here for at most 20 s
        if i == 0:
            time.sleep(0.5)  # the main thread is waiting by now
            signal.pthread_kill(threading.get_ident(), signal.SIGINT)
        deadline = time.monotonic() + 20
        while not stop.FLAG[0] and time.monotonic() < deadline:
            time.sleep(0.001)
        return i

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    start = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            map_on_threads(kernel, range(2))
    finally:
        signal.signal(signal.SIGINT, previous)
    assert time.monotonic() - start < 5, "stopped only when the kernels ended"
    assert stop.FLAG[0] == 0, "the flag is put back as Python's handler found it"


def test_an_interrupt_inside_garbage_collection_sets_the_flag_without_an_ignored_exception(monkeypatch):
    from simulate.engine import stop

    ignored = []  # what Python would print as 'Exception ignored in ...'
    monkeypatch.setattr(sys, "unraisablehook", ignored.append)

    interrupt_once = [True]

    def callback(phase, info):  # as JAX's collector callback: an exception raised here is printed and swallowed
        if interrupt_once.pop() if interrupt_once else False:
            _sigint_now()

    gc.callbacks.append(callback)
    try:
        with stop.signals_stop_kernels():
            gc.collect()
            assert stop.stopping(), "the flag is set"
            with pytest.raises(stop.Stopped):
                stop.raise_if_stopped()
    finally:
        gc.callbacks.remove(callback)
    assert not ignored, [str(u.exc_value) for u in ignored]


def test_a_second_ctrl_c_exits_at_once():
    proc = subprocess.run([sys.executable, "-c", SECOND_SIGNAL], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 130 and proc.stdout.split() == ["first"], (proc.stdout, proc.stderr)
    assert "interrupted again" in proc.stderr


def test_a_swallowed_ctrl_c_still_stops_the_run_before_it_publishes(tmp_path, monkeypatch, capsys):
    import simulate.memory
    from simulate.engine import stop

    def swallowed_interrupt():  # as if SIGINT's handler ran inside garbage collection, its exception lost there
        stop.FLAG[0] = signal.SIGINT

    monkeypatch.setattr(simulate.memory, "release_memory", swallowed_interrupt)
    out = tmp_path / "res"
    assert main(["rates", "--claim", "rmsprop-as-clipping", "--profile", "quick", "--out", str(out), "--quiet"]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert not (out / "rates.csv").exists()
    assert stop.FLAG[0] == 0, "the flag is cleared when the command returns"


# The script installs Python's own SIGINT handler, as a notebook's kernel has: a child inherits an ignored SIGINT
# from its parent (pytest's workers can be in that state), and the interrupt would then never arrive.
INTERRUPT_AT_EVERY_INSTANT = """
import contextlib, faulthandler, os, signal, sys, threading, time
signal.signal(signal.SIGINT, signal.default_int_handler)
faulthandler.dump_traceback_later(float(sys.argv[3]), exit=True)  # a hang shows every thread's stack, not a timeout
from simulate.engine import run_trajectory, stop
from simulate.run.config import AdaptiveRun, QuadraticRun

shape, n = sys.argv[1], int(sys.argv[2])
BOUND = 5.0  # seconds: a kernel returns within milliseconds when idle; generous for a machine under full load
if shape == "scalar":
    make = lambda K: QuadraticRun(claim="x", method="proj-gclip", noise="pareto", alpha=1.5, trials=256, K=K)
else:
    make = lambda K: AdaptiveRun(claim="x", method="gclip", noise="pareto", alpha=1.5, trials=256, K=K, d=3)
run_trajectory(make(10).trajectory())  # compiled before the clocks start
# n instants from 0 to 250 ms after the call starts (its set-up: building the trajectory, starting the threads),
# and one well into the run, as a notebook user's Ctrl-C would be
delays = [0.25 * i / n for i in range(n)] + [1.0]
bad = []
for handlers in ("python", "cli"):
    with stop.signals_stop_kernels() if handlers == "cli" else contextlib.nullcontext():
        for delay in delays:
            print(f"{handlers} {delay:.3f} s", file=sys.stderr, flush=True)
            timer = threading.Timer(delay, os.kill, (os.getpid(), signal.SIGINT))
            t0 = time.monotonic()
            try:
                timer.start()
                run_trajectory(make(2**44).trajectory())
                bad.append(f"{handlers} {delay:.3f} s: the call returned")
            except KeyboardInterrupt:
                pass
            timer.join()
            stopped = time.monotonic() - t0 - delay
            deadline = time.monotonic() + BOUND
            while threading.active_count() > 1 and time.monotonic() < deadline:
                time.sleep(0.01)
            if threading.active_count() > 1 or stopped > BOUND:
                left = threading.active_count() - 1
                bad.append(f"{handlers} {delay:.3f} s: {left} threads left, stopped after {stopped:.2f} s")
                break  # the instants after a stray kernel would be tried beside it
            if handlers == "python" and stop.FLAG[0]:
                bad.append(f"{handlers} {delay:.3f} s: the stop flag was left set")
            stop.reset()
    if bad:
        break
print("; ".join(bad) or "ok")
os._exit(0)
"""


@pytest.mark.parametrize("shape", ["scalar", "vector"])
def test_an_interrupt_at_any_instant_stops_every_kernel_within_a_second(shape):
    # 51 instants, with Python's own handler (a notebook) and with the command line's (the stop flag's). Before
    # signals were held while the executor registers its workers (simulate.engine.stop.signals_deferred), about one
    # instant in 50 left a worker running its kernel for hours; before Numba's thread-count calls were held too
    # (simulate.engine.run.thread_count), an interrupt inside one left Numba's process-wide lock taken and every
    # later worker waiting on it. The bound on each stop is generous (5 s), for a loaded machine
    proc = subprocess.run(
        [sys.executable, "-c", INTERRUPT_AT_EVERY_INSTANT, shape, "50", "200"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.stdout.strip() == "ok", proc.stdout + proc.stderr[-4000:]


def test_two_runs_on_one_folder_at_once_lose_nothing(tmp_path):
    out = tmp_path / "res"
    runs = [
        _cli("rates", "--claim", claim, *SMALL, "--out", str(out), "--cache-dir", str(tmp_path / "cache"), "--quiet")
        for claim in TWO_CLAIMS
    ]
    for proc in runs:
        assert proc.wait() == 0, proc.stderr.read()
    rates = pd.read_csv(out / "rates.csv")
    assert list(rates.claim.unique()) == TWO_CLAIMS
    assert list(json.loads((out / "provenance.json").read_text())["claims"]) == TWO_CLAIMS
    assert set(read_sections(out / "REPORT.md")) == set(TWO_CLAIMS)
    assert not list(out.glob(".staging-*")) and not list((tmp_path / "cache").glob(".*"))


def test_output_files_respect_the_umask(tmp_path):
    out = tmp_path / "res"
    proc = _cli(
        "rates", "--claim", "rmsprop-as-clipping", "--profile", "quick", "--out", str(out), "--quiet", umask=0o027
    )
    assert proc.wait() == 0, proc.stderr.read()
    modes = {p.name: p.stat().st_mode & 0o777 for p in out.rglob("*") if p.is_file() and p.name != ".lock"}
    assert modes and set(modes.values()) == {0o640}, modes


def test_an_interrupted_publication_is_rolled_forward(tmp_path):
    out = tmp_path / "res"
    staging = Staging(out)
    (staging.path / "figures").mkdir()
    (staging.path / "figures" / "new.png").write_bytes(b"new")
    (staging.path / "rates.csv").write_text("claim\n")
    (out / "figures").mkdir()
    (out / "figures" / "stale.png").write_bytes(b"old")
    (out / JOURNAL).write_text(json.dumps({"staging": staging.path.name, "remove": ["figures/stale.png"]}))
    os.replace(staging.path / "rates.csv", out / "rates.csv")  # the kill came after the first move
    recover(out)
    assert (out / "figures" / "new.png").read_bytes() == b"new" and (out / "rates.csv").exists()
    assert not (out / "figures" / "stale.png").exists() and not (out / JOURNAL).exists()
    assert not staging.path.exists()


def _pieces():
    from simulate.engine import Trajectory
    from simulate.pieces import methods, metrics, objectives
    from simulate.pieces.noise import law

    return Trajectory, methods, metrics, objectives, law


@pytest.mark.parametrize(
    "build,message",
    [
        (lambda T, m, me, o, law: m.method("gclip", eta0=1.0, G=math.nan), r"G=nan"),
        (lambda T, m, me, o, law: m.method("gclip", eta0=1.0, G=-1.0), r"G=-1.0"),
        (lambda T, m, me, o, law: m.method("sgd", eta0=-4.0), r"eta0=-4.0"),
        (lambda T, m, me, o, law: m.method("sgd", eta0=1.0, k0=-1.0), r"k0=-1.0"),
        (lambda T, m, me, o, law: m.method("sgd", eta0=1.0, power=-0.5), r"power=-0.5"),
        (lambda T, m, me, o, law: m.method("adam", "vector", eta0=1.0, beta2=1.0), r"beta2=1.0"),
        (lambda T, m, me, o, law: m.method("cclip", "vector", eta0=1.0, B=[1.0, -2.0]), r"B="),
        (lambda T, m, me, o, law: o.quadratic(1.0, 0.0, lower=1.0, upper=-1.0), r"lower < upper"),
        (lambda T, m, me, o, law: o.quadratic(1.0, 0.0, lower=1.0), r"give both bounds"),
        (lambda T, m, me, o, law: o.quadratic(1.0, math.nan), r"x_star="),
        (lambda T, m, me, o, law: o.quadratic(1.0, 0.0, radius=0.0), r"radius=0.0"),
        (
            lambda T, m, me, o, law: T(
                o.quadratic(1.0, 0.0),
                law("pareto", 1.5),
                m.method("sgd", eta0=0.1),
                me.trajectory(0.0),
                [math.nan],
                [1, 2],
                4,
            ),
            r"x0=\[nan\]",
        ),
        (
            lambda T, m, me, o, law: QuadraticRun(
                claim="c", method="sgd", noise="gaussian", alpha=1.5, K=10, trials=2, tail=0.5
            ),
            r"tail=0.5",
        ),
    ],
)
def test_a_piece_with_a_bad_parameter_is_refused_when_built(build, message):
    with pytest.raises(ValueError, match=message):
        build(*_pieces())


def _published(tmp_path):
    """A results folder after one quick run of a cheap claim."""
    out = tmp_path / "res"
    assert main(["rates", "--claim", "rmsprop-as-clipping", "--profile", "quick", "--out", str(out), "--quiet"]) == 0
    return out


def test_a_symlinked_managed_subfolder_is_refused_and_its_target_untouched(tmp_path, capsys):
    out = _published(tmp_path)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.png").write_text("mine")
    shutil.rmtree(out / "figures", ignore_errors=True)
    os.symlink(precious, out / "figures")
    argv = ["rates", "--claim", "rmsprop-as-clipping", "--profile", "quick", "--out", str(out), "--quiet"]
    assert main(argv) == 2
    assert "is a symbolic link" in capsys.readouterr().err
    assert (precious / "thesis.png").read_text() == "mine"


@pytest.mark.parametrize(
    "plan,message",
    [
        ({"staging": "/etc", "remove": []}, "is not a staging folder"),
        ({"staging": ".staging-1-x", "remove": ["../../outside.txt"]}, "is not a file publishing manages"),
        ({"staging": ".staging-1-x", "remove": ["figures/../../outside.txt"]}, "leaves the output folder"),
        ("not json {", "is not a readable publication journal"),
    ],
)
def test_a_journal_whose_paths_leave_the_output_folder_is_refused(tmp_path, capsys, plan, message):
    out = _published(tmp_path)
    outside = tmp_path / "outside.txt"
    outside.write_text("keep")
    (out / JOURNAL).write_text(plan if isinstance(plan, str) else json.dumps(plan))
    argv = ["rates", "--claim", "rmsprop-as-clipping", "--profile", "quick", "--out", str(out), "--quiet"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and str(out / JOURNAL) in err, err
    assert outside.read_text() == "keep"


def _moves_with(monkeypatch, each_move):
    """Run ``each_move(n, src, dst)`` before the n-th move (from 1) of every publication's step 3."""
    import types

    import simulate.publish.folder as folder

    real_apply, moves = folder._apply, [0]

    def replace(src, dst):
        moves[0] += 1
        each_move(moves[0], src, dst)
        os.replace(src, dst)

    def apply(out, staging, remove):
        folder.os = types.SimpleNamespace(**{**vars(os), "replace": replace})
        try:
            real_apply(out, staging, remove)
        finally:
            folder.os = os

    monkeypatch.setattr(folder, "_apply", apply)


THM4_SEED_7 = ["rates", "--claim", "thm4-strongly-convex", *SMALL, "--seed", "7", "--quiet"]


def _seeds(out: Path) -> dict:
    return {c: r["seed"] for c, r in json.loads((out / "provenance.json").read_text())["claims"].items()}


def test_an_interrupt_during_the_moves_of_a_publication_is_raised_once_they_are_done(
    two_claims_published, monkeypatch, capsys
):
    out = two_claims_published
    _moves_with(monkeypatch, lambda n, src, dst: _sigint_now() if n == 2 else None)
    capsys.readouterr()
    assert main([*THM4_SEED_7, "--out", str(out)]) == 130
    assert "interrupted after publishing" in capsys.readouterr().err
    assert _seeds(out) == {"thm4-strongly-convex": 7, "thm5-lower-bound": 0}, "wholly the new publication"
    assert not (out / JOURNAL).exists() and not list(out.glob(".staging-*"))


def test_a_folder_where_a_published_file_belongs_is_refused_before_the_journal(two_claims_published, capsys):
    out = two_claims_published
    (out / "index.html").unlink()
    (out / "index.html").mkdir()
    before = _snapshot(out)
    assert main([*THM4_SEED_7, "--out", str(out)]) == 2
    assert "index.html is a folder" in capsys.readouterr().err
    assert _snapshot(out) == before and not (out / JOURNAL).exists() and not list(out.glob(".staging-*"))


def test_moves_that_fail_part_way_are_completed_by_the_next_run(two_claims_published, monkeypatch, capsys):
    out = two_claims_published

    def fail_third(n, src, dst):
        if n == 3:
            raise OSError(28, "No space left on device")

    _moves_with(monkeypatch, fail_third)
    capsys.readouterr()
    assert main([*THM4_SEED_7, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "stopped part-way" in err and "No space left on device" in err and "Traceback" not in err, err
    assert (out / JOURNAL).exists() and list(out.glob(".staging-*")), "the journal and the rest are kept"
    monkeypatch.undo()
    recover(out)  # what the next run on the folder does first
    assert _seeds(out) == {"thm4-strongly-convex": 7, "thm5-lower-bound": 0}, "wholly the new publication"
    assert not (out / JOURNAL).exists() and not list(out.glob(".staging-*"))


def test_a_journal_whose_staging_folder_is_a_link_is_refused(tmp_path, capsys):
    out = _published(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "REPORT.md").write_text("not the suite's")
    (out / ".staging-1-x").symlink_to(elsewhere)
    (out / JOURNAL).write_text(json.dumps({"staging": ".staging-1-x", "remove": []}))
    assert main(["rates", "--claim", "rmsprop-as-clipping", "--profile", "quick", "--out", str(out), "--quiet"]) == 2
    assert "is a symbolic link" in capsys.readouterr().err
    assert (elsewhere / "REPORT.md").read_text() == "not the suite's"


def test_a_rolled_forward_publication_that_would_drop_a_claim_is_refused_before_any_work(two_claims_published, capsys):
    out = two_claims_published
    staging = out / ".staging-1-x"  # a crafted (or damaged) publication: a provenance that records no claim
    staging.mkdir()
    (staging / "provenance.json").write_text(json.dumps({"schema_version": 6, "claims": {}}))
    (out / JOURNAL).write_text(json.dumps({"staging": staging.name, "remove": []}))
    assert main([*THM4_SEED_7, "--out", str(out)]) == 2
    assert "holds rows of thm4-strongly-convex, thm5-lower-bound, which" in capsys.readouterr().err
    assert set(pd.read_csv(out / "rates.csv").claim) == set(TWO_CLAIMS), "no claim's rows dropped"


def test_a_folder_named_report_md_is_refused_with_and_without_replace(two_claims_published, capsys):
    out = two_claims_published
    (out / "REPORT.md").unlink()
    (out / "REPORT.md").mkdir()
    assert main([*THM4_SEED_7, "--out", str(out)]) == 2
    assert "REPORT.md cannot be read (IsADirectoryError" in capsys.readouterr().err
    assert main([*THM4_SEED_7, "--out", str(out), "--replace"]) == 2  # a folder the suite did not make stays
    assert "REPORT.md is a folder" in capsys.readouterr().err and (out / "REPORT.md").is_dir()


def test_a_full_disk_while_staging_is_an_error_without_a_traceback_and_out_unchanged(
    two_claims_published, monkeypatch, capsys
):
    import simulate.publish.folder as folder

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", "rates.csv")

    out = two_claims_published
    before = _snapshot(out)
    monkeypatch.setattr(folder, "write_tables", full)
    assert main([*THM4_SEED_7, "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err, err
    assert _snapshot(out) == before and not list(out.glob(".staging-*"))


def test_a_users_own_file_in_figures_is_left_alone_with_a_note(tmp_path, capsys):
    out = _published(tmp_path)
    for sub in ("figures", "runs"):
        (out / sub).mkdir(exist_ok=True)
    (out / "figures" / "mine.png").write_text("mine")
    (out / "runs" / "data.parquet").write_text("mine")
    capsys.readouterr()
    assert main(["rates", "--claim", "rmsprop-as-clipping", "--profile", "quick", "--out", str(out), "--quiet"]) == 0
    assert (out / "figures" / "mine.png").read_text() == "mine" and (out / "runs" / "data.parquet").exists()
    assert "not written by the suite: figures/mine.png, runs/data.parquet" in capsys.readouterr().err


def _edit_provenance(out, change):
    prov = json.loads((out / "provenance.json").read_text())
    prov["claims"] = change(prov["claims"])
    (out / "provenance.json").write_text(json.dumps(prov))


def _damage_rates_cut(out):
    text = (out / "rates.csv").read_text().splitlines(keepends=True)
    (out / "rates.csv").write_text("".join(text[: len(text) // 3]))


@pytest.mark.parametrize(
    "damage,message",
    [
        (_damage_rates_cut, "rates.csv lacks the rows of thm5-lower-bound"),
        (lambda out: (out / "rates.csv").unlink(), "rates.csv is missing"),
        (lambda out: (out / "rates.csv").write_bytes(b"\x00\xff\x00binary"), "rates.csv"),
        (lambda out: (out / "rates.csv").write_text(""), "rates.csv does not parse"),
        (lambda out: (out / "provenance.json").unlink(), "provenance.json is missing"),
        (lambda out: (out / "provenance.json").write_text("{not json"), "provenance.json does not parse"),
        (lambda out: (out / "REPORT.md").unlink(), "REPORT.md is missing"),
        (
            lambda out: (out / "REPORT.md").write_text(
                (out / "REPORT.md").read_text().replace("<!-- claim:", "<!-- c:")
            ),
            "REPORT.md lacks the sections of",
        ),
        (
            lambda out: (out / "provenance.json").write_text(
                (out / "provenance.json").read_text().replace('"schema_version": 6', '"schema_version": 5')
            ),
            "of schema 5",
        ),
        (
            lambda out: (out / "rates.csv").write_text((out / "rates.csv").read_text().replace("claim,", "claims,", 1)),
            "has no 'claim' column",
        ),
        (lambda out: _edit_provenance(out, lambda claims: {}), "holds rows of thm4-strongly-convex, thm5-lower-bound"),
        (
            lambda out: _edit_provenance(out, lambda claims: {"thm4-strongly-convex": claims["thm4-strongly-convex"]}),
            "holds rows of thm5-lower-bound, which",
        ),
        (lambda out: _edit_provenance(out, lambda claims: {**claims, "thm5-lower-bound": 3}), "are not mappings"),
        (
            lambda out: (out / "REPORT.md").write_bytes((out / "REPORT.md").read_bytes() + b"\xff\xfe"),
            "REPORT.md cannot be read (UnicodeDecodeError",
        ),
    ],
)
def test_a_damaged_results_folder_is_refused_before_any_work_naming_the_damage(
    two_claims_published, capsys, damage, message
):
    out = two_claims_published
    damage(out)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    capsys.readouterr()
    assert main(["rates", *SMALL, "--quiet", "--out", str(out), "--claim", "thm4-strongly-convex"]) == 2
    err = capsys.readouterr().err
    assert message in err and "--replace" in err, err
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before, "nothing was written"


def test_replace_starts_afresh_in_a_folder_damaged_in_every_file(two_claims_published):
    out = two_claims_published  # its cache serves the run
    (out / "rates.csv").write_bytes(b"\x00\xff\x00binary")
    (out / "provenance.json").write_text("{not json")
    (out / "REPORT.md").write_bytes((out / "REPORT.md").read_bytes() + b"\xff\xfe")
    (out / "controls.csv").unlink()
    argv = ["rates", *SMALL, "--quiet", "--out", str(out), "--claim", "thm4-strongly-convex", "--replace"]
    assert main(argv) == 0
    assert set(pd.read_csv(out / "rates.csv").claim) == {"thm4-strongly-convex"}
    assert list(json.loads((out / "provenance.json").read_text())["claims"]) == ["thm4-strongly-convex"]
    assert set(read_sections(out / "REPORT.md")) == {"thm4-strongly-convex"}
