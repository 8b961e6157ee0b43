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

from simulate.memory import trim_heap
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


@partial(jax.jit, static_argnames=("loss", "names", "iterations"))
def _block_power_iteration(
    loss: Callable, names: tuple[str, ...], iterations: int, params: dict, inputs, labels, key: jax.Array
) -> jax.Array:
    """Power iteration on every diagonal block H_bb at once: one vmapped HVP per iteration, the tangent of block j
    supported on tensor names[j]; returns the Rayleigh quotients of the last iterates."""

    def products(vs):
        tangents = {
            n: jnp.stack([v if names[j] == n else jnp.zeros_like(p) for j, v in enumerate(vs)])
            for n, p in params.items()
        }
        hv = jax.vmap(lambda t: hvp(loss, params, inputs, labels, t))(tangents)
        return [hv[n][j] for j, n in enumerate(names)]

    def normalised(ws):
        return [w / jnp.where(jnp.linalg.norm(w) > 0, jnp.linalg.norm(w), 1.0) for w in ws]

    keys = jax.random.split(key, len(names))
    vs = normalised([jax.random.normal(k, params[n].shape) for k, n in zip(keys, names, strict=True)])
    vs = jax.lax.fori_loop(0, iterations, lambda _, vs: normalised(products(vs)), vs)
    return jnp.stack([jnp.vdot(v, w) for v, w in zip(vs, products(vs), strict=True)])


def top_block_eigenvalues(
    loss: Callable, params: dict, inputs: jax.Array, labels: jax.Array, names, key: jax.Array, iterations: int = 30
) -> dict[str, float]:
    """Largest-|.| eigenvalue of the Hessian block of every tensor in ``names``, by ``iterations`` steps of power
    iteration from Gaussian starts (the Rayleigh quotient of the last iterate; signed; 0 for a zero block)."""
    iterations = check_int(iterations, "iterations", 1)
    names = tuple(names)
    unknown = [n for n in names if n not in params]
    if unknown:
        raise ValueError(f"names={unknown!r} are not parameter tensors; accepted: {', '.join(params)}")
    values = _block_power_iteration(loss, names, iterations, params, inputs, labels, key)
    out = {n: float(v) for n, v in zip(names, values, strict=True)}
    trim_heap()  # the vmapped products' freed buffers (a few hundred MiB), before the caller's next phase
    return out
