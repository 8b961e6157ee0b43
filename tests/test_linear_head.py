"""het-linear-head-momentum: the softmax-head kernel against a NumPy reference, its data, its checks, and the
quick claim's mechanism (SignGD and Signum agree on full batches and part on mini-batches with many classes)."""

import math

import numpy as np
import pytest

from simulate.bench import numpy_head_gradient
from simulate.claims.het_linear_head_momentum import experiment as het_head
from simulate.claims.het_linear_head_momentum.claim import CLAIM as HEAD
from simulate.claims.het_linear_head_momentum.model import (
    CLASS_TILE,
    SAMPLE_BLOCK,
    _full_pass,
    train_linear_head,
    zipf_counts,
    zipf_dataset,
)
from simulate.engine.rng import uniforms
from simulate.engine.vecmath import vexp
from theory.linear_head import signgd_rare_bias

P = HEAD.profiles["quick"]


def _reference(X, y, C, method, eta, batch, K, seed, key, beta1=0.9, beta2=0.999, eps=1e-8):
    """NumPy softmax regression (``bench.numpy_head_gradient``) with the kernel's batches (indices floor(u n) from
    the trial's uniform stream)."""
    n, p = X.shape
    W, m, v = np.zeros((C, p)), np.zeros((C, p)), np.zeros((C, p))
    u = uniforms(seed, key, 0, K * batch) if batch else None
    history = []
    for k in range(1, K + 1):
        idx = np.arange(n) if batch == 0 else np.minimum((u[(k - 1) * batch : k * batch] * n).astype(int), n - 1)
        G = numpy_head_gradient(X[idx], y[idx], W)
        if method == "signsgd":
            W -= eta * np.sign(G)
        elif method == "signum":
            m = beta1 * m + (1 - beta1) * G
            W -= eta * np.sign(m)
        elif method == "adam":
            m = beta1 * m + (1 - beta1) * G
            v = beta2 * v + (1 - beta2) * G * G
            W -= eta * (m / (1 - beta1**k)) / (np.sqrt(v / (1 - beta2**k)) + eps)
        else:
            W -= eta * G
        Z = X @ W.T
        lse = Z.max(axis=1) + np.log(np.exp(Z - Z.max(axis=1, keepdims=True)).sum(axis=1))
        history.append((np.linalg.norm(W), (lse - Z[np.arange(n), y]).mean(), np.linalg.norm(Z, axis=1).mean()))
    return W, np.array(history)


@pytest.mark.parametrize(
    ("method", "eta", "batch"), [("sgd", 0.5, 0), ("signsgd", 0.05, 4), ("signum", 0.05, 4), ("adam", 0.05, 3)]
)
def test_kernel_matches_numpy_softmax_regression(method, eta, batch):
    X, y = zipf_dataset(7, 6, 5, trials=1, seed=3)
    K = 12
    out = train_linear_head(X, y, 7, method, eta, batch=batch, checkpoints=np.arange(K + 1), seed=5, stream_key=11)
    W, ref = _reference(X[0], y[0], 7, method, eta, batch, K, 5, 11)
    assert out["w_norm"][0, 0] == 0.0 and out["loss"][0, 0] == pytest.approx(math.log(7), rel=1e-12)
    assert np.allclose(out["w_norm"][0, 1:], ref[:, 0], rtol=1e-10, atol=0)
    assert np.allclose(out["loss"][0, 1:], ref[:, 1], rtol=1e-10, atol=0)
    assert np.allclose(out["logit_norm"][0, 1:], ref[:, 2], rtol=1e-10, atol=0)
    assert np.allclose(out["class_w_norm"][0, -1], np.linalg.norm(W, axis=1), rtol=1e-10, atol=1e-14)


def test_blocked_full_pass_is_bit_identical_to_one_sample_at_a_time():
    """The kernel's tiles (classes), blocks (samples) and unrolled loops change no bit: every logit sums its
    features in order and every gradient entry its samples in order, as a plain loop over samples does. C, p and n
    leave remainders in every tile, unroll and block."""
    C, p, n = CLASS_TILE + 3, 7, SAMPLE_BLOCK + 5
    rng = np.random.default_rng(4)
    X, y, w = rng.standard_normal((n, p)), rng.integers(0, C, n), rng.standard_normal(p * C)
    grad, Z, R = np.empty(p * C), np.empty((SAMPLE_BLOCK, C)), np.empty((SAMPLE_BLOCK, C))
    loss, logit_norm, accuracy = _full_pass(w, X, y, C, grad, Z, R)
    ref = np.zeros(p * C)
    ref_loss, ref_norm, ref_correct = 0.0, 0.0, 0
    for i in range(n):
        z = [0.0] * C
        for j in range(p):
            for c in range(C):
                z[c] += w[j * C + c] * X[i, j]
        top = max(z)
        e = [vexp(max(zc - top, -700.0)) for zc in z]
        total = 0.0
        for ec in e:
            total += ec
        r = [ec / total for ec in e]
        r[y[i]] -= 1.0
        ref_loss += top + math.log(total) - z[y[i]]
        ref_norm += math.sqrt(sum(zc * zc for zc in z))
        ref_correct += int(np.argmax(z) == y[i])
        for j in range(p):
            a = (1.0 / n) * X[i, j]
            for c in range(C):
                ref[j * C + c] += a * r[c]
    assert np.array_equal(grad, ref)
    assert (loss, logit_norm, accuracy) == (ref_loss / n, ref_norm / n, ref_correct / n)


def test_class_gradient_norms_are_the_rows_of_the_full_gradient():
    X, y = zipf_dataset(5, 8, 4, trials=1, seed=1)
    out = train_linear_head(X, y, 5, "sgd", 0.3, batch=0, checkpoints=[0, 2])
    W, _ = _reference(X[0], y[0], 5, "sgd", 0.3, 0, 2, 0, 0)
    full = numpy_head_gradient(X[0], y[0], W)
    assert np.allclose(out["class_grad_norm"][0, 1], np.linalg.norm(full, axis=1), rtol=1e-10)
    assert out["accuracy"][0, 0] == pytest.approx(np.mean(y[0] == 0))


def test_kernel_is_deterministic_across_threads_and_paired_across_methods(one_and_all_threads):
    X, y = zipf_dataset(50, 16, 9, trials=5, seed=2)
    kwargs = dict(batch=8, checkpoints=[0, 10, 40], seed=4, stream_key=9)
    one, many = one_and_all_threads(lambda: train_linear_head(X, y, 50, "signum", 1e-2, **kwargs))
    for name in ("w_norm", "loss", "class_grad_norm", "class_w_norm"):
        assert np.array_equal(one[name], many[name])
    # the method does not enter the batch stream: Signum with beta1 = 0 is SignGD, step for step
    sign = train_linear_head(X, y, 50, "signsgd", 1e-2, batch=8, checkpoints=[40], seed=4, stream_key=9)
    mom0 = train_linear_head(X, y, 50, "signum", 1e-2, batch=8, checkpoints=[40], seed=4, stream_key=9, beta1=0.0)
    assert np.array_equal(sign["class_w_norm"], mom0["class_w_norm"])


def test_signgd_bias_of_a_rare_class_moves_by_exactly_minus_eta_when_absent_and_plus_eta_when_present():
    """theory/linear_head.py: bias_K = -eta (K - 2 P_K), P_K = steps whose batch holds the class, counted here from
    the kernel's batch stream; checked per trial and class for the classes with one or two samples."""
    C, batch, K, eta = 40, 4, 300, 0.01
    X, y = zipf_dataset(C, 12, 6, trials=3, seed=1)
    n = y.shape[1]
    out = train_linear_head(X, y, C, "signsgd", eta, batch=batch, checkpoints=[K], seed=2, stream_key=7)
    counts = zipf_counts(C, 12)
    rare = np.flatnonzero(counts <= 2)
    assert rare.size >= 20
    for t in range(3):
        idx = np.minimum((uniforms(2, 7, t, K * batch) * n).astype(int), n - 1).reshape(K, batch)
        present = np.array([[np.any(y[t, step] == c) for c in rare] for step in idx]).sum(axis=0)
        assert np.allclose(out["class_bias"][t, 0, rare], -eta * (K - 2 * present), rtol=0, atol=1e-9)
    mean, sd = signgd_rare_bias(counts[rare], n, batch, eta, K)
    assert abs(out["class_bias"][:, 0, rare].mean() - mean.mean()) < 4 * np.sqrt((sd**2).mean() / (3 * rare.size))
    # Signum's bias does not follow the drift: momentum weighs the rare large push-up against many tiny push-downs
    mom = train_linear_head(X, y, C, "signum", eta, batch=batch, checkpoints=[K], seed=2, stream_key=7)
    assert mom["class_bias"][:, 0, rare].mean() > 0.5 * mean.mean()


def test_zipf_counts_and_dataset():
    assert zipf_counts(10, 512).tolist() == [512, 256, 171, 128, 102, 85, 73, 64, 57, 51]
    assert zipf_counts(1000, 512)[-1] == 1 and zipf_counts(4, 9, zipf_s=0.0).tolist() == [9, 9, 9, 9]
    X, y = zipf_dataset(20, 40, 6, trials=2, seed=0)
    assert X.shape == (2, int(zipf_counts(20, 40).sum()), 6) and np.all(X[:, :, -1] == 1.0)
    assert np.array_equal(np.bincount(y[1], minlength=20), zipf_counts(20, 40))
    assert not np.array_equal(X[0], X[1])
    X2, _ = zipf_dataset(20, 40, 6, trials=2, seed=0)
    assert np.array_equal(X, X2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(batch=-1), "batch=-1"),
        (dict(batch=10_000), "batch=10000"),
        (dict(method="lion"), "method='lion'"),
        (dict(method="cclip"), "method='cclip'"),
        (dict(eta=0.0), "eta=0.0"),
        (dict(n_classes=3), r"labels span \[0, 5\]"),
        (dict(checkpoints=[5, 5]), "checkpoints"),
        (dict(beta1=1.0), "beta1=1.0"),
    ],
)
def test_bad_input_fails_fast_naming_the_value(kwargs, message):
    X, y = zipf_dataset(6, 4, 3, seed=0)
    args = dict(n_classes=6, method="signsgd", eta=0.1, batch=2, checkpoints=[1, 2]) | kwargs
    with pytest.raises(ValueError, match=message):
        train_linear_head(X, y, **args)
    with pytest.raises(ValueError, match="n_top=0"):
        zipf_counts(10, 0)


def test_checkpoints_follow_the_1_2_3_5_sequence():
    assert het_head.checkpoints(3000).tolist() == [0, 1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 1000, 2000, 3000]
    assert het_head.checkpoints(7).tolist() == [0, 1, 2, 3, 5, 7]


def test_quick_claim_full_batch_agrees_and_mini_batches_leave_signgd_behind_at_many_classes():
    """Mechanism at the quick size (2 seeds): on the full batch SignGD and Signum take the same steps (their head
    norms within 2%); with mini-batches of 16 at C = 300 SignGD's train loss stays over 1 nat above Signum's,
    while at C = 10 both fit (loss < 0.5)."""
    C_small, C_large = P.classes
    full = {m: het_head.train(P, C_large, m, eta=1e-2, batch=0, K=100, trials=2, seed=0) for m in ("signgd", "signum")}
    assert abs(full["signgd"]["w_norm"][:, -1].mean() / full["signum"]["w_norm"][:, -1].mean() - 1) < 0.02
    for C in (C_small, C_large):
        loss = {
            m: het_head.train(P, C, m, eta=1e-2, batch=P.batch, K=P.K, trials=2, seed=0)["loss"][:, -1].mean()
            for m in ("signgd", "signum")
        }
        if C == C_large:
            assert loss["signgd"] > loss["signum"] + 1.0
        else:
            assert max(loss.values()) < 0.5
