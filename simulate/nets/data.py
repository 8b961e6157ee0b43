"""Text that nobody here wrote and that every Python ships: the language reference of ``pydoc_data.topics``.

Tokens are characters (about 100 distinct). Two tasks on the same windows of ``seq_len`` characters: ``next-char``
(the next character: one class per vocabulary entry) and ``char-kind`` (the next character's kind, one of
``KINDS``: a few-class task). The first ``TRAIN_FRACTION`` of the text is for training, the rest held out.
"""

from functools import cache

import jax
import jax.numpy as jnp
import numpy as np

from theory.validation import check_choice, check_int

TASKS = ("next-char", "char-kind")
KINDS = ("space", "lower", "upper", "digit", "other")
TRAIN_FRACTION = 0.9


@cache
def corpus() -> str:
    """The pydoc topics in sorted-key order, concatenated (about 465,000 characters on CPython 3.11)."""
    from pydoc_data.topics import topics

    return "".join(topics[key] for key in sorted(topics))


@cache
def vocabulary() -> str:
    """Every distinct character of the corpus, sorted (token id = position)."""
    return "".join(sorted(set(corpus())))


def encode(text: str) -> np.ndarray:
    """Token ids (int32) of ``text``; every character must be in the vocabulary."""
    index = {c: i for i, c in enumerate(vocabulary())}
    missing = sorted(set(text) - index.keys())
    if missing:
        raise ValueError(f"text has characters outside the corpus vocabulary: {missing[:5]!r}")
    return np.fromiter((index[c] for c in text), dtype=np.int32, count=len(text))


@cache
def kind_of_token() -> np.ndarray:
    """The kind (index into ``KINDS``) of every vocabulary entry."""

    def kind(c: str) -> int:
        return 0 if c.isspace() else 1 if c.islower() else 2 if c.isupper() else 3 if c.isdigit() else 4

    return np.array([kind(c) for c in vocabulary()], dtype=np.int32)


def n_classes(task: str) -> int:
    """Number of classes of a task."""
    check_choice(task, TASKS, "task")
    return len(vocabulary()) if task == "next-char" else len(KINDS)


@cache
def split(part: str) -> np.ndarray:
    """Token ids of the training part (``train``) or the held-out part (``test``) of the corpus."""
    check_choice(part, ("train", "test"), "part")
    tokens = encode(corpus())
    cut = int(TRAIN_FRACTION * tokens.size)
    return tokens[:cut] if part == "train" else tokens[cut:]


def windows(key: jax.Array, tokens: np.ndarray, size: int, seq_len: int) -> jax.Array:
    """``size`` runs of ``seq_len + 1`` consecutive ``tokens`` starting at uniformly drawn places (int32
    [size, seq_len + 1]): a window and the token after it."""
    size, seq_len = check_int(size, "size", 1), check_int(seq_len, "seq_len", 1)
    tokens = jnp.asarray(tokens)
    starts = jax.random.randint(key, (size,), 0, tokens.size - seq_len)
    return jax.vmap(lambda s: jax.lax.dynamic_slice(tokens, (s,), (seq_len + 1,)))(starts)


def batch(key: jax.Array, task: str, size: int, seq_len: int, part: str = "train") -> tuple[jax.Array, jax.Array]:
    """``size`` windows of ``seq_len`` tokens at uniformly drawn places of ``part`` (inputs, int32 [size, seq_len])
    and the task's label of the character after each window (int32 [size])."""
    check_choice(task, TASKS, "task")
    w = windows(key, split(part), size, seq_len)
    nxt = w[:, -1]
    labels = nxt if task == "next-char" else jnp.asarray(kind_of_token())[nxt]
    return w[:, :-1], labels
