"""What every claim folder's ``claim.py`` may use: its notes."""

from pathlib import Path


def read_notes(claim_file: str) -> str:
    """The Markdown of ``notes.md`` beside a claim's ``claim.py`` (``__file__``), without its final newline."""
    return (Path(claim_file).parent / "notes.md").read_text().removesuffix("\n")
