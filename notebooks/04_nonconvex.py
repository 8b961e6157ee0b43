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
# # Theorem 2: GClip on a non-convex function, rate in the horizon K
#
# f(x) = x²/2 + 2 cos x (L = 3; local maximum at 0, minima at ±1.8955), started at x0 = 0.5. Every horizon K is its
# own run with Theorem 2's constant step and threshold (`theory.nonconvex.theorem2_parameters`). The metric is
# (1/K) Σ_k E min{|f'(x_k)|, f'(x_k)²}. Set `NOTEBOOK_SMALL=1` for CI size.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
from tqdm.auto import tqdm  # a widget bar in Jupyter (the notebooks extra), text elsewhere

from simulate.claims.thm2_nonconvex.experiment import horizons
from simulate.run.config import NonconvexRun
from simulate.run.runner import run_nonconvex
from theory import nonconvex
from theory.exponents import theorem2, theorem2_sgd_same_step
from theory.fitting import fit_exponent

SMALL = os.environ.get("NOTEBOOK_SMALL") == "1"
K_MAX, TRIALS = (10**4, 64) if SMALL else (10**6, 256)
KS = horizons(10**2 if SMALL else 10**3, K_MAX, 3)

# %% [markdown]
# ## The objective: gradient, curvature bounds, stationary points

# %%
x = np.linspace(-4, 4, 801)
s = nonconvex.minimiser(2.0)
fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.5))
a.plot(x, nonconvex.value("cosine", x[:, None], 2.0), label="f")
a.plot(x, nonconvex.gradient("cosine", x[:, None], 2.0)[:, 0], label="f'")
a.axvline(s, color="k", ls=":")
a.axvline(-s, color="k", ls=":")
a.legend()
b.plot(x, 1 - 2 * np.cos(x), label="f'' in [1 - c, 1 + c]")
b.axhline(nonconvex.smoothness(2.0), color="k", ls="--", label="L = 3")
b.legend()
plt.show()
print(f"s* = {s:.6f}, f* = {nonconvex.f_star('cosine', 1, 2.0):.6f}")

# %% [markdown]
# ## GClip vs SGD with the same step, symmetric Pareto noise with tail = alpha

# %%
fig, ax = plt.subplots(figsize=(6, 4))
for i, alpha in enumerate(tqdm((1.3, 1.7), desc="alpha")):
    for method, ls in (("gclip", "-"), ("sgd", "--")):
        runs = [run_nonconvex(NonconvexRun("nb", method, "pareto", alpha, int(K), TRIALS)) for K in KS]
        values = np.column_stack([r["avg"] for r in runs])
        fit = fit_exponent(KS, values, "mean", n_boot=200)
        theory = theorem2(alpha) if method == "gclip" else theorem2_sgd_same_step(alpha)
        print(
            f"{method:5s} alpha={alpha}: exponent {fit.exponent:.3f} [{fit.ci_low:.3f}, {fit.ci_high:.3f}], "
            f"predicted {theory:.3f}"
        )
        ax.loglog(KS, values.mean(axis=0), ls=ls, marker="o", ms=3, color=f"C{i}", label=f"{method} alpha={alpha}")
ax.set_xlabel("horizon K")
ax.set_ylabel("(1/K) sum_k E min{|f'|, f'^2}")
ax.legend()
plt.show()

# %% [markdown]
# ## Theorem 2's three parameter rules
# `scaling` (τ = σK^{1/(3α−2)}, η = 1/(Lτ^α)) is the large-K form; `appendix` adds the constants of the appendix
# (τ ≥ 2, 8σ, 48^{1/(α−1)}σ^{α/(α−1)}; η ≤ 1/(4L), 1/(24Lτ)); `main` is the main text as printed.

# %%
cfg = NonconvexRun("nb", "gclip", "pareto", 1.5, 10, 1)
for rule in nonconvex.PARAMETER_RULES:
    rows = [nonconvex.theorem2_parameters(rule, 1.5, cfg.sigma, cfg.L, cfg.F0, int(K)) for K in KS[[0, -1]]]
    print(
        f"{rule:9s} K={KS[0]}: eta={rows[0][0]:.3g} tau={rows[0][1]:.3g}   K={KS[-1]}: eta={rows[1][0]:.3g} "
        f"tau={rows[1][1]:.3g}"
    )
