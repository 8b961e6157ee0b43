"""A small causal transformer classifier in plain JAX; parameters are a flat dict of named tensors.

    x_0 = embed[tokens] + pos                (or, with inputs = "gaussian", unit-norm Gaussian vectors + pos)
    Pre-LN block:   x = x + Attn(LN_1(x));   x = x + MLP(LN_2(x));   logits = head(LN_f(x_T))
    Post-LN block:  x = LN_1(x + Attn(x));   x = LN_2(x + MLP(x));   logits = head(x_T)
With ``attention=False`` the Attn sub-layer (and its LN) is removed: [Z]'s "ResNet" ablation. Attention is
multi-head and causal; the class is predicted from the last position (``positions = "last"``) or, for language
modelling, at every position (``positions = "all"``: logits [batch, T, n_classes], the loss averaged over all).
MLP(x) = W_2 gelu(W_1 x + b_1) + b_2.
Tensor names: ``embed``, ``pos``, ``block{i}.ln1.scale`` ..., ``block{i}.attn.wqkv``, ``block{i}.attn.wo``,
``block{i}.mlp.w1`` ..., ``ln_f.scale``, ``head.w``, ``head.b`` (per-tensor heterogeneity is measured over these).
"""

import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp

from theory.validation import check_choice, check_int

INIT_SCALE = 0.02  # standard deviation of every weight matrix at initialisation (GPT-2's)


@dataclass(frozen=True)
class NetConfig:
    """The architecture: vocabulary and class counts, window length, widths, LN placement, ablations."""

    vocab: int
    n_classes: int
    seq_len: int = 32
    d_model: int = 64
    heads: int = 4
    layers: int = 2
    mlp: int = 128
    ln: str = "pre"
    attention: bool = True
    inputs: str = "text"
    positions: str = "last"

    def __post_init__(self):
        for name in ("vocab", "n_classes", "seq_len", "d_model", "heads", "layers", "mlp"):
            check_int(getattr(self, name), name, 1)
        if self.d_model % self.heads:
            raise ValueError(f"d_model={self.d_model} is not a multiple of heads={self.heads}")
        check_choice(self.ln, ("pre", "post"), "ln")
        check_choice(self.inputs, ("text", "gaussian"), "inputs")
        check_choice(self.positions, ("last", "all"), "positions")
        if not isinstance(self.attention, bool):
            raise ValueError(f"attention={self.attention!r} is not a bool")


def shapes(cfg: NetConfig) -> dict[str, tuple[int, ...]]:
    """Every parameter tensor's name and shape, in a fixed order."""
    d = cfg.d_model
    out = {"embed": (cfg.vocab, d), "pos": (cfg.seq_len, d)}
    for i in range(cfg.layers):
        b = f"block{i}"
        if cfg.attention:
            out |= {f"{b}.ln1.scale": (d,), f"{b}.ln1.bias": (d,), f"{b}.attn.wqkv": (d, 3 * d), f"{b}.attn.wo": (d, d)}
        out |= {
            f"{b}.ln2.scale": (d,),
            f"{b}.ln2.bias": (d,),
            f"{b}.mlp.w1": (d, cfg.mlp),
            f"{b}.mlp.b1": (cfg.mlp,),
            f"{b}.mlp.w2": (cfg.mlp, d),
            f"{b}.mlp.b2": (d,),
        }
    if cfg.ln == "pre":
        out |= {"ln_f.scale": (d,), "ln_f.bias": (d,)}
    return out | {"head.w": (d, cfg.n_classes), "head.b": (cfg.n_classes,)}


def init(key: jax.Array, cfg: NetConfig) -> dict[str, jax.Array]:
    """Weights N(0, INIT_SCALE^2) (the embedding too), biases 0, LN scales 1; one subkey per tensor, by name order."""
    params = {}
    for sub, (name, shape) in zip(jax.random.split(key, len(shapes(cfg))), shapes(cfg).items(), strict=True):
        if name.endswith(".scale"):
            params[name] = jnp.ones(shape)
        elif len(shape) == 1:
            params[name] = jnp.zeros(shape)
        else:
            params[name] = INIT_SCALE * jax.random.normal(sub, shape)
    return params


def gaussian_inputs(key: jax.Array, cfg: NetConfig, size: int) -> jax.Array:
    """[Z] Sec. 5.3's synthetic input: unit-norm Gaussian vectors in place of the token embeddings [size, T, d]."""
    z = jax.random.normal(key, (size, cfg.seq_len, cfg.d_model))
    return z / jnp.linalg.norm(z, axis=-1, keepdims=True)


def _layer_norm(p: dict, name: str, x: jax.Array) -> jax.Array:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / jnp.sqrt(var + 1e-5) * p[f"{name}.scale"] + p[f"{name}.bias"]


def _attention(p: dict, b: str, x: jax.Array, heads: int) -> jax.Array:
    T, d = x.shape[-2:]
    q, k, v = jnp.split(x @ p[f"{b}.attn.wqkv"], 3, axis=-1)
    split_heads = lambda t: t.reshape(*t.shape[:-1], heads, d // heads).swapaxes(-2, -3)  # noqa: E731
    q, k, v = split_heads(q), split_heads(k), split_heads(v)
    scores = q @ k.swapaxes(-1, -2) / math.sqrt(d // heads)
    scores = jnp.where(jnp.tril(jnp.ones((T, T), bool)), scores, -jnp.inf)
    mixed = jax.nn.softmax(scores, axis=-1) @ v
    return mixed.swapaxes(-2, -3).reshape(*x.shape) @ p[f"{b}.attn.wo"]


def _mlp(p: dict, b: str, x: jax.Array) -> jax.Array:
    return jax.nn.gelu(x @ p[f"{b}.mlp.w1"] + p[f"{b}.mlp.b1"]) @ p[f"{b}.mlp.w2"] + p[f"{b}.mlp.b2"]


def forward(params: dict, cfg: NetConfig, inputs: jax.Array) -> jax.Array:
    """Class logits [batch, n_classes] (``positions = "all"``: [batch, T, n_classes]) from token ids [batch, T]
    (or Gaussian inputs [batch, T, d]), T at most ``seq_len``."""
    x = params["embed"][inputs] if cfg.inputs == "text" else inputs
    x = x + params["pos"][: x.shape[-2]]  # a window may be shorter than seq_len (a document task's)
    for i in range(cfg.layers):
        b = f"block{i}"
        if cfg.ln == "pre":
            if cfg.attention:
                x = x + _attention(params, b, _layer_norm(params, f"{b}.ln1", x), cfg.heads)
            x = x + _mlp(params, b, _layer_norm(params, f"{b}.ln2", x))
        else:
            if cfg.attention:
                x = _layer_norm(params, f"{b}.ln1", x + _attention(params, b, x, cfg.heads))
            x = _layer_norm(params, f"{b}.ln2", x + _mlp(params, b, x))
    out = x[..., -1, :] if cfg.positions == "last" else x
    if cfg.ln == "pre":
        out = _layer_norm(params, "ln_f", out)
    return out @ params["head.w"] + params["head.b"]


def window_losses(params: dict, cfg: NetConfig, inputs: jax.Array, labels: jax.Array) -> jax.Array:
    """Cross-entropy (nats) of every window of the batch [batch]: of its one prediction, or the mean over its
    positions when ``positions = "all"`` (labels [batch] or [batch, T])."""
    logits = forward(params, cfg, inputs)
    nll = -jnp.take_along_axis(jax.nn.log_softmax(logits), labels[..., None], axis=-1)[..., 0]
    return nll.mean(axis=-1) if cfg.positions == "all" else nll


def loss(params: dict, cfg: NetConfig, inputs: jax.Array, labels: jax.Array) -> jax.Array:
    """Mean cross-entropy (nats) of the batch: over its windows, and over every position when ``positions = "all"``
    (labels [batch] or [batch, T])."""
    return window_losses(params, cfg, inputs, labels).mean()
