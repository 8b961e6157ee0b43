"""Step-size and clipping-threshold schedules of the theorems.

The functions use only arithmetic, so they work on floats and NumPy arrays here and are compiled unchanged by
Numba in ``simulate.pieces.methods`` (one formula serves the theory and the kernels). ``k`` is the 1-based iteration.
"""


def theorem4_step(k, mu):
    """Theorem 4's step size eta_k = 4 / (mu (k + 1)) (units of 1/curvature)."""
    return 4.0 / (mu * (k + 1.0))


def power_step(k, eta0, k0, power):
    """Step size eta_k = eta0 / (k + k0)^power. Theorem 4 is eta0 = 4/mu, k0 = 1, power = 1; power = 0 is a
    constant step eta0."""
    return eta0 / (k + k0) ** power


def clip_threshold(k, G, beta):
    """Clipping threshold tau_k = G k^beta (units of the gradient). Theorem 4 takes beta = 1/alpha."""
    return G * k**beta


def theorem4_beta(alpha):
    """Theorem 4's threshold growth exponent 1/alpha (the main text's alpha - 1 is a typo, see docs/theory.md §4)."""
    return 1.0 / alpha


def averaging_weight(k):
    """Weight of x_{k-1} in Theorem 4's running average: xbar_k = xbar_{k-1} + w_k (x_{k-1} - xbar_{k-1}).

    With xbar_k = sum_{j<=k} j x_{j-1} / sum_{j<=k} j, the incremental weight is k / (k(k+1)/2) = 2/(k+1).
    """
    return 2.0 / (k + 1.0)
