"""A small transformer in JAX for the papers' real-model claims, on text that ships with Python.

``data``: the language-reference prose of ``pydoc_data.topics`` as character tokens, a many-class task (the next
character) and a few-class task (the next character's kind), batches drawn from explicit PRNG keys.
``model``: token embedding, 1-2 blocks of multi-head causal self-attention and MLP, Post-LN / Pre-LN, attention
removable, Gaussian inputs in place of the embedding, a linear head; parameters as a flat dict of named tensors.
``optim``: SGD, SGD with momentum, GClip, CClip, SignSGD, Signum, Adam, ACClip under the Numba methods' names.
``curvature``: per-example gradients (vmap), Hessian-vector products and per-tensor top Hessian eigenvalues.
"""
