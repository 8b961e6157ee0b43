"""Progress bars (tqdm) on stderr: one over the claims of a run and one per sweep of configurations, with rates and
ETA. On a terminal both redraw in place (the sweep's under the run's); in a log (stderr not a terminal) the run's
bar gives way to one line per claim and the sweep's writes a line at most every 30 s."""

import sys

from tqdm.auto import tqdm


def interactive() -> bool:
    return sys.stderr.isatty()


def progress_bar(total: float, description: str, *, enabled: bool = True, unit: str = "it", level: int = 1) -> tqdm:
    """A context-managed bar over ``total`` units at nesting ``level`` (0: the run, 1: a sweep); a no-op bar when
    ``enabled`` is False, and for level 0 in a log."""
    tty = interactive()
    return tqdm(
        total=total,
        desc=description,
        unit=unit,
        unit_scale=level > 0,
        file=sys.stderr,
        dynamic_ncols=True,
        disable=not enabled or (level == 0 and not tty),
        position=level if tty else None,
        leave=level == 0 or not tty,
        mininterval=0.5 if tty else 30.0,
    )
