"""Two tokenisations of the shipped text (``data.corpus``), the tasks a language model is trained on, and the
count-bigram baseline each task's model must beat.

``chars``: every character is a token (about 100). ``words``: words and punctuation marks (the regular expression
``\\w+|[^\\w\\s]``, whitespace dropped), the closest offline stand-in for BERT's WordPiece: a vocabulary of every
distinct token of the training part (about 4,000, with Zipfian counts) plus ``<unk>`` for held-out tokens never
seen in training. The training part is the first ``data.TRAIN_FRACTION`` of the text, cut at the same character for
both tokenisations.

A ``Task`` is a tokenisation, the classes predicted (the next token, or its frequency class: the C - 1 most frequent
training tokens each a class of its own and every other token one class, a few-class task on the same text), and
where the loss is taken: at every position of the window (the loss every transformer in both papers is trained on)
or at the last one only.
"""

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

import jax
import jax.numpy as jnp
import numpy as np

from simulate.nets.data import TRAIN_FRACTION, corpus, windows
from theory.validation import check_choice, check_int

TOKENISATIONS = ("chars", "words")
UNKNOWN = "<unk>"
_WORD = re.compile(r"\w+|[^\w\s]")


def _pieces(text: str, tokenisation: str) -> list[str]:
    return list(text) if tokenisation == "chars" else _WORD.findall(text)


@cache
def _parts(tokenisation: str) -> tuple[list[str], list[str]]:
    """The token strings of the training and the held-out part (the text cut at TRAIN_FRACTION of its characters)."""
    check_choice(tokenisation, TOKENISATIONS, "tokenisation")
    text = corpus()
    cut = int(TRAIN_FRACTION * len(text))
    return _pieces(text[:cut], tokenisation), _pieces(text[cut:], tokenisation)


@cache
def vocabulary(tokenisation: str) -> tuple[str, ...]:
    """Token id -> token string: ``<unk>`` first (words only), then every distinct training token, most frequent
    first (ties in string order)."""
    train, _ = _parts(tokenisation)
    counts = Counter(train)
    ordered = sorted(counts, key=lambda t: (-counts[t], t))
    return ((UNKNOWN,) if tokenisation == "words" else ()) + tuple(ordered)


@cache
def split(tokenisation: str, part: str) -> np.ndarray:
    """Token ids (int32) of the training part (``train``) or the held-out part (``test``); a held-out token unseen
    in training is ``<unk>`` (words) or an error (chars: the training part has every character of the text)."""
    check_choice(part, ("train", "test"), "part")
    train, test = _parts(tokenisation)
    index = {t: i for i, t in enumerate(vocabulary(tokenisation))}
    pieces = train if part == "train" else test
    if tokenisation == "chars":
        missing = sorted(set(pieces) - index.keys())
        if missing:
            raise ValueError(f"held-out characters outside the training vocabulary: {missing[:5]!r}")
        return np.fromiter((index[t] for t in pieces), dtype=np.int32, count=len(pieces))
    return np.fromiter((index.get(t, 0) for t in pieces), dtype=np.int32, count=len(pieces))


@dataclass(frozen=True)
class Task:
    """What a model predicts: the next token of ``tokenisation`` (``classes = None``) or its frequency class
    (``classes = C``), at every position (``positions = "all"``) or the last only (``"last"``)."""

    tokenisation: str = "words"
    classes: int | None = None
    positions: str = "all"

    def __post_init__(self):
        check_choice(self.tokenisation, TOKENISATIONS, "tokenisation")
        check_choice(self.positions, ("all", "last"), "positions")
        if self.classes is not None:
            check_int(self.classes, "classes", 2, len(vocabulary(self.tokenisation)) + 1)

    @property
    def vocab(self) -> int:
        """Number of input tokens."""
        return len(vocabulary(self.tokenisation))

    @property
    def n_classes(self) -> int:
        """Number of classes of the target."""
        return self.vocab if self.classes is None else self.classes

    @property
    def name(self) -> str:
        """The task in a few words, as rows and figures label it (e.g. ``words``, ``words, 5 classes``)."""
        parts = [self.tokenisation]
        if self.classes is not None:
            parts.append(f"{self.classes} classes")
        if self.positions == "last":
            parts.append("last position")
        return ", ".join(parts)


@cache
def class_of_token(task: Task) -> np.ndarray:
    """The class (int32) of every token id: the token itself, or its frequency class (rank r < C - 1: class r; any
    rarer token, and ``<unk>``, class C - 1)."""
    ids = np.arange(task.vocab)
    if task.classes is None:
        return ids.astype(np.int32)
    rank = ids - 1 if task.tokenisation == "words" else ids  # words: id 0 is <unk>, then most frequent first
    rank = np.where(rank < 0, task.classes, rank)
    return np.minimum(rank, task.classes - 1).astype(np.int32)


def batch(key: jax.Array, task: Task, size: int, seq_len: int, part: str = "train") -> tuple[jax.Array, jax.Array]:
    """``size`` windows of ``seq_len`` tokens at uniformly drawn places of ``part`` (int32 [size, seq_len]) and the
    class of the next token at every position (int32 [size, seq_len]: labels[:, t] is that of the token after
    inputs[:, t]) or, with ``positions = "last"``, after the last (int32 [size])."""
    w = windows(key, split(task.tokenisation, part), size, seq_len)
    labels = jnp.asarray(class_of_token(task))[w[:, 1:]]
    return w[:, :-1], labels if task.positions == "all" else labels[:, -1]


def witten_bell_bigram(
    contexts: np.ndarray, targets: np.ndarray, n_contexts: int, n_targets: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An interpolated Witten-Bell bigram model counted on (context, target) pairs, parameter-free:
    P(w | v) = (c(v, w) + n(v) P1(w)) / (c(v) + n(v)), with c(v) the count of v as a context, n(v) the number of
    distinct targets seen after v, and P1 the add-one unigram of the targets. Returns (the pair codes
    v * n_targets + w, sorted, and their counts, as a [pairs, 2] array; per-context (c(v), n(v)) [n_contexts, 2];
    P1 [n_targets])."""
    contexts, targets = np.asarray(contexts, dtype=np.int64), np.asarray(targets, dtype=np.int64)
    codes, c = np.unique(contexts * n_targets + targets, return_counts=True)
    context = np.zeros((n_contexts, 2), dtype=np.int64)
    np.add.at(context[:, 0], codes // n_targets, c)
    np.add.at(context[:, 1], codes // n_targets, 1)
    unigram = (np.bincount(targets, minlength=n_targets) + 1.0) / (targets.size + n_targets)
    return np.stack([codes, c], axis=1), context, unigram


def bigram_probabilities(model, previous: np.ndarray, following: np.ndarray) -> np.ndarray:
    """P(following | previous) under a ``witten_bell_bigram`` model, elementwise."""
    pairs, context, unigram = model
    previous, following = np.asarray(previous, dtype=np.int64), np.asarray(following, dtype=np.int64)
    codes = previous * unigram.size + following
    at = np.minimum(np.searchsorted(pairs[:, 0], codes), len(pairs) - 1)
    pair = np.where(pairs[at, 0] == codes, pairs[at, 1], 0)
    c, n = context[previous, 0].astype(float), context[previous, 1].astype(float)
    p1 = unigram[following]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(c > 0, (pair + n * p1) / (c + n), p1)  # an unseen context falls back on the unigram


@cache
def bigram_baseline(task: Task) -> float:
    """Held-out cross-entropy (nats per prediction) of the Witten-Bell bigram of the task's classes given the
    current token, counted on the training part: the loss a trained model of the same task must beat."""
    labels = class_of_token(task)
    train, test = split(task.tokenisation, "train"), split(task.tokenisation, "test")
    model = witten_bell_bigram(train[:-1], labels[train[1:]], task.vocab, task.n_classes)
    return float(-np.mean(np.log(bigram_probabilities(model, test[:-1], labels[test[1:]]))))
