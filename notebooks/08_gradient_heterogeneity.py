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
# # Gradient heterogeneity: GD against sign-based methods ([T], docs/theory.md §7)
#
# Block-heterogeneous quadratics: four coordinate blocks whose curvature scales spread by κ_het, condition number
# 10 inside every block, x* placed so that every eigen-coordinate holds the same share of f(0) − f*. Measures of
# heterogeneity from `theory.heterogeneity` work on any gradient or Hessian with a block partition.
# The second half trains a many-class softmax head (claim `het-linear-head-momentum`).
# Set `NOTEBOOK_SMALL=1` for CI size.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
from tqdm.auto import tqdm  # a widget bar in Jupyter (the notebooks extra), text elsewhere

from simulate.claims.het_gd_vs_sign.claim import CLAIM as HET
from simulate.claims.het_gd_vs_sign.experiment import best_eta, problem
from simulate.claims.het_linear_head_momentum import experiment as het_head
from simulate.claims.het_linear_head_momentum.claim import CLAIM as HEAD
from simulate.claims.het_linear_head_momentum.model import zipf_counts
from theory import heterogeneity as het

SMALL = os.environ.get("NOTEBOOK_SMALL") == "1"
P = HET.profiles["quick" if SMALL else "default"]
KAPPAS = P.kappas if SMALL else (1.0, 10.0, 100.0, 1000.0)

# %% [markdown]
# ## Heterogeneity of the gradient at x0 and of the Hessian, axis-aligned vs rotated

# %%
for rotated in (False, True):
    H, x_star, _ = problem(P, KAPPAS[-1], rotated)
    g = H @ (-x_star)
    print(
        f"rotated={rotated!s:5s} gradient max/min (per coordinate) "
        f"{het.gradient_heterogeneity(g, P.blocks, per_coordinate=True)['max_min_ratio']:8.2f}   "
        f"Hessian max/min {het.hessian_heterogeneity(H, P.blocks)['max_min_ratio']:8.2f}   "
        f"L2 {het.l2_smoothness(H):.2f}  Linf <= {het.linf_smoothness(H):.1f}"
    )

# %% [markdown]
# ## Iterations to f − f* ≤ 1e-3 (f(0) − f*) against κ_het

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for ax, rotated in zip(axes, (False, True), strict=True):
    for method in ("gd", "signgd", "signum", "adam"):
        steps = []
        for kappa in KAPPAS:
            H, x_star, _ = problem(P, kappa, rotated)
            steps.append(best_eta(H, rotated, x_star, method, P, max_iter=200_000)[1])
        ax.loglog(KAPPAS, steps, "o-", label=method)
    ax.set_title("rotated" if rotated else "axis-aligned")
    ax.set_xlabel("kappa_het")
    ax.legend()
axes[0].set_ylabel("iterations")
plt.show()

# %% [markdown]
# ## A many-class linear head: SignGD against Signum
#
# Softmax regression from W = 0 on synthetic features (class means of norm about 1, unit within-class noise, a
# bias feature); class c has max(1, round(n_top / c)) samples (Zipf). Every method sees the same data and the same
# mini-batches. The claim: without momentum the head grows excessively when C is large. Watch the loss as well as
# the norm.

# %%
PH = HEAD.profiles["quick" if SMALL else "default"]
CLASSES = PH.classes if SMALL else (10, 1000)
K = PH.K if SMALL else 2000
curves = {}
for C in tqdm(CLASSES, desc="classes"):
    for method, eta in PH.etas:
        curves[(C, method)] = het_head.train(PH, C, method, eta=eta, batch=PH.batch, K=K, trials=2, seed=0)
ks = het_head.checkpoints(K)[1:]
fig, axes = plt.subplots(2, len(CLASSES), figsize=(5 * len(CLASSES), 7), squeeze=False)
for col, C in enumerate(CLASSES):
    for method, _ in PH.etas:
        axes[0, col].loglog(ks, curves[(C, method)]["w_norm"].mean(axis=0)[1:], label=method)
        axes[1, col].semilogx(ks, curves[(C, method)]["loss"].mean(axis=0)[1:], label=method)
    axes[0, col].set_title(f"C = {C}, batch {PH.batch}")
    axes[1, col].set_xlabel("iteration k")
axes[0, 0].set_ylabel("||W||_F")
axes[1, 0].set_ylabel("train loss (nats)")
axes[0, 0].legend()
plt.show()
for C in CLASSES:
    ratio = curves[(C, "signgd")]["w_norm"][:, -1].mean() / curves[(C, "signum")]["w_norm"][:, -1].mean()
    print(
        f"C = {C:5d}: ||W|| SignGD / Signum = {ratio:.2f}, final loss SignGD "
        f"{curves[(C, 'signgd')]['loss'][:, -1].mean():.2f}, Signum {curves[(C, 'signum')]['loss'][:, -1].mean():.2f}"
    )

# %% [markdown]
# ## Which rows grow, and on full batches
#
# Head rows against their class's sample count at the largest C; then the same data on the full batch, where the
# two methods can be compared step for step.

# %%
C = max(CLASSES)
counts = zipf_counts(C, PH.n_top, PH.zipf_s)
levels, group = np.unique(counts, return_inverse=True)
for method in ("signgd", "signum", "adam"):
    rows = curves[(C, method)]["class_w_norm"][:, -1, :].mean(axis=0)
    plt.loglog(levels, np.bincount(group, rows) / np.bincount(group), "o-", ms=3, label=method)
plt.xlabel("samples of the class")
plt.ylabel("||W_c|| (mean over classes with that count)")
plt.legend()
plt.show()
full_K = 50 if SMALL else 200
full = {m: het_head.train(PH, C, m, eta=1e-2, batch=0, K=full_K, trials=1, seed=0) for m in ("signgd", "signum")}
print(
    f"full batch, K = {full_K}: ||W|| SignGD {full['signgd']['w_norm'][0, -1]:.1f}, "
    f"Signum {full['signum']['w_norm'][0, -1]:.1f}; loss {full['signgd']['loss'][0, -1]:.3f}, "
    f"{full['signum']['loss'][0, -1]:.3f}"
)
