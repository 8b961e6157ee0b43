"""What every claim folder's ``claim.py`` may use: where its sizes were measured, and its notes."""

from pathlib import Path

# where each Sizing's half-width was measured: the full-size sweep committed in results/
FULL_RUN = "results/ at b3fe9f7"


def read_notes(claim_file: str) -> str:
    """The Markdown of ``notes.md`` beside a claim's ``claim.py`` (``__file__``), without its final newline."""
    return (Path(claim_file).parent / "notes.md").read_text().removesuffix("\n")
