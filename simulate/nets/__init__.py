"""A small transformer in JAX for the papers' real-model claims, on text that ships with Python.

``data``: the language-reference prose of ``pydoc_data.topics`` and its training / held-out cut.
``tokens``: characters and words of that text, tasks (the next token or its frequency class, at every position or
the last), batches drawn from explicit PRNG keys, and each task's count-bigram baseline.
``model``: token embedding, blocks of multi-head causal self-attention and MLP, Post-LN / Pre-LN, attention
removable, Gaussian inputs in place of the embedding, a linear head at the last or at every position; parameters as
a flat dict of named tensors.
``optim``: SGD, SGD with momentum, GClip, CClip, SignSGD, Signum, Adam, ACClip under the Numba methods' names.
``train``: every (method, eta, trial) run side by side, warm-up and cosine decay.
``curvature``: per-example gradients (vmap), Hessian-vector products and per-tensor top Hessian eigenvalues.
``noise``: minibatch noise norms from a pool's Gram matrix, accumulated over blocks of parameters.
"""
