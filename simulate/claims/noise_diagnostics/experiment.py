"""noise-diagnostics: norm histograms in R^d, running variance, tail-index estimators (validated, then applied to
the noise a kernel run draws)."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simulate.engine.run import map_on_threads
from simulate.pieces.noise import sample
from simulate.publish.figures import save_fig
from simulate.publish.rows import measurement_row, measurements
from simulate.run.config import QuadraticRun
from simulate.run.context import ClaimOutput, Context
from theory import confidence, tail_index
from theory.declarations import Claim
from theory.fitting import slopes

from .claim import DiagnosticsProfile

# Vector-noise models for the norm study: (label, coordinate law or None for radial, tail)
NORM_MODELS = (
    ("gaussian coords", "gaussian", 2.0),
    ("indep. pareto coords tail 1.5", "pareto", 1.5),
    ("indep. pareto coords tail 3", "pareto", 3.0),
    ("indep. stable coords tail 1.5", "stable", 1.5),
    ("radial pareto tail 1.5", None, 1.5),
    ("radial pareto tail 3", None, 3.0),
)

VARIANCE_LAWS = (("gaussian", 2.0), ("pareto", 1.5), ("stable", 1.5), ("student-t", 3.0), ("pareto", 2.5))
ESTIMATOR_LAWS = ("pareto", "stable", "student-t", "pareto-onesided")
INTENDED = {"hill": "pareto", "mohammadi": "stable"}
ESTIMATORS = {"hill": tail_index.hill, "mohammadi": tail_index.mohammadi}


def mean_ci(estimates: np.ndarray) -> tuple[float, float, float]:
    """Mean of independent estimates with its 95% Student-t interval (NaN bounds for fewer than 2)."""
    from scipy.stats import t

    est = np.asarray(estimates, dtype=float)
    mean = float(est.mean())
    if est.size < 2:
        return mean, math.nan, math.nan
    half = float(t.ppf(confidence.tails()[1], est.size - 1) * est.std(ddof=1) / math.sqrt(est.size))
    return mean, mean - half, mean + half


def vector_norms(model, tail: float, d: int, n: int, seed: int) -> np.ndarray:
    """Norms of n noise vectors in R^d: independent coordinates of law ``model``, or radial (``model`` None:
    a uniform direction times a symmetric-Pareto radius, whose norm is the radius's absolute value)."""
    if model is None:
        return np.abs(sample("pareto", tail, n, seed=seed, stream=d))
    x = sample(model, tail, n * d, seed=seed, stream=d).reshape(n, d)
    return np.linalg.norm(x, axis=1)


def _norm_rows(claim, p: DiagnosticsProfile, ctx: Context, path) -> list[dict]:
    rows = []
    fig, axes = plt.subplots(1, len(p.dims), figsize=(4.2 * len(p.dims), 3.8), squeeze=False, layout="constrained")
    for j, d in enumerate(p.dims):
        ax = axes[0, j]
        for i, (label, model, tail) in enumerate(NORM_MODELS):
            r = vector_norms(model, tail, d, p.norm_samples, ctx.seed + i)
            rel = r / np.median(r)
            spread = float(np.quantile(rel, 0.99))
            hill = tail_index.hill(r)
            rows.append(
                measurement_row(
                    claim,
                    f"norm_q99_over_median_d{d}",
                    method="norm",
                    noise=label,
                    tail=tail,
                    value=spread,
                    fitted_exponent=hill,
                    trials=p.norm_samples,
                    description=f"||xi|| in R^{d}: value = q99/median, fitted = Hill tail index",
                )
            )
            bins = np.logspace(np.log10(rel.min()), np.log10(rel.max()) + 1e-9, 40)
            ax.hist(rel, bins=bins, histtype="step", density=True, color=f"C{i}", label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"d = {d}")
        ax.set_xlabel(r"$\|\xi\|$ / median $\|\xi\|$")
    axes[0, 0].set_ylabel("density")
    axes[0, 0].legend()
    fig.suptitle("noise-diagnostics: norms of vector noise (concentrated = narrow)")
    save_fig(fig, path)
    return rows


def running_variance(x: np.ndarray, n_points: np.ndarray) -> np.ndarray:
    """Sample variance of x[:n] for each n in ``n_points`` (from running sums in float64)."""
    s1 = np.cumsum(x)[n_points - 1]
    s2 = np.cumsum(x * x)[n_points - 1]
    return (s2 - s1 * s1 / n_points) / (n_points - 1)


def _variance_rows(claim, p: DiagnosticsProfile, ctx: Context, path) -> list[dict]:
    rows = []
    n_points = np.unique(np.round(np.logspace(1, math.log10(p.variance_n), 50)).astype(int))
    window = n_points >= p.variance_n / 1000
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    for i, (noise, tail) in enumerate(VARIANCE_LAWS):
        curves = np.array(
            map_on_threads(  # each stream its own: side by side
                lambda s, noise=noise, tail=tail: running_variance(
                    sample(noise, tail, p.variance_n, seed=ctx.seed, stream=100 + s), n_points
                ),
                range(p.variance_streams),
            )
        )
        typical = np.median(curves, axis=0)
        slope = float(slopes(np.log(n_points[window]), np.log(typical[window])))
        rows.append(
            measurement_row(
                claim,
                "running_var_slope",
                method="running-variance",
                noise=noise,
                tail=tail,
                fitted_exponent=slope,
                trials=p.variance_streams,
                k_min=int(n_points[window][0]),
                k_max=int(n_points[-1]),
                description="slope of log(median running variance) vs log n",
            )
        )
        ax.loglog(n_points, typical / typical[0], color=f"C{i}", label=f"{noise}, tail {tail:g}")
    ax.set_xlabel("samples n")
    ax.set_ylabel("running variance / value at n = 10 (median of streams)")
    ax.set_title("noise-diagnostics: variance vs sample size ([Z] Fig. 1 d/h)")
    ax.legend()
    save_fig(fig, path)
    return rows


def _estimator_rows(claim, p: DiagnosticsProfile, ctx: Context, path) -> list[dict]:
    rows = []
    table = {}
    for noise in ESTIMATOR_LAWS:
        for tail in p.estimator_tails:
            draws = map_on_threads(
                lambda r, noise=noise, tail=tail: sample(noise, tail, p.estimator_n, seed=ctx.seed + r, stream=200),
                range(p.estimator_reps),
            )
            for name, estimator in ESTIMATORS.items():
                est = np.array([estimator(x) for x in draws])
                mean, lo, hi = mean_ci(est)
                rows.append(
                    measurement_row(
                        claim,
                        "tail_index_estimate",
                        method=name,
                        noise=noise,
                        tail=tail,
                        value=mean,
                        ci_low=lo,
                        ci_high=hi,
                        trials=p.estimator_reps,
                        k_max=p.estimator_n,
                        description=f"mean over {p.estimator_reps} samples of N = {p.estimator_n}; "
                        "CI: Student-t interval of the mean",
                    )
                )
                table[name, noise, tail] = (mean, *np.quantile(est, [0.025, 0.975]))
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    for ax, name in zip(axes, ESTIMATORS, strict=True):
        ax.plot([1.1, 1.9], [1.1, 1.9], color="k", lw=1, label="truth")
        for i, noise in enumerate(ESTIMATOR_LAWS):
            t = np.array(p.estimator_tails)
            m, lo, hi = (np.array([table[name, noise, a][q] for a in t]) for q in range(3))
            ax.errorbar(
                t + (i - 1.5) * 0.01,
                m,
                yerr=[m - lo, hi - m],
                fmt="o",
                ms=4,
                capsize=2,
                color=f"C{i}",
                label=noise + (" (intended)" if INTENDED[name] == noise else ""),
            )
        ax.set_title(f"{name} estimator, N = {p.estimator_n}")
        ax.set_xlabel("true tail index")
        ax.set_ylabel("estimate")
        ax.legend()
    save_fig(fig, path)
    return rows


def _kernel_configs(claim, p: DiagnosticsProfile, ctx: Context, laws) -> list:
    return [
        QuadraticRun(
            claim=claim.id,
            method="sgd",
            noise=noise,
            tail=a,
            alpha=min(a, 2.0),
            K=p.kernel_K,
            trials=p.kernel_trials,
            seed=ctx.seed,
            per_decade=100,
        )
        for noise, a in laws
    ]


def _kernel_estimates(cfg, arrays, p: DiagnosticsProfile, name: str) -> np.ndarray:
    """Estimator ``name`` on the kernel-recorded noise cut into groups of ``estimator_n`` samples."""
    xi = arrays["noise"].ravel()
    groups = xi[: xi.size // p.estimator_n * p.estimator_n].reshape(-1, p.estimator_n)
    return np.array([ESTIMATORS[name](g) for g in groups])


def _kernel_rows(claim, p: DiagnosticsProfile, ctx: Context) -> list[dict]:
    """Estimate the tail index of the gradient noise g - grad f recorded inside SGD runs.

    The noise is recorded at every checkpoint (100 per decade), and the samples are cut into groups of
    ``estimator_n``, as in the validation: the row reports the mean estimate over groups and their spread.
    """
    laws = [(noise, a) for noise in INTENDED.values() for a in p.estimator_tails]
    results = ctx.run(_kernel_configs(claim, p, ctx, laws))
    rows = []
    for cfg, arrays, _ in results:
        for name in ESTIMATORS:
            est = _kernel_estimates(cfg, arrays, p, name)
            mean, lo, hi = mean_ci(est)
            rows.append(
                measurement_row(
                    claim,
                    "kernel_noise_tail_index",
                    method=name,
                    noise=cfg.noise,
                    tail=cfg.tail,
                    value=mean,
                    ci_low=lo,
                    ci_high=hi,
                    trials=len(est),
                    k_max=p.estimator_n,
                    description=f"g - grad f recorded in an SGD run: mean over {len(est)} groups of "
                    f"N = {p.estimator_n}; CI: Student-t interval of the mean",
                )
            )
    return rows


def run(claim: Claim, p: DiagnosticsProfile, ctx: Context) -> ClaimOutput:
    figs = [f"{claim.id}_norms.png", f"{claim.id}_running_variance.png", f"{claim.id}_estimators.png"]
    rows = _norm_rows(claim, p, ctx, ctx.figures / figs[0])
    rows += _variance_rows(claim, p, ctx, ctx.figures / figs[1])
    rows += _estimator_rows(claim, p, ctx, ctx.figures / figs[2])
    rows += _kernel_rows(claim, p, ctx)
    rates = measurements(rows)
    cols = [
        "method",
        "noise",
        "tail",
        "metric",
        "theory_exponent",
        "fitted_exponent",
        "value",
        "predicted",
        "ci_low",
        "ci_high",
        "trials",
    ]
    return ClaimOutput(rates, pd.DataFrame(), figs, cols)


def _hill_on_wrong_tail(claim, p: DiagnosticsProfile, ctx: Context) -> pd.DataFrame:
    """Hill on kernel noise of tail 1.2, presented as tail 1.5 (a negative control)."""
    ((cfg, arrays, _),) = ctx.run(_kernel_configs(claim, p, ctx, [("pareto", 1.2)]))
    est = _kernel_estimates(cfg, arrays, p, "hill")
    mean, lo, hi = mean_ci(est)
    return measurements(
        [
            measurement_row(
                claim,
                "kernel_noise_tail_index",
                method="hill",
                noise="pareto",
                tail=1.5,
                value=mean,
                ci_low=lo,
                ci_high=hi,
                trials=len(est),
            )
        ]
    )


CONTROLS = {"tail-1.2-claimed-1.5": _hill_on_wrong_tail}
