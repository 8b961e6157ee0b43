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
# # Coordinate-wise clipping removes GClip's dimension factor (Corollary 7 vs Theorem 8)
#
# f(x) = ‖x‖²/2 in R^d, Theorem 4's step and averaging, thresholds GClip τ_k = G k^{1/α}, CClip τ_{k,i} = B_i k^{1/α},
# noise with tail α + 0.2 either with independent coordinates or radial (uniform direction × Pareto radius).
# Set `NOTEBOOK_SMALL=1` for CI size.

# %%
import os

import matplotlib.pyplot as plt
from tqdm.auto import tqdm  # a widget bar in Jupyter (the notebooks extra), text elsewhere

from simulate.claims.cor7_thm8_dimension.experiment import coordinate_G
from simulate.run.config import AdaptiveRun
from simulate.run.runner import run_adaptive
from theory import dimension

SMALL = os.environ.get("NOTEBOOK_SMALL") == "1"
ALPHA, TAIL = 1.5, 1.7
K = 2**11 if SMALL else 2**13
DIMS = ((1, 256), (10, 64), (100, 16)) if SMALL else ((1, 4096), (10, 1024), (100, 256), (1000, 32))

# %% [markdown]
# ## The constants: G against Lemma 12's bracket

# %%
B = dimension.coordinate_B(TAIL, ALPHA)
for d, _ in DIMS[1:]:
    G, rel_se, n = coordinate_G(TAIL, ALPHA, d, 10**6 if SMALL else 10**7, seed=0)
    lo, hi = dimension.lemma12_bounds(B, ALPHA, d)
    print(f"d={d:5d}: G = {G:8.3f} (rel. s.e. {rel_se:.3f}, {n} vectors) in [{lo:.3f}, {hi:.3f}]; B = {B:.3f}")

# %% [markdown]
# ## Per-coordinate error at k = K against d

# %%
fig, ax = plt.subplots(figsize=(6, 4))
for shape, ls in tqdm((("coordinate", "-"), ("radial", "--")), desc="noise shape"):
    for method, marker in (("gclip", "o"), ("cclip", "s")):
        errs = []
        for d, trials in DIMS:
            if shape == "radial":
                G, Bi = dimension.radial_G(TAIL, ALPHA), dimension.radial_B(TAIL, ALPHA, d)
            else:
                G = B if d == 1 else coordinate_G(TAIL, ALPHA, d, 10**6, seed=0)[0]
                Bi = B
            cfg = AdaptiveRun("nb", method, "pareto", ALPHA, K, trials, tail=TAIL, shape=shape, d=d, x0=0.0, G=G, B=Bi)
            errs.append(run_adaptive(cfg)["avg_sq"][:, -1].mean() / d)
        ax.loglog([d for d, _ in DIMS], errs, ls=ls, marker=marker, label=f"{method}, {shape}")
ax.set_xlabel("d")
ax.set_ylabel("E||xbar_K - x*||^2 / d")
ax.legend()
plt.show()
