"""Build the corpus the small-transformer claims train on, once, from one Python release's own documentation.

    python3.11 -m simulate.nets.build_corpus [--out simulate/nets/corpus/python-3.11-docs.json.xz]

The documents, in this order:
  1. every topic of ``pydoc_data.topics`` (the language reference as ``help()`` shows it), in sorted key order,
     named ``topic:<key>``;
  2. every docstring of the standard library's Python sources (modules, classes, functions, methods), module by
     module in sorted path order and in source order within a module, named ``<module>:<qualified name>``
     (``<module>:`` alone for the module's own docstring). Test suites, IDLE, turtledemo, site-packages and the
     build configuration are left out; sources that do not parse are left out, named on stderr.
Both are the Python Software Foundation's documentation and are distributed under the PSF License Agreement (see
``simulate/nets/corpus/LICENSE``). Docstrings are read from the source with ``ast`` (no module is imported) and
cleaned by ``inspect.cleandoc`` (``ast.get_docstring``).

The shipped file is the output of this script on the interpreter named in its header; ``simulate.nets.data``
checks the decompressed bytes against a pinned SHA-256, so every Python version reads the same text. Running the
script on another release gives another corpus (and another checksum): that is a new corpus, not a repair.
"""

import argparse
import ast
import hashlib
import json
import lzma
import sys
import sysconfig
from pathlib import Path

LEFT_OUT = ("test", "tests", "idlelib", "turtledemo", "site-packages", "__phello__")
DEFAULT_OUT = Path(__file__).parent / "corpus" / "python-3.11-docs.json.xz"


def _docstrings(tree: ast.Module, module: str) -> list[tuple[str, str]]:
    """(name, docstring) of the module and of every class and function in it, in source order."""
    out = []

    def visit(node, qualname: str):
        doc = ast.get_docstring(node)
        if doc:
            out.append((f"{module}:{qualname}", doc))
        for child in node.body:
            if isinstance(child, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, f"{qualname}.{child.name}" if qualname else child.name)

    visit(tree, "")
    return out


def _module_name(rel: Path) -> str:
    name = ".".join(rel.with_suffix("").parts)
    return name.removesuffix(".__init__")


def documents() -> list[dict[str, str]]:
    """Every document of the corpus (``name``, ``text``), in the order described above."""
    from pydoc_data.topics import topics

    docs = [{"name": f"topic:{key}", "text": topics[key]} for key in sorted(topics)]
    root = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if any(part in LEFT_OUT or part.startswith("config-") for part in rel.parts):
            continue
        try:
            tree = ast.parse(path.read_text("utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError) as e:
            print(f"left out {rel}: {e}", file=sys.stderr)
            continue
        docs += [{"name": n, "text": d} for n, d in _docstrings(tree, _module_name(rel))]
    return docs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    payload = {
        "python": sys.version.split()[0],
        "licence": "PSF License Agreement (Python documentation and docstrings)",
        "documents": documents(),
    }
    data = json.dumps(payload, ensure_ascii=False, indent=0, sort_keys=True).encode("utf-8")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(lzma.compress(data, preset=9 | lzma.PRESET_EXTREME))

    print(f"{len(payload['documents'])} documents, {len(data):,} bytes; sha256 {hashlib.sha256(data).hexdigest()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
