"""The optimizers of the real-model claims, under the Numba methods' names, as optax transformations.

    sgd      x -= eta g                               signsgd  x -= eta sign(g)
    sgdm     m = 0.9 m + g;  x -= eta m               signum   m = beta1 m + (1 - beta1) g;  x -= eta sign(m)
    gclip    x -= eta min(1, tau / ||g||) g           adam     optax.adam(eta, beta1, beta2, eps)
    cclip    x -= eta clip(g, -tau, tau)              acclip   ``scale_by_acclip`` then x -= eta u
GClip's norm is over every tensor at once (the global norm), CClip clips each coordinate. ACClip ([Z] Alg. 2, as in
``simulate.pieces.methods``): m = beta1 m + (1 - beta1) g, v = beta2 v + (1 - beta2) |g|^order, t = v^(1/order),
u = m when |m| + eps <= t, else t m / (|m| + eps) (coordinate-wise).
"""

from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from theory.validation import check_choice, check_positive

METHODS = ("sgd", "sgdm", "gclip", "cclip", "signsgd", "signum", "adam", "acclip")


class AcclipState(NamedTuple):
    m: optax.Updates
    v: optax.Updates


def scale_by_acclip(beta1: float = 0.9, beta2: float = 0.99, order: float = 1.0, eps: float = 1e-8):
    """ACClip's direction u (see the module docstring), with its state (m, v) starting at 0."""

    def init(params):
        zeros = jax.tree.map(jnp.zeros_like, params)
        return AcclipState(zeros, zeros)

    def update(grads, state, params=None):
        m = jax.tree.map(lambda m, g: beta1 * m + (1 - beta1) * g, state.m, grads)
        v = jax.tree.map(lambda v, g: beta2 * v + (1 - beta2) * jnp.abs(g) ** order, state.v, grads)

        def direction(m, v):
            t = v ** (1.0 / order)
            return jnp.where(jnp.abs(m) + eps <= t, m, t * m / (jnp.abs(m) + eps))

        return jax.tree.map(direction, m, v), AcclipState(m, v)

    return optax.GradientTransformation(init, update)


def optimizer(
    method: str,
    eta: float,
    *,
    tau: float = 1.0,
    beta1: float = 0.9,
    beta2: float = 0.99,
    eps: float = 1e-8,
    order: float = 1.0,
) -> optax.GradientTransformation:
    """The optax transformation of ``method`` with step ``eta`` (and threshold ``tau`` for the clipping methods)."""
    check_choice(method, METHODS, "method")
    eta, tau = check_positive(eta, "eta"), check_positive(tau, "tau")
    if method == "sgd":
        return optax.sgd(eta)
    if method == "sgdm":
        return optax.sgd(eta, momentum=0.9)
    if method == "gclip":
        return optax.chain(optax.clip_by_global_norm(tau), optax.sgd(eta))
    if method == "cclip":
        return optax.chain(optax.clip(tau), optax.sgd(eta))
    if method == "signsgd":
        return optax.sign_sgd(eta)
    if method == "signum":
        return optax.signum(eta, beta=beta1)
    if method == "adam":
        return optax.adam(eta, b1=beta1, b2=beta2, eps=eps)
    return optax.chain(scale_by_acclip(beta1, beta2, order, eps), optax.scale(-eta))
