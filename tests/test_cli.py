import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from simulate.cli import main
from simulate.publish.folder import SCHEMA_VERSION
from simulate.publish.rows import RATE_COLUMNS
from simulate.run.config import QuadraticRun


@pytest.mark.parametrize(
    "argv,message",
    [
        (["rates", "--alphas", "2.5"], r"alpha=2.5 is outside the accepted range \(1, 2\]"),
        (["rates", "--alphas", "1.0"], r"alpha=1.0 is outside the accepted range \(1, 2\]"),
        (["rates", "--K", "0"], r"K=0 is outside the accepted range"),
        (["rates", "--trials", "-3"], r"trials=-3 is outside the accepted range"),
        (
            ["rates", "--claim", "thm9"],
            r"claim='thm9' is not one of the accepted values: thm4-strongly-convex",
        ),
        (
            ["rates", "--profile", "huge"],
            r"--profile: invalid choice: 'huge' \(choose from 'quick', 'default', 'full'\)",
        ),
        (["rates", "--seed", "-1"], r"seed=-1 is outside the accepted range"),
        (["rates", "--threads", "99"], r"threads=99 is outside the accepted range"),
        (
            ["rates", "--claim", "thm5-lower-bound", "thm5-lower-bound"],
            r"--claim names thm5-lower-bound more than once",
        ),
        (["rates", "--alphas", "1.5", "1.8", "1.5"], r"--alphas names 1.5 more than once"),
        (["rates", "--claim", "acclip-transformer", "--steps", str(10**12)], r"steps=1000000000000 is outside"),
        (["rates", "--claim", "attention-noise-2x2", "--pool", str(10**12)], r"pool=1000000000000 \(its .* Gram"),
    ],
)
def test_bad_input_fails_before_work(argv, message, capsys, tmp_path):
    try:
        code = main(argv + ["--out", str(tmp_path / "out")])
    except SystemExit as exit_:  # argparse's own refusals (a choice outside its list)
        code = exit_.code
    assert code == 2
    assert pytest.importorskip("re").search(message, capsys.readouterr().err)
    assert not (tmp_path / "out").exists()


def test_output_and_cache_folders_are_checked_before_work(tmp_path, capsys):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    for argv, message in (
        (["rates", "--out", str(a_file)], "out="),
        (["rates", "--out", str(tmp_path / "res"), "--cache-dir", str(a_file)], "cache-dir="),
        (["rates", "--out", str(a_file / "below")], "cannot be written"),
        (["controls", "--cache-dir", str(a_file)], "cache-dir="),
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err and str(a_file) in err, err
    assert not (tmp_path / "res").exists()


@pytest.mark.parametrize("out", ["", " ", "/", "/etc", "/usr/lib/heavytail"])
def test_an_empty_output_path_the_root_and_system_folders_are_refused(out, capsys):
    assert main(["rates", "--claim", "rmsprop-as-clipping", "--out", out]) == 2
    err = capsys.readouterr().err
    assert f"out={out!r}" in err and ("empty" in err or "system folder" in err), err


@pytest.mark.parametrize("command", ["rates", "controls"])
def test_a_cache_inside_the_outputs_managed_subfolders_is_refused(command, tmp_path, capsys):
    for sub in ("figures", "runs/cache"):
        argv = [command, "--claim", "thm6-nonconvex-lower-bound", "--out", str(tmp_path / "res")]
        assert main(argv + ["--cache-dir", str(tmp_path / "res" / sub)]) == 2
        assert "publishing rewrites" in capsys.readouterr().err
    assert not (tmp_path / "res").exists()


def test_controls_takes_the_same_overrides_as_rates_and_checks_them_before_work(tmp_path, capsys):
    argv = ["controls", "--claim", "thm4-strongly-convex", "--out", str(tmp_path / "c"), "--no-cache"]
    assert main(argv + ["--alphas", "1.5", "1.5"]) == 2
    assert "--alphas names 1.5 more than once" in capsys.readouterr().err
    assert main(argv + ["--alphas", "2.5"]) == 2
    assert "2.5" in capsys.readouterr().err
    assert main(argv + ["--trials", "0"]) == 2
    assert "trials=0" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(tail=1.0), r"tail=1.0 is outside the accepted range \(1, inf\)"),
        (dict(mu=0.0), r"mu=0.0 is outside the accepted range \(0, inf\)"),
        (dict(mu=-1.0), r"mu=-1.0"),
        (dict(method="adam"), r"method='adam'"),
        (dict(x_star=20.0), r"x_star=20.0 lies outside X"),
    ],
)
def test_bad_configuration_names_the_value(kwargs, message):
    base = dict(claim="c", method="proj-gclip", noise="pareto", alpha=1.5, K=10, trials=2)
    with pytest.raises(ValueError, match=message):
        QuadraticRun(**{**base, **kwargs})


def test_exit_code_from_a_real_process(tmp_path):
    p = subprocess.run(
        [sys.executable, "-m", "simulate", "rates", "--alphas", "0.5", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 2 and "alpha=0.5" in p.stderr


def test_small_run_writes_outputs_and_resumes(tmp_path, capsys):
    out = tmp_path / "res"
    claims = ["thm4-strongly-convex", "thm5-lower-bound"]  # both take --alphas, --K and --trials
    argv = ["rates", "--profile", "quick", "--claim", *claims, "--alphas", "1.5", "--K", "2000", "--trials", "40"]
    assert main(argv + ["--out", str(out)]) == 0
    capsys.readouterr()
    for name in ("REPORT.md", "rates.csv", "controls.csv", "provenance.json"):
        assert (out / name).exists(), name
    assert list((out / "figures").glob("*.png")) and len(pd.read_parquet(out / "runs" / f"{claims[0]}.parquet"))
    rates = pd.read_csv(out / "rates.csv")
    assert list(rates.columns) == RATE_COLUMNS and list(rates.claim.unique()) == claims
    assert set(rates.verdict) <= {"pass", "fail", "inconclusive", "info"}
    judged = rates[rates.kind != "info"]
    assert len(judged) and judged.rule.notna().all() and judged.reason.notna().all()
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["schema_version"] == SCHEMA_VERSION and list(prov["claims"]) == claims
    record = prov["claims"][claims[0]]
    assert record["profile"] == "quick" and record["overrides"] == {"alphas": [1.5], "K": 2000, "trials": 40}
    assert record["configurations_computed"] > 0 and record["executor"] == "local"
    assert 0 < record["cpu_time_s"] and record["wall_time_s"] > 0
    # peak resident memory in MiB: at least what numpy, pandas and numba occupy, at most the machine's memory
    assert 50 < record["peak_rss_mib"] < os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**20
    report = (out / "REPORT.md").read_text()
    assert "Negative controls" in report and "off-profile" in report
    # Re-running with nothing changed reuses every finished configuration and gives the same rows.
    again = tmp_path / "again"
    assert main(argv + ["--out", str(again), "--cache-dir", str(out / ".cache")]) == 0
    prov = json.loads((again / "provenance.json").read_text())
    assert prov["claims"][claims[0]]["configurations_computed"] == 0
    assert (again / "rates.csv").read_bytes() == (out / "rates.csv").read_bytes()


def test_version_and_list(capsys):
    from simulate.claims import CLAIMS

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.startswith("heavytail ")
    assert main(["list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed[1:]] == list(CLAIMS)
    assert all(CLAIMS[line.split()[0]].title in line for line in listed[1:])


def test_an_output_folder_that_is_a_link_to_nothing_is_refused(tmp_path, capsys):
    (tmp_path / "out").symlink_to(tmp_path / "gone")
    assert main(["rates", "--claim", "rmsprop-as-clipping", "--out", str(tmp_path / "out")]) == 2
    assert "is a link to nothing" in capsys.readouterr().err and not (tmp_path / "gone").exists()


def test_list_reads_the_folder_out_names_and_says_when_it_has_no_runs(tmp_path, capsys):
    import json

    claims = {"thm4-strongly-convex": {"profile": "default", "wall_time_s": 123.4}}
    (tmp_path / "provenance.json").write_text(json.dumps({"claims": claims}))
    assert main(["list", "--out", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("claim") and "123 s" in next(x for x in lines if x.startswith("thm4-strongly-convex"))
    assert main(["list", "--out", str(tmp_path / "none")]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("note:") and "provenance.json is missing" in first


def test_a_log_gets_one_line_per_update_and_the_phases(tmp_path):
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "simulate", "rates", "--claim", "rem1-sgd-failure", "--profile", "quick"]
        + ["--out", str(tmp_path / "res")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stderr, "a log's bar lines must not run together"
    assert "Not the suite's verdicts. 1 of 1 claims ran at sizes other than" in proc.stderr
    for phase in ("rem1-sgd-failure: simulating", "rem1-sgd-failure: fitting", "rem1-sgd-failure: plotting"):
        assert f"   {phase}\n" in proc.stderr, phase


def test_compiling_is_left_out_of_an_open_sweeps_rate():
    import time

    from simulate.run.progress import compiling, progress_bar

    with progress_bar(100, "sweep", level=1) as bar:
        start, last = bar.start_t, bar.last_print_t
        with compiling():
            time.sleep(0.2)
        assert bar.start_t - start >= 0.2 and bar.last_print_t - last >= 0.2


def test_quiet_means_no_progress_lines(tmp_path):
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "simulate", "rates", "--claim", "rmsprop-as-clipping", "--profile", "quick", "--quiet"]
        + ["--out", str(tmp_path / "res")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr


def test_provenance_names_the_codes_commit_not_that_of_the_folder_it_runs_in(tmp_path, monkeypatch):
    from simulate.publish.provenance import CODE_ROOT, code_revision

    other = tmp_path / "another-repository"
    other.mkdir()
    git = ["git", "-c", "user.email=a@b.c", "-c", "user.name=a"]
    subprocess.run([*git, "init", "-q", str(other)], check=True)
    (other / "f.txt").write_text("x")
    subprocess.run([*git, "-C", str(other), "add", "f.txt"], check=True)
    subprocess.run([*git, "-C", str(other), "commit", "-qm", "other"], check=True)
    theirs = subprocess.run(["git", "-C", str(other), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    ours = subprocess.run(["git", "-C", str(CODE_ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    monkeypatch.chdir(other)
    got = code_revision()
    assert got.removesuffix("-dirty") == ours.stdout.strip() != theirs.stdout.strip()
    # a package folder that is not the top of a git checkout (an installed copy) says so rather than guess
    plain = tmp_path / "installed"
    plain.mkdir()
    assert code_revision(plain) == "unknown"
    assert code_revision(other / "f.txt") == "unknown"
