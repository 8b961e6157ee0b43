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
# # Heavy tails made visible
#
# 1. **Remark 1**: unclipped SGD on f(x) = x^2/2 with infinite-variance noise has E|x_k - x*|^2 = infinity. Its
#    Monte-Carlo estimate keeps growing with the number of trials M; GClip's settles.
# 2. **Noise diagnostics**: running variance against sample size, and the Hill and Mohammadi tail-index
#    estimators applied to the noise a kernel run draws.
#
# Set `NOTEBOOK_SMALL=1` for the small size used in CI.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
from tqdm.auto import tqdm  # a widget bar in Jupyter (the notebooks extra), text elsewhere

from simulate import QuadraticRun, run_quadratic, sample
from simulate.claims.noise_diagnostics.experiment import running_variance
from theory import mean_square as ms
from theory.tail_index import hill, mohammadi

SMALL = os.environ.get("NOTEBOOK_SMALL") == "1"
M = 20_000 if SMALL else 1_000_000

# %% [markdown]
# ## Mean square at k = 100 as a function of the number of trials

# %%
sizes = np.unique(np.round(np.logspace(2, np.log10(M // 10), 6)).astype(int))
fig, ax = plt.subplots(figsize=(6, 4))
for tail, colour in tqdm(((1.3, "C0"), (1.6, "C1"), (2.5, "C2")), desc="tail"):
    for method, ls in (("sgd", "-"), ("gclip", "--")):
        cfg = QuadraticRun(
            claim="notebook",
            method=method,
            noise="pareto",
            tail=tail,
            alpha=min(tail, 2.0),
            K=100,
            trials=M,
            x0=0.0,
            per_decade=0,
        )
        v = run_quadratic(cfg)["last_dist"][:, 0] ** 2
        typical = ms.typical_means(v, sizes)
        ax.loglog(sizes, typical / typical[0], color=colour, ls=ls, marker="o", ms=3, label=f"{method}, tail {tail}")
        print(
            f"{method:6s} tail {tail}: growth ratio {ms.growth_ratio(v):7.3f}  "
            f"(predicted for SGD: {100 ** ms.predicted_growth_slope(tail):.3f})"
        )
ax.set_xlabel("trials M")
ax.set_ylabel("typical estimate / estimate at M = 100")
ax.legend(fontsize=7)
plt.show()

# %% [markdown]
# ## Running variance vs sample size

# %%
n_points = np.unique(np.round(np.logspace(1, np.log10(M), 40)).astype(int))
plt.figure(figsize=(6, 4))
for noise, tail in (("gaussian", 2.0), ("pareto", 1.5), ("student-t", 3.0)):
    plt.loglog(n_points, running_variance(sample(noise, tail, M, seed=1), n_points), label=f"{noise} {tail}")
plt.xlabel("n")
plt.ylabel("running variance")
plt.legend()
plt.show()

# %% [markdown]
# ## Tail index of the noise recorded inside a kernel run

# %%
for noise, tail in (("pareto", 1.5), ("stable", 1.5)):
    cfg = QuadraticRun(
        claim="notebook",
        method="sgd",
        noise=noise,
        tail=tail,
        alpha=tail,
        K=1000,
        trials=512 if SMALL else 4096,
        per_decade=100,
    )
    xi = run_quadratic(cfg)["noise"].ravel()
    print(f"{noise} tail {tail}: {xi.size} samples, Hill {hill(xi):.3f}, Mohammadi {mohammadi(xi):.3f}")
