"""Every notebook runs top to bottom at small size (NOTEBOOK_SMALL=1); assertions live in the other tests."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.py"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes(path):
    env = {**os.environ, "NOTEBOOK_SMALL": "1", "MPLBACKEND": "Agg"}
    p = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, env=env, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]


def test_notebooks_are_found():
    assert NOTEBOOKS, "no notebooks/*.py found"
