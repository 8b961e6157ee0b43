"""thm2-nonconvex: Theorem 2's rate in the horizon K, one GClip (and SGD) run per K with the theorem's eta, tau."""

import math
from dataclasses import replace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simulate.pieces.methods import clips
from simulate.publish.figures import save_fig
from simulate.publish.rows import diverged_trials, measurement_row, measurements
from simulate.run.config import NonconvexRun
from simulate.run.context import ClaimOutput, Context
from theory import nonconvex
from theory.declarations import EXPONENT_TOLERANCE, Claim
from theory.exponents import theorem2, theorem2_sgd_same_step
from theory.finite_k import MODEL_LAWS, linearised_model_holds, local_exponent, theorem2_metric
from theory.fitting import fit_exponent, window_mask
from theory.mean_square import mean_has_finite_variance
from theory.sequential import resamples

from .claim import PARETO_LAWS, Thm2Profile, instance_suffix


def horizons(K_min: int, K_max: int, per_decade: int) -> np.ndarray:
    """Log-spaced horizons K_min .. K_max (inclusive, unique integers), ``per_decade`` per decade."""
    if not (1 <= K_min < K_max):
        raise ValueError(f"K_min={K_min!r}, K_max={K_max!r}: need 1 <= K_min < K_max")
    n = int(round(per_decade * math.log10(K_max / K_min))) + 1
    return np.unique(np.round(np.logspace(math.log10(K_min), math.log10(K_max), max(n, 2))).astype(np.int64))


def configs(claim: Claim, p: Thm2Profile, seed: int) -> list[NonconvexRun]:
    """Every run of the profile: the main grid (GClip also at the lighter tail on the Pareto laws), the other
    parameter rules, the R^d objectives, the other 1-D instances (one run per K)."""
    base = dict(claim=claim.id, seed=seed, **claim.problem)
    Ks = horizons(p.K_min, p.K_max, p.per_decade)

    def grid(**problem) -> list[NonconvexRun]:
        runs = [
            NonconvexRun(**{**base, **problem}, method=m, noise=noise, alpha=a, K=int(K), trials=p.trials)
            for noise in p.noises
            for a in p.alphas
            for m in p.methods
            for K in Ks
        ]
        return runs + [
            replace(cfg, tail=round(cfg.alpha + p.lighter_tail, 6))
            for cfg in runs
            if cfg.method == "gclip" and cfg.noise in PARETO_LAWS
        ]

    runs = grid()
    runs += [
        NonconvexRun(**base, method="gclip", noise="pareto", alpha=a, K=int(K), trials=p.trials, params=rule)
        for rule in p.rules
        for a in p.rule_alphas
        for K in Ks
    ]
    K_obj = horizons(p.K_min, min(p.K_max, p.objective_K_max), p.per_decade)
    runs += [
        NonconvexRun(
            **{**base, "objective": obj, "d": d},
            method="gclip",
            noise="pareto",
            alpha=a,
            K=int(K),
            trials=p.objective_trials,
        )
        for obj, d in p.objectives
        for a in p.objective_alphas
        for K in K_obj
    ]
    for c, x0 in p.instances:
        runs += [cfg for cfg in grid(c=c, x0=x0) if cfg.method == "gclip"]
    return runs


def metric_suffix(claim: Claim, cfg: NonconvexRun) -> str:
    """Metric-name suffix of runs off the main grid."""
    if cfg.params != "scaling":
        return f"_{cfg.params}"
    if (cfg.objective, cfg.d) != ("cosine", 1):
        return f"_{cfg.objective}_d{cfg.d}"
    if (cfg.c, cfg.x0) != (claim.problem["c"], claim.problem["x0"]):
        return instance_suffix(cfg.c, cfg.x0)
    return ""


def _groups(results) -> dict:
    """Runs grouped by everything but K, each group's (configs, arrays) sorted by K."""
    groups: dict = {}
    for cfg, arrays, _ in results:
        groups.setdefault(replace(cfg, K=1), []).append((cfg, arrays))
    return {key: sorted(runs, key=lambda r: r[0].K) for key, runs in groups.items()}


MODEL_MIN_RELAXATIONS = 5.0  # eta * curvature * K below this: the run has not settled, no model value


LIMIT_HORIZONS = (10**30, 10**32)  # the model's local slope between these is its limit (its terms are powers of K)


def theorem2_model(cfg: NonconvexRun, runs) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """theory.finite_k.theorem2_metric at the simulated horizons, keyed by output, and the exponent in K it tends
    to (its slope between LIMIT_HORIZONS); empty where it does not apply (SGD, d > 1; NaN at horizons too short to
    settle near a minimum)."""
    if cfg.method != "gclip" or cfg.noise not in MODEL_LAWS or cfg.d != 1:
        return {}, {}
    curvature = nonconvex.curvature_at_minimum(cfg.c)

    def metric(eta, tau, K):
        return theorem2_metric(cfg.noise, cfg.tail, cfg.noise_scale, eta, tau, K, F0=cfg.F0, curvature=curvature)

    eta, tau, K = (np.array([float(a[name]) for _, a in runs]) for name in ("eta", "tau", "K"))
    avg, last = metric(eta, tau, K)
    settled = eta * curvature * K >= MODEL_MIN_RELAXATIONS  # the model assumes the run reached a minimum
    settled &= linearised_model_holds(cfg.noise, cfg.tail, tau, cfg.noise_scale)  # and a small clipping bias
    far = [cfg.parameters(K_far) for K_far in LIMIT_HORIZONS]
    far_avg, far_last = metric(*(np.array(v) for v in zip(*far, strict=True)), np.array(LIMIT_HORIZONS, dtype=float))
    span = math.log(LIMIT_HORIZONS[1] / LIMIT_HORIZONS[0])
    limits = {name: math.log(v[1] / v[0]) / span for name, v in (("avg", far_avg), ("last", far_last))}
    return {"avg": np.where(settled, avg, math.nan), "last": np.where(settled, last, math.nan)}, limits


def run(claim: Claim, p: Thm2Profile, ctx: Context) -> ClaimOutput:
    rows, stats = fit_groups(claim, ctx.run(configs(claim, p, ctx.seed)))
    rates = measurements(rows)
    stats = pd.DataFrame(stats)
    figs = [f"{claim.id}_metric_vs_K.png", f"{claim.id}_exponent_vs_alpha.png"]
    _metric_vs_K(claim, stats, rates, ctx.figures / figs[0])
    _exponents(claim, rates, ctx.figures / figs[1])
    if p.rules:
        figs.append(f"{claim.id}_parameter_rules.png")
        _rules(claim, stats, p, ctx.figures / figs[-1])
    return ClaimOutput(rates, stats, figs)  # REPORT's default columns


def _control(claim: Claim, p: Thm2Profile, ctx: Context, presented=None, **fields) -> pd.DataFrame:
    """The avg_min_grad row of GClip runs over the profile's horizons with Theorem 2's parameters (``fields``: noise,
    alpha, tail), presented as ``presented(run)`` (None: as itself)."""
    base = dict(claim=claim.id, seed=ctx.seed, **claim.problem)
    runs = [
        NonconvexRun(**base, method="gclip", K=int(K), trials=p.trials, **fields)
        for K in horizons(p.K_min, p.K_max, p.per_decade)
    ]
    rows, _ = fit_groups(claim, ctx.run(runs), presented)
    return measurements([r for r in rows if r["metric"] == "avg_min_grad"])


CONTROLS = {
    "tail-1.2-as-1.8": lambda claim, p, ctx: _control(
        claim, p, ctx, lambda c: replace(c, tail=c.alpha), noise="pareto", alpha=1.8, tail=1.2
    ),
    "student-t-onesided": lambda claim, p, ctx: _control(
        claim, p, ctx, noise="student-t-onesided", alpha=1.5, tail=1.6
    ),
}

POWER = {
    "tail-mismatch": lambda claim, p, ctx, delta: _control(
        claim, p, ctx, lambda c: replace(c, tail=c.alpha), noise="pareto", alpha=1.8, tail=round(1.8 - delta, 6)
    ),
}


def fit_groups(claim: Claim, results, presented=None) -> tuple[list[dict], list[dict]]:
    """Rows of rates.csv and of runs.parquet for every group of runs that differ only in K; ``presented(run)`` is the
    set-up the rows claim to be (a negative control presents a run as another; its model is that set-up's)."""
    rows, stats = [], []
    for true_key, runs in _groups(results).items():
        key = presented(true_key) if presented else true_key
        Ks = np.array([cfg.K for cfg, _ in runs], dtype=float)
        suffix = metric_suffix(claim, key)
        model, limits = theorem2_model(key, runs)
        for m in claim.metrics:
            values = np.column_stack([arrays[m.source] for _, arrays in runs])  # trials x horizons
            valid = mean_has_finite_variance(clips(true_key.method), true_key.noise, true_key.tail)
            boots = resamples(claim.judged, m.name + suffix, 1000) if valid else 0
            fit = fit_exponent(Ks, values, m.stat, n_boot=boots, seed=key.seed)
            curve = model.get(m.source)
            finite = local_exponent(Ks, curve, window_mask(Ks)) if curve is not None else math.nan
            ci = (fit.ci_low, fit.ci_high) if valid else (math.nan, math.nan)
            rows.append(
                measurement_row(
                    claim,
                    m.name + suffix,
                    key,
                    fitted_exponent=round(fit.exponent, 6),
                    ci_low=round(ci[0], 6),
                    ci_high=round(ci[1], 6),
                    k_min=fit.k_min,
                    k_max=fit.k_max,
                    finite_k_exponent=round(finite, 6),
                    limit_exponent=round(limits.get(m.source, math.nan), 6),
                    drift=round(fit.drift, 6),
                    n_diverged=sum(diverged_trials(a) for _, a in runs),
                    description=m.description + ("" if not suffix else f" [{suffix[1:]}]"),
                )
            )
            mean = values.mean(axis=0)
            half = 1.96 * values.std(axis=0, ddof=1) / math.sqrt(values.shape[0])
            curve = np.full(Ks.size, math.nan) if curve is None else curve
            for (cfg, arrays), K, mu, h, pred in zip(runs, Ks, mean, half, curve, strict=True):
                stats.append(
                    dict(
                        claim=claim.id,
                        method=key.method,
                        noise=key.noise,
                        tail=key.tail,
                        alpha=key.alpha,
                        K=int(K),
                        trials=key.trials,
                        seed=key.seed,
                        config_key=cfg.cache_key(),
                        output=m.source + suffix,
                        k=int(K),
                        mean=mu,
                        median=float(np.median(arrays[m.source])),
                        q10=math.nan,
                        q90=math.nan,
                        n_finite=int(np.isfinite(arrays[m.source]).sum()),
                        ci_half=h,
                        eta=float(arrays["eta"]),
                        tau=float(arrays["tau"]),
                        model=pred,
                    )
                )
    return rows, stats


def _metric_vs_K(claim: Claim, stats: pd.DataFrame, rates: pd.DataFrame, path) -> None:
    """The metric against K (95% CI bars), one panel per noise, GClip solid and SGD dashed, theory slopes dotted."""
    main = stats[(stats.output == "avg") & np.isclose(stats["tail"], stats.alpha)]
    noises = list(dict.fromkeys(main.noise))
    fig, axes = plt.subplots(1, len(noises), figsize=(4.6 * len(noises), 4.0), squeeze=False, layout="constrained")
    for ax, noise in zip(axes[0], noises, strict=True):
        for i, alpha in enumerate(sorted(main.alpha.unique())):
            for method, ls in (("gclip", "-"), ("sgd", "--")):
                sel = main[(main.noise == noise) & (main.alpha == alpha) & (main.method == method)]
                if sel.empty:
                    continue
                ax.errorbar(
                    sel.K,
                    sel["mean"],
                    yerr=sel.ci_half,
                    ls=ls,
                    marker="o" if method == "gclip" else "",
                    ms=3,
                    lw=1.2,
                    capsize=2,
                    color=f"C{i}",
                    label=f"{method} alpha={alpha:g}" if method == "gclip" or i == 0 else None,
                )
            sel = main[(main.noise == noise) & (main.alpha == alpha) & (main.method == "gclip")]
            if sel.model.notna().any():
                ax.loglog(sel.K, sel.model, color="0.4", lw=0.9, ls="-.", label="linearised model" if i == 0 else None)
            if len(sel):
                K1, y1 = sel.K.iloc[-1], sel["mean"].iloc[-1]
                kk = np.array([K1 / 100, K1])
                ax.loglog(kk, y1 * (kk / K1) ** theorem2(alpha), color="k", lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{noise} noise (tail = alpha)")
        ax.set_xlabel("horizon $K$")
        ax.set_ylabel(r"$\frac{1}{K}\sum_k \min\{|\nabla f(x_k)|, |\nabla f(x_k)|^2\}$")
        ax.legend()
    fig.suptitle(
        f"{claim.id}: metric vs K (GClip solid, SGD with the same eta dashed; dotted: theorem's slope; "
        "dash-dot: linearised finite-K model)",
    )
    save_fig(fig, path)


def _exponents(claim: Claim, rates: pd.DataFrame, path) -> None:
    """Fitted exponents vs alpha: GClip against Theorem 2, SGD against the derived same-step exponent."""
    a = np.linspace(1.05, 2.0, 200)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.0), layout="constrained")
    for ax, method, curve, name in (
        (axes[0], "gclip", theorem2, "Theorem 2"),
        (axes[1], "sgd", theorem2_sgd_same_step, "derived SGD, same eta"),
    ):
        ax.plot(a, [curve(x) for x in a], color="k", lw=1.2, label=name)
        if method == "gclip":
            tol = EXPONENT_TOLERANCE
            ax.fill_between(a, [curve(x) - tol for x in a], [curve(x) + tol for x in a], color="0.9", label=f"+-{tol}")
        else:
            ax.plot(a, [theorem2(x) for x in a], color="0.5", lw=1.0, ls=":", label="Theorem 2 (GClip)")
        sel = rates[(rates.method == method) & (rates.metric == "avg_min_grad")]
        sel = sel.assign(lighter=(sel["tail"] - sel.alpha).round(6))
        for i, ((noise, lighter), part) in enumerate(sel.groupby(["noise", "lighter"], sort=False)):
            part = part.sort_values("alpha")
            err = np.vstack([part.fitted_exponent - part.ci_low, part.ci_high - part.fitted_exponent])
            ax.errorbar(
                part.alpha + 0.01 * (i - 1),
                part.fitted_exponent,
                yerr=np.nan_to_num(err),
                fmt="os^"[i % 3],
                ms=4,
                capsize=2,
                color=f"C{i}",
                mfc="none" if lighter else None,
                label=f"{noise}, tail = alpha" + (f" + {lighter:g}" if lighter else ""),
            )
        ax.set_title(f"{method}: exponent of the metric in K")
        ax.set_xlabel(r"$\alpha$ (parameters and prediction)")
        ax.set_ylabel("fitted exponent (95% CI)")
        ax.legend()
    save_fig(fig, path)


def _rules(claim: Claim, stats: pd.DataFrame, p: Thm2Profile, path) -> None:
    """Theorem 2's parameter rules: tau and eta against K, and the metric they give (GClip, symmetric Pareto)."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.0), layout="constrained")
    styles = {"": "-", "_appendix": "--", "_main": ":"}
    for i, alpha in enumerate(sorted(set(p.rule_alphas) & set(p.alphas))):
        for suffix, ls in styles.items():
            sel = stats[
                (stats.output == "avg" + suffix)
                & np.isclose(stats["tail"], stats.alpha)
                & (stats.method == "gclip")
                & (stats.noise == "pareto")
                & (stats.alpha == alpha)
            ]
            if sel.empty:
                continue
            label = f"alpha={alpha:g}, {suffix[1:] or 'scaling'}"
            axes[0].loglog(sel.K, sel.tau, ls=ls, color=f"C{i}", label=label)
            axes[1].loglog(sel.K, sel.eta, ls=ls, color=f"C{i}", label=label)
            axes[2].loglog(sel.K, sel["mean"], ls=ls, marker=".", color=f"C{i}", label=label)
    for ax, name in zip(axes, ("threshold tau", "step size eta", "(1/K) sum_k min{|grad|, |grad|^2}"), strict=True):
        ax.set_xlabel("horizon $K$")
        ax.set_ylabel(name)
    axes[2].legend(ncol=2)
    fig.suptitle(
        f"{claim.id}: parameter rules (solid: scaling, dashed: appendix, dotted: main text as printed); "
        f"nominal sigma = noise scale = {claim.problem['noise_scale']:g}",
    )
    save_fig(fig, path)
