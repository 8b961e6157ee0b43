"""The default profile's sequential design (theory.sequential, simulate.looks): looks, early decisions, which
configurations stop, the cache's reuse of other looks' trials, and how each claim's default is sized."""

import math
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from simulate.claims import CLAIMS, PROFILES
from simulate.looks import feeds, in_looks, measured
from simulate.publish.rows import Row, measurements
from simulate.run.config import QuadraticRun
from simulate.run.context import Context
from simulate.run.executors import load_or_run
from simulate.run.runner import SHARED_OUTPUTS, run_config
from simulate.run.store import RunCache
from theory import confidence
from theory.fitting import fit_exponent
from theory.sequential import EARLY_LEVEL, LOOKS, deciding, early_decision, look_trials, resamples
from theory.sizing import SEQUENTIAL, Sizing
from theory.verdicts import Judged, Rule

IN_ONE_GO = Sizing(reason="test: not engine configurations")

ABOVE_ZERO = Rule("ci_above", "test: the CI must lie above 0", target=0.0, stat="value")
WITHIN = Rule("within", "test", target=1.0, tolerance=0.1, stat="value")


def test_looks_are_an_eighth_a_quarter_a_half_and_all_of_the_full_count():
    assert [look_trials(2048, s) for s in range(LOOKS)] == [256, 512, 1024, 2048]
    assert [look_trials(10**6, s) for s in range(LOOKS)] == [125000, 250000, 500000, 10**6]
    assert look_trials(3, 0) == 1 and EARLY_LEVEL == pytest.approx(0.9875)
    with pytest.raises(ValueError, match="look=4"):
        look_trials(2048, 4)


@pytest.mark.parametrize(
    "low, high, drift, expected",
    [
        (0.95, 1.05, 0.0, "pass"),  # wholly inside target +- tolerance
        (1.2, 1.4, 0.0, "fail"),  # wholly outside
        (1.05, 1.15, 0.0, ""),  # across the boundary: undecided
        (0.95, 1.05, 0.5, "pass"),  # inside: drift is no gate (no rule reads it without a CI of its own)
        (0.85, 1.3, 0.0, ""),  # point inside, CI across: the standard rules would not pass it early either
    ],
)
def test_a_row_is_decided_early_only_by_a_ci_wholly_inside_or_outside_its_region(low, high, drift, expected):
    row = pd.Series(dict(claim="c", metric="m", value=(low + high) / 2, ci_low=low, ci_high=high, drift=drift))
    assert early_decision(WITHIN, row) == expected


def test_every_ci_of_the_suite_widens_with_the_level():
    from theory.mean_square import median_ci, wilson_interval

    x = np.random.default_rng(0).standard_normal(500)
    standard = (median_ci(x)[1:], wilson_interval(40, 100))
    with confidence.at_level(EARLY_LEVEL):
        wide = (median_ci(x)[1:], wilson_interval(40, 100))
        assert confidence.tails() == pytest.approx((0.00625, 0.99375))
    for (lo, hi), (wlo, whi) in zip(standard, wide, strict=True):
        assert wlo < lo and whi > hi
    assert confidence.level() == 0.95


@dataclass(frozen=True)
class FakeRun:
    """A stand-in configuration: what the design needs of one (identity fields, trials)."""

    method: str
    trials: int
    seed: int = 0

    def rng_key(self) -> int:
        return hash(self.method)


class FakeContext(Context):
    """Records the trials each configuration ran with at each look, without running kernels."""

    def __init__(self):
        super().__init__(seed=0, out=None, cache=RunCache(None), progress=False, looks=True)
        self.seen = []

    def run(self, configs, *, staged=True):
        configs = [self.plan.at_look(c) if self.plan is not None and staged else c for c in configs]
        self.seen.append({c.method: c.trials for c in configs})
        return [(c, None, False) for c in configs]


def _measure(ctx, effects):
    """One row per method: value = its effect, CI = effect +- z / sqrt(trials) at the current level."""
    results = ctx.run([FakeRun(m, 2048) for m in effects])
    rows = []
    for cfg, _, _ in results:
        if effects[cfg.method] is None:  # a run no row names (it might feed any)
            continue
        half = confidence.z() / math.sqrt(cfg.trials)
        value = effects[cfg.method]
        rows.append(
            Row(
                claim="c",
                metric="m",
                method=cfg.method,
                value=value,
                ci_low=value - half,
                ci_high=value + half,
                trials=cfg.trials,
            )
        )
    return measurements(rows)


def test_each_configuration_stops_at_the_first_look_where_its_rows_are_decided():
    ctx = FakeContext()
    effects = {"clear": 1.0, "late": 0.1, "never": 0.0, "unjudged": 1.0, "unnamed": None}
    judged = (Judged("m", ABOVE_ZERO, where={"method": ("clear", "late", "never")}),)
    looked = in_looks(lambda: _measure(ctx, effects), lambda rows: rows, judged, ctx)
    rows = looked.rows.set_index("method")
    # half-width z/sqrt(n): 0.99375 quantile 2.50 -> 0.156 at 256 trials, 0.078 at 1024; 95% at 2048: 0.043
    assert rows.loc["clear", ["verdict", "look", "trials"]].tolist() == ["pass", 1.0, 256]
    assert rows.loc["late", ["verdict", "look", "trials"]].tolist() == ["pass", 3.0, 1024]
    assert rows.loc["never", ["verdict", "look", "trials"]].tolist() == ["inconclusive", 4.0, 2048]
    assert rows.loc["clear", "ci_level"] == EARLY_LEVEL and rows.loc["never", "ci_level"] == 0.95
    assert "decided at look 1 of 4 (256 trials)" in rows.loc["clear", "verdict_note"]
    assert rows.loc["unjudged", "verdict"] == "info"
    # a configuration named by its info row only feeds no judged row: it stops at the first look; one that no row
    # names may feed any, and is held back while any judged row is undecided
    assert ctx.seen[-1] == {"clear": 256, "late": 1024, "never": 2048, "unjudged": 256, "unnamed": 2048}


def test_a_configuration_with_only_info_rows_stops_at_the_first_look():
    ctx = FakeContext()
    looked = in_looks(lambda: _measure(ctx, {"a": 1.0}), lambda rows: rows, (), ctx)
    assert ctx.seen[-1] == {"a": 256} and looked.looks == 1


def test_a_row_naming_no_configuration_holds_every_one_back():
    row = pd.Series(dict(method="hill", noise="pareto", tail=1.2))
    cfg = QuadraticRun(claim="c", method="sgd", noise="pareto", alpha=1.2, K=10, trials=8)
    assert feeds(cfg, row) is False
    assert feeds(cfg, pd.Series(dict(method="sgd", noise="pareto", tail=np.nan))) is True
    assert feeds(cfg, pd.Series(dict(metric="m"))) is None


def test_a_look_reuses_the_trials_of_the_cache_entries_at_other_looks_bit_for_bit(tmp_path):
    base = dict(claim="c", method="proj-gclip", noise="pareto", alpha=1.5, K=300, seed=3)
    fresh = run_config(QuadraticRun(**base, trials=512))
    cache = RunCache(tmp_path)
    load_or_run(QuadraticRun(**base, trials=256), cache)
    extended = load_or_run(QuadraticRun(**base, trials=512), cache)  # 256 from the cache, 256 run
    for name, a in fresh.items():
        np.testing.assert_array_equal(extended[name], a, err_msg=name)
    cut = load_or_run(QuadraticRun(**base, trials=128), RunCache(tmp_path))  # the first 128 of the 256 entry
    for name, a in fresh.items():
        np.testing.assert_array_equal(cut[name], a if name in SHARED_OUTPUTS else a[:128], err_msg=name)


@pytest.mark.parametrize("claim", CLAIMS.values(), ids=list(CLAIMS))
def test_every_claim_has_each_profile_and_a_sized_default(claim):
    assert set(claim.profiles) == set(PROFILES)
    full, default = claim.profiles["full"], claim.profiles["default"]
    text = claim.sizing.arithmetic()
    if claim.sizing.ladder:  # the small-transformer claims: each profile is its own rung, named in it
        assert {name: claim.profiles[name].rung for name in PROFILES} == {name: name for name in PROFILES}
        assert text.startswith("the default is its own rung")
        return
    assert default is full  # the sequential design runs the full profile's sizes in looks; the others, in one go
    assert text.startswith("the full size in a sequential design" if claim.sizing.sequential else "default = full")


@pytest.mark.parametrize(
    "looks, sizing, evaluations", [(True, SEQUENTIAL, 4), (True, IN_ONE_GO, 1), (False, SEQUENTIAL, 1)]
)
def test_looks_run_only_for_a_sequentially_sized_claim_in_a_run_that_uses_them(looks, sizing, evaluations):
    ctx = FakeContext()
    ctx.looks = looks
    claim = SimpleNamespace(sizing=sizing, judged=(Judged("m", ABOVE_ZERO),))
    rows = measured(claim, lambda: _measure(ctx, {"never": 0.0}), ctx).rows
    assert len(ctx.seen) == evaluations
    assert rows.trials.tolist() == [2048] and (rows.look.notna().all() == (evaluations > 1))


def test_the_default_profile_runs_in_looks_and_the_full_profile_does_not(monkeypatch, tmp_path):
    # imported before the patch: simulate.controls binds ``measured`` at import, and must not keep the stub for the
    # tests that run after this one in the same process
    from simulate import cli, controls  # noqa: F401

    seen = {}

    def stop(claim, measure, ctx, rows_of=None):
        seen["looks"] = ctx.looks
        raise KeyboardInterrupt

    monkeypatch.setattr("simulate.looks.measured", stop)
    for profile, looks in (("default", True), ("full", False)):
        cli.main(["rates", "--claim", "thm4-strongly-convex", "--profile", profile, "--out", str(tmp_path), "--quiet"])
        assert seen.pop("looks") is looks


def test_a_claim_in_looks_judges_its_undecided_rows_on_the_full_profiles_arrays(tmp_path):
    from functools import partial

    from simulate.claims import experiment

    claim = CLAIMS["thm4-strongly-convex"]
    profile = claim.profiles["quick"]
    runs = {}
    for looks in (False, True):
        ctx = Context(
            seed=0, out=tmp_path / str(looks), cache=RunCache(tmp_path / "cache"), progress=False, looks=looks
        )
        runs[looks] = measured(
            claim, partial(experiment(claim.id).run, claim, profile, ctx), ctx, lambda o: o.rates
        ).rows
    plain, looked = runs[False], runs[True]
    evidence = looked.kind == "evidence"
    last = evidence & (looked.look == LOOKS)
    assert evidence.any() and last.any() and (evidence & ~last).any()  # both kinds of row in this claim
    columns = ["fitted_exponent", "ci_low", "ci_high", "trials", "verdict"]
    pd.testing.assert_frame_equal(looked.loc[last, columns], plain.loc[last, columns])
    early = looked[evidence & ~last]
    fewer = early.trials < plain.loc[early.index, "trials"]  # (the settling rows' runs are not staged in looks)
    assert fewer.any() and (early.trials <= plain.loc[early.index, "trials"]).all()
    assert (early.ci_level == EARLY_LEVEL).all()


@pytest.mark.parametrize("fields", [{}, {"sequential": True, "reason": "both"}, {"sequential": True, "ladder": "both"}])
def test_a_sizing_is_sequential_or_says_why_not(fields):
    with pytest.raises(ValueError, match="a Sizing is"):
        Sizing(**fields)


def test_an_early_look_leaves_out_only_the_cis_no_declaration_can_judge():
    judged = (Judged("mean_dist", ABOVE_ZERO), Judged("avg_min_grad*", ABOVE_ZERO))
    assert resamples(judged, "median_dist", 1000) == 1000  # outside an early look, every CI is computed
    with deciding():
        assert resamples(judged, "median_dist", 1000) == 0
        assert resamples(judged, "mean_dist", 1000) == 1000
        assert resamples(judged, "avg_min_grad_c3_from3", 1000) == 1000
    k = np.unique(np.geomspace(1, 10**4, 30).astype(int))
    values = np.random.default_rng(1).pareto(3.0, (50, k.size)) + 1.0 / k
    without, full = fit_exponent(k, values, n_boot=0), fit_exponent(k, values)
    assert math.isnan(without.ci_low) and math.isnan(without.ci_high) and np.isfinite([full.ci_low, full.ci_high]).all()
    assert (without.exponent, without.drift) == (full.exponent, full.drift)
