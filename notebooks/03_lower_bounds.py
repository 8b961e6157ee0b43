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
# # Theorem 5: the lower bound, exactly, and the rate sandwich
#
# Le Cam's two-point bound on the Bernoulli family of [Z] Appendix F, computed from the two binomial laws, against
# proj-GClip (Theorem 4 schedule) and the Bayes estimator on the same family. Set `NOTEBOOK_SMALL=1` for CI size.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from simulate import checkpoints
from simulate.claims.thm5_lower_bound.experiment import simulate_family
from theory import lower_bounds as lbs

SMALL = os.environ.get("NOTEBOOK_SMALL") == "1"
ALPHA = 1.6
K, TRIALS, N_EPS = (2000, 128, 6) if SMALL else (10**5, 2048, 16)

# %% [markdown]
# ## LB(k) and its maximiser eps*(k)

# %%
k_exact = np.unique(np.round(np.logspace(1, 5 if SMALL else 7, 25)).astype(int))
exact = np.array([lbs.lower_bound(int(k), ALPHA) for k in k_exact])
print("LB slope", np.polyfit(np.log(k_exact[-10:]), np.log(exact[-10:, 0]), 1)[0], "theory", -2 * (ALPHA - 1) / ALPHA)

# %% [markdown]
# ## The sandwich: worst case over nu and an eps grid

# %%
ks = checkpoints(K)
lb = np.array([lbs.lower_bound(int(k), ALPHA)[0] for k in ks])
worst_gclip = np.zeros(ks.size)
worst_bayes = np.zeros(ks.size)
for eps in np.geomspace(lbs.lower_bound(K, ALPHA)[1] / 10, lbs.EPS_MAX, N_EPS):
    for nu in (0, 1):
        gaps = simulate_family("proj-gclip", ALPHA, eps, nu, ks, TRIALS, seed=0)  # trials x checkpoints
        worst_gclip = np.maximum(worst_gclip, gaps.mean(axis=0))
    worst_bayes = np.maximum(worst_bayes, [max(lbs.estimator_risks(int(k), eps, ALPHA, "posterior-mean")) for k in ks])

fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
a.loglog(ks, lb, "k", lw=2, label="LB(k)")
a.loglog(ks, worst_gclip, label="proj-GClip")
a.loglog(ks, worst_bayes, label="posterior mean")
a.legend()
b.semilogx(ks, worst_gclip / lb, label="proj-GClip / LB")
b.semilogx(ks, worst_bayes / lb, label="posterior mean / LB")
b.axhline(1, color="k")
b.legend()
plt.show()

# %% [markdown]
# ## Theorem 6: oracle calls on the zero-chain grow like d/p

# %%
from simulate.claims.thm6_nonconvex_lower_bound import model as zc  # noqa: E402

for d, p in ((5, 0.1), (10, 0.1), (10, 0.02)):
    calls, min_grad = np.empty(200, dtype=np.int64), np.empty(200)
    zc.calls_to_finish(d, p, 0.5, 2.0, False, 10**6, np.uint64(0), np.uint64(d), calls, min_grad)
    print(f"d={d:3d} p={p:5.2f}: mean calls {calls.mean():8.1f}  d/p {d / p:7.1f}  min ||grad|| {min_grad.min():.3f}")
