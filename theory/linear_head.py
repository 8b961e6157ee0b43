"""The bias of a rare class in a softmax head under SignGD with mini-batches (derived here, not in [T]).

Softmax regression with a constant feature: the mini-batch gradient's entry for class c's bias is
(1/b) (sum_{i in S} p_c(x_i) - m_c), with m_c the number of samples of class c in the batch S. When c is absent
(m_c = 0) the entry is > 0 (every p_c > 0), so SignGD lowers the bias by exactly eta. When c is present and
sum_{i in S} p_c(x_i) < m_c — true while c's predicted probabilities stay below 1/b, as for a rare class whose bias
has fallen — SignGD raises it by exactly eta. While that holds, the bias after K steps from 0 is

    bias_K = -eta (K - 2 P_K),   P_K = the number of steps whose batch holds c ~ Binomial(K, q_c),
    q_c = 1 - (1 - n_c/n)^b      (b draws with replacement from n samples, n_c of class c),

whatever the loss says: mean -eta K (1 - 2 q_c), a linear drift to -infinity whenever q_c < 1/2, although the full
gradient's bias entry, mean_i p_c(x_i) - n_c/n, is what a small step would follow (it vanishes at the optimum).
SignGD follows E sign(g), not sign(E g). Momentum (Signum) takes the sign of an average of g, whose magnitudes count.
"""

import numpy as np


def batch_presence(counts, n: int, batch: int) -> np.ndarray:
    """q_c: the probability that a batch of ``batch`` draws with replacement from n samples holds class c."""
    counts = np.asarray(counts, dtype=float)
    if batch < 1 or n < 1 or np.any(counts < 0) or np.any(counts > n):
        raise ValueError(f"batch={batch}, n={n}: expected batch >= 1 and 0 <= counts <= n")
    return 1.0 - (1.0 - counts / n) ** batch


def signgd_rare_bias(counts, n: int, batch: int, eta: float, K: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean, standard deviation) of SignGD's bias after K steps, -eta (K - 2 P_K) with P_K ~ Binomial(K, q_c),
    per class (valid while the class's predicted probabilities stay below 1/batch; see the module docstring)."""
    q = batch_presence(counts, n, batch)
    return -eta * K * (1.0 - 2.0 * q), 2.0 * eta * np.sqrt(K * q * (1.0 - q))


def signgd_class_drift(count: int, n: int, batch: int, eta: float, K: int) -> float:
    """The mean of SignGD's bias after K steps for a class with ``count`` of the n samples (``signgd_rare_bias``)."""
    return float(signgd_rare_bias([count], n, batch, eta, K)[0][0])
