"""Theorem 5's lower bound, computed exactly: Le Cam's two-point bound on the Bernoulli family of [Z] Appendix F.

Family: f_b(x) = (x - b)^2 / 2 on X = [0, 1/2]; b_nu = (2 - nu) eps, nu in {0, 1}, eps in (0, 1/8];
gamma = (4 eps)^(1/(alpha - 1)); the oracle returns x - 1/(2 gamma) with probability p_nu = 2 gamma b_nu
(p_0 = 4 gamma eps = 2 p_1), else x. So E g = x - b_nu and E|g|^alpha <= 1, and k oracle calls reveal exactly a
Bin(k, p_nu) count. Le Cam: every algorithm has max_nu E f_{b_nu}(x_k) - f* >= (eps^2/16) (1 - TV(Bin(k, p_0),
Bin(k, p_1))), and LB(k) is the maximum over eps.

1 - TV is computed without cancellation: the likelihood ratio of the two binomials is monotone in the count, so
TV = P_0(J >= t) - P_1(J >= t) at the crossing count t, and 1 - TV = P_0(J < t) + P_1(J >= t), a sum of two small
positive tails taken from scipy's regularised incomplete beta (no underflow to a fake zero for k up to 10^7).
"""

import math

import numpy as np
from scipy import optimize, stats

from theory.validation import check_alpha

EPS_MAX = 0.125


def family(eps: float, alpha: float) -> tuple[float, float, float, float]:
    """(gamma, p_0, p_1, jump) of the Bernoulli family at eps: the oracle subtracts ``jump`` = 1/(2 gamma)."""
    gamma = (4.0 * eps) ** (1.0 / (alpha - 1.0))
    return gamma, 4.0 * gamma * eps, 2.0 * gamma * eps, 0.5 / gamma


def one_minus_tv(k, p0, p1):
    """1 - TV(Bin(k, p0), Bin(k, p1)) for p0 > p1, exactly (see the module docstring); ``k``, ``p0`` and ``p1``
    numbers (a float back) or arrays that broadcast (an array back, one scipy call per tail for all)."""
    # pmf0(j) >= pmf1(j)  <=>  j >= t_real; the logs in Python's math, element by element (the same bits whether
    # the bound is asked for one eps or a grid of them)
    p0, p1 = np.broadcast_arrays(np.asarray(p0, dtype=float), np.asarray(p1, dtype=float))
    a = np.array([math.log(x / y) for x, y in zip(p0.flat, p1.flat, strict=True)]).reshape(p0.shape)
    b = np.array([math.log1p(-y) - math.log1p(-x) for x, y in zip(p0.flat, p1.flat, strict=True)]).reshape(p0.shape)
    k = np.asarray(k)
    t = np.ceil(k * b / (a + b))
    out = stats.binom.cdf(t - 1, k, p0) + stats.binom.sf(t - 1, k, p1)
    return float(out) if out.ndim == 0 else out


def two_point_bound(k, eps, alpha: float):
    """(eps^2/16) (1 - TV) at one eps: a lower bound on the minimax f-gap after k oracle calls (``k`` an integer or
    an array of them); or, ``eps`` an array, the bound at one k for each eps (one scipy call for all)."""
    if np.ndim(eps) == 0:
        _, p0, p1, _ = family(eps, alpha)
        return eps * eps / 16.0 * one_minus_tv(k, p0, p1)
    eps = np.asarray(eps, dtype=float)
    p0 = np.array([family(e, alpha)[1] for e in eps.flat]).reshape(eps.shape)
    p1 = np.array([family(e, alpha)[2] for e in eps.flat]).reshape(eps.shape)
    return eps * eps / 16.0 * one_minus_tv(k, p0, p1)


def lower_bound(k: int, alpha: float, n_grid: int = 200) -> tuple[float, float]:
    """(LB(k), eps*(k)) = max over eps in (0, 1/8] of the two-point bound, by a log-grid search refined with a
    bounded scalar search around the best grid point."""
    alpha = check_alpha(alpha)
    if k < 1:
        raise ValueError(f"k={k!r} is outside the accepted range: integers >= 1")
    # eps*(k) ~ k^(-(alpha-1)/alpha): search 6 decades around it, clipped to (0, 1/8]
    centre = min(EPS_MAX, k ** (-(alpha - 1.0) / alpha))
    grid = np.geomspace(centre * 1e-3, min(EPS_MAX, centre * 1e3), n_grid)
    values = two_point_bound(k, grid, alpha)
    i = int(np.argmax(values))
    lo, hi = math.log(grid[max(i - 1, 0)]), math.log(grid[min(i + 1, n_grid - 1)])
    res = optimize.minimize_scalar(
        lambda s: -two_point_bound(k, math.exp(s), alpha), bounds=(lo, hi), method="bounded", options={"xatol": 1e-6}
    )
    if -res.fun > values[i]:
        return float(-res.fun), float(math.exp(res.x))
    return float(values[i]), float(grid[i])


def estimator_risks(k: int, eps: float, alpha: float, kind: str) -> tuple[float, float]:
    """Exact (risk under nu = 0, risk under nu = 1) of an estimator of b from the Bernoulli count after k calls.

    Risk = E f_b(b_hat) - f* = E (b_hat - b_nu)^2 / 2. ``kind``: "posterior-mean" (Bayes for the uniform prior on
    {b_0, b_1}; it knows eps, the strongest competitor of the two-point bound) or "mle" (b_hat = J/(2 gamma k)
    projected onto X = [0, 1/2]; it knows only the family's gamma).
    """
    gamma, p0, p1, _ = family(eps, alpha)
    b0, b1 = 2.0 * eps, eps
    sd = math.sqrt(k * p0 * (1 - p0)) + 1.0
    j = np.arange(max(0, int(k * p1 - 40 * sd)), min(k, int(k * p0 + 40 * sd)) + 1)
    log0, log1 = stats.binom.logpmf(j, k, p0), stats.binom.logpmf(j, k, p1)
    if kind == "posterior-mean":
        b_hat = b1 + (b0 - b1) / (1.0 + np.exp(np.clip(log1 - log0, -700, 700)))
    elif kind == "mle":
        b_hat = np.clip(j / (2.0 * gamma * k), 0.0, 0.5)
    else:
        raise ValueError(f"kind={kind!r} is not one of the accepted values: mle, posterior-mean")
    risk0 = float(np.sum(np.exp(log0) * 0.5 * (b_hat - b0) ** 2))
    risk1 = float(np.sum(np.exp(log1) * 0.5 * (b_hat - b1) ** 2))
    return risk0, risk1


def min_ratio_to_bound(upper: np.ndarray, bound: np.ndarray) -> float:
    """min over entries of upper / bound: below 1 means a method beat Le Cam's bound somewhere (a bug). Entries
    where the bound is 0 (total variation 1 in float64) constrain nothing and are skipped; inf when all are."""
    upper, bound = np.asarray(upper, dtype=float), np.asarray(bound, dtype=float)
    binding = bound > 0
    return float(np.min(upper[binding] / bound[binding])) if binding.any() else np.inf


def zero_chain_horizon(
    eps: float, alpha: float, calls_per_dp: float = 1.0, delta: float = 1.0, L: float = 1.0, sigma: float = 1.0
) -> float:
    """Oracle calls a zero-respecting method needs before E||grad F(x_k)|| can drop below eps on the scaled
    zero-chain of Theorem 6: calls_per_dp * d(eps) / p(eps), with (docs/theory.md §5)
    lambda = 304 eps / L, d = floor(delta L / (7296 eps^2)), and p the largest reveal probability whose noise keeps
    E|g - grad F|^alpha <= sigma^alpha: the revealed coordinate is at most ||grad F||_inf <= 23 L lambda / 152 =
    46 eps and is scaled by 1/p, so p = min(1, (46 eps / sigma)^(alpha/(alpha-1))). ``calls_per_dp`` is the measured
    constant of the d/p law (1 when every reveal completes a coordinate)."""
    d = math.floor(delta * L / (7296.0 * eps * eps))
    if d < 1:
        raise ValueError(f"eps={eps!r} is too large: d = floor(delta L / (7296 eps^2)) = 0")
    p = min(1.0, (46.0 * eps / sigma) ** (alpha / (alpha - 1.0)))
    return calls_per_dp * d / p


def zero_chain_calls_ratio() -> float:
    """Theorem 6's zero chain: the expected oracle calls to reach prog = d, over d/p (each call reveals the next
    coordinate with probability p): 1."""
    return 1.0


def zero_chain_calls_exponent() -> float:
    """The slope of log(mean calls to reach prog = d) against log(d/p): 1."""
    return 1.0


def zero_chain_grad_exponent(alpha: float) -> float:
    """The gradient-norm lower bound eps(k) the zero chain implies, against the calls k: -(alpha - 1)/(3 alpha - 2),
    half of Theorem 2's exponent (docs/theory.md §5)."""
    return -(alpha - 1) / (3 * alpha - 2)
