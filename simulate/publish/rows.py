"""The schema of a measurement row of rates.csv, owned here: its columns, how a row is built, and the check that
refuses a column the table does not have (the verdict layer reads guard columns such as ``limit_exponent``,
``drift``, ``ci_low`` and ``baseline_margin`` by name: a misspelt one must not vanish)."""

import pandas as pd

from theory.declarations import PREDICTED_COLUMNS, Claim

# Every column of rates.csv, in order; README documents each. Measurement columns are filled by the experiments,
# the verdict columns (kind .. reason) by theory.verdicts.judge from the claim's declarations, look and ci_level by
# the default profile's sequential design (simulate.looks).
MEASUREMENT_COLUMNS = [
    "claim",
    "method",
    "noise",
    "tail",
    "alpha",
    "beta",
    "metric",
    "theory_exponent",
    "fitted_exponent",
    "ci_low",
    "ci_high",
    "value",
    "predicted",
    "std_error",
    "trials",
    "k_min",
    "k_max",
    "finite_k_exponent",
    "limit_exponent",
    "drift",
    "n_diverged",
    "baseline_margin",
    "description",
]
VERDICT_COLUMNS = ["kind", "verdict", "verdict_note", "look", "ci_level", "rule", "tolerance", "reason"]
RATE_COLUMNS = MEASUREMENT_COLUMNS[:-1] + VERDICT_COLUMNS + ["description"]


class Row(dict):
    """A measurement row built by ``measurement_row``: its columns checked, the claim's predictions filled in."""


def diverged_trials(arrays: dict) -> int:
    """Trials of a run whose iterate overflowed (``diverged_at`` > 0): counted as +inf in every statistic, never
    dropped."""
    return int((arrays["diverged_at"] > 0).sum())


def _check_columns(row: dict, accepted: list[str] = MEASUREMENT_COLUMNS) -> None:
    """Refuse a row that names a column rates.csv does not have, or lacks its claim or metric (a misspelt column
    would otherwise be dropped, and a guard that reads it silently switched off)."""
    unknown = sorted(set(row) - set(accepted))
    if unknown:
        raise ValueError(
            f"a row of claim {row.get('claim')!r}, metric {row.get('metric')!r} names column(s) {', '.join(unknown)} "
            f"that rates.csv does not have; accepted: {', '.join(accepted)}"
        )
    missing = [c for c in ("claim", "metric") if not row.get(c)]
    if missing:
        raise ValueError(f"a row lacks its {' and '.join(missing)}: {row!r}")


def fit_columns(fit) -> dict:
    """A fitted exponent's columns of a row (``theory.fitting.FitResult``): the exponent, its CI, drift and window."""
    return dict(
        fitted_exponent=fit.exponent,
        ci_low=fit.ci_low,
        ci_high=fit.ci_high,
        drift=fit.drift,
        k_min=fit.k_min,
        k_max=fit.k_max,
    )


def measurement_row(
    claim: Claim, metric: str, run=None, arrays: dict | None = None, inputs: dict | None = None, **columns
) -> dict:
    """One measurement row of rates.csv: the claim and the metric; with a run configuration ``run``, its method,
    noise, tail, alpha and trials; with that run's ``arrays``, ``n_diverged`` (``diverged_trials``). ``columns``
    fill the other columns and override any of these (a negative control presents a run as another); a column left
    out is empty, and a column rates.csv does not have is refused (ValueError naming it). The claim's declared
    predictions (``Claim.predictions``) fill the theory columns from the row's own parameters (and ``inputs``, run
    settings that are not columns); a row built with a value in one of them is refused."""
    row = dict(claim=claim.id, metric=metric)
    if run is not None:
        row.update(method=run.method, noise=run.noise, tail=run.tail, alpha=run.alpha, trials=run.trials)
    if arrays is not None:
        row["n_diverged"] = diverged_trials(arrays)
    written = sorted(set(columns) & set(PREDICTED_COLUMNS))
    if written:
        raise ValueError(
            f"a row of claim {claim.id!r}, metric {metric!r} was given {', '.join(written)}: a predicted number is "
            "declared in the claim (Predicts) and filled in here, never written by an experiment"
        )
    row = {**row, **columns}
    _check_columns(row)
    return Row(claim.predict(row, inputs))


def relabelled(claim: Claim, row: dict, **changes) -> dict:
    """``row`` presented as another set-up (a negative control): ``changes`` applied to its columns, and the claim's
    predictions computed anew for the labels it now carries."""
    columns = {c: v for c, v in row.items() if c not in ("claim", "metric", *PREDICTED_COLUMNS)}
    return measurement_row(claim, changes.pop("metric", row["metric"]), **{**columns, **changes})


FLOAT_COLUMNS = [
    "tail",
    "alpha",
    "beta",
    "theory_exponent",
    "fitted_exponent",
    "ci_low",
    "ci_high",
    "value",
    "predicted",
    "std_error",
    "finite_k_exponent",
    "limit_exponent",
    "drift",
    "baseline_margin",
]


def measurements(rows: list[Row]) -> pd.DataFrame:
    """Measurement rows (each built by ``measurement_row``) as a frame with every column of rates.csv (verdict
    columns still empty; numeric columns float, so that every table writes them alike); any other row is refused
    (ValueError naming it)."""
    for row in rows:
        if not isinstance(row, Row):
            raise ValueError(
                f"a row of claim {row.get('claim')!r}, metric {row.get('metric')!r} was not built by measurement_row "
                "(which checks its columns and fills the claim's declared predictions)"
            )
        _check_columns(row, RATE_COLUMNS)
    return pd.DataFrame(rows, columns=RATE_COLUMNS).astype({c: float for c in FLOAT_COLUMNS})
