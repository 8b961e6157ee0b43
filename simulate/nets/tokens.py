"""Two tokenisations of the pinned corpus (``data.documents``), the tasks a model is trained on, and the count
baselines a trained model must beat, scored on the very windows the model is scored on.

``chars``: every character is a token (about 110). ``words``: words and punctuation marks (the regular expression
``\\w+|[^\\w\\s]``, whitespace dropped), the closest offline stand-in for BERT's WordPiece: the ``WORD_VOCAB - 1``
most frequent tokens of the training part (Zipfian counts; they cover about 96% of it) plus ``<unk>`` for every
other token. Both tokenisations have ``<unk>`` as token 0. The training and held-out parts are every document's
own parts (``data.Document.parts``) laid end to end, joined by ``data.SEPARATOR``.

A ``Task`` is a tokenisation, what is predicted, and where the loss is taken:
  * ``target = "next"``: the next token, or its frequency class (``classes = C``: the C - 1 most frequent training
    tokens each a class of its own and every other token one class), at every position of the window (the loss
    every language model in both papers is trained on) or at the last one only;
  * ``target = "document"``: which of C documents a window comes from ([T]'s fine-tuning: a classification task
    with many classes), the C documents with the longest held-out part in words (``task_documents``), a window
    drawn wholly inside one document's part, its document uniform over the C; the class is read at the last
    position.

Baselines (``baseline_losses``): a next-token task's is the interpolated Witten-Bell bigram of the class given the
current token, counted on the training part; a document task's is the uniform prior over its C balanced classes
(log C nats). Either is scored per window on the same windows as the model, so that the two can be compared paired.
"""

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

import jax
import jax.numpy as jnp
import numpy as np

from simulate.nets.data import SEPARATOR, documents, windows
from theory.validation import check_choice, check_int

TOKENISATIONS = ("chars", "words")
TARGETS = ("next", "document")
UNKNOWN = "<unk>"
WORD_VOCAB = 4096  # the words' vocabulary, <unk> included: the embedding and head of a 2-core model stay small
# a document task's windows, in tokens, whatever the model's seq_len: the 512th longest document's held-out part
# holds 31 words and the 1024th 18, so that windows of 16 fit inside every class's held-out part up to C = 1024
DOCUMENT_WINDOW = 16
_WORD = re.compile(r"\w+|[^\w\s]")


def _pieces(text: str, tokenisation: str) -> list[str]:
    return list(text) if tokenisation == "chars" else _WORD.findall(text)


@cache
def _parts(tokenisation: str) -> dict[str, tuple[list[str], np.ndarray]]:
    """Per part (``train``, ``test``): the token strings of every document's part laid end to end with the separator
    between them, and each document's [start, stop) span in that list (int64 [documents, 2])."""
    check_choice(tokenisation, TOKENISATIONS, "tokenisation")
    separator = _pieces(SEPARATOR, tokenisation)
    out = {}
    for i, part in enumerate(("train", "test")):
        pieces: list[str] = []
        spans = np.empty((len(documents()), 2), dtype=np.int64)
        for d, doc in enumerate(documents()):
            if d:
                pieces += separator
            spans[d, 0] = len(pieces)
            pieces += _pieces(doc.parts()[i], tokenisation)
            spans[d, 1] = len(pieces)
        out[part] = (pieces, spans)
    return out


@cache
def vocabulary(tokenisation: str) -> tuple[str, ...]:
    """Token id -> token string: ``<unk>`` first, then the training part's tokens, most frequent first (ties in
    string order), every one for characters and the ``WORD_VOCAB - 1`` most frequent for words."""
    counts = Counter(_parts(tokenisation)["train"][0])
    ordered = sorted(counts, key=lambda t: (-counts[t], t))
    if tokenisation == "words":
        ordered = ordered[: WORD_VOCAB - 1]
    return (UNKNOWN, *ordered)


@cache
def split(tokenisation: str, part: str) -> np.ndarray:
    """Token ids (int32) of the training part (``train``) or the held-out part (``test``); a token outside the
    vocabulary is ``<unk>`` (0)."""
    check_choice(part, ("train", "test"), "part")
    pieces = _parts(tokenisation)[part][0]
    index = {t: i for i, t in enumerate(vocabulary(tokenisation))}
    return np.fromiter((index.get(t, 0) for t in pieces), dtype=np.int32, count=len(pieces))


@dataclass(frozen=True)
class Task:
    """What a model predicts: the next token of ``tokenisation`` (``classes = None``) or its frequency class
    (``classes = C``), at every position (``positions = "all"``) or the last only (``"last"``); or, with
    ``target = "document"``, which of ``classes`` documents the window comes from (at the last position)."""

    tokenisation: str = "words"
    classes: int | None = None
    positions: str = "all"
    target: str = "next"

    def __post_init__(self):
        check_choice(self.tokenisation, TOKENISATIONS, "tokenisation")
        check_choice(self.positions, ("all", "last"), "positions")
        check_choice(self.target, TARGETS, "target")
        if self.target == "document":
            if self.classes is None or self.positions != "last":
                raise ValueError(
                    f"a document task needs classes (an integer) and positions='last'; got classes={self.classes!r}, "
                    f"positions={self.positions!r}"
                )
            check_int(self.classes, "classes", 2, len(documents()))
        elif self.classes is not None:
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
        """The task in a few words, as rows and figures label it (e.g. ``words``, ``words, 5 classes``,
        ``words, 512 documents``)."""
        if self.target == "document":
            return f"{self.tokenisation}, {self.classes} documents"
        parts = [self.tokenisation]
        if self.classes is not None:
            parts.append(f"{self.classes} classes")
        if self.positions == "last":
            parts.append("last position")
        return ", ".join(parts)


def window_length(task: Task, seq_len: int) -> int:
    """The tokens of a window a model of ``seq_len`` positions sees on ``task``: ``seq_len``, or for a document
    task at most ``DOCUMENT_WINDOW``."""
    return min(seq_len, DOCUMENT_WINDOW) if task.target == "document" else seq_len


@cache
def class_of_token(task: Task) -> np.ndarray:
    """The class (int32) of every token id for a next-token task: the token itself, or its frequency class (rank
    r < C - 1: class r; any rarer token, and ``<unk>``, class C - 1)."""
    if task.target != "next":
        raise ValueError(f"class_of_token is for next-token tasks; {task.name!r} predicts a document")
    ids = np.arange(task.vocab)
    if task.classes is None:
        return ids.astype(np.int32)
    rank = np.where(ids == 0, task.classes, ids - 1)  # id 0 is <unk>, then most frequent first
    return np.minimum(rank, task.classes - 1).astype(np.int32)


@cache
def task_documents(classes: int) -> tuple[int, ...]:
    """The indices (into ``data.documents()``) of the ``classes`` documents with the most word tokens in their
    held-out part (ties by name), in that order: class c is document ``task_documents(C)[c]``. (Characters would
    rank a long table of symbols above prose; every such document has at least as many characters as words.)"""
    docs = documents()
    spans = _parts("words")["test"][1]
    order = sorted(range(len(docs)), key=lambda i: (-int(spans[i, 1] - spans[i, 0]), docs[i].name))
    return tuple(order[:classes])


@cache
def document_spans(task: Task, part: str) -> np.ndarray:
    """Each class's [start, stop) span (int32 [C, 2]) in ``split(task.tokenisation, part)``."""
    spans = _parts(task.tokenisation)[part][1]
    return spans[list(task_documents(task.classes))].astype(np.int32)


def _document_batch(key, task: Task, size: int, seq_len: int, part: str) -> tuple[jax.Array, jax.Array]:
    spans = document_spans(task, part)
    lengths = spans[:, 1] - spans[:, 0]
    if lengths.min() < seq_len:
        short = int(np.argmin(lengths))
        raise ValueError(
            f"seq_len={seq_len} is longer than the {part} part of class {short} of {task.name!r} "
            f"({documents()[task_documents(task.classes)[short]].name}, {lengths[short]} tokens): use windows of at "
            f"most {lengths.min()} tokens or fewer classes"
        )
    k_class, k_start = jax.random.split(key)
    labels = jax.random.randint(k_class, (size,), 0, task.classes)
    spans = jnp.asarray(spans)
    starts = spans[labels, 0] + jax.random.randint(
        k_start, (size,), 0, spans[labels, 1] - spans[labels, 0] - seq_len + 1
    )
    tokens = jnp.asarray(split(task.tokenisation, part))
    inputs = jax.vmap(lambda s: jax.lax.dynamic_slice(tokens, (s,), (seq_len,)))(starts)
    return inputs, labels.astype(jnp.int32)


def batch(key: jax.Array, task: Task, size: int, seq_len: int, part: str = "train") -> tuple[jax.Array, jax.Array]:
    """``size`` windows of ``seq_len`` tokens of ``part`` (int32 [size, seq_len]) and their labels.

    Next-token tasks: windows at uniformly drawn places, labelled with the class of the next token at every position
    (int32 [size, seq_len]: labels[:, t] is that of the token after inputs[:, t]) or, with ``positions = "last"``,
    after the last (int32 [size]). Document tasks: a class uniform over the C, a window uniform inside that
    document's part, labelled with the class (int32 [size])."""
    check_choice(part, ("train", "test"), "part")
    if task.target == "document":
        size, seq_len = check_int(size, "size", 1), check_int(seq_len, "seq_len", 1)
        return _document_batch(key, task, size, seq_len, part)
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
def bigram_model(task: Task):
    """The ``witten_bell_bigram`` of a next-token task's classes given the current token, counted on the training
    part."""
    labels = class_of_token(task)
    train = split(task.tokenisation, "train")
    return witten_bell_bigram(train[:-1], labels[train[1:]], task.vocab, task.n_classes)


def baseline_losses(task: Task, inputs, labels) -> np.ndarray:
    """The task's count baseline's cross-entropy (nats) on each window (float64 [windows]): the bigram's mean over
    the window's predictions (every position, or the last), or log C for a document task."""
    inputs, labels = np.asarray(inputs), np.asarray(labels)
    if task.target == "document":
        return np.full(len(labels), np.log(task.classes))
    previous = inputs if task.positions == "all" else inputs[:, -1]
    nll = -np.log(bigram_probabilities(bigram_model(task), previous, labels))
    return nll.mean(axis=1) if task.positions == "all" else nll


@cache
def bigram_baseline(task: Task) -> float:
    """Held-out cross-entropy (nats per prediction) of the task's count baseline over the whole held-out part: the
    level figures draw (the trained gate compares model and baseline on the same windows, ``baseline_losses``)."""
    if task.target == "document":
        return float(np.log(task.classes))
    test = split(task.tokenisation, "test")
    labels = class_of_token(task)
    return float(-np.mean(np.log(bigram_probabilities(bigram_model(task), test[:-1], labels[test[1:]]))))
