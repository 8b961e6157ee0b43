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
# # Lemma 9's bias-variance trade-off: the clipping exponent map
#
# proj-GClip on f(x) = x²/2 with η_k = 4/(k+1) and τ_k = k^β. For noise whose clipping is biased (one-sided
# Pareto) E|x̄_k − x*|² ~ k^{e(β)}, e(β) = max{−1 + β(2−α), −2β(α−1)}, best at β = 1/α; for symmetric noise the
# bias term drops out. Set `NOTEBOOK_SMALL=1` for CI size.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from simulate.run.config import QuadraticRun
from simulate.run.runner import run_quadratic
from theory.exponents import clipping_map
from theory.finite_k import local_exponent, theorem4_second_moment
from theory.fitting import fit_exponent, window_mask

SMALL = os.environ.get("NOTEBOOK_SMALL") == "1"
K, TRIALS = (2**13, 128) if SMALL else (2**18, 1024)
ALPHAS = (1.4,) if SMALL else (1.2, 1.6, 2.0)
BETAS = (0.2, 0.7, 1.2) if SMALL else (0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2)

# %% [markdown]
# ## Measured, predicted and finite-k exponents along beta

# %%
fig, axes = plt.subplots(1, len(ALPHAS), figsize=(4.5 * len(ALPHAS), 3.8), squeeze=False)
line = np.linspace(0, max(BETAS), 200)
for ax, alpha in zip(axes[0], ALPHAS, strict=True):
    for i, noise in enumerate(("pareto-onesided", "pareto")):
        biased = noise == "pareto-onesided"
        measured, finite = [], []
        for beta in BETAS:
            cfg = QuadraticRun(
                claim="nb", method="proj-gclip", noise=noise, alpha=alpha, beta=beta, K=K, trials=TRIALS, radius=10.0
            )
            r = run_quadratic(cfg)
            measured.append(fit_exponent(r["k"], 2 * r["avg_gap"], "mean", n_boot=100).exponent)
            curve = theorem4_second_moment(noise, alpha, alpha, K, r["k"], mu=1.0, x0=1.0, G=1.0, beta=beta)
            finite.append(local_exponent(r["k"], curve, window_mask(r["k"])))
        ax.plot(BETAS, measured, "o", color=f"C{i}", label=f"measured, {noise}")
        ax.plot(BETAS, finite, "x--", color=f"C{i}", lw=0.8, label="finite-k recursion")
        ax.plot(line, [clipping_map(alpha, b, biased) for b in line], color=f"C{i}", alpha=0.6, label="predicted")
    ax.axvline(1 / alpha, color="k", ls=":")
    ax.set_title(f"alpha = tail = {alpha:g}")
    ax.set_xlabel("beta")
axes[0, 0].set_ylabel("exponent of E|xbar_k - x*|^2")
axes[0, 0].legend(fontsize=7)
plt.show()
