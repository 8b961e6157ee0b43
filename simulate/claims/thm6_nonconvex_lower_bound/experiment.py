"""thm6-nonconvex-lower-bound: the zero-chain's properties, the d/p law of oracle calls, the implied curve."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simulate.claims.thm6_nonconvex_lower_bound import model as zc
from simulate.publish.figures import save_fig
from simulate.publish.rows import measurement_row, measurements
from simulate.run.context import ClaimOutput, Context
from theory import confidence
from theory import lower_bounds as lbs
from theory.declarations import Claim

from .claim import ZeroChainProfile

STEP = 0.5  # constant step; a revealed coordinate moves by STEP * sqrt(e) / p > 1/4 in one call
TAU = 2.0  # GClip's constant threshold: a clipped reveal still moves STEP * TAU = 1 > 1/4


def check_properties(n_points: int, d: int = 10, seed: int = 0) -> dict[str, float]:
    """Worst values over random points of the four stated properties of f_d (d coordinates)."""
    rng = np.random.default_rng(seed)
    g, h = np.empty(d), np.empty(d)
    worst = dict(smoothness=0.0, grad_inf=0.0, prog_excess=-np.inf, min_grad_norm=np.inf)
    for _ in range(n_points):
        x = rng.uniform(-2.5, 2.5, d) * (rng.random(d) < 0.7)
        zc.gradient(x, g)
        y = x + rng.normal(0.0, 1e-5, d)
        zc.gradient(y, h)
        worst["smoothness"] = max(worst["smoothness"], np.linalg.norm(g - h) / np.linalg.norm(x - y))
        worst["grad_inf"] = max(worst["grad_inf"], float(np.abs(g).max()))
        worst["prog_excess"] = max(worst["prog_excess"], zc.prog(g, 0.0) - zc.prog(x, 0.5) - 1)
        if zc.prog(x, 1.0) < d:
            worst["min_grad_norm"] = min(worst["min_grad_norm"], float(np.linalg.norm(g)))
    return worst


def law_rows(base: dict, method: str, clips: bool, p: ZeroChainProfile, seed: int, reveal_factor: float = 1.0):
    """The d/p law for one method: per-(d, p) rows of mean calls x p / d, the exponent of calls against d/p, and the
    smallest gradient norm before the end; the oracle reveals with probability ``reveal_factor`` x p (1 unless a
    negative control). Returns (rows, d/p values, mean calls)."""
    rows, dp, mean_calls = [], [], []
    min_grad = np.inf
    for d in p.dims:
        for prob in p.probs:
            calls = np.empty(p.trials, dtype=np.int64)
            mg = np.empty(p.trials)
            zc.calls_to_finish(
                d,
                prob * reveal_factor,
                STEP,
                TAU,
                clips,
                100 * int(d / prob) + 1000,
                np.uint64(seed),
                np.uint64(d * 1000 + int(prob * 1e4) + clips),
                calls,
                mg,
            )
            ratio = calls.mean() * prob / d
            se = calls.std(ddof=1) / math.sqrt(p.trials) * prob / d
            rows.append(
                {
                    **base,
                    "method": method,
                    "metric": f"calls_p_over_d_d{d}_p{prob:g}",
                    "value": ratio,
                    "ci_low": ratio - confidence.z() * se,
                    "ci_high": ratio + confidence.z() * se,
                    "std_error": se,
                    "trials": p.trials,
                    "description": "mean oracle calls to prog_1/4 = d, times p/d",
                }
            )
            dp.append(d / prob)
            mean_calls.append(calls.mean())
            min_grad = min(min_grad, float(mg.min()))
    slope = float(np.polyfit(np.log(dp), np.log(mean_calls), 1)[0])
    rows.append(
        {
            **base,
            "method": method,
            "metric": "calls_vs_d_over_p_exponent",
            "fitted_exponent": slope,
            "trials": p.trials,
            "description": "slope of log mean calls vs log(d/p)",
        }
    )
    rows.append(
        {
            **base,
            "method": method,
            "metric": "grad_norm_min_before_end",
            "value": min_grad,
            "trials": p.trials,
            "description": "min over trials and calls of ||grad f_d(x_k)|| before prog = d",
        }
    )
    return rows, dp, mean_calls


def run(claim: Claim, p: ZeroChainProfile, ctx: Context) -> ClaimOutput:
    base = dict(noise="zero-chain", tail=math.nan, alpha=math.nan)
    rows = []
    w = check_properties(p.property_points, seed=ctx.seed)
    for metric, value, text in (
        ("smoothness_max", w["smoothness"], "max ||grad(x)-grad(y)||/||x-y|| (stated bound 152)"),
        ("grad_inf_max", w["grad_inf"], "max ||grad f_d||_inf (stated bound 23)"),
        ("prog_excess_max", w["prog_excess"], "max prog_0(grad) - prog_1/2(x) - 1 (stated: <= 0)"),
        ("grad_norm_min", w["min_grad_norm"], "min ||grad|| with prog_1(x) < d (stated: >= 1)"),
    ):
        rows.append(
            {
                **base,
                "method": "f_d",
                "metric": metric,
                "value": value,
                "trials": p.property_points,
                "description": text,
            }
        )

    ratios = {}
    for method, clips in (("sgd", False), ("gclip", True)):
        method_rows, dp, mean_calls = law_rows(base, method, clips, p, ctx.seed)
        rows += method_rows
        ratios[method] = (np.array(dp), np.array(mean_calls))

    c = float(np.mean(ratios["sgd"][1] / ratios["sgd"][0]))
    eps = np.geomspace(1e-5, 5e-3, 30)
    curves = {}
    for alpha in p.alphas:
        k = np.array([lbs.zero_chain_horizon(e, alpha, calls_per_dp=c) for e in eps])
        slope = float(np.polyfit(np.log(k), np.log(eps), 1)[0])
        rows.append(
            {
                **base,
                "alpha": alpha,
                "method": "implied-bound",
                "metric": "grad_norm_lb_exponent",
                "fitted_exponent": slope,
                "description": f"eps(k) from k = {c:.3f} d(eps)/p(eps); scaling of docs/theory.md §5",
            }
        )
        curves[alpha] = (k, eps)

    rates = measurements([measurement_row(claim, **row) for row in rows])
    fig_name = f"{claim.id}_calls_and_bound.png"
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    for i, (method, (dp, calls)) in enumerate(ratios.items()):
        a.loglog(dp, calls, "o", color=f"C{i}", label=method)
    line = np.array([min(ratios["sgd"][0]), max(ratios["sgd"][0])])
    a.loglog(line, line, "k--", label="calls = d/p")
    a.set_xlabel("d / p")
    a.set_ylabel("mean oracle calls to prog = d")
    a.legend()
    for alpha, (k, e) in curves.items():
        b.loglog(k, e, label=rf"$\alpha$ = {alpha:g}")
    b.set_xlabel("oracle calls k")
    b.set_ylabel(r"implied lower bound on $E\|\nabla F(x_k)\|$")
    b.legend()
    fig.suptitle("thm6-nonconvex-lower-bound: the d/p law and the implied bound")
    save_fig(fig, ctx.figures / fig_name)
    cols = [
        "method",
        "alpha",
        "metric",
        "theory_exponent",
        "fitted_exponent",
        "value",
        "predicted",
        "ci_low",
        "ci_high",
        "trials",
    ]
    return ClaimOutput(rates, pd.DataFrame(), [fig_name], cols)


def _doubled_reveals(claim: Claim, p: ZeroChainProfile, ctx: Context) -> pd.DataFrame:
    """SGD with an oracle revealing at 2p, its calls scaled by the stated p: only the calls ratios are kept."""
    base = dict(noise="zero-chain", tail=math.nan, alpha=math.nan)
    rows, _, _ = law_rows(base, "sgd", False, p, ctx.seed, reveal_factor=2.0)
    return measurements([measurement_row(claim, **r) for r in rows if r["metric"].startswith("calls_p_over_d_")])


CONTROLS = {"p-doubled": _doubled_reveals}
