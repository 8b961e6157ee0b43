"""Two tokenisations of the shipped text (``data.corpus``) for language modelling, and the count-bigram baseline.

``chars``: every character is a token (about 100). ``words``: words and punctuation marks (the regular expression
``\\w+|[^\\w\\s]``, whitespace dropped), the closest offline stand-in for BERT's WordPiece: a vocabulary of every
distinct token of the training part (about 4,000, with Zipfian counts) plus ``<unk>`` for held-out tokens never
seen in training. The training part is the first ``data.TRAIN_FRACTION`` of the text, cut at the same character for
both tokenisations. A language-model batch is ``size`` windows of ``seq_len`` tokens and, at every position, the
next token (the loss of every transformer in both papers averages over all of them).
"""

import re
from collections import Counter
from functools import cache

import jax
import numpy as np

from simulate.nets.data import TRAIN_FRACTION, corpus, windows
from theory.validation import check_choice

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


def lm_batch(
    key: jax.Array, tokenisation: str, size: int, seq_len: int, part: str = "train"
) -> tuple[jax.Array, jax.Array]:
    """``size`` windows of ``seq_len`` tokens at uniformly drawn places of ``part`` (int32 [size, seq_len]) and the
    next token at every position (int32 [size, seq_len]: targets[:, t] = the token after inputs[:, t])."""
    w = windows(key, split(tokenisation, part), size, seq_len)
    return w[:, :-1], w[:, 1:]


def witten_bell_bigram(train: np.ndarray, vocab: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An interpolated Witten-Bell bigram model counted on ``train`` (token ids < ``vocab``), parameter-free:
    P(w | v) = (c(v, w) + n(v) P1(w)) / (c(v) + n(v)), with c(v) the count of v as a context, n(v) the number of
    distinct tokens seen after v, and P1 the add-one unigram. Returns (pair counts as a sparse (v, w, c) triple
    array, per-context (c(v), n(v)) [vocab, 2], P1 [vocab])."""
    train = np.asarray(train, dtype=np.int64)
    pairs = train[:-1] * vocab + train[1:]
    codes, c = np.unique(pairs, return_counts=True)
    triples = np.stack([codes // vocab, codes % vocab, c], axis=1)
    context = np.zeros((vocab, 2), dtype=np.int64)
    np.add.at(context[:, 0], triples[:, 0], triples[:, 2])
    np.add.at(context[:, 1], triples[:, 0], 1)
    unigram = (np.bincount(train, minlength=vocab) + 1.0) / (train.size + vocab)
    return triples, context, unigram


def bigram_probabilities(model, previous: np.ndarray, following: np.ndarray) -> np.ndarray:
    """P(following | previous) under a ``witten_bell_bigram`` model, elementwise."""
    triples, context, unigram = model
    vocab = context.shape[0]
    lookup = dict(zip((triples[:, 0] * vocab + triples[:, 1]).tolist(), triples[:, 2].tolist(), strict=True))
    pair = np.array([lookup.get(int(v) * vocab + int(w), 0) for v, w in zip(previous, following, strict=True)])
    c, n = context[previous, 0].astype(float), context[previous, 1].astype(float)
    p1 = unigram[following]
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(c > 0, (pair + n * p1) / (c + n), p1)  # an unseen context falls back on the unigram
    return p


@cache
def bigram_baseline(tokenisation: str) -> float:
    """Held-out cross-entropy (nats per token) of the Witten-Bell bigram counted on the training part: the loss a
    trained language model of the same tokenisation must beat."""
    vocab = len(vocabulary(tokenisation))
    model = witten_bell_bigram(split(tokenisation, "train"), vocab)
    test = split(tokenisation, "test")
    return float(-np.mean(np.log(bigram_probabilities(model, test[:-1], test[1:]))))
