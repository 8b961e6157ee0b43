"""het-gd-vs-sign: iterations to a target suboptimality against the block heterogeneity kappa_het, GD against
SignGD, Signum and Adam, on axis-aligned block quadratics and on the same spectra rotated (the control)."""

import hashlib
import sys
from functools import cache

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simulate.claims.het_gd_vs_sign.model import iterations_to_target
from simulate.engine.run import map_on_threads
from simulate.pieces import noise as noise_laws
from simulate.pieces.methods import method as make_method
from simulate.publish.figures import save_fig
from simulate.publish.markdown import markdown_table
from simulate.publish.rows import measurement_row, measurements
from simulate.run.context import ClaimOutput, Context
from theory import heterogeneity as het
from theory.declarations import Claim
from theory.fitting import slopes

from .claim import HeterogeneityProfile

# suite name -> (simulate.pieces.methods vector method, power of the step schedule eta0 / k^power)
METHODS = {"gd": ("sgd", 0.0), "signgd": ("signsgd", 0.5), "signum": ("signum", 0.5), "adam": ("adam", 0.5)}
ROTATION_SEED = 7


def problem(p: HeterogeneityProfile, kappa: float, rotated: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(H, x_star, eigenvalues): x* = 1/sqrt(lambda_i) in the eigenbasis, so every eigen-coordinate holds 1/2 of
    f(0) - f* = d/2; rotated: H = Q diag(lambda) Q^T and x* = Q y* with a fixed Haar-random Q."""
    eig = het.block_spectrum(p.blocks, kappa, p.kappa_in)
    y_star = 1.0 / np.sqrt(eig)
    if not rotated:
        return np.diag(eig), y_star, eig
    q = het.random_rotation(eig.size, ROTATION_SEED)
    return het.exact_matmul(q * eig, q.T), het.exact_matmul(q, y_star), eig


def stream_key(method: str, law: str, rotated: bool) -> int:
    """64-bit stream key of a noisy run, stable across processes (Python's ``hash`` of a str is salted per process)."""
    return int(hashlib.sha256(f"{method}|{law}|{rotated}".encode()).hexdigest()[:16], 16)


def hitting(H, rotated, x_star, method, eta0, p, *, noise=("none", 0.0), trials=1, seed=0, max_iter=None):
    """Steps until f - f* <= p.target (f(0) - f*) for each trial (max_iter + 1 where not reached)."""
    name, power = METHODS[method]
    noise_law, level = noise
    d = x_star.size
    step = make_method(name, "vector", eta0=eta0, power=power, beta1=0.9, beta2=0.999, eps=1e-8)
    added = noise_laws.NONE if level == 0 else noise_laws.law(noise_law, 1.5, scales=np.full(d, float(level)))
    hits, _ = iterations_to_target(
        H,
        not rotated,
        x_star,
        np.zeros(d),
        step,
        added,
        p.target * d / 2.0,
        int(max_iter or p.max_iter),
        trials=trials,
        seed=seed,
        stream_key=stream_key(method, noise_law, rotated),
    )
    return hits


def best_eta(H, rotated, x_star, method, p, **kw) -> tuple[float, float]:
    """(eta0, median steps) minimising the median steps over the grid; GD uses its step 1/L_max = 1. The grid's
    runs are independent single-threaded kernel calls (one trial each), so they run side by side on Numba's
    thread count; each run's result does not depend on it."""
    if method == "gd":
        return 1.0, float(np.median(hitting(H, rotated, x_star, method, 1.0, p, **kw)))

    def median_steps(eta):
        return float(np.median(hitting(H, rotated, x_star, method, eta, p, **kw)))

    steps, eta = min(zip(map_on_threads(median_steps, p.etas), p.etas, strict=True))
    return eta, steps


def _power(kappas, steps) -> float:
    """Least-squares slope of log(steps) against log(kappa_het)."""
    return float(slopes(np.log(np.asarray(kappas, dtype=float)), np.log(np.asarray(steps, dtype=float))))


@cache
def tuned_row(p: HeterogeneityProfile, kappa: float, rotated: bool, method: str) -> dict:
    """Iterations to the target of one (family, kappa_het, method), the method at its best eta0 (memoised: the
    negative control reuses the rotated family's rows)."""
    H, x_star, eig = problem(p, kappa, rotated)
    gradient_at_start = het.exact_matmul(H, -x_star)  # at x = 0
    gd_count = het.gd_iterations(eig, np.full(eig.size, 0.5), p.target * eig.size / 2.0)
    # sign methods are censored at 4x GD's count (+1000): only "slower than GD" matters beyond that
    limit = p.max_iter if method == "gd" else int(min(p.max_iter, 4 * gd_count + 1000))
    eta, steps = best_eta(H, rotated, x_star, method, p, max_iter=limit)
    return dict(
        family="rotated" if rotated else "axis-aligned",
        kappa_het=kappa,
        method=method,
        eta0=eta,
        iterations=steps,
        censored=steps > limit,
        gd_count=gd_count,
        L2=het.l2_smoothness(H),
        Linf=het.linf_smoothness(H),
        grad_het=het.gradient_heterogeneity(gradient_at_start, p.blocks, per_coordinate=True)["max_min_ratio"],
        hess_het=het.hessian_heterogeneity(H, p.blocks)["max_min_ratio"],
    )


def _table(p: HeterogeneityProfile, families=(False, True), methods=tuple(METHODS), progress=True) -> list[dict]:
    """Iterations to the target per (family, kappa_het, method), each method at its best eta0."""
    cells = [(kappa, rotated, method) for rotated in families for kappa in p.kappas for method in methods]

    def tune(cell):
        row = tuned_row(p, *cell)
        if progress:
            print(
                f"  {row['family']:12s} kappa_het={row['kappa_het']:<8g} {row['method']:6s} "
                f"eta0={row['eta0']:<8.3g} steps={row['iterations']:.0f}",
                file=sys.stderr,
            )
        return row

    # cells side by side too: a GD run is one long single-threaded call, the sign methods' grids are many short ones
    return map_on_threads(tune, cells)


def run(claim: Claim, p: HeterogeneityProfile, ctx: Context) -> ClaimOutput:
    table = pd.DataFrame(_table(p, progress=ctx.progress))
    rows = power_rows(claim, table)
    rows += _noisy_rows(claim, p, table, ctx.seed)
    rates = measurements(rows)
    figs = [f"{claim.id}_iterations_vs_kappa.png"]
    _plot(claim, table, ctx.figures / figs[0])
    cols = ["method", "noise", "metric", "theory_exponent", "fitted_exponent", "value", "description"]
    appendix = "### Iterations to the target\n\n" + markdown_table(table, list(table.columns))
    return ClaimOutput(rates, table.assign(claim=claim.id), figs, cols, appendix)


def power_rows(claim: Claim, table: pd.DataFrame, family_label: dict | None = None) -> list[dict]:
    """Per (family, method): the growth power in kappa_het and, for methods other than GD, the power minus GD's on
    the same family (what the claim judges). ``family_label`` renames families (a negative control)."""
    rows, powers = [], {}
    for (family, method), part in table.groupby(["family", "method"], sort=False):
        part = part.sort_values("kappa_het")
        powers[(family, method)] = _power(part.kappa_het, part.iterations)
    for (family, method), power in powers.items():
        part = table[(table.family == family) & (table.method == method)].sort_values("kappa_het")
        last = part.iloc[-1]
        gd_last = table[(table.family == family) & (table.method == "gd")].sort_values("kappa_het").iloc[-1]
        noise = f"none, {(family_label or {}).get(family, family)}"
        common = dict(method=method, noise=noise, trials=1, n_diverged=int(part.censored.sum()))
        rows.append(
            measurement_row(
                claim,
                "growth_power_in_kappa_het",
                **common,
                fitted_exponent=power,
                value=gd_last.iterations / last.iterations,
                description=f"value = GD's iterations / this method's at kappa_het = {last.kappa_het:g}; "
                "n_diverged = censored points",
            )
        )
        if method != "gd":
            rows.append(
                measurement_row(
                    claim,
                    "power_minus_gd",
                    **common,
                    value=power - powers[(family, "gd")],
                    description="growth power minus GD's on the same family",
                )
            )
    return rows


def _rotated_as_axis_aligned(claim: Claim, p: HeterogeneityProfile, ctx: Context) -> pd.DataFrame:
    """SignGD's rows on the rotated family, presented as axis-aligned (a negative control)."""
    table = pd.DataFrame(_table(p, (True,), ("gd", "signgd"), progress=False))
    rows = power_rows(claim, table, family_label={"rotated": "axis-aligned"})
    return measurements([r for r in rows if r["method"] == "signgd"])


CONTROLS = {"rotated-as-axis-aligned": _rotated_as_axis_aligned}


def _noisy_rows(claim: Claim, p: HeterogeneityProfile, table: pd.DataFrame, seed: int) -> list[dict]:
    """Median iterations (info) with gradient noise, axis-aligned family, each method at its deterministic eta0."""

    def median_steps(run):
        (law, level), method, kappa = run
        H, x_star, _ = problem(p, kappa, False)
        eta = table[(table.family == "axis-aligned") & (table.kappa_het == kappa) & (table.method == method)].eta0.iloc[
            0
        ]
        hits = hitting(H, False, x_star, method, eta, p, noise=(law, level), trials=p.noisy_trials, seed=seed)
        return float(np.median(hits))

    runs = [(noise, method, kappa) for noise in p.noises for method in METHODS for kappa in p.kappas]
    # side by side: a few trials fit in one block of trials, which runs on one thread
    medians = dict(zip(runs, map_on_threads(median_steps, runs), strict=True))
    rows = []
    for law, level in p.noises:
        for method in METHODS:
            steps = [medians[((law, level), method, kappa)] for kappa in p.kappas]
            rows.append(
                measurement_row(
                    claim,
                    method=method,
                    noise=f"{law} {level:g}, axis-aligned",
                    metric="growth_power_in_kappa_het",
                    fitted_exponent=_power(p.kappas, steps),
                    value=steps[-1],
                    trials=p.noisy_trials,
                    description=f"median iterations with noise; value = at kappa_het = {p.kappas[-1]:g}; "
                    "eta0 from the deterministic tuning",
                )
            )
    return rows


def _plot(claim: Claim, table: pd.DataFrame, path) -> None:
    families = list(dict.fromkeys(table.family))
    fig, axes = plt.subplots(
        1, len(families), figsize=(5.5 * len(families), 4.2), squeeze=False, sharey=True, layout="constrained"
    )
    for ax, family in zip(axes[0], families, strict=True):
        part = table[table.family == family]
        for i, method in enumerate(METHODS):
            sel = part[part.method == method].sort_values("kappa_het")
            ax.loglog(sel.kappa_het, sel.iterations, "o-", color=f"C{i}", label=method)
            cens = sel[sel.censored]
            ax.loglog(cens.kappa_het, cens.iterations, "^", color=f"C{i}", ms=9, mfc="none")
        gd = part[part.method == "gd"].sort_values("kappa_het")
        ax.loglog(gd.kappa_het, gd.gd_count, "k:", label="GD count (L2/mu) log(Delta/eps), exact")
        ref = part[part.method == "signgd"].sort_values("kappa_het")
        ax.loglog(
            ref.kappa_het,
            ref.iterations.iloc[0] * ref.Linf / ref.Linf.iloc[0],
            "k--",
            lw=0.8,
            label="T ~ L_inf (from kappa_het = 1)",
        )
        ax.set_title(f"{family} (open triangles: censored)")
        ax.set_xlabel(r"$\kappa_{het} = \max_b L_b / \min_b L_b$")
        ax.legend()
    axes[0, 0].set_ylabel("iterations to f - f* <= 1e-3 (f(x0) - f*)")
    fig.suptitle(f"{claim.id}: GD against sign methods as the blocks' curvatures spread")
    save_fig(fig, path)
