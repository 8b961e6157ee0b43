"""Every notebook runs top to bottom at small size (NOTEBOOK_SMALL=1) in a real Jupyter kernel: the percent-format
.py file is read by jupytext (the same conversion that pairs it to the .ipynb a user opens) and executed cell by
cell by nbclient. Assertions live in the other tests."""

from pathlib import Path

import jupytext
import nbclient
import pytest

ROOT = Path(__file__).parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes_in_a_jupyter_kernel(path, monkeypatch, tmp_path):
    monkeypatch.setenv("NOTEBOOK_SMALL", "1")  # the kernel inherits this process's environment
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = jupytext.read(path)
    client = nbclient.NotebookClient(
        notebook, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()  # raises CellExecutionError, with the cell and its traceback, when a cell fails
    code_cells = [c for c in notebook.cells if c.cell_type == "code" and c.source.strip()]
    assert code_cells and all(c.execution_count for c in code_cells), "every code cell ran"
    jupytext.write(notebook, tmp_path / f"{path.stem}.ipynb")  # the executed notebook, as a user would open it


def test_notebooks_are_found():
    assert NOTEBOOKS, "no notebooks/*.py found"
