"""Predicted convergence exponents (slope of log metric against log k) per theorem."""

from .validation import check_alpha


def theorem4_distance(alpha: float) -> float:
    """Theorem 4, E||xbar_k - x*||: -(alpha - 1)/alpha."""
    alpha = check_alpha(alpha)
    return -(alpha - 1.0) / alpha


def theorem4_gap(alpha: float) -> float:
    """Theorem 4, E f(xbar_k) - f*: -2(alpha - 1)/alpha."""
    return 2.0 * theorem4_distance(alpha)
