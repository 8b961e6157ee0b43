"""Figures: the suite's style (``heavytail.mplstyle``, applied where figures are made, never at import) and
saving a figure atomically as PNG and PDF."""

import io
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import matplotlib.pyplot as plt

from simulate.atomic import atomic_save
from simulate.publish.html import quantised_png
from simulate.run.progress import phase

STYLE = Path(__file__).with_name("heavytail.mplstyle")  # the suite's figure style: sizes, colours, 200 dpi


def styled():
    """A block in which figures are made in the suite's style (a context manager; the style is undone after it)."""
    return plt.style.context(STYLE)


_DRAFT: ContextVar[bool] = ContextVar("draft", default=False)


@contextmanager
def figures_discarded():
    """Inside the block ``save_fig`` closes figures without writing them (a sequential design's early looks, whose
    figures the final evaluation draws again)."""
    token = _DRAFT.set(True)
    try:
        yield
    finally:
        _DRAFT.reset(token)


def save_fig(fig, path: Path) -> None:
    """Write a figure atomically as ``path`` (PNG at the style's 200 dpi, in 256 colours: a plot's few colours
    survive and the file is a third of the size) and as a PDF beside it (vector, for a paper), then close it (only
    close it inside ``figures_discarded``)."""
    if _DRAFT.get():
        plt.close(fig)
        return
    from PIL import Image

    phase("plotting")
    png, pdf = io.BytesIO(), io.BytesIO()
    with styled():  # the style's resolution and file settings, whatever the caller's
        fig.savefig(png, format="png")
        fig.savefig(pdf, format="pdf", metadata={"CreationDate": None, "ModDate": None})  # no date: reproducible bytes
    plt.close(fig)
    with Image.open(png) as image:
        small = quantised_png(image)
    atomic_save(path, lambda tmp: Path(tmp).write_bytes(small))
    atomic_save(path.with_suffix(".pdf"), lambda tmp: Path(tmp).write_bytes(pdf.getvalue()))
