"""Every notebook runs top to bottom at small size (NOTEBOOK_SMALL=1) in a real Jupyter kernel, through the same
function as ``make notebooks`` (``simulate.notebook_runner.execute``: jupytext reads the paired .py, nbclient runs it
cell by cell); the executed notebook carries its figures as outputs. Assertions live in the other tests."""

import pytest

from simulate.notebook_runner import NOTEBOOKS, execute


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes_in_a_jupyter_kernel(path):
    notebook = execute(path, small=True, timeout=600)
    code_cells = [c for c in notebook.cells if c.cell_type == "code" and c.source.strip()]
    assert code_cells and all(c.execution_count for c in code_cells), "every code cell ran"
    outputs = [o for c in code_cells for o in c.get("outputs", [])]
    if "plt.show()" in path.read_text():
        assert any("image/png" in o.get("data", {}) for o in outputs), "its figures are outputs of the .ipynb"
    assert not any("IProgress not found" in o.get("text", "") for o in outputs), "tqdm's widget bar is available"


def test_notebooks_are_found_and_paired():
    assert NOTEBOOKS, "no notebooks/*.py found"
    for path in NOTEBOOKS:
        assert "formats: ipynb,py:percent" in path.read_text(), f"{path.name} is not paired with an .ipynb"
