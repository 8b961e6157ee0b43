"""cor7-thm8-dimension: GClip vs CClip per-coordinate error against the dimension d (Corollary 7 / Theorem 8)."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simulate.engine.run import map_on_threads
from simulate.pieces.noise import sample
from simulate.publish.figures import save_fig
from simulate.publish.markdown import markdown_table
from simulate.publish.rows import measurement_row, measurements, relabelled
from simulate.run.config import AdaptiveRun, checkpoints
from simulate.run.context import ClaimOutput, Context
from theory import confidence, dimension
from theory.declarations import Claim
from theory.fitting import fit_exponent, slopes, smallest_fit_horizon
from theory.sequential import resamples

from .claim import DimensionProfile

N_BOOT = 1000
SMALLEST_K = smallest_fit_horizon(checkpoints)  # the smallest --K whose fit window holds its 3 checkpoints


def coordinate_G(tail: float, p: float, d: int, draws: int, seed: int) -> tuple[float, float, int]:
    """Monte-Carlo G = (E||xi||^p)^(1/p) for d i.i.d. unit symmetric Pareto(tail) coordinates; returns
    (G, relative standard error of G, number of vectors).

    ||xi||^p has tail index tail/p, barely above 1 here, so a plain sample mean converges very slowly. The sample
    is truncated at T = 100 d^(1/tail) and the part above T is added in closed form: above T one coordinate carries
    the norm (the others sum to ~ d^(1/tail) << T), so E[||xi||^p; ||xi|| > T] = d a T^(p - a)/(a - p) up to
    O((d^(1/tail)/T)^2). The truncated part has finite variance; its standard error is the one reported.
    """
    n = max(1000, draws // d)
    chunk = max(1, 2_000_000 // d)

    def chunk_norms(start: int) -> np.ndarray:
        m = min(chunk, n - start)
        xi = sample("pareto", tail, m * d, seed=seed, stream=d * 1_000_003 + start).reshape(m, d)
        return np.linalg.norm(xi, axis=1)

    norms = np.concatenate(map_on_threads(chunk_norms, range(0, n, chunk)))  # each chunk its own stream
    T = 100.0 * d ** (1.0 / tail)
    body = np.where(norms <= T, norms**p, 0.0)
    moment = body.mean() + d * tail * T ** (p - tail) / (tail - p)
    rel_se = body.std(ddof=1) / math.sqrt(n) / moment / p  # delta method: G = moment^(1/p)
    return moment ** (1.0 / p), rel_se, n


def thresholds(shape: str, tail: float, alpha: float, d: int, p: DimensionProfile, seed: int) -> dict:
    """G (GClip) and B (CClip, equal for every coordinate here) for unit noise scale, with how G was obtained."""
    if shape == "radial":
        return dict(G=dimension.radial_G(tail, alpha), B=dimension.radial_B(tail, alpha, d), G_rel_se=0.0, G_n=0)
    B = dimension.coordinate_B(tail, alpha)
    if d == 1:
        return dict(G=B, B=B, G_rel_se=0.0, G_n=0)
    G, rel_se, n = coordinate_G(tail, alpha, d, p.g_draws, seed)
    return dict(G=G, B=B, G_rel_se=rel_se, G_n=n)


def configs(claim: Claim, p: DimensionProfile, seed: int) -> list[tuple[AdaptiveRun, dict]]:
    out = []
    for alpha in p.alphas:
        tail = alpha + p.tail_offset
        for shape in p.shapes:
            for d, trials in p.dims:
                th = thresholds(shape, tail, alpha, d, p, seed)
                for method in ("gclip", "cclip"):
                    cfg = AdaptiveRun(
                        claim=claim.id,
                        method=method,
                        noise="pareto",
                        alpha=alpha,
                        K=p.K,
                        trials=trials,
                        tail=tail,
                        shape=shape,
                        d=d,
                        x0=0.0,
                        G=th["G"],
                        B=th["B"],
                        seed=seed,
                    )
                    out.append((cfg, th))
    return out


def _boot_means(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """N_BOOT bootstrap means of a 1-D sample (trials resampled with replacement)."""
    n = values.size
    counts = rng.multinomial(n, np.full(n, 1.0 / n), size=N_BOOT)
    return counts @ values / n


def run(claim: Claim, p: DimensionProfile, ctx: Context) -> ClaimOutput:
    rows, table, per_coord = _measure(claim, p, ctx)
    rows += _power_rows(claim, p, per_coord)
    rates = measurements(rows)
    figs = [f"{claim.id}_error_vs_d.png"]
    _plot(claim, table, rates, ctx.figures / figs[0])
    appendix = "### Per-coordinate error at k = K\n\n" + markdown_table(table, list(table.columns))
    return ClaimOutput(rates, table.assign(claim=claim.id), figs, _COLS, appendix)


def _radial_as_coordinate(claim: Claim, p: DimensionProfile, ctx: Context) -> pd.DataFrame:
    """GClip's power of d under radial noise, presented as coordinate noise (a negative control)."""
    p = DimensionProfile(**{**p.__dict__, "shapes": ("radial",)})
    _, _, per_coord = _measure(claim, p, ctx)
    rows = [r for r in _power_rows(claim, p, per_coord) if r["method"] == "gclip"]
    return measurements([relabelled(claim, r, noise="pareto-coordinate") for r in rows])


def _gclip_as_cclip(claim: Claim, p: DimensionProfile, ctx: Context) -> pd.DataFrame:
    """GClip's power of d under coordinate noise, presented as CClip's (a negative control)."""
    p = DimensionProfile(**{**p.__dict__, "shapes": ("coordinate",)})
    _, _, per_coord = _measure(claim, p, ctx)
    rows = [r for r in _power_rows(claim, p, per_coord) if r["method"] == "gclip"]
    return measurements([relabelled(claim, r, method="cclip") for r in rows])


CONTROLS = {"radial-as-coordinate": _radial_as_coordinate, "gclip-as-cclip": _gclip_as_cclip}


def _measure(claim: Claim, p: DimensionProfile, ctx: Context) -> tuple[list[dict], pd.DataFrame, dict]:
    """Run the profile: exponent-in-k rows, the per-coordinate error table, and per (alpha, shape, method, d) the
    mean per-coordinate error at k = K with its bootstrap means."""
    pairs = configs(claim, p, ctx.seed)
    results = ctx.run([cfg for cfg, _ in pairs])
    rng = np.random.default_rng(ctx.seed)
    rows, table = [], []
    per_coord: dict = {}
    for (cfg, th), (_, arrays, _) in zip(pairs, results, strict=True):
        err = arrays["avg_sq"][:, -1] / cfg.d  # per-coordinate error at k = K, one value per trial
        boot = _boot_means(err, rng)
        per_coord[(cfg.alpha, cfg.shape, cfg.method, cfg.d)] = (err.mean(), boot)
        boots = resamples(claim.judged, f"k_exponent_d{cfg.d}", 300)
        fit = fit_exponent(arrays["k"], arrays["avg_sq"], "mean", n_boot=boots, seed=cfg.seed)
        rows.append(
            measurement_row(
                claim,
                f"k_exponent_d{cfg.d}",
                cfg,
                arrays,
                noise=f"pareto-{cfg.shape}",
                fitted_exponent=fit.exponent,
                ci_low=fit.ci_low,
                ci_high=fit.ci_high,
                k_min=fit.k_min,
                k_max=fit.k_max,
                drift=fit.drift,
                description=f"exponent in k of E||xbar_k - x*||^2 at d = {cfg.d}",
            )
        )
        table.append(
            dict(
                alpha=cfg.alpha,
                tail=cfg.tail,
                shape=cfg.shape,
                method=cfg.method,
                d=cfg.d,
                trials=cfg.trials,
                G=th["G"],
                B=th["B"],
                G_rel_se=th["G_rel_se"],
                G_vectors=th["G_n"],
                err_per_coord=err.mean(),
                ci_low=np.quantile(boot, confidence.tails()[0]),
                ci_high=np.quantile(boot, confidence.tails()[1]),
            )
        )
    return rows, pd.DataFrame(table), per_coord


_COLS = [
    "method",
    "noise",
    "alpha",
    "tail",
    "metric",
    "theory_exponent",
    "fitted_exponent",
    "ci_low",
    "ci_high",
    "value",
    "trials",
]


def _power(ds: list[int], means: list[float], boots: list[np.ndarray]) -> tuple[float, float, float]:
    """Least-squares power of d of the means, with a 95% CI from the per-d bootstrap means."""
    logd = np.log(np.array(ds, dtype=float))
    point = float(slopes(logd, np.log(np.array(means)))[()])
    b = slopes(logd, np.log(np.column_stack(boots)))
    return point, *map(float, np.quantile(b, confidence.tails()))


def _power_rows(claim: Claim, p: DimensionProfile, per_coord: dict) -> list[dict]:
    rows = []
    ds = [d for d, _ in p.dims]
    if len(ds) < 2:
        return rows
    for alpha in p.alphas:
        for shape in p.shapes:
            series = {m: [per_coord[(alpha, shape, m, d)] for d in ds] for m in ("gclip", "cclip")}
            base = dict(
                noise=f"pareto-{shape}",
                tail=alpha + p.tail_offset,
                alpha=alpha,
                k_min=p.K,
                k_max=p.K,
                description="power of d fitted over d = " + ", ".join(map(str, ds)),
            )
            for method, values in series.items():
                point, lo, hi = _power(ds, [v[0] for v in values], [v[1] for v in values])
                rows.append(
                    measurement_row(
                        claim,
                        "d_power_err_per_coord",
                        **base,
                        method=method,
                        fitted_exponent=point,
                        ci_low=lo,
                        ci_high=hi,
                    )
                )
            ratio_means = [g[0] / c[0] for g, c in zip(series["gclip"], series["cclip"], strict=True)]
            ratio_boots = [g[1] / c[1] for g, c in zip(series["gclip"], series["cclip"], strict=True)]
            point, lo, hi = _power(ds, ratio_means, ratio_boots)
            rows.append(
                measurement_row(
                    claim,
                    "d_power_ratio",
                    **{
                        **base,
                        "method": "gclip/cclip",
                        "fitted_exponent": point,
                        "ci_low": lo,
                        "ci_high": hi,
                        "value": ratio_means[-1],
                        "description": base["description"]
                        + f"; theory = Lemma 12's bound 2/alpha - 1; value = ratio at d = {ds[-1]}",
                    },
                )
            )
    return rows


def _plot(claim: Claim, table: pd.DataFrame, rates: pd.DataFrame, path) -> None:
    shapes = list(dict.fromkeys(table["shape"]))
    fig, axes = plt.subplots(
        1, 2 * len(shapes), figsize=(5.0 * 2 * len(shapes), 4.0), squeeze=False, layout="constrained"
    )
    for j, shape in enumerate(shapes):
        ax, rax = axes[0, 2 * j], axes[0, 2 * j + 1]
        for i, alpha in enumerate(sorted(table.alpha.unique())):
            for method, marker in (("gclip", "o-"), ("cclip", "s--")):
                sel = table[(table["shape"] == shape) & (table.alpha == alpha) & (table.method == method)]
                err = np.vstack([sel.err_per_coord - sel.ci_low, sel.ci_high - sel.err_per_coord])
                ax.errorbar(
                    sel.d,
                    sel.err_per_coord,
                    yerr=err,
                    fmt=marker,
                    ms=4,
                    capsize=2,
                    color=f"C{i}",
                    label=f"{method}, alpha={alpha:g}",
                )
            g = table[(table["shape"] == shape) & (table.alpha == alpha) & (table.method == "gclip")]
            c = table[(table["shape"] == shape) & (table.alpha == alpha) & (table.method == "cclip")]
            ratio = g.err_per_coord.to_numpy() / c.err_per_coord.to_numpy()
            rax.loglog(g.d, ratio, "o-", color=f"C{i}", label=f"measured, alpha={alpha:g}")
            rax.loglog(
                g.d,
                ratio[0] * g.d.to_numpy() ** (2 / alpha - 1),
                ":",
                color=f"C{i}",
                label=f"d^(2/alpha - 1) = d^{2 / alpha - 1:.2f}",
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("dimension $d$")
        ax.set_ylabel(r"$E\|\bar x_K - x^\star\|^2 / d$ (95% CI)")
        ax.set_title(f"{shape} noise")
        ax.legend()
        rax.set_xlabel("dimension $d$")
        rax.set_ylabel("GClip / CClip per-coordinate error")
        rax.set_title(f"{shape} noise: ratio against Lemma 12's power")
        rax.legend()
    fig.suptitle(f"{claim.id}: per-coordinate error at k = K against d")
    save_fig(fig, path)
