"""The two tokenisations of the shipped text, language-model batches, and the Witten-Bell bigram baseline."""

import math

import jax
import numpy as np
import pytest

from simulate.nets import tokens


@pytest.mark.parametrize("tokenisation", tokens.TOKENISATIONS)
def test_batches_pair_every_position_with_the_next_token(tokenisation):
    x, y = tokens.lm_batch(jax.random.key(3), tokenisation, 8, 16, part="test")
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
    model = tokens.witten_bell_bigram(train, 5)  # token 4 never occurs, 3 only once as a context
    for v in range(5):
        p = tokens.bigram_probabilities(model, np.full(5, v), np.arange(5))
        assert abs(p.sum() - 1) < 1e-12 and (p > 0).all()
    # by hand: after 1, seen 2 (three times) and 3 (once): c(1) = 4, n(1) = 2; P1(2) = (4 + 1)/(11 + 5)
    p = tokens.bigram_probabilities(model, np.array([1]), np.array([2]))[0]
    assert p == pytest.approx((3 + 2 * 5 / 16) / (4 + 2))


def test_the_baselines_lie_between_a_perfect_and_a_uniform_model():
    for tokenisation in tokens.TOKENISATIONS:
        b = tokens.bigram_baseline(tokenisation)
        assert 0.5 < b < math.log(len(tokens.vocabulary(tokenisation)))
