"""The layout: imports run downward only, theory/ holds no run sizes or prose, and a claim is a folder."""

import ast
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first: a module may import its own layer (without a cycle) and the layers before it, never one after.
LAYERS = [
    ("theory",),
    ("simulate.atomic", "simulate.memory"),
    ("simulate.engine",),
    ("simulate.pieces",),
    ("simulate.nets",),
    ("simulate.run",),
    ("simulate.publish",),
    ("simulate.transformer",),
    ("simulate.claims",),
    (
        "simulate",
        "simulate.__main__",
        "simulate.cli",
        "simulate.run.session",
        "simulate.controls",
        "simulate.power",
        "simulate.looks",
        "simulate.horizons",
        "simulate.bench",
        "simulate.bench_reference",
    ),
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int:
    best, rank = -1, None
    for i, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            exact_top = prefix == "simulate" and module != "simulate"
            if exact_top:
                continue
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), i
    assert rank is not None, f"{module} is in no layer: add it to LAYERS"
    return rank


def _imports(path: Path, module: str, known: set[str]) -> set[str]:
    """Every project module that ``path`` imports (at top level or inside a function), resolved to known modules."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            while name and name not in known:  # "from simulate.pieces import noise" names a module; a function not
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def _graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for d in ("simulate", "theory") for p in (ROOT / d).rglob("*.py")}
    return {module: _imports(path, module, set(paths)) for module, path in paths.items()}


def test_no_module_imports_a_higher_layer():
    upward = [
        f"{module} (layer {_layer(module)}) imports {target} (layer {_layer(target)})"
        for module, targets in _graph().items()
        for target in targets
        if _layer(target) > _layer(module)
    ]
    assert not upward, "\n".join(upward)


def test_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> list[str] | None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return path + [module, target]
            if target not in state and (cycle := visit(target, path + [module])):
                return cycle
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state:
            cycle = visit(module, [])
            assert cycle is None, "import cycle: " + " -> ".join(cycle[cycle.index(cycle[-1]) :])


def test_the_layer_check_sees_an_upward_import(tmp_path):
    """The walker is not vacuous: an engine module importing a built-in piece is reported."""
    module = tmp_path / "simulate" / "engine" / "bad.py"
    module.parent.mkdir(parents=True)
    module.write_text("from simulate.pieces import noise\nfrom ..run.config import QuadraticRun\n")
    known = {"simulate.pieces.noise", "simulate.run.config", "simulate.engine.bad"}
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        found = _imports(module, "simulate.engine.bad", known)
    finally:
        ROOT = saved
    assert found == {"simulate.pieces.noise", "simulate.run.config"}
    assert all(_layer(t) > _layer("simulate.engine.bad") for t in found)


def test_theory_holds_no_run_sizes_and_no_prose():
    """No profile (run sizes) and no long Markdown in theory/: sizes and notes live in the claim folders."""
    for path in (ROOT / "theory").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                assert not node.name.endswith("Profile"), f"{path.name}: {node.name} (run sizes belong to a claim)"
            if isinstance(node, ast.keyword) and node.arg in ("trials", "K", "notes", "profiles"):
                assert not isinstance(node.value, ast.Constant | ast.Dict), f"{path.name}: {node.arg}= set here"


TOY_CLAIM = """
from dataclasses import dataclass

from theory.declarations import Claim, Control
from theory.verdicts import Judged, Rule

from simulate.claims.common import read_notes


@dataclass(frozen=True)
class ToyProfile:
    answer: float


CLAIM = Claim(
    id="toy-claim",
    order=99,
    category="mechanisms and laws (synthetic)",
    title="A toy claim",
    statement="The answer is 42.",
    profiles={"quick": ToyProfile(42.0), "full": ToyProfile(42.0)},
    judged=(Judged("answer", Rule("within", "a toy tolerance", target=42.0, tolerance=0.5, stat="value")),),
    controls=(Control("off-by-one", "the answer 43 presented as 42"),),
    notes=read_notes(__file__),
)
"""

TOY_EXPERIMENT = """
import pandas as pd

from simulate.publish.rows import measurement_row, measurements
from simulate.run.context import ClaimOutput


def _rows(claim, answer):
    return measurements([measurement_row(claim, "answer", method="toy", noise="none", value=answer)])


def run(claim, profile, ctx):
    return ClaimOutput(_rows(claim, profile.answer), pd.DataFrame())


CONTROLS = {"off-by-one": lambda claim, profile, ctx: _rows(claim, profile.answer + 1)}
"""


def test_a_new_claim_is_one_folder_discovered_judged_and_published(tmp_path):
    copy = tmp_path / "suite"
    for package in ("simulate", "theory"):
        shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    folder = copy / "simulate" / "claims" / "toy_claim"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    (folder / "claim.py").write_text(TOY_CLAIM)
    (folder / "experiment.py").write_text(TOY_EXPERIMENT)
    (folder / "notes.md").write_text("**Toy notes.** Nothing to see here.\n")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(copy), "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    cmd = [sys.executable, "-m", "simulate", "rates", "--claim", "toy-claim", "--profile", "quick", "--out", str(out)]
    done = subprocess.run([*cmd, "--quiet", "--no-cache"], cwd=copy, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    rates = pd.read_csv(out / "rates.csv")
    assert list(rates.claim) == ["toy-claim"] and list(rates.verdict) == ["pass"]
    controls = pd.read_csv(out / "controls.csv")
    assert list(controls.mutant) == ["off-by-one"] and list(controls.got) == ["fail"]
    assert "**Toy notes.** Nothing to see here." in (out / "REPORT.md").read_text()


@pytest.mark.parametrize("name", ["claim.py", "experiment.py", "notes.md"])
def test_every_claim_folder_has_its_three_files(name):
    from simulate.claims import CLAIMS

    folders = [p.parent for p in (ROOT / "simulate" / "claims").glob("*/claim.py") if not p.parent.name.startswith("_")]
    assert len(folders) == len(CLAIMS)
    missing = [f.name for f in folders if not (f / name).is_file()]
    assert not missing, textwrap.shorten(f"{name} missing in {missing}", 200)


# Where the repository's prose and code may point a reader: files that exist in it, never the outside design notes
# or an issue tracker a reader of the repository cannot open.
CITING = [
    ROOT / "README.md",
    ROOT / "CHANGELOG.md",
    ROOT / "results" / "REPORT.md",
    *sorted((ROOT / "docs").glob("*.md")),
]
for folder in ("simulate", "theory", "notebooks", "tests", "examples"):
    CITING += sorted(p for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".md", ".sh"))
CITED_PATH = re.compile(
    r"(?<![\w./-])((?:docs|simulate|theory|notebooks|tests|examples|results)/[\w./-]*\w\.(?:md|py|sh))"
)


def test_every_cited_file_exists_and_nothing_cites_an_issue_or_the_outside_notes():
    decisions = (ROOT / "docs" / "decisions.md").read_text()
    headings = set(re.findall(r"^## (D\d+)\.", decisions, flags=re.M))
    problems = []
    for path in CITING:
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(ROOT)
        for cited in CITED_PATH.findall(text):
            if not (ROOT / cited).exists() and not (path.parent / cited).exists():
                problems.append(f"{name}: cites {cited}, which is not in the repository")
        if path.name != "test_layout.py":
            for pattern in (r"THEORY\.md", r"\.\./shared", r"\b[Ii]ssue \d+", r"\bdecision \d"):
                problems += [f"{name}: {m!r}" for m in re.findall(pattern, text) if path.name != "CHANGELOG.md"]
        for entry in re.findall(r"decisions\.md, (D\d+)", text):
            if entry not in headings:
                problems.append(f"{name}: cites docs/decisions.md, {entry}, which has no such entry")
    assert not problems, "\n".join(problems)


def test_the_claim_template_is_skipped_and_runs_as_is_once_copied(tmp_path):
    from simulate.claims import CLAIMS

    assert "template-claim" not in CLAIMS, "a folder named _... is not a claim"
    copy = tmp_path / "suite"
    for package in ("simulate", "theory"):
        shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(copy / "simulate" / "claims" / "_template", copy / "simulate" / "claims" / "template_claim")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(copy), "NUMBA_CACHE_DIR": str(tmp_path / "numba"), "MPLBACKEND": "Agg"}
    cmd = [
        sys.executable,
        "-m",
        "simulate",
        "rates",
        "--claim",
        "template-claim",
        "--profile",
        "quick",
        "--out",
        str(out),
    ]
    done = subprocess.run([*cmd, "--quiet", "--no-cache"], cwd=copy, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    rates = pd.read_csv(out / "rates.csv")
    assert list(rates.verdict) == ["pass"], rates[["fitted_exponent", "ci_low", "ci_high", "verdict_note"]]
    controls = pd.read_csv(out / "controls.csv")
    assert list(controls.got) == ["fail"], controls.why.tolist()
    assert (out / "figures" / "template-claim_error.png").is_file()
