"""REPORT.md's text: the headline counts, each claim's summary line, its section (statement, measures, judged rules,
tables, controls, figures) and the banner of a run that is not the suite's verdict."""

import math
from fractions import Fraction

import pandas as pd

from simulate.publish.folder import SECTION_MARK
from theory import verdicts
from theory.declarations import LIGHTER_TAIL, Claim
from theory.sequential import EARLY_LEVEL, LOOK_FRACTIONS, LOOKS


def _looks_text() -> str:
    """The sequential design's look fractions in words: "1/8, 1/4, 1/2 and all"."""
    parts = [str(Fraction(f).limit_denominator(1000)) for f in LOOK_FRACTIONS[:-1]]
    return ", ".join(parts) + " and all"


def markdown_table(df: pd.DataFrame, cols: list[str]) -> str:
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df[cols].iterrows():
        cells = [
            "–"
            if isinstance(v, float) and math.isnan(v)
            else f"{v:g}"
            if c in ("alpha", "tail")
            else f"{v:.4g}"
            if isinstance(v, float)
            else str(v).replace("|", "\\|")
            for c, v in zip(cols, r, strict=True)
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def headline(rates: pd.DataFrame, controls: pd.DataFrame) -> str:
    """The run's verdict counts: evidence apart from exact checks and info, and the controls."""
    c = verdicts.counts(rates)
    negative = controls[controls.expected == "fail"] if len(controls) else controls
    positive = controls[controls.expected == "pass"] if len(controls) else controls
    early = int(((rates.kind == "evidence") & (rates.ci_level == EARLY_LEVEL)).sum())
    return (
        f"Evidence: {c['evidence_pass']} pass, {c['evidence_fail']} fail, {c['evidence_inconclusive']} inconclusive "
        f"({early} decided early by the sequential design). "
        f"Exact checks: {c['exact_pass']} pass, {c['exact_fail']} fail. Info rows: {c['info']}. "
        f"Negative controls: {int((negative.got == 'fail').sum())} of {len(negative)} judged fail by their claim's "
        f"own rules (each must fail). Positive controls: {int((positive.got == 'pass').sum())} of {len(positive)} "
        "judged pass (each must pass)."
    )


def control_behaviour(table: pd.DataFrame) -> pd.DataFrame:
    """The controls table as REPORT shows it: expected and got as code (so that a wrongly passing negative control
    is not coloured as a pass) and ``behaved``: "as expected" or "NOT as expected"."""
    shown = table.copy()
    shown["behaved"] = [
        "as expected" if g == e else "NOT as expected" for g, e in zip(table.got, table.expected, strict=True)
    ]
    for column in ("expected", "got"):
        shown[column] = [f"`{v}`" for v in table[column]]
    return shown


def misbehaving_controls(controls: pd.DataFrame) -> list[str]:
    """Lines naming every control whose claim's rules did not judge it as expected, with why (none: no lines)."""
    wrong = controls[controls.got != controls.expected] if len(controls) else controls
    if not len(wrong):
        return []
    lines = ["Controls that did not behave as expected:", ""]
    for _, c in wrong.iterrows():
        lines.append(f"- {c.claim} / {c.mutant}: expected `{c.expected}`, got `{c.got}` ({c.why})")
    return [*lines, ""]


def _row_label(row) -> str:
    """A judged row in a few words: its metric and the configuration columns that are set."""
    where = [str(row[c]) for c in ("method", "noise") if isinstance(row[c], str) and row[c]]
    if pd.notna(row["tail"]) and pd.notna(row["alpha"]) and abs(row["tail"] - row["alpha"]) > 1e-9:
        where.append(f"tail {row['tail']:g}")
    where += [f"{c} {row[c]:g}" for c in ("alpha", "beta") if pd.notna(row[c])]
    return f"{row.metric} ({', '.join(where)})" if where else str(row.metric)


def finding(judged: pd.DataFrame, named: int = 3) -> str:
    """One sentence from a claim's judged rows: how many pass, and which fail or are inconclusive (the first
    ``named`` of each)."""
    if judged.empty:
        return "nothing judged (every row is info)"
    parts = [f"{int((judged.verdict == 'pass').sum())} of {len(judged)} judged rows pass"]
    for verdict in ("fail", "inconclusive"):
        rows = judged[judged.verdict == verdict]
        if len(rows):
            labels = [_row_label(r) for _, r in rows.head(named).iterrows()]
            more = f" and {len(rows) - named} more" if len(rows) > named else ""
            parts.append(f"{verdict}: " + "; ".join(labels) + more)
    return "; ".join(parts) + "."


def claim_summary(provenance: dict, rates: pd.DataFrame, titles: dict | None = None) -> str:
    """The evidence counts per category, then a table with one line per claim: its statement in a few words (its
    title, from ``titles`` by claim id), counts per verdict and kind, and its ``finding``."""
    titles = titles or {}
    category = {c: r.get("category", "uncategorised") for c, r in provenance["claims"].items()}
    judged = rates[rates.kind != "info"]
    evidence = judged[judged.kind == "evidence"]
    lines = []
    for name in dict.fromkeys(category.values()):
        part = evidence[evidence.claim.map(category) == name].verdict.value_counts()
        lines.append(
            f"- {name}: evidence {part.get('pass', 0)} pass, {part.get('fail', 0)} fail, "
            f"{part.get('inconclusive', 0)} inconclusive"
        )
    table = []
    for claim in provenance["claims"]:
        rows = judged[judged.claim == claim]
        ev = rows[rows.kind == "evidence"].verdict.value_counts()
        ex = rows[rows.kind == "exact"].verdict.value_counts()
        table.append(
            {
                "claim": claim,
                "statement": titles.get(claim, ""),
                "evidence pass / fail / inconclusive": f"{ev.get('pass', 0)} / {ev.get('fail', 0)} / "
                f"{ev.get('inconclusive', 0)}",
                "exact pass / fail": f"{ex.get('pass', 0)} / {ex.get('fail', 0) + ex.get('inconclusive', 0)}",
                "finding": finding(rows),
            }
        )
    table = pd.DataFrame(
        table, columns=["claim", "statement", "evidence pass / fail / inconclusive", "exact pass / fail", "finding"]
    )
    return "\n".join(lines) + "\n\n" + markdown_table(table, list(table.columns))


JUDGED_PROFILES = ("default", "full")  # the profiles whose verdicts are the suite's


def banner(provenance: dict) -> list[str]:
    """A warning block (Markdown lines) naming the claims whose results come from a run that is not the default or
    full profile as shipped (the quick profile, or sizes overridden): their verdicts are not the suite's. Empty
    when every claim's run is."""
    off = {
        claim: record["profile"] + (" with overrides" if record.get("overrides") else "")
        for claim, record in provenance["claims"].items()
        if record["profile"] not in JUDGED_PROFILES or record.get("overrides")
    }
    if not off:
        return []
    named = ", ".join(f"`{claim}` ({how})" for claim, how in off.items())
    return [
        f"> **Not the suite's verdicts.** {len(off)} of {len(provenance['claims'])} claims ran at sizes other than "
        f"the default or full profile as shipped: {named}. Their rows show what the code computes at those sizes "
        "(for trying and testing); only a default or full run judges the claims.",
        "",
    ]


def render_report(
    sections: dict[str, str],
    provenance: dict,
    rates: pd.DataFrame,
    controls: pd.DataFrame,
    titles: dict | None = None,
) -> str:
    """REPORT.md: a banner when some claims ran off the judged profiles, headline counts, what each claim found
    (``titles``: each claim's statement in a few words, by id), which run produced each claim, how to read it, then
    one section per claim."""
    runs = pd.DataFrame(
        [
            {
                "claim": c,
                "profile": r["profile"]
                + (
                    ""
                    if not r["overrides"]
                    else " **off-profile**: " + ", ".join(f"{k} = {v}" for k, v in r["overrides"].items())
                ),
                "seed": r["seed"],
                "git": f"`{r['git_revision']}`",
                "date (UTC)": r["date"],
                "threads": r["numba_threads"],
                "wall s": f"{r['wall_time_s']:.0f}",
                "CPU / wall": f"{r['cpu_time_s'] / max(r['wall_time_s'], 0.1):.2f}" if "cpu_time_s" in r else "-",
                "peak MiB": f"{r['peak_rss_mib']:.0f}" if "peak_rss_mib" in r else "-",
                "computed / cached": f"{r['configurations_computed']} / {r['configurations_from_cache']}",
            }
            for c, r in provenance["claims"].items()
        ]
    )
    head = [
        "# Rate verification report",
        "",
        *banner(provenance),
        "**" + headline(rates, controls) + "**",
        "",
        *misbehaving_controls(controls),
        "Evidence by kind of claim, and what each claim found (exact checks are identities and properties that "
        "hold by construction; they are not evidence):",
        "",
        claim_summary(provenance, rates, titles),
        "",
        "Which run produced each claim (a run of some claims replaces those and keeps the others; "
        "`provenance.json` has the package versions of each):",
        "",
        markdown_table(runs, list(runs.columns)),
        "",
        "How to read this: every judged row is declared beside its claim (`simulate/claims/<claim>/claim.py`): "
        "the statistic, the comparison, the tolerance and the reason for the tolerance; the rules printed under "
        "each claim are rendered from those declarations, and `theory/verdicts.py` judges every claim with one "
        "function. `evidence` rows measure a statistic against a prediction; `exact` rows are identities and "
        "regression checks; `info` rows illustrate and are not judged. One order everywhere: a row whose 95% CI "
        "lies wholly outside the values its rule accepts fails, wholly inside passes, across a boundary is "
        "`inconclusive` (its note names the boundary and about how many trials would decide it); a row without a "
        "CI (an exact computation) is decided by its point estimate. Before any comparison, and from theory "
        "alone: a row about a model that misses its trained gate is `inconclusive` (untrained), and a row judged "
        "against an asymptotic exponent whose own finite-k model puts its window outside the asymptotic regime "
        "(`finite_k_exponent` more than tolerance/2 from `limit_exponent`, or no valid model over the window) is "
        "`info`, not testable at this horizon. Wherever a finite-k model holds over the window (the clipped "
        "noise's mean at most 0.1 of the threshold), the row is judged two-sided against it at the noise's real "
        f"tail, at tail = alpha and alpha + {LIGHTER_TAIL:g} alike; elsewhere against the theorem (its exponent at "
        "tail = alpha, an upper bound at a lighter tail). "
        "Each claim with evidence rows has negative controls, deliberately wrong set-ups that its own rules must "
        "fail, and some have positive controls, other set-ups the theorem covers, which must pass. Full table: "
        "`rates.csv`; "
        "per-checkpoint statistics: `runs/<claim>.parquet`; run details: `provenance.json`. At the default "
        'profile most synthetic claims run in a sequential design (README, "Profiles"): every configuration\'s '
        f"trials in looks of {_looks_text()} of the full count; a row whose {100 * EARLY_LEVEL:g}% CI (Bonferroni "
        f"over the {LOOKS} looks) lies wholly inside or outside its accepted values at an earlier look is decided "
        "there (its `look` and `ci_level` say so), and a configuration stops once every row computed from it is "
        "decided.",
        "",
    ]
    return "\n".join(head) + "\n" + "".join(sections.values())


DEFAULT_COLUMNS = [
    "method",
    "noise",
    "tail",
    "alpha",
    "metric",
    "theory_exponent",
    "fitted_exponent",
    "ci_low",
    "ci_high",
    "finite_k_exponent",
    "limit_exponent",
    "drift",
    "k_min",
    "k_max",
    "trials",
    "n_diverged",
    "verdict",
]


def _not_passing(rates: pd.DataFrame) -> str:
    """The judged rows that did not pass, each with its statistic and why (rendered from this run)."""
    rows = rates[rates.verdict.isin(["fail", "inconclusive"])]
    if rows.empty:
        return "Every judged row passed in this run."
    lines = []
    for _, r in rows.iterrows():
        where = ", ".join(
            f"{c} {r[c]:.4g}" if isinstance(r[c], float) else f"{c} {r[c]}"
            for c in ("method", "noise", "tail", "alpha", "beta")
            if not pd.isna(r[c])
        )
        stat = r["fitted_exponent"] if not pd.isna(r["fitted_exponent"]) else r["value"]
        target = r["theory_exponent"] if not pd.isna(r["theory_exponent"]) else r["predicted"]
        lines.append(
            f"- **{r.verdict}** `{r.metric}` ({where}): measured {stat:.4g}"
            + ("" if pd.isna(target) else f", predicted {target:.4g}")
            + ("" if pd.isna(r.ci_low) else f", CI [{r.ci_low:.4g}, {r.ci_high:.4g}]")
            + ("" if pd.isna(r.finite_k_exponent) else f", finite-k prediction {r.finite_k_exponent:.4g}")
            + (f"; {r.verdict_note}" if r.verdict_note else "")
            + "."
        )
    return "\n".join(lines)


def claim_section(
    claim: Claim,
    profile,
    rates: pd.DataFrame,
    controls: pd.DataFrame,
    figures: list[str],
    cols: list[str] | None = None,
    appendix: str = "",
    overrides: dict | None = None,
    power: pd.DataFrame | None = None,
) -> str:
    """A REPORT.md section: statement, rendered rules, judged rows, rows not passing, controls, power curves, info
    rows, notes, figures. ``rates`` are already judged."""
    cols = cols or DEFAULT_COLUMNS
    judged = rates[rates.kind != "info"]
    if judged.look.notna().any():  # the sequential design's look and trials of each row (its CI level with them)
        cols = [c for c in cols if c != "trials"] + ["trials", "look", "ci_level"]
    cols = [c for c in cols if c != "verdict"] + ["kind", "verdict"]
    info = rates[rates.kind == "info"].drop(columns=["kind"])
    info_cols = [c for c in cols if c not in ("kind", "verdict", "look", "ci_level")]
    sizes = ", ".join(f"{k} = {v}" for k, v in vars(profile).items())
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    if given:
        sizes += " (command-line overrides: "
        sizes += ", ".join(f"{k} = {v}" for k, v in given.items()) + ")"
    parts = [
        SECTION_MARK.format(claim.id),
        f"## {claim.id}: {claim.title}",
        "",
        claim.statement,
        "",
        f"Sizes in this run: {sizes}.",
        "",
        f"Default size (`theory/sizing.py`): {claim.sizing.arithmetic()}.",
        "",
        f"What is measured: {claim.measures}" if claim.measures else "",
        "",
        "Judged (rules rendered from the claim's declarations):",
        "",
        verdicts.render_criteria(claim.judged),
        "",
        "### Verdicts",
        "",
        markdown_table(judged, cols) if len(judged) else "(none in this profile)",
        "",
        _not_passing(judged),
        "",
    ]
    if len(controls):
        parts += [
            "### Controls",
            "",
            "Negative controls (expected `fail`) are set-ups the theorem does not cover; positive ones (expected "
            "`pass`) are set-ups it covers. Both are judged by the rules above.",
            "",
            markdown_table(control_behaviour(controls), ["mutant", "setup", "expected", "got", "behaved", "why"]),
            "",
        ]
    if power is not None and len(power):
        parts += [
            "### Power of the rules",
            "",
            "Each negative mutant at graded strengths, its judged rows judged by the rules above: the fraction "
            "judged `fail` shows where the rules start to see the difference (figure `" + claim.id + "_power.png`).",
            "",
            markdown_table(power, ["mutant", "strength_name", "strength", "rows", "fail", "pass", "inconclusive"]),
            "",
        ]
    parts += ["### Illustrations (info)", "", markdown_table(info, info_cols) if len(info) else "(none)", ""]
    if appendix:
        parts += [appendix, ""]
    if claim.notes:
        parts += ["### Notes", "", claim.notes, ""]
    parts += [f"![{f}](figures/{f})" for f in figures] + [""]
    return "\n".join(parts)
