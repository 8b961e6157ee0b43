"""Predicted convergence exponents (slope of log metric against log k) per theorem."""

from theory.validation import check_alpha


def theorem4_distance(alpha: float) -> float:
    """Theorem 4, E||xbar_k - x*||: -(alpha - 1)/alpha."""
    alpha = check_alpha(alpha)
    return -(alpha - 1.0) / alpha


def theorem4_gap(alpha: float) -> float:
    """Theorem 4, E f(xbar_k) - f*: -2(alpha - 1)/alpha."""
    return 2.0 * theorem4_distance(alpha)


def sgd_last_iterate_median(tail: float) -> float:
    """Unclipped SGD's last iterate under a fixed step schedule, median |x_k - x*| against k, noise of tail a:
    -(a - 1)/a (Remark 1's curves; the mean of the square at twice this, ``sgd_last_iterate_mean_square``)."""
    return -(tail - 1.0) / tail


def sgd_last_iterate_mean_square(tail: float) -> float:
    """Twice ``sgd_last_iterate_median``: the exponent of E|x_k - x*|^2."""
    return 2 * sgd_last_iterate_median(tail)


def clipping_map(alpha: float, beta: float, biased: bool) -> float:
    """Predicted exponent of E||xbar_k - x*||^2 with eta_k ~ 1/(mu k), tau_k = G k^beta, tail = alpha
    (docs/theory.md §4, derived): variance -1 + beta(2 - alpha); for noise whose clipping is biased also the bias term
    -2 beta(alpha - 1); the slower of the two wins. Equal at beta = 1/alpha, where both are -2(alpha - 1)/alpha."""
    alpha = check_alpha(alpha)
    variance = -1.0 + beta * (2.0 - alpha)
    return max(variance, -2.0 * beta * (alpha - 1.0)) if biased else variance


def clipping_variance(alpha: float, tail: float) -> float:
    """The variance term of the clipping map at tau_k = G k^(1/alpha) for noise of tail index ``tail``:
    -1 + (2 - tail)/alpha (docs/theory.md §4, the general clipping exponent)."""
    return -1.0 + (2.0 - tail) / alpha


def theorem2(alpha: float) -> float:
    """Theorem 2, (1/K) sum_k E min{||grad f(x_k)||, ||grad f(x_k)||^2} against the horizon K:
    -2(alpha - 1)/(3 alpha - 2)."""
    alpha = check_alpha(alpha)
    return -2.0 * (alpha - 1.0) / (3.0 * alpha - 2.0)


def theorem2_sgd_same_step(alpha: float) -> float:
    """Unclipped SGD run with Theorem 2's eta (derived here, docs/theory.md §4 has no such line): near a minimum with
    curvature lambda the iterate's stationary law is the alpha-stable-like sum of eta (1 - eta lambda)^j xi_j, of
    scale ~ eta^(1 - 1/alpha), so E min{|grad|, |grad|^2} ~ eta^(alpha - 1) ~ K^(-alpha(alpha - 1)/(3 alpha - 2)).
    The start-up term F0/(eta K) decays like Theorem 2's rate; for alpha < 2 the stationary term is slower and
    wins, at alpha = 2 the two agree."""
    alpha = check_alpha(alpha)
    return -alpha * (alpha - 1.0) / (3.0 * alpha - 2.0)
