"""README's "Extending" section runs as written: its python blocks are executed in order in one namespace, and the
bring-your-own example (Student-t noise, a plain-Python sampler, the built-in proj-GClip with Theorem 4's schedule)
reproduces Theorem 4's exponent under the suite's shared exponent rule."""

import re
from pathlib import Path

ROOT = Path(__file__).parent.parent


def readme_blocks(section: str) -> list[str]:
    text = (ROOT / "README.md").read_text()
    start = text.index(f"## {section}")
    end = text.index("\n## ", start + 3)
    return re.findall(r"```python\n(.*?)```", text[start:end], flags=re.S)


def test_extending_examples_run_and_reproduce_theorem4(tmp_path, monkeypatch):
    blocks = readme_blocks("Extending")
    assert len(blocks) >= 5, "noise law, objective, method, run, claim"
    monkeypatch.chdir(tmp_path)  # the examples' cache folder lands here
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - the README's own examples
    assert (tmp_path / ".cache" / "my-runs").is_dir()
    verdict = namespace["verdict"].iloc[0]
    assert verdict["verdict"] == "pass", verdict.to_dict()
    mine = namespace["mine"]
    assert mine["avg_dist"].shape == (64, namespace["checkpoints"](2**12).size)
    assert (mine["diverged_at"] == 0).all()
