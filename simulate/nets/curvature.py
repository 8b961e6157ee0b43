"""Per-example gradients, Hessian-vector products and per-tensor top Hessian eigenvalues of a loss.

``loss(params, inputs, labels)`` is any scalar loss over a batch (e.g. ``functools.partial(model.loss, cfg=...)``
re-ordered); parameters are a dict of named tensors. The block of [T] is one named tensor: its top eigenvalue is
that of the diagonal block H_bb, found by power iteration on v -> (H v)_b with v supported on the block (the
released code of Tomihari & Sato does the same per named parameter).
"""

from collections.abc import Callable
from functools import partial

import jax
import jax.numpy as jnp

from theory.validation import check_int


@partial(jax.jit, static_argnames="loss")  # compiled once per loss and batch shape, not run op by op
def per_example_gradients(loss: Callable, params: dict, inputs: jax.Array, labels: jax.Array) -> dict:
    """Gradient of the loss of each example alone: every tensor gains a leading batch axis."""

    def single(p, x, y):
        return loss(p, x[None], y[None])

    return jax.vmap(jax.grad(single), in_axes=(None, 0, 0))(params, inputs, labels)


def hvp(loss: Callable, params: dict, inputs: jax.Array, labels: jax.Array, vector: dict) -> dict:
    """H v, H the Hessian of the batch loss at ``params`` (forward-over-reverse)."""
    grad = jax.grad(lambda p: loss(p, inputs, labels))
    return jax.jvp(grad, (params,), (vector,))[1]


@partial(jax.jit, static_argnames=("loss", "name"))
def _block_hvp(loss: Callable, name: str, params: dict, inputs, labels, v_block: jax.Array) -> jax.Array:
    """(H v)_b for v supported on tensor ``name`` (the parameters are arguments, not constants of the trace)."""
    zeros = jax.tree.map(jnp.zeros_like, params)
    return hvp(loss, params, inputs, labels, {**zeros, name: v_block})[name]


def top_block_eigenvalue(loss: Callable, params: dict, inputs: jax.Array, labels: jax.Array, name: str,
                         key: jax.Array, iterations: int = 30) -> float:  # fmt: skip
    """Largest-|.| eigenvalue of the Hessian block of tensor ``name``, by ``iterations`` steps of power iteration
    from a Gaussian start (the Rayleigh quotient of the last iterate; signed)."""
    iterations = check_int(iterations, "iterations", 1)
    if name not in params:
        raise ValueError(f"name={name!r} is not a parameter tensor; accepted: {', '.join(params)}")

    def block_hvp(v_block):
        return _block_hvp(loss, name, params, inputs, labels, v_block)

    v = jax.random.normal(key, params[name].shape)
    v = v / jnp.linalg.norm(v)
    for _ in range(iterations):
        w = block_hvp(v)
        norm = jnp.linalg.norm(w)
        if norm == 0:
            return 0.0
        v = w / norm
    return float(jnp.vdot(v, block_hvp(v)))
