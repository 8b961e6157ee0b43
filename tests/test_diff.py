"""``heavytail diff``: what moved between two results folders."""

import shutil
from pathlib import Path

import pandas as pd

from simulate.cli import main

RESULTS = Path(__file__).resolve().parents[1] / "results"


def _copy(tmp_path, name) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for f in ("rates.csv", "controls.csv"):
        shutil.copy(RESULTS / f, folder / f)
    return folder


def _row(rates, **where):
    mask = pd.Series(True, index=rates.index)
    for column, value in where.items():
        mask &= rates[column] == value
    assert mask.sum() >= 1, where
    return rates.index[mask][0]


def test_a_folder_against_itself_moves_nothing(capsys):
    assert main(["diff", str(RESULTS), str(RESULTS)]) == 0
    assert "0 rows moved and 0 controls changed" in capsys.readouterr().out


def test_moved_verdicts_estimates_beyond_the_ci_and_lost_rows_are_listed_and_nothing_else(tmp_path, capsys):
    old, new = _copy(tmp_path, "old"), _copy(tmp_path, "new")
    rates = pd.read_csv(new / "rates.csv")
    with_ci = rates[rates.ci_low.notna() & rates.fitted_exponent.notna() & (rates.verdict == "pass")]
    a, b, c = with_ci.index[:3]
    rates.loc[a, "verdict"] = "fail"  # a verdict that changed
    rates.loc[b, "fitted_exponent"] = rates.loc[b, "ci_high"] + 0.5  # beyond the old CI
    rates.loc[b, ["ci_low", "ci_high"]] = rates.loc[b, "fitted_exponent"] + [-0.01, 0.01]
    rates.loc[c, "fitted_exponent"] = (rates.loc[c, "ci_low"] + rates.loc[c, "ci_high"]) / 2  # within both CIs
    gone = _row(rates, claim="het-gd-vs-sign", metric="power_minus_gd")
    rates = rates.drop(index=gone)
    rates.to_csv(new / "rates.csv", index=False)
    controls = pd.read_csv(new / "controls.csv")
    controls.loc[0, "got"] = "pass"
    controls.to_csv(new / "controls.csv", index=False)
    assert main(["diff", str(old), str(new)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith("3 rows moved and 1 controls changed"), out  # not row c: within both CIs
    original = pd.read_csv(old / "rates.csv")
    assert any(f"{original.loc[a, 'metric']}" in line and "verdict pass -> fail" in line for line in out)
    assert any(f"{original.loc[b, 'metric']}" in line and "outside the old 95% CI" in line for line in out)
    assert sum("only in the old run" in line for line in out) == 1
    assert any(line.startswith("control ") and "-> pass" in line for line in out)


def test_a_folder_without_rates_is_refused_with_exit_2(tmp_path, capsys):
    assert main(["diff", str(RESULTS), str(tmp_path)]) == 2
    assert "has no rates.csv" in capsys.readouterr().err
