"""index.html: REPORT.md as one self-contained page (no file beside it needed), for a reader with a browser.

The Markdown is rendered by the ``markdown`` library; on top of it, the page colours every verdict (a judged
table's ``pass``/``fail``/``inconclusive`` cells, and each claim's row of the summary table by its worst evidence
verdict), puts each claim's rules and its subsections (verdict tables, controls, illustrations, notes) in
collapsible blocks, and carries the figures inline as PNG data, scaled to at most ``FIGURE_WIDTH`` pixels wide.
"""

from __future__ import annotations

import base64
import html
import io
import re
import sys
from pathlib import Path

import markdown

FIGURE_WIDTH = 1400  # pixels: a figure is shown at most ~900 px wide; more only adds bytes to the page

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222;
       line-height: 1.45; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 2px 6px; vertical-align: top; }
th { background: #f2f2f2; }
td.v-pass { background: #d7f0d7; } td.v-fail { background: #f6d0d0; } td.v-inconclusive { background: #fbefc4; }
img { max-width: 100%; display: block; margin: 0.8em 0; }
details { margin: 0.4em 0; } summary { cursor: pointer; font-weight: 600; }
blockquote { border-left: 4px solid #d9822b; background: #fff4e5; margin: 1em 0; padding: 0.5em 1em; }
h2 { border-top: 2px solid #ddd; padding-top: 0.8em; margin-top: 2em; }
code { font-size: 0.9em; }
"""


def _verdict_cells(text: str) -> str:
    """Colour every cell that is a verdict, every 'pass / fail / inconclusive' count cell by its worst part, and a
    control's behaviour cell by whether it behaved as expected (its expected and got cells, shown as code, are not
    coloured: a negative control that passed is a failure of the control, not a green cell)."""
    text = re.sub(r"<td>(pass|fail|inconclusive)</td>", r'<td class="v-\1">\1</td>', text)
    text = text.replace("<td>as expected</td>", '<td class="v-pass">as expected</td>')  # a control's behaviour
    text = text.replace("<td>NOT as expected</td>", '<td class="v-fail">NOT as expected</td>')

    def counts(match: re.Match) -> str:
        passed, failed, undecided = (int(g) for g in match.groups())
        worst = "fail" if failed else "inconclusive" if undecided else "pass" if passed else None
        return f'<td class="v-{worst}">' if worst else "<td>"

    return re.sub(r"<td>(?=(\d+) / (\d+) / (\d+)</td>)", counts, text)


_FIGURE_PARAGRAPH = re.compile(r"<p>(?:\s*<img [^>]*>\s*)+</p>", re.S)


def _folded(summary: str, content: str) -> str:
    """``content`` in a <details> block titled ``summary``; its figures stay outside, after it, always shown."""
    figures = "".join(_FIGURE_PARAGRAPH.findall(content))
    return f"<details><summary>{summary}</summary>{_FIGURE_PARAGRAPH.sub('', content)}</details>{figures}"


def _collapsible(text: str) -> str:
    """Each claim's subsections (from an h3 to the next h2 or h3) and its list of rules in <details> blocks."""
    text = re.sub(
        r"<h3>(.*?)</h3>(.*?)(?=<h2|<h3|<!-- end -->)",
        lambda m: _folded(m.group(1), m.group(2)),
        text + "<!-- end -->",
        flags=re.S,
    ).replace("<!-- end -->", "")
    return re.sub(
        r"<p>(Judged \(rules rendered[^<]*)</p>\s*(<ul>.*?</ul>)",
        lambda m: f"<details><summary>{m.group(1)}</summary>{m.group(2)}</details>",
        text,
        flags=re.S,
    )


def quantised_png(image, width: int | None = None, optimize: bool = False) -> bytes:
    """A PIL image as PNG bytes in 256 colours (a plot's few colours survive, at a third of the size), scaled down to
    ``width`` pixels wide when it is wider; ``optimize``: zlib's slowest, smallest encoding."""
    from PIL import Image

    image = image.convert("RGB")
    if width is not None and image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
    buf = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(buf, format="PNG", optimize=optimize)
    return buf.getvalue()


def _png_data(path: Path) -> str:
    """A PNG file as a data URI, scaled down to ``FIGURE_WIDTH`` pixels wide (the page stays a few MB)."""
    from PIL import Image

    with Image.open(path) as image:
        return "data:image/png;base64," + base64.b64encode(quantised_png(image, FIGURE_WIDTH, optimize=True)).decode()


def _inline_figures(text: str, folders: list[Path]) -> str:
    """Every <img src="figures/NAME"> with the first of ``folders`` that holds NAME, inline; a missing figure
    becomes a note."""

    def inline(match: re.Match) -> str:
        name = html.unescape(match.group(2))
        for folder in folders if Path(name).name == name else []:  # a file of figures/, never a path out of it
            if (folder / name).is_file():
                try:
                    return f'{match.group(1)}"{_png_data(folder / name)}"'
                except (OSError, ValueError) as err:  # a damaged PNG (PIL: 'image file is truncated')
                    print(
                        f"note: {folder / name} is not a readable PNG ({err}); index.html shows it missing",
                        file=sys.stderr,
                    )
                    break
        return f'{match.group(1)}"" data-missing="{html.escape(name)}"'

    return re.sub(r'(<img [^>]*?src=)"figures/([^"]+)"', inline, text)


def _outside_code(text: str, change) -> str:
    """``change`` applied to the parts of Markdown ``text`` outside its code spans (Markdown escapes those itself)."""
    return "".join(p if p.startswith("`") else change(p) for p in re.split(r"(`[^`]*`)", text))


def _literal_asterisks(part: str) -> str:
    """REPORT's plain-text formulas (``E||xbar_k - x*||``, ``f*``) with their single asterisks escaped, so that
    Markdown does not read a pair of them as emphasis; ``**bold**`` stays bold."""
    return re.sub(r"(?<![*\\])\*(?!\*)", r"\\*", part)


def _literal_tags(part: str) -> str:
    """Every ``<`` as text, so that HTML in a report (a kept section's ``<script>``) shows and never runs; the
    section marks (HTML comments) stay."""
    return re.sub(r"<(?!!--)", "&lt;", part)


def render_html(report: str, figure_folders: list[Path]) -> str:
    """index.html's text for REPORT.md's text ``report``, its figures read from ``figure_folders`` (in order)."""
    text = _outside_code(report, lambda part: _literal_tags(_literal_asterisks(part)))
    body = markdown.markdown(text, extensions=["tables", "fenced_code"])
    body = _inline_figures(_collapsible(_verdict_cells(body)), figure_folders)
    title = "Rate verification report"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n"
    )
