"""Progress bars (tqdm) on stderr: one over the claims of a run and one per sweep of configurations, with rates and
ETA. On a terminal both redraw in place (the sweep's under the run's), and the run's bar names the claim and its
phase (compiling, simulating, fitting, plotting, publishing). In a log (stderr not a terminal) every update is a
line of its own: the run's bar gives way to one line per claim and phase, and a sweep's bar writes a line at most
every 30 s. Compiling is left out of a sweep's rate and ETA, which then describe the simulation alone."""

import contextlib
import sys
import time

from tqdm.auto import tqdm

_OPEN: list[tqdm] = []  # the bars open now


def interactive() -> bool:
    return sys.stderr.isatty()


class _Lines:
    """stderr for a bar in a log: each redraw (tqdm writes ``\\r`` and the line) becomes one line of its own."""

    def write(self, text: str) -> None:
        text = text.replace("\r", "").rstrip()
        if text:
            sys.stderr.write(text + "\n")

    def flush(self) -> None:
        sys.stderr.flush()


class _Bar(tqdm):
    """A tqdm bar that registers itself while open (``phase`` and ``compiling`` reach it)."""

    def __enter__(self):
        _OPEN.append(self)
        return super().__enter__()

    def __exit__(self, *exc):
        _OPEN[:] = [bar for bar in _OPEN if bar is not self]  # by identity: tqdm's == compares positions
        return super().__exit__(*exc)


def progress_bar(total: float, description: str, *, enabled: bool = True, unit: str = "it", level: int = 1) -> tqdm:
    """A context-managed bar over ``total`` units at nesting ``level`` (0: the run, 1: a sweep); a no-op bar when
    ``enabled`` is False, and for level 0 in a log."""
    tty = interactive()
    bar = _Bar(
        total=total,
        desc=description,
        unit=unit,
        unit_scale=level > 0,
        file=sys.stderr if tty else _Lines(),
        dynamic_ncols=tty,
        ncols=None if tty else 100,
        disable=not enabled or (level == 0 and not tty),
        position=level if tty else None,
        leave=level == 0 or not tty,
        mininterval=0.5 if tty else 30.0,
    )
    bar.level = level
    bar.phase_lines = enabled and not tty  # in a log, the run's phases as lines of their own
    return bar


_SHOWN = {"claim": "", "text": ""}  # the claim the run is on, and the phase text shown last


def phase(name: str, claim: str | None = None) -> None:
    """Show the run's current phase (and claim, when it changes) on the run's bar; in a log, a line when the phase
    changes. Nothing when no bar is open (a notebook, ``--quiet``)."""
    if claim is not None:
        _SHOWN["claim"] = claim
    run_bar = next((bar for bar in _OPEN if bar.level == 0), None)
    if run_bar is None or run_bar.disable and not run_bar.phase_lines:
        return
    text = f"{_SHOWN['claim']}: {name}" if _SHOWN["claim"] else name
    if text == _SHOWN["text"]:
        return
    _SHOWN["text"] = text
    if run_bar.disable:  # the run's bar in a log: one line per phase
        print(f"   {text}", file=sys.stderr)
    else:
        run_bar.set_postfix_str(text)


@contextlib.contextmanager
def compiling():
    """A phase whose time the open sweeps leave out of their rates and ETAs (compiling or loading a kernel, which
    takes seconds once and says nothing about how long the simulation will take)."""
    phase("compiling")
    t0 = time.time()
    try:
        yield
    finally:
        spent = time.time() - t0
        for bar in _OPEN:
            if bar.level > 0 and not bar.disable:
                bar.start_t += spent
                bar.last_print_t += spent
        phase("simulating")
