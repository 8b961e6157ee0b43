"""index.html: REPORT.md as one self-contained page, checked in a real headless browser (Chromium)."""

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from simulate.cli import main
from simulate.publish.html import render_html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def quick_folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("html") / "res"
    assert main(["rates", "--claim", "rem1-sgd-failure", "--profile", "quick", "--out", str(out), "--quiet"]) == 0
    return out


def test_the_page_carries_its_figures_verdicts_and_banner(quick_folder):
    page = (quick_folder / "index.html").read_text()
    figures = sorted(p.name for p in (quick_folder / "figures").glob("*.png"))
    assert figures and page.count('src="data:image/png;base64,') == len(figures), "every figure inline"
    assert 'src="figures/' not in page and "data-missing" not in page, "nothing read from beside the page"
    assert "Not the suite's verdicts" in page, "a quick run says so at the top"
    assert '<td class="v-pass">pass</td>' in page and "<details><summary>Verdicts</summary>" in page


def test_verdicts_and_formulas_render_as_a_reader_expects(tmp_path):
    report = "| claim | evidence pass / fail / inconclusive | verdict |\n|---|---|---|\n| a | 3 / 1 / 0 | fail |\n"
    report += "\nE||xbar_k - x*|| and f(xbar_k) - f* decay; **bold** stays bold.\n"
    page = render_html(report, [tmp_path])
    assert '<td class="v-fail">3 / 1 / 0</td>' in page and '<td class="v-fail">fail</td>' in page
    assert "x*|| and f(xbar_k) - f* decay" in page and "<em>" not in page and "<strong>bold</strong>" in page


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does)")
@pytest.mark.parametrize("which", ["a quick run's", "the committed results/"])
def test_the_page_renders_in_headless_chromium(quick_folder, tmp_path, which):
    folder = quick_folder if which == "a quick run's" else ROOT / "results"
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1200,2400",
            f"--screenshot={shot}",
            (folder / "index.html").as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
        cwd=tmp_path,
    )
    with Image.open(shot) as image:
        assert image.size == (1200, 2400)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 22)
    # the top of a rendered page (banner, tables, text; the figures may lie further down) has hundreds of colours
    # from anti-aliased text and a good share of non-white pixels; a blank or error page has a handful and is white
    white = next((n for n, rgb in colours if rgb == (255, 255, 255)), 0)
    assert len(colours) > 300 and white < 0.95 * 1200 * 2400, f"{len(colours)} colours, {white} white pixels"


def test_the_banner_names_exactly_the_claims_that_are_not_judged_sizes():
    from simulate.publish.markdown import banner

    record = {"profile": "default", "overrides": {}}
    assert banner({"claims": {"a": record, "b": {**record, "profile": "full"}}}) == []
    lines = banner(
        {"claims": {"a": record, "b": {**record, "profile": "quick"}, "c": {**record, "overrides": {"K": 9}}}}
    )
    assert "2 of 3 claims" in lines[0] and "`b` (quick)" in lines[0] and "`c` (default with overrides)" in lines[0]
    assert "`a`" not in lines[0]


def test_html_in_a_report_shows_as_text_and_never_runs(tmp_path):
    report = (
        "<!-- claim: x -->\n## x\n\nA kept section with <script>alert(1)</script> and <b>bold</b> in it; "
        "its rows in `runs/<claim>.parquet`; E||x - x*|| and **this** bold.\n"
    )
    page = render_html(report, [tmp_path])
    assert "<script>alert" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<code>runs/&lt;claim&gt;.parquet</code>" in page and "<strong>this</strong>" in page
    assert "x*||" in page and "<!-- claim: x -->" in page


def test_a_damaged_figure_and_a_path_out_of_figures_are_shown_missing(tmp_path, capsys):
    figures = tmp_path / "figures"
    figures.mkdir()
    Image.new("RGB", (40, 30), "white").save(figures / "whole.png")
    (figures / "cut.png").write_bytes((figures / "whole.png").read_bytes()[:60])
    Image.new("RGB", (40, 30), "red").save(tmp_path / "secret.png")
    report = "## x\n\n![a](figures/whole.png)\n![b](figures/cut.png)\n![c](figures/../secret.png)\n"
    page = render_html(report, [figures])
    assert page.count("data:image/png;base64,") == 1
    assert 'data-missing="cut.png"' in page and 'data-missing="../secret.png"' in page
    assert "cut.png is not a readable PNG" in capsys.readouterr().err


def test_a_control_is_coloured_by_its_behaviour_and_a_misbehaving_one_is_named_at_the_top(tmp_path):
    import pandas as pd

    from simulate.publish.markdown import control_behaviour, markdown_table, misbehaving_controls

    controls = pd.DataFrame(
        dict(
            claim=["c", "c"],
            mutant=["wrong", "right"],
            setup=["s", "s"],
            expected=["fail", "fail"],
            got=["pass", "fail"],
            why=["x 0.1: pass", "x 0.9: fail"],
        )  # fmt: skip
    )
    table = markdown_table(control_behaviour(controls), ["mutant", "expected", "got", "behaved"])
    page = render_html(table, [tmp_path])
    assert '<td class="v-fail">NOT as expected</td>' in page and '<td class="v-pass">as expected</td>' in page
    assert '<td class="v-pass">pass</td>' not in page, "the wrongly passing negative control is not green"
    lines = misbehaving_controls(controls)
    assert lines[0] == "Controls that did not behave as expected:" and len(lines) == 4
    assert "c / wrong: expected `fail`, got `pass` (x 0.1: pass)" in lines[2]
    assert misbehaving_controls(controls[controls.mutant == "right"]) == []
