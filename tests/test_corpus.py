"""The pinned corpus: the same bytes on every Python, checked when read; its documents, parts and the document task."""

import lzma

import jax
import numpy as np
import pytest

from simulate.nets import data, tokens


def test_the_shipped_corpus_matches_its_pinned_checksum_and_is_large_enough():
    assert data.corpus_bytes()  # raises unless the decompressed bytes have CORPUS_SHA256
    docs = data.documents()
    assert len(docs) > 5000 and docs[0].name.startswith("topic:") and ":" in docs[-1].name
    # at least three times the 100,000 training words of the corpus the suite used before (the pydoc topics alone)
    assert tokens.split("words", "train").size >= 300_000


def test_a_changed_corpus_file_is_refused_naming_it(tmp_path):
    changed = data.corpus_bytes().replace(b"the", b"teh", 1)
    path = tmp_path / "corpus.json.xz"
    path.write_bytes(lzma.compress(changed))
    with pytest.raises(ValueError, match=f"{path}.*SHA-256"):
        data.corpus_bytes(path)
    path.write_bytes(b"not xz")
    with pytest.raises(ValueError, match="cannot be read"):
        data.corpus_bytes(path)


def test_every_document_is_cut_at_whitespace_into_a_training_and_a_held_out_part():
    for doc in data.documents()[::97]:
        train, test = doc.parts()
        assert train + test == doc.text
        assert len(train) >= data.TRAIN_FRACTION * len(doc.text) - 1
        assert not test or test[0].isspace()


def test_a_document_window_lies_inside_its_documents_held_out_part():
    task = tokens.Task("words", classes=512, positions="last", target="document")
    x, y = tokens.batch(jax.random.key(1), task, 32, 16, part="test")
    spans = tokens.document_spans(task, "test")
    ids = tokens.split("words", "test")
    assert np.asarray(y).max() < 512
    for window, label in zip(np.asarray(x), np.asarray(y), strict=True):
        start, stop = spans[label]
        inside = np.lib.stride_tricks.sliding_window_view(ids[start:stop], 16)
        assert (inside == window).all(axis=1).any()
    # classes are the documents with the longest held-out parts, so that every class has windows of 16
    assert (spans[:, 1] - spans[:, 0]).min() >= tokens.DOCUMENT_WINDOW
    with pytest.raises(ValueError, match="seq_len=64"):
        tokens.batch(jax.random.key(1), task, 4, 64, part="test")
    with pytest.raises(ValueError, match="positions='last'"):
        tokens.Task("words", classes=8, target="document")


def test_the_document_baseline_is_the_uniform_prior_and_the_next_token_one_the_bigram_per_window():
    task = tokens.Task("words", classes=64, positions="last", target="document")
    x, y = tokens.batch(jax.random.key(2), task, 8, 16, part="test")
    np.testing.assert_allclose(tokens.baseline_losses(task, x, y), np.log(64))
    words = tokens.Task("words")
    x, y = tokens.batch(jax.random.key(2), words, 8, 16, part="test")
    p = tokens.bigram_probabilities(tokens.bigram_model(words), np.asarray(x), np.asarray(y))
    np.testing.assert_allclose(tokens.baseline_losses(words, x, y), -np.log(p).mean(axis=1))
