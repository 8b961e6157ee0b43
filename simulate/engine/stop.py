"""The stop flag every kernel reads once per iteration, so that Ctrl-C or SIGTERM stops any run within a second.

A Python signal handler runs only in the main thread, between bytecodes; a kernel in the middle of a long call
holds no bytecode to run it in. So the handler (``signals_stop_kernels``) sets ``FLAG``, a NumPy array that every
kernel receives and reads between iterations (no Python in the loop): the kernels in flight return within
milliseconds, and the Python code that called them raises ``Stopped`` instead of using their partial outputs.
Because the flag stays set, a KeyboardInterrupt that Python swallowed (one raised inside garbage collection, say)
still stops the run at its next kernel call or before it publishes (``raise_if_stopped``).
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
import threading

import numpy as np

FLAG = np.zeros(1, dtype=np.int64)  # 0: run on; otherwise the number of the signal that asked the run to stop
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # the signals that stop a run


class Stopped(KeyboardInterrupt):
    """A run stopped by Ctrl-C or SIGTERM (through ``FLAG``); its partial outputs are discarded."""


def stopping() -> bool:
    """Whether a signal has asked the run to stop."""
    return bool(FLAG[0])


def raise_if_stopped() -> None:
    """Raise ``Stopped`` when a signal has asked the run to stop (its KeyboardInterrupt may have been swallowed)."""
    if FLAG[0]:
        raise Stopped(f"stopped by signal {int(FLAG[0])}")


def exit_status() -> int:
    """The shell's exit status for the signal that stopped the run: 128 + its number (130 for SIGINT, 143 for
    SIGTERM); 130 when no signal was recorded (a KeyboardInterrupt raised by other means)."""
    return 128 + (int(FLAG[0]) or signal.SIGINT)


def reset() -> None:
    """Let kernels run again (a new run in the same process, a notebook cell after an interrupt)."""
    FLAG[0] = 0


def _on_signal(signum, frame) -> None:
    if FLAG[0]:  # the second Ctrl-C: the user does not want to wait for anything
        print("\ninterrupted again: exiting at once", file=sys.stderr, flush=True)
        os._exit(128 + signum)
    FLAG[0] = signum
    if not _inside_a_finaliser(frame):
        raise Stopped(f"stopped by signal {signum}")
    # Python would print the exception as 'ignored' and go on; the flag stops the run at its next check instead


def _inside_a_finaliser(frame) -> bool:
    """Whether ``frame`` runs (at any depth) inside a garbage-collection callback or a ``__del__`` method, where an
    exception is printed to stderr and swallowed (JAX registers such a callback)."""
    callbacks = {getattr(cb, "__code__", None) for cb in gc.callbacks}
    while frame is not None:
        if frame.f_code in callbacks or frame.f_code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False


@contextlib.contextmanager
def signals_stop_kernels():
    """Within the block, SIGINT and SIGTERM go through the stop flag (main thread only, as Python requires): the
    first raises ``Stopped`` and stops every kernel in flight, a second exits the process at once (status 128 +
    its number). The flag is clear at the start and again after the block, when the previous handlers come back."""
    reset()
    previous = {signum: signal.signal(signum, _on_signal) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        reset()


@contextlib.contextmanager
def halting(join):
    """Run the block, which starts kernels on other threads and waits for them; if it raises (a KeyboardInterrupt
    while it waits, or one kernel call's error), set the flag so that the kernels still in flight return, call
    ``join()`` to wait for their threads, then put the flag back as it was (set, when a signal set it) and re-raise.
    Without this, an interrupted notebook cell would leave its kernels running to the end."""
    try:
        yield
    except BaseException:
        before = int(FLAG[0])
        FLAG[0] = before or signal.SIGINT
        try:
            join()
        finally:
            FLAG[0] = before
        raise


@contextlib.contextmanager
def signals_deferred():
    """SIGINT and SIGTERM held inside the block and handed to the handlers they would have met at its end, for code
    that an exception must not cut half-way: a thread pool registering the workers it starts (an interrupt between
    a thread's start and its registration left a worker that the shutdown did not wait for, running its kernel for
    hours at K = 2^44) and Numba's thread-count calls (which hold a process-wide lock; ``run.thread_count``). Main
    thread only: Python runs handlers nowhere else, and elsewhere the block runs as is. Blocks nest."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous = {signum: signal.signal(signum, lambda signum, frame: held.append(signum)) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in held:
            _deliver(signum, previous[signum])


def _deliver(signum: int, handler) -> None:
    """Hand a held signal to ``handler``, the one it would have met (a callable, or the default or ignore action)."""
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        os.kill(os.getpid(), signum)
