"""Text that nobody here wrote and that every Python ships: the language reference of ``pydoc_data.topics``.

The first ``TRAIN_FRACTION`` of its characters is for training, the rest held out (``simulate.nets.tokens`` cuts
both tokenisations at that character). ``windows`` draws runs of consecutive tokens from a token array.
"""

from functools import cache

import jax
import jax.numpy as jnp
import numpy as np

from theory.validation import check_int

TRAIN_FRACTION = 0.9


@cache
def corpus() -> str:
    """The pydoc topics in sorted-key order, concatenated (about 465,000 characters on CPython 3.11)."""
    from pydoc_data.topics import topics

    return "".join(topics[key] for key in sorted(topics))


def windows(key: jax.Array, tokens: np.ndarray, size: int, seq_len: int) -> jax.Array:
    """``size`` runs of ``seq_len + 1`` consecutive ``tokens`` starting at uniformly drawn places (int32
    [size, seq_len + 1]): a window and the token after it."""
    size, seq_len = check_int(size, "size", 1), check_int(seq_len, "seq_len", 1)
    tokens = jnp.asarray(tokens)
    starts = jax.random.randint(key, (size,), 0, tokens.size - seq_len)
    return jax.vmap(lambda s: jax.lax.dynamic_slice(tokens, (s,), (seq_len + 1,)))(starts)
