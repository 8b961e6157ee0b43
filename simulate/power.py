"""Error rates of the verdict rules, measured: each claim's covered set-ups (its positive controls, which its rules
must pass) and its graded mutants (its power curves), each run with R independent seeds at the suite's own sizes
and judged by the claim's own rules, as ``rates`` judges. Per rule family (``theory.verdicts.rule_family``), the
false-fail rate is the fraction of covered replicates that the family fails, and the power at a strength the
fraction of mutant replicates it fails, each with its Wilson 95% interval (replicates are independent: each owns its
seed; the rows of one replicate are not, so a replicate counts once per family: failed when any of its rows in that
family fails). Where a model predicts it, each mutant's effect on the judged statistic is computed from theory
before the run, beside the tolerance of the rule that judges it: a strength whose effect lies below the tolerance is
no mutation the rule should see."""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from scipy.stats import binomtest

from simulate.claims import controls, power_curves, power_effects
from simulate.controls import judged_rows
from simulate.publish.figures import save_fig
from simulate.run.context import Context
from theory.declarations import Claim
from theory.validation import SEED_LIMIT
from theory.verdicts import RULE_FAMILIES, rule_family, rule_for

REPLICATE_STRIDE = 1_000_003  # seed distance between replicates: far beyond the small offsets of ctx.derived_seed
SETUP_COLUMNS = ["claim", "setup", "name", "strength_name", "strength", "predicted_effect", "effect_tolerance"]
REPLICATE_COLUMNS = [*SETUP_COLUMNS, "replicate", "seed", "family", "verdict"]
RATE_COLUMNS = [*SETUP_COLUMNS, "family", "replicates", "failed", "inconclusive", "fail_rate", "ci_low", "ci_high"]


def replicate_seed(seed: int, replicate: int) -> int:
    """The seed of replicate ``replicate`` (0: ``seed`` itself, so that replicate 0 is the suite's own run)."""
    return (seed + replicate * REPLICATE_STRIDE) % SEED_LIMIT


def has_error_rates(claim: Claim) -> bool:
    """Whether ``claim`` declares a covered set-up (a positive control) or a power curve."""
    return bool(claim.power) or any(c.expected == "pass" for c in claim.controls)


def _families(claim: Claim, judged: pd.DataFrame) -> dict[str, str]:
    """The verdict of each rule family among a replicate's judged rows: fail when any of its rows fails, else
    inconclusive when any is, else pass (rows not testable at their horizon, ``info``, do not count)."""
    out: dict[str, list[str]] = {}
    for _, row in judged[judged.verdict.isin(["pass", "fail", "inconclusive"])].iterrows():
        out.setdefault(rule_family(rule_for(claim.judged, row)), []).append(row.verdict)
    return {
        family: "fail" if "fail" in seen else "inconclusive" if "inconclusive" in seen else "pass"
        for family, seen in out.items()
    }


def _setups(claim: Claim, profile):
    """(setup, name, strength name, strength, (predicted effect, tolerance), measure(claim, profile, ctx)) of every
    covered set-up and every power curve's strength; the effect (NaN where no model predicts it) comes from theory
    alone, before any run."""
    implemented = controls(claim.id)
    for control in claim.controls:
        if control.expected == "pass":
            yield "covered", control.name, "", np.nan, (np.nan, np.nan), implemented[control.name]
    curves, effects = power_curves(claim.id), power_effects(claim.id)
    for curve in claim.power:
        for strength in curve.strengths:
            effect = effects[curve.name](claim, profile, strength) if curve.name in effects else (np.nan, np.nan)
            measure = partial(_at, curves[curve.name], strength)
            yield "mutant", curve.name, curve.strength, float(strength), effect, measure


def _at(measure, strength, claim, profile, ctx):
    return measure(claim, profile, ctx, strength)


def run_replicates(claim: Claim, profile, ctx: Context, replicates: int) -> pd.DataFrame:
    """One row per (set-up, replicate, rule family): the family's verdict on that replicate's judged rows
    (``REPLICATE_COLUMNS``). Replicate r runs with ``replicate_seed(ctx.seed, r)``."""
    rows = []
    for setup, name, strength_name, strength, (effect, tolerance), measure in list(_setups(claim, profile)):
        for r in range(replicates):
            at = replace(ctx, seed=replicate_seed(ctx.seed, r))
            judged = judged_rows(claim, partial(measure, claim, profile, at), at)
            for family, verdict in _families(claim, judged).items():
                rows.append(dict(claim=claim.id, setup=setup, name=name, strength_name=strength_name,
                                 strength=strength, predicted_effect=effect, effect_tolerance=tolerance,
                                 replicate=r, seed=at.seed, family=family, verdict=verdict))  # fmt: skip
    return pd.DataFrame(rows, columns=REPLICATE_COLUMNS)


def error_rates(replicates: pd.DataFrame) -> pd.DataFrame:
    """Per (claim, set-up, strength, family): replicates, how many failed or were undecided, the fail rate and its
    Wilson 95% interval (``RATE_COLUMNS``); for a covered set-up the rate is a false-fail rate, for a mutant a
    power."""
    keys = [*SETUP_COLUMNS, "family"]
    out = []
    for key, part in replicates.groupby(keys, sort=False, dropna=False):
        n, failed = len(part), int((part.verdict == "fail").sum())
        ci = binomtest(failed, n).proportion_ci(0.95, method="wilson")
        out.append(dict(zip(keys, key, strict=True), replicates=n, failed=failed,
                        inconclusive=int((part.verdict == "inconclusive").sum()), fail_rate=failed / n,
                        ci_low=ci.low, ci_high=ci.high))  # fmt: skip
    return pd.DataFrame(out, columns=RATE_COLUMNS)


def plot_error_rates(rates: pd.DataFrame, path) -> None:
    """One panel per (claim, power curve): the fraction of replicates each rule family fails against the mutation's
    strength, with Wilson 95% intervals; the claim's covered set-ups' false-fail rates drawn at the left as a band
    (the largest upper bound among them)."""
    curves = rates[rates.setup == "mutant"][["claim", "name", "strength_name"]].drop_duplicates()
    n = max(1, len(curves))
    cols = min(3, n)
    fig, axes = plt.subplots(
        -(-n // cols), cols, figsize=(2.3 * cols, 2.1 * -(-n // cols)), squeeze=False, layout="constrained"
    )
    colours = {family: f"C{i}" for i, family in enumerate(RULE_FAMILIES)}
    for ax, (_, curve) in zip(axes.flat, curves.iterrows(), strict=False):
        part = rates[(rates.claim == curve.claim) & (rates.name == curve["name"])]
        covered = rates[(rates.claim == curve.claim) & (rates.setup == "covered")]
        for family, rows in part.groupby("family", sort=False):
            rows = rows.sort_values("strength")
            err = [rows.fail_rate - rows.ci_low, rows.ci_high - rows.fail_rate]
            ax.errorbar(rows.strength, rows.fail_rate, yerr=err, fmt="o-", ms=3, capsize=2, color=colours[family],
                        label=family)  # fmt: skip
            false_fail = covered[covered.family == family]
            if len(false_fail):
                ax.axhspan(0, false_fail.ci_high.max(), color=colours[family], alpha=0.12, lw=0)
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel(curve.strength_name)
        ax.set_title(f"{curve.claim}\n{curve['name']}", fontsize=7)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(curves) :]:
        ax.axis("off")
    for ax in axes[:, 0]:
        ax.set_ylabel("fraction of replicates failed")
    handles = {h.get_label(): h for ax in axes.flat for h in ax.get_legend_handles_labels()[0]}
    band = "shaded: the family's false-fail rate on covered set-ups, up to its upper 95% bound"
    handles[band] = Patch(color="0.5", alpha=0.25, lw=0)
    fig.legend(list(handles.values()), list(handles), loc="outside lower center", ncols=2, fontsize=7)
    save_fig(fig, path)


def markdown_table(rates: pd.DataFrame) -> str:
    """The error rates as a markdown table, covered set-ups (false-fail rates) first."""
    lines = [
        "| claim | set-up | strength | predicted effect (tolerance) | rule family | replicates | failed | undecided "
        "| fail rate [Wilson 95%] |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in rates.sort_values(["setup", "claim", "name", "strength"], kind="stable").iterrows():
        strength = "" if r.setup == "covered" else f"{r.strength_name} = {r.strength:g}"
        label = f"{r['name']} ({'covered' if r.setup == 'covered' else 'mutant'})"
        effect = "" if pd.isna(r.predicted_effect) else f"{r.predicted_effect:.3g} ({r.effect_tolerance:.3g})"
        lines.append(
            f"| {r.claim} | {label} | {strength} | {effect} | {r.family} | {r.replicates} | {r.failed} | "
            f"{r.inconclusive} | {r.fail_rate:.2f} [{r.ci_low:.2f}, {r.ci_high:.2f}] |"
        )
    return "\n".join(lines)
