"""From finished runs to the outputs: rates.csv, controls.csv, runs/<claim>.parquet, figures/, REPORT.md,
provenance.json (published by ``simulate.publish``)."""

import io
import math
import platform
import subprocess
from dataclasses import asdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from theory import verdicts  # noqa: E402
from theory.claims import EXPONENT_TOLERANCE, Claim  # noqa: E402
from theory.finite_k import local_exponent  # noqa: E402
from theory.fitting import fit_exponent, window_mask  # noqa: E402
from theory.mean_square import mean_has_finite_variance  # noqa: E402

from .memory import peak_rss_mib  # noqa: E402
from .publish import SECTION_MARK  # noqa: E402
from .store import atomic_save  # noqa: E402

# Every column of rates.csv, in order; README documents each. Measurement columns are filled by the experiments,
# the verdict columns (kind .. reason) by theory.verdicts.judge from the claim's declarations.
MEASUREMENT_COLUMNS = [
    "claim", "method", "noise", "tail", "alpha", "beta", "metric", "theory_exponent", "fitted_exponent", "ci_low",
    "ci_high", "value", "predicted", "std_error", "trials", "k_min", "k_max", "finite_k_exponent", "drift",
    "n_diverged", "description",
]  # fmt: skip
VERDICT_COLUMNS = ["kind", "verdict", "verdict_note", "rule", "tolerance", "reason"]
RATE_COLUMNS = MEASUREMENT_COLUMNS[:-1] + VERDICT_COLUMNS + ["description"]


def _config_columns(claim: Claim, cfg) -> dict:
    """The columns that identify a configuration in every table."""
    return dict(
        claim=claim.id,
        method=cfg.method,
        noise=cfg.noise,
        tail=cfg.tail,
        alpha=cfg.alpha,
        beta=getattr(cfg, "beta", math.nan),
    )


def fit_rows(claim: Claim, results, *, n_boot: int = 1000) -> pd.DataFrame:
    """One row per (config, metric): fitted exponent with its CI, theory and finite-k prediction (no verdict)."""
    rows = []
    for cfg, arrays, _ in results:
        k = arrays["k"]
        curve = None
        if claim.finite_k_curve is not None and cfg.method in claim.judged_methods:
            curve = claim.finite_k_curve(cfg.noise, cfg.tail, cfg.alpha, cfg.K, k, asdict(cfg))
        for m in claim.metrics:
            fit = fit_exponent(k, arrays[m.source], m.stat, n_boot=n_boot, seed=cfg.seed)
            ci_valid = m.stat != "mean" or mean_has_finite_variance(cfg.method, cfg.noise, cfg.tail)
            theory = m.theory(cfg.alpha)
            finite = math.nan
            if curve is not None and m.finite_k is not None:
                finite = local_exponent(k, m.finite_k(curve), window_mask(k))
            rows.append(
                dict(
                    **_config_columns(claim, cfg),
                    metric=m.name,
                    theory_exponent=round(theory, 6),
                    fitted_exponent=round(fit.exponent, 6),
                    ci_low=round(fit.ci_low, 6) if ci_valid else math.nan,
                    ci_high=round(fit.ci_high, 6) if ci_valid else math.nan,
                    trials=cfg.trials,
                    k_min=fit.k_min,
                    k_max=fit.k_max,
                    finite_k_exponent=round(finite, 6),
                    drift=round(fit.drift, 6),
                    n_diverged=int((arrays["diverged_at"] > 0).sum()),
                    description=m.description
                    + ("" if ci_valid else "; no CI: a bootstrap of a mean is not valid under infinite variance"),
                )
            )
    return measurements(rows)


FLOAT_COLUMNS = ["tail", "alpha", "beta", "theory_exponent", "fitted_exponent", "ci_low", "ci_high", "value",
                 "predicted", "std_error", "finite_k_exponent", "drift"]  # fmt: skip


def measurements(rows: list[dict]) -> pd.DataFrame:
    """Measurement rows as a frame with every column of rates.csv (verdict columns still empty; numeric columns
    float, so that every table writes them alike)."""
    return pd.DataFrame(rows, columns=RATE_COLUMNS).astype({c: float for c in FLOAT_COLUMNS})


def checkpoint_stats(claim: Claim, results) -> pd.DataFrame:
    """Tidy per-checkpoint statistics over trials, one row per (config, output, k)."""
    frames = []
    for cfg, arrays, _ in results:
        k = arrays["k"]
        for name in ("avg_dist", "avg_gap", "last_dist"):
            v = arrays[name]
            with np.errstate(invalid="ignore"):
                q10, med, q90 = np.quantile(v, [0.1, 0.5, 0.9], axis=0)
            frames.append(
                pd.DataFrame(
                    dict(
                        **_config_columns(claim, cfg),
                        K=cfg.K,
                        trials=cfg.trials,
                        seed=cfg.seed,
                        config_key=cfg.cache_key(),
                        output=name,
                        k=k,
                        mean=v.mean(axis=0),
                        median=med,
                        q10=q10,
                        q90=q90,
                        n_finite=np.isfinite(v).sum(axis=0),
                    )
                )
            )
    return pd.concat(frames, ignore_index=True)


def save_fig(fig, path: Path) -> None:
    """Write a figure as PNG atomically and close it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    atomic_save(path, lambda tmp: Path(tmp).write_bytes(buf.getvalue()))


def plot_error_vs_k(claim: Claim, stats: pd.DataFrame, rates: pd.DataFrame, noise: str, path: Path) -> None:
    """Error vs k on log-log axes, one column per alpha: mean, median and 10-90% band, theory slope drawn."""
    alphas = sorted(stats.loc[stats.noise == noise, "alpha"].unique())
    fig, axes = plt.subplots(2, len(alphas), figsize=(3.2 * len(alphas), 6.0), squeeze=False, layout="constrained")
    colours = {"proj-gclip": "C0", "sgd": "C3", "gclip": "C2", "proj-sgd": "C1"}
    for j, alpha in enumerate(alphas):
        for row, (output, metric) in enumerate((("avg_dist", "mean_dist"), ("avg_gap", "mean_gap"))):
            ax = axes[row, j]
            sel = stats[(stats.noise == noise) & (stats.alpha == alpha) & (stats.output == output)]
            for method, part in sel.groupby("method"):
                c = colours.get(method, "k")
                ax.loglog(part.k, part["mean"], color=c, lw=1.6, label=f"{method} mean")
                ax.loglog(part.k, part["median"], color=c, lw=1.0, ls="--", label=f"{method} median")
                ax.fill_between(part.k, part.q10, part.q90, color=c, alpha=0.15, lw=0)
            judged = rates[
                (rates.noise == noise) & (rates.alpha == alpha) & (rates.metric == metric)
                & (rates.method.isin(claim.judged_methods))
            ]  # fmt: skip
            for _, r in judged.iterrows():
                ref = sel[(sel.method == r.method)]
                k = ref.k.to_numpy()
                m = window_mask(k)
                k0, y0 = k[m][0], ref["mean"].to_numpy()[m][0]
                kk = np.array([k0, k[-1]])
                ax.loglog(kk, y0 * (kk / k0) ** r.theory_exponent, color="k", lw=1.0, ls=":",
                          label=f"theory slope {r.theory_exponent:.3f}")  # fmt: skip
            ax.set_title(f"alpha = tail = {alpha:g}", fontsize=9)
            ax.set_xlabel("k")
            if j == 0:
                ax.set_ylabel("||xbar_k - x*||" if output == "avg_dist" else "f(xbar_k) - f*")
            ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=6, loc="lower left")
    fig.suptitle(f"{claim.id}: error vs k, {noise} noise (bands: 10-90% over trials)", fontsize=10)
    save_fig(fig, path)


_MARKERS = {"pareto": "o", "pareto-onesided": "s", "stable": "^", "student-t": "v", "gaussian": "D"}


def _exponent_points(ax, part: pd.DataFrame, y: pd.Series, offset: float, colour: str, label: str) -> None:
    """Exponents (or deviations) ``y`` at each alpha with their 95% CI bars."""
    noise = part.noise.iloc[0]
    err = np.vstack([part.fitted_exponent - part.ci_low, part.ci_high - part.fitted_exponent])
    err = np.where(np.isfinite(err), err, 0.0)
    ax.errorbar(part.alpha + offset, y, yerr=err, fmt=_MARKERS.get(noise, "o"), ms=4, capsize=2, color=colour,
                mfc="none" if noise.endswith("onesided") else None, label=label)  # fmt: skip


def plot_exponent_vs_alpha(claim: Claim, rates: pd.DataFrame, path: Path) -> None:
    """Judged methods: fitted exponent vs alpha (95% bootstrap CI) on the theory curve, and below it the deviation
    from theory with the tolerance band and the finite-k prediction, one column per mean metric."""
    metrics = [m for m in claim.metrics if m.stat == "mean" and m.primary]
    fig, axes = plt.subplots(2, len(metrics), figsize=(5.0 * len(metrics), 6.5), squeeze=False, layout="constrained")
    a = np.linspace(1.02, 2.0, 200)
    for j, m in enumerate(metrics):
        top, bottom = axes[0, j], axes[1, j]
        top.plot(a, [m.theory(x) for x in a], color="k", lw=1.2, label="theory")
        tol = EXPONENT_TOLERANCE
        bottom.axhspan(-tol, tol, color="0.9", label=f"tolerance +-{tol}")
        bottom.axhline(0.0, color="k", lw=0.8)
        sel = rates[(rates.metric == m.name) & rates.method.isin(claim.judged_methods)]
        for i, ((method, noise), part) in enumerate(sel.groupby(["method", "noise"])):
            part = part.sort_values("alpha")
            off = (i - 0.5) * 0.01
            colour = f"C{i}"
            _exponent_points(top, part, part.fitted_exponent, off, colour, f"{method}, {noise}")
            _exponent_points(
                bottom, part, part.fitted_exponent - part.theory_exponent, off, colour, f"{method}, {noise}"
            )
            fk = part.dropna(subset=["finite_k_exponent"])
            if len(fk):
                for ax, y in ((top, fk.finite_k_exponent), (bottom, fk.finite_k_exponent - fk.theory_exponent)):
                    ax.plot(fk.alpha, y, ls="--", marker="x", color=colour, lw=0.8, ms=5, label=f"finite-k, {noise}")
        top.set_title(m.description, fontsize=10)
        top.set_ylabel("exponent")
        bottom.set_ylabel("fitted - theory")
        bottom.set_xlabel("alpha (= tail)")
        top.legend(fontsize=7)
        bottom.legend(fontsize=7)
    fig.suptitle(f"{claim.id}: fitted exponents vs alpha (95% bootstrap CI), finite-k prediction dashed", fontsize=10)
    save_fig(fig, path)


def plot_foil(claim: Claim, rates: pd.DataFrame, path: Path) -> bool:
    """Methods that are not judged (the foil, e.g. SGD): mean vs median exponents vs alpha with CIs.

    Returns False (and draws nothing) when the profile has no such method.
    """
    sel = rates[~rates.method.isin(claim.judged_methods)]
    if sel.empty:
        return False
    names = [m.name for m in claim.metrics if m.stat in ("mean", "median")]
    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.6), squeeze=False, layout="constrained")
    a = np.linspace(1.02, 2.0, 200)
    for ax, name in zip(axes[0], names, strict=True):
        m = next(x for x in claim.metrics if x.name == name)
        ax.plot(a, [m.theory(x) for x in a], color="k", lw=1.2, label="theory")
        for i, ((method, noise), part) in enumerate(sel[sel.metric == name].groupby(["method", "noise"])):
            part = part.sort_values("alpha")
            _exponent_points(ax, part, part.fitted_exponent, (i - 0.5) * 0.01, f"C{i + 3}", f"{method}, {noise}")
        ax.set_title(m.description, fontsize=10)
        ax.set_xlabel("alpha (= tail)")
        ax.legend(fontsize=7)
    axes[0, 0].set_ylabel("fitted exponent")
    fig.suptitle(f"{claim.id}: the unjudged methods; a mean square that never settles shows as scattered means",
                 fontsize=10)  # fmt: skip
    save_fig(fig, path)
    return True


def markdown_table(df: pd.DataFrame, cols: list[str]) -> str:
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df[cols].iterrows():
        cells = [
            "–" if isinstance(v, float) and math.isnan(v) else f"{v:g}" if c in ("alpha", "tail")
            else f"{v:.4g}" if isinstance(v, float) else str(v).replace("|", "\\|")
            for c, v in zip(cols, r, strict=True)
        ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def headline(rates: pd.DataFrame, controls: pd.DataFrame) -> str:
    """The run's verdict counts: evidence apart from exact checks and info, and the negative controls."""
    c = verdicts.counts(rates)
    failed = int((controls.got == "fail").sum()) if len(controls) else 0
    return (
        f"Evidence: {c['evidence_pass']} pass, {c['evidence_fail']} fail, {c['evidence_inconclusive']} inconclusive. "
        f"Exact checks: {c['exact_pass']} pass, {c['exact_fail']} fail. Info rows: {c['info']}. "
        f"Negative controls: {failed} of {len(controls)} judged fail by their claim's own rules (each must fail)."
    )


def render_report(sections: dict[str, str], provenance: dict, rates: pd.DataFrame, controls: pd.DataFrame) -> str:
    """REPORT.md: headline counts, which run produced each claim, how to read it, then one section per claim."""
    runs = pd.DataFrame([{"claim": c, "profile": r["profile"] + ("" if not r["overrides"] else " **off-profile**: "
                          + ", ".join(f"{k} = {v}" for k, v in r["overrides"].items())),
                          "seed": r["seed"], "git": f"`{r['git_revision']}`", "date (UTC)": r["date"],
                          "threads": r["numba_threads"], "wall s": f"{r['wall_time_s']:.0f}",
                          "CPU / wall": f"{r['cpu_time_s'] / max(r['wall_time_s'], 0.1):.2f}" if "cpu_time_s" in r
                          else "-",
                          "peak MiB": f"{r['peak_rss_mib']:.0f}" if "peak_rss_mib" in r else "-",
                          "computed / cached": f"{r['configurations_computed']} / {r['configurations_from_cache']}"}
                         for c, r in provenance["claims"].items()])  # fmt: skip
    head = [
        "# Rate verification report",
        "",
        "**" + headline(rates, controls) + "**",
        "",
        "Which run produced each claim (a run of some claims replaces those and keeps the others; "
        "`provenance.json` has the package versions of each):",
        "",
        markdown_table(runs, list(runs.columns)),
        "",
        "How to read this: every judged row is declared beside its claim (`theory/claims.py`): the statistic, the "
        "comparison, the tolerance and the reason for the tolerance; the rules printed under each claim are rendered "
        "from those declarations, and `theory/verdicts.py` judges every claim with one function. `evidence` rows "
        "measure a statistic against a prediction; `exact` rows are identities and regression checks; `info` rows "
        "illustrate and are not judged. A row is `inconclusive` when the data cannot decide, by a declared rule "
        "computed from the data alone: the 95% CI is wider than the tolerance, the window's `drift` (late-half minus "
        "early-half slope) exceeds twice the tolerance, or the predicted exponent is smaller than the CI half-width. "
        "Each claim with evidence rows has negative controls: deliberately wrong set-ups that its own rules must fail. "
        "Full table: `rates.csv`; per-checkpoint statistics: `runs/<claim>.parquet`; run details: `provenance.json`.",
        "",
    ]
    return "\n".join(head) + "\n" + "".join(sections.values())


DEFAULT_COLUMNS = ["method", "noise", "alpha", "metric", "theory_exponent", "fitted_exponent", "ci_low", "ci_high",
                   "finite_k_exponent", "drift", "k_min", "k_max", "trials", "n_diverged", "verdict"]  # fmt: skip


def _not_passing(rates: pd.DataFrame) -> str:
    """The judged rows that did not pass, each with its statistic and why (rendered from this run)."""
    rows = rates[rates.verdict.isin(["fail", "inconclusive"])]
    if rows.empty:
        return "Every judged row passed in this run."
    lines = []
    for _, r in rows.iterrows():
        where = ", ".join(f"{c} {r[c]:.4g}" if isinstance(r[c], float) else f"{c} {r[c]}"
                          for c in ("method", "noise", "alpha", "beta") if not pd.isna(r[c]))  # fmt: skip
        stat = r["fitted_exponent"] if not pd.isna(r["fitted_exponent"]) else r["value"]
        target = r["theory_exponent"] if not pd.isna(r["theory_exponent"]) else r["predicted"]
        lines.append(f"- **{r.verdict}** `{r.metric}` ({where}): measured {stat:.4g}"
                     + ("" if pd.isna(target) else f", predicted {target:.4g}")
                     + ("" if pd.isna(r.ci_low) else f", CI [{r.ci_low:.4g}, {r.ci_high:.4g}]")
                     + ("" if pd.isna(r.finite_k_exponent) else f", finite-k prediction {r.finite_k_exponent:.4g}")
                     + (f"; {r.verdict_note}" if r.verdict_note else "") + ".")  # fmt: skip
    return "\n".join(lines)


def claim_section(claim: Claim, profile, rates: pd.DataFrame, controls: pd.DataFrame, figures: list[str],
                  cols: list[str] | None = None, appendix: str = "", overrides: dict | None = None) -> str:  # fmt: skip
    """A REPORT.md section: statement, rendered rules, judged rows, rows not passing, controls, info rows, notes,
    figures. ``rates`` are already judged."""
    cols = cols or DEFAULT_COLUMNS
    cols = [c for c in cols if c != "verdict"] + ["kind", "verdict"]
    judged = rates[rates.kind != "info"]
    info = rates[rates.kind == "info"].drop(columns=["kind"])
    info_cols = [c for c in cols if c not in ("kind", "verdict")]
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
        parts += ["### Negative controls", "", markdown_table(controls, ["mutant", "setup", "expected", "got",
                                                                         "why"]), ""]  # fmt: skip
    parts += ["### Illustrations (info)", "", markdown_table(info, info_cols) if len(info) else "(none)", ""]
    if appendix:
        parts += [appendix, ""]
    if claim.notes:
        parts += ["### Notes", "", claim.notes, ""]
    parts += [f"![{f}](figures/{f})" for f in figures] + [""]
    return "\n".join(parts)


def run_record(profile: str, seed: int, overrides: dict, threads: int, wall: float, cpu: float, computed: int,
               cached: int, figures: list[str], executor: str = "local") -> dict:  # fmt: skip
    """Provenance of one claim's results: the run (git revision, profile, seed, overrides, date, executor), its
    size and cost (wall time, this process's CPU time in seconds over all its threads (with ``--executor dask``
    the workers' is not counted), configurations computed and loaded, the process's peak resident memory at the end of
    the claim: cumulative over the run, so the claim where it jumps is the one that needed it), the figures it
    drew, and the versions of the packages that computed it."""
    import datetime

    import numba
    import pyarrow
    import scipy

    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "simulate", "theory"], capture_output=True,
                               text=True, check=True).stdout.strip()  # fmt: skip
        revision = rev.stdout.strip() + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        revision = "unknown"
    return dict(
        profile=profile,
        seed=seed,
        overrides={k: list(v) if isinstance(v, tuple) else v for k, v in overrides.items()},
        git_revision=revision,
        date=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M"),
        wall_time_s=round(wall, 1),
        cpu_time_s=round(cpu, 1),
        numba_threads=threads,
        executor=executor,
        peak_rss_mib=peak_rss_mib(),
        configurations_computed=computed,
        configurations_from_cache=cached,
        figures=list(figures),
        python=platform.python_version(),
        platform=platform.platform(),
        versions=dict(
            numpy=np.__version__,
            scipy=scipy.__version__,
            numba=numba.__version__,
            pandas=pd.__version__,
            pyarrow=pyarrow.__version__,
            matplotlib=matplotlib.__version__,
        ),  # fmt: skip
    )
