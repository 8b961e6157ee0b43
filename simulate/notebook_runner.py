"""``make notebooks``: execute every paired notebook in a real Jupyter kernel and write the ``.ipynb`` with its
outputs and figures.

The notebooks live as percent-format ``.py`` files (``notebooks/*.py``), paired with ``.ipynb`` through jupytext
(their header says ``formats: ipynb,py:percent``, so JupyterLab with jupytext keeps the two in step). Each one is
read by jupytext, executed cell by cell by nbclient (Matplotlib's inline backend: every figure becomes an output)
and written as ``<out>/<name>.ipynb``, which opens in Jupyter with its outputs. The tests run the same function at
the notebooks' small size.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))
CELL_TIMEOUT_S = 1800  # the longest cell at full size (notebook 09's training) takes minutes, not half an hour


def execute(path: Path, *, small: bool = False, timeout: int = CELL_TIMEOUT_S):
    """The notebook at ``path`` executed in a python3 Jupyter kernel started in the repository's root (so its
    relative paths resolve), at its small size when ``small`` (NOTEBOOK_SMALL=1); raises nbclient's
    CellExecutionError, naming the cell, when one fails."""
    import jupytext
    import nbclient

    notebook = jupytext.read(path)
    env = {**os.environ, "NOTEBOOK_SMALL": "1" if small else "0"}
    env.pop("MPLBACKEND", None)  # the kernel's inline backend turns each figure into an output
    client = nbclient.NotebookClient(
        notebook, kernel_name="python3", timeout=timeout, resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute(env=env)  # jupyter_client starts the kernel with this environment
    return notebook


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulate.notebook_runner", description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "notebooks", help="where the .ipynb go")
    parser.add_argument("--small", action="store_true", help="the notebooks' small size (NOTEBOOK_SMALL=1)")
    parser.add_argument("names", nargs="*", help="notebook file names (default: all of notebooks/*.py)")
    args = parser.parse_args(argv)
    import jupytext

    chosen = [p for p in NOTEBOOKS if not args.names or p.name in args.names or p.stem in args.names]
    unknown = sorted(set(args.names) - {p.name for p in chosen} - {p.stem for p in chosen})
    if unknown:
        print(f"error: no notebook named {', '.join(unknown)}; accepted: {', '.join(p.stem for p in NOTEBOOKS)}")
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for i, path in enumerate(chosen, 1):
        t0 = time.perf_counter()
        print(f"== {path.name} ({i}/{len(chosen)})", file=sys.stderr, flush=True)
        notebook = execute(path, small=args.small)
        jupytext.write(notebook, args.out / f"{path.stem}.ipynb")
        figures = sum(
            "image/png" in output.get("data", {})
            for cell in notebook.cells
            if cell.cell_type == "code"
            for output in cell.get("outputs", [])
        )
        took = time.perf_counter() - t0
        print(f"   {took:.0f} s, {figures} figures -> {args.out / path.stem}.ipynb", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
