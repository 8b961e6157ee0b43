# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Theorem 4: clipped SGD on a strongly convex quadratic under heavy-tailed noise
#
# f(x) = mu/2 (x - x*)^2, stochastic gradient g = mu (x - x*) + xi with xi symmetric Pareto of tail index
# `tail` (= alpha here). proj-GClip uses eta_k = 4/(mu(k+1)), tau_k = G k^(1/alpha) and the k-weighted average
# xbar_k; Theorem 4 predicts E|xbar_k - x*| ~ k^(-(alpha-1)/alpha). SGD uses the same steps without clipping.
#
# Set `NOTEBOOK_SMALL=1` for the small size used in CI.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
from tqdm.auto import tqdm  # a widget bar in Jupyter (the notebooks extra), text elsewhere

from simulate import QuadraticRun, run_quadratic
from theory import fit_exponent, theorem4_distance

SMALL = os.environ.get("NOTEBOOK_SMALL") == "1"
K, TRIALS = (4096, 64) if SMALL else (2**17, 1024)
ALPHAS = (1.2, 1.5, 1.8) if SMALL else (1.2, 1.4, 1.6, 1.8, 2.0)

# %% [markdown]
# ## Run a small sweep through the public API

# %%
runs = {}
for alpha in tqdm(ALPHAS, desc="alpha"):
    for method in ("proj-gclip", "sgd"):
        cfg = QuadraticRun(
            claim="notebook", method=method, noise="pareto", alpha=alpha, K=K, trials=TRIALS, radius=10.0
        )
        runs[alpha, method] = run_quadratic(cfg)

# %% [markdown]
# ## Error vs k (log-log), mean and median over trials

# %%
fig, axes = plt.subplots(1, len(ALPHAS), figsize=(4 * len(ALPHAS), 3.5), squeeze=False)
for ax, alpha in zip(axes[0], ALPHAS, strict=True):
    for method, colour in (("proj-gclip", "C0"), ("sgd", "C3")):
        r = runs[alpha, method]
        ax.loglog(r["k"], r["avg_dist"].mean(axis=0), color=colour, label=f"{method} mean")
        ax.loglog(r["k"], np.median(r["avg_dist"], axis=0), color=colour, ls="--", label=f"{method} median")
    k = r["k"]
    ax.loglog(k, k ** theorem4_distance(alpha), color="k", ls=":", label="k^theory")
    ax.set_title(f"alpha = tail = {alpha}")
    ax.set_xlabel("k")
axes[0, 0].set_ylabel("|xbar_k - x*|")
axes[0, 0].legend()
plt.show()

# %% [markdown]
# ## Fitted exponent vs alpha, with 95% bootstrap CIs where a CI means something
#
# A percentile bootstrap of a mean needs the mean's variance to be finite (Athreya 1987). proj-GClip's steps are
# bounded, so its mean has one; unclipped SGD's error under Pareto noise of tail <= 4 does not, so the suite
# reports SGD's mean exponent without a CI (`theory.mean_square.mean_has_finite_variance`), and so does this
# notebook: SGD's points carry no error bar.

# %%
from theory.mean_square import mean_has_finite_variance

rows = []
for (alpha, method), r in runs.items():
    with_ci = mean_has_finite_variance(clipped=method != "sgd", noise="pareto", tail=alpha)
    fit = fit_exponent(r["k"], r["avg_dist"], "mean", n_boot=200 if with_ci else 0)
    rows.append((alpha, method, fit.exponent, fit.ci_low, fit.ci_high, theorem4_distance(alpha)))
    ci = f"[{fit.ci_low:+.3f}, {fit.ci_high:+.3f}]" if with_ci else "(no CI: infinite variance)"
    print(
        f"{method:10s} alpha={alpha:.1f}  fitted {fit.exponent:+.3f} {ci}"
        f"  theory {theorem4_distance(alpha):+.3f}  window k in [{fit.k_min}, {fit.k_max}]"
    )

a = np.linspace(1.05, 2.0, 100)
plt.figure(figsize=(5, 3.5))
plt.plot(a, [theorem4_distance(x) for x in a], "k", label="theory -(alpha-1)/alpha")
for method, colour in (("proj-gclip", "C0"), ("sgd", "C3")):
    sel = [r for r in rows if r[1] == method]
    al, ex, lo, hi = (np.array([r[i] for r in sel]) for i in (0, 2, 3, 4))
    bars = None if np.isnan(lo).all() else [ex - lo, hi - ex]
    plt.errorbar(al, ex, yerr=bars, fmt="o", color=colour, capsize=2, label=method)
plt.xlabel("alpha")
plt.ylabel("fitted exponent of E|xbar_k - x*|")
plt.legend()
plt.show()
