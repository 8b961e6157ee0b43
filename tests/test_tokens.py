"""The two tokenisations of the shipped text, language-model batches, and the Witten-Bell bigram baseline."""

import math

import jax
import numpy as np
import pytest

from simulate.nets import tokens


@pytest.mark.parametrize("tokenisation", tokens.TOKENISATIONS)
def test_batches_pair_every_position_with_the_next_token(tokenisation):
    x, y = tokens.batch(jax.random.key(3), tokens.Task(tokenisation), 8, 16, part="test")
    assert x.shape == y.shape == (8, 16)
    np.testing.assert_array_equal(np.asarray(x[:, 1:]), np.asarray(y[:, :-1]))
    assert int(np.asarray(x).max()) < len(tokens.vocabulary(tokenisation))


def test_words_have_a_vocabulary_of_thousands_with_zipfian_counts():
    vocab = tokens.vocabulary("words")
    assert vocab[0] == tokens.UNKNOWN and 2000 < len(vocab) < 10000
    assert {"the", "(", ")", "."} <= set(vocab)
    counts = np.bincount(tokens.split("words", "train"), minlength=len(vocab))[1:]
    assert np.all(np.diff(counts) <= 0)  # most frequent first
    ranks = np.arange(1, counts.size + 1)
    window = (ranks >= 10) & (ranks <= 1000)
    slope = np.polyfit(np.log(ranks[window]), np.log(counts[window]), 1)[0]
    assert -1.5 < slope < -0.7, slope  # Zipf's law: frequency ~ rank^-1


def test_characters_cover_the_held_out_text_and_words_mark_the_unseen():
    assert (tokens.split("chars", "test") >= 0).all()
    unknown = (tokens.split("words", "test") == 0).mean()
    assert 0 < unknown < 0.1


def test_witten_bell_is_a_distribution_for_every_context():
    train = np.array([0, 1, 2, 1, 2, 2, 0, 1, 3, 1, 2])
    model = tokens.witten_bell_bigram(train[:-1], train[1:], 5, 5)  # token 4 never occurs, 3 once as a context
    for v in range(5):
        p = tokens.bigram_probabilities(model, np.full(5, v), np.arange(5))
        assert abs(p.sum() - 1) < 1e-12 and (p > 0).all()
    # by hand: after 1, seen 2 (three times) and 3 (once): c(1) = 4, n(1) = 2; the targets (train[1:], 10 of them)
    # hold 2 four times: P1(2) = (4 + 1)/(10 + 5)
    p = tokens.bigram_probabilities(model, np.array([1]), np.array([2]))[0]
    assert p == pytest.approx((3 + 2 * 5 / 15) / (4 + 2))


def test_the_baselines_lie_between_a_perfect_and_a_uniform_model():
    for task in (tokens.Task("chars"), tokens.Task("words"), tokens.Task("words", classes=64)):
        b = tokens.bigram_baseline(task)
        assert 0.5 < b < math.log(task.n_classes)


def test_a_class_baseline_is_the_bigram_of_the_classes_given_the_previous_token():
    # by hand on the words: P(class | previous word) counted on the training part, checked on a few held-out pairs
    task = tokens.Task("words", classes=3)
    labels = tokens.class_of_token(task)
    train, test = tokens.split("words", "train"), tokens.split("words", "test")
    v, w = int(test[10]), int(labels[test[11]])
    after = labels[train[1:][train[:-1] == v]]
    c, n = after.size, np.unique(after).size
    p1 = (np.sum(labels[train[1:]] == w) + 1) / (train.size - 1 + 3)
    model = tokens.witten_bell_bigram(train[:-1], labels[train[1:]], task.vocab, 3)
    got = tokens.bigram_probabilities(model, np.array([v]), np.array([w]))[0]
    assert got == pytest.approx((np.sum(after == w) + n * p1) / (c + n))
