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
# # RMSProp as clipping, and ACClip against Adam under non-stationary heavy-tailed noise
#
# Set `NOTEBOOK_SMALL=1` for CI size.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from simulate.claims.acclip_nonstationary import experiment as acclip
from simulate.claims.acclip_nonstationary.claim import CLAIM as ACCLIP
from simulate.claims.rmsprop_as_clipping import experiment as rmsprop
from simulate.claims.rmsprop_as_clipping.claim import CLAIM as RMSCLIP
from simulate.run.runner import run_adaptive

SMALL = os.environ.get("NOTEBOOK_SMALL") == "1"
PROFILE = "quick" if SMALL else "default"

# %% [markdown]
# ## RMSProp = clipping with η_k = η/(ε + √v_k), τ_k = (ε + √v_k)/√(1 − β2), until momentum outlives v
# The clip can only bind when |m_k| > τ_k; a single spike g decays in m like β1^j and in √v like β2^{j/2},
# so the equivalence survives momentum as long as β1 ≤ √β2.

# %%
p = RMSCLIP.profiles[PROFILE]
for b1, b2 in ((0.0, 0.99), (0.9, 0.99), (0.9, 0.5), (0.99, 0.9)):
    residual, bound = rmsprop.residuals(p, b1, b2, seed=0)
    print(
        f"beta1={b1:4g} beta2={b2:4g} (beta1 > sqrt(beta2): {b1 > b2**0.5!s:5s}): max residual "
        f"{residual.max():.2e}, clip bound in {bound.mean():.2%} of coordinate-steps"
    )

# %% [markdown]
# ## ACClip vs Adam, one step size each (the claim tunes them; here the quick profile's middle value)

# %%
p = ACCLIP.profiles["quick"]
fig, axes = plt.subplots(1, len(p.settings), figsize=(11, 4))
for ax, setting in zip(axes, p.settings, strict=True):
    for method in ("adam", "acclip", "gclip"):
        r = run_adaptive(acclip.run_config(ACCLIP, p, setting, method, p.etas[1], p.trials, seed=0))
        ax.loglog(r["k"], np.median(r["gap"], axis=0), label=method)
    ax.set_title(f"{setting[0]} noise")
    ax.set_xlabel("k")
    ax.legend()
axes[0].set_ylabel("median f(x_k) - f*")
plt.show()
