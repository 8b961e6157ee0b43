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
# # The papers' real-model statements on a small transformer (docs/theory.md §8)
#
# A causal transformer in JAX (`simulate/nets`), a language model (the loss at every position) on the language
# reference that ships with Python (`pydoc_data.topics`, as words or as characters). Four claims use it:
# `attention-noise-2x2`, `ln-placement-heterogeneity`, `head-growth-transformer`, `acclip-transformer`; their
# verdicts are in `results/REPORT.md`. This notebook shows the pieces, so that a researcher can change a model
# switch, a method or a step grid and look again.
# Set `NOTEBOOK_SMALL=1` for CI size.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np
from tqdm.auto import tqdm  # a widget bar in Jupyter (the notebooks extra), text elsewhere

from simulate.claims.attention_noise_2x2 import experiment as attention_noise
from simulate.claims.attention_noise_2x2.claim import CLAIM as NOISE_2X2
from simulate.claims.ln_placement_heterogeneity import experiment as ln_placement
from simulate.claims.ln_placement_heterogeneity.claim import CLAIM as LN_PLACEMENT
from simulate.nets import data, model, noise, tokens
from simulate.nets.train import Schedule, initial_params, train
from simulate.transformer.ladder import net_config, parameter_count, pool
from theory import heterogeneity as het

SMALL = os.environ.get("NOTEBOOK_SMALL") == "1"
SIZE = "quick" if SMALL else "default"
NET = LN_PLACEMENT.profiles[SIZE].net
STEPS = 40 if SMALL else 300

WORDS = tokens.Task("words")
cfg = net_config(NET, WORDS)
print(
    f"corpus {len(data.documents()):,} documents, {len(data.corpus()):,} characters; "
    f"vocabularies: {WORDS.vocab} words, {tokens.Task('chars').vocab} characters"
)
print(
    f"model: {NET}, {parameter_count(cfg):,} parameters; count-bigram baseline {tokens.bigram_baseline(WORDS):.3f} nats"
)

# %% [markdown]
# ## Gradient noise in the 2 x 2 ([Z] Fig. 4): attention or not, text or Gaussian input
#
# Per-example gradients of a pool of windows; the noise of a minibatch of B = 1 against a Gaussian vector with the
# same covariance, at initialisation. `spread` = q99 / median of the norms. (The claim measures every task at every
# checkpoint of Adam training as well: a few minutes at the default rung.)

# %%
P_NOISE = NOISE_2X2.profiles[SIZE]
rng = np.random.default_rng(0)
fig, axes = plt.subplots(1, 4, figsize=(16, 3.2), sharey=True)
for ax, (label, attention, inputs) in zip(axes, attention_noise.CELLS, strict=True):
    c = net_config(NET, WORDS, attention=attention, inputs=inputs)
    x, y = pool(c, WORDS, P_NOISE.pool, 0, inputs)
    G, _, _ = noise.gram_by_blocks(lambda p, x, y, c=c: model.loss(p, c, x, y), initial_params(c, seed=0), x, y)
    xi = noise.minibatch_noise_norms(G, 1, P_NOISE.draws, rng)
    ref = noise.gaussian_reference_norms(G, 1, P_NOISE.draws, rng)
    ax.hist(xi / np.median(xi), bins=40, density=True, alpha=0.6, label="noise")
    ax.hist(ref / np.median(ref), bins=40, density=True, histtype="step", color="k", label="Gaussian reference")
    ax.set_title(f"{label}\nspread {attention_noise.spread(xi):.2f} vs {attention_noise.spread(ref):.2f}")
axes[0].legend(fontsize=7)
plt.show()

# %% [markdown]
# ## Block gradient norms under Post-LN and Pre-LN at initialisation ([T])

# %%
fig, ax = plt.subplots(figsize=(10, 3.5))
for i, ln in enumerate(("post", "pre")):
    c = net_config(NET, WORDS, ln=ln)
    x, y = pool(c, WORDS, 256 if not SMALL else 32, seed=0)
    norms = ln_placement.block_gradient_norms(c, initial_params(c, seed=0), x, y)
    cv = het.spread(np.array(list(norms.values())))["cv"]
    ax.plot(range(len(norms)), list(norms.values()), "o", color=f"C{i}", label=f"{ln}-LN, CV {cv:.2f}")
ax.set_xticks(range(len(norms)), list(norms), rotation=70, fontsize=7)
ax.set_yscale("log")
ax.set_ylabel("||grad_b f||")
ax.legend()
plt.show()

# %% [markdown]
# ## Bring a method and a step grid: one compiled call trains them all
#
# `train` runs every (method, eta) pair on the same trials (same initial weights and minibatches per trial);
# methods are those of `simulate.nets.optim.METHODS`. `clip_norm` adds [T]'s global-norm clip in front; the step
# size warms up and decays along a cosine (`Schedule.rate`). The dashed line is the count-bigram baseline.

# %%
runs = [("sgd", 0.3), ("gclip", 0.3), ("signum", 1e-3), ("adam", 3e-3)]
schedule = Schedule(steps=STEPS, batch=NET.batch, every=STEPS // 4 if SMALL else 50)
_, records = train(cfg, WORDS, runs, trials=2, seed=0, schedule=schedule)
steps = schedule.checkpoints()
for i, (method, eta) in enumerate(runs):
    plt.plot(steps, records["eval_loss"][i].mean(axis=0), label=f"{method} {eta:g}")
plt.axhline(tokens.bigram_baseline(WORDS), color="k", ls="--", label="count bigram")
plt.xlabel("step")
plt.ylabel("held-out loss (nats per token)")
plt.legend()
plt.show()

# %% [markdown]
# ## The logits under SignSGD and Signum, few and many classes ([T])
#
# The next word's frequency class: the C - 1 most frequent words each a class, every other word one class.

# %%
for classes in tqdm((5, 64, 1024), desc="classes"):
    task = tokens.Task("words", classes=classes)
    _, rec = train(net_config(NET, task), task, [("signsgd", 3e-3), ("signum", 3e-3)], 2, 0, schedule)
    ratio = rec["logit_norm"][0, :, -1] / rec["logit_norm"][1, :, -1]
    print(f"{task.name:20s}: logit norm SignSGD / Signum = {np.round(ratio, 3)}")
