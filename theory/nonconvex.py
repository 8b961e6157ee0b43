"""L-smooth non-convex test functions for Theorem 2, in plain NumPy (the kernels compile the same formulas).

Building block, for a constant c > 1 (the suite uses c = 2):
    phi(t) = t^2/2 + c cos(t),   phi'(t) = t - c sin(t),   phi''(t) = 1 - c cos(t) in [1 - c, 1 + c].
phi is coercive and non-convex (phi''(0) = 1 - c < 0). Its stationary points solve t = c sin(t): t = 0 (a local
maximum) and t = +-s* (the two global minima), where s* is the positive root (s* = 1.895494... for c = 2).

Objectives on R^d:
  cosine          f(x) = sum_i phi(x_i)                          separable; d = 1 is the 1-D function
  rotated-cosine  f(x) = sum_i phi(y_i), y = H x, H = I - 2 u u^T, u = (1, ..., 1)/sqrt(d)
H is a Householder reflection (orthogonal and symmetric), so f(x) = ||x||^2/2 + c sum_i cos((Hx)_i) and every
(Hx)_i = x_i - (2/d) sum_j x_j depends on all coordinates: the coordinates are coupled, and grad f = x - c H sin(Hx)
costs O(d). Hessians are diag(phi''(x_i)) and H diag(phi''(y_i)) H, with eigenvalues in [1 - c, 1 + c] reached when
some coordinate (of x, resp. y) is a multiple of pi: both are L-smooth with L = 1 + c, and not L'-smooth for any
smaller L'. Stationary points: x_i in {0, +-s*} (cosine), x = H y with y_i in {0, +-s*} (rotated-cosine) — 3^d of
them, minima exactly where every entry is +-s*; f* = d phi(s*) for both.
"""

import math

import numpy as np
from scipy import optimize

from theory.validation import check_choice, check_positive, check_positive_int

OBJECTIVES = ("cosine", "rotated-cosine")


def check_c(c: float) -> float:
    """The cosine weight: c > 1 makes phi non-convex; c <= 10 keeps the stationary set as documented."""
    c = float(c)
    if not (1.0 < c <= 10.0):
        raise ValueError(f"c={c!r} is outside the accepted range (1, 10]")
    return c


def smoothness(c: float) -> float:
    """L = 1 + c for both objectives (units of gradient per unit of x)."""
    return 1.0 + check_c(c)


def minimiser(c: float) -> float:
    """s* > 0 with s* = c sin(s*): where phi attains its minimum (phi is even, so -s* too)."""
    c = check_c(c)
    # phi'(t) = t - c sin t is negative just right of 0 (phi''(0) < 0) and positive at t = c + 1 > c
    return optimize.brentq(lambda t: t - c * math.sin(t), 1e-9, c + 1.0, xtol=1e-15, rtol=4 * np.finfo(float).eps)


def curvature_at_minimum(c: float) -> float:
    """phi''(s*) = 1 - c cos(s*) > 0: the curvature at the minima (every Hessian eigenvalue there, both objectives)."""
    return 1.0 - c * math.cos(minimiser(c))


def _reflect(x: np.ndarray) -> np.ndarray:
    """H x along the last axis, H = I - 2 u u^T with u = ones/sqrt(d)."""
    d = x.shape[-1]
    return x - (2.0 / d) * x.sum(axis=-1, keepdims=True)


def value(objective: str, x, c: float) -> np.ndarray:
    """f(x) (rows of ``x`` are points in R^d)."""
    check_choice(objective, OBJECTIVES, "objective")
    x = np.asarray(x, dtype=float)
    y = _reflect(x) if objective == "rotated-cosine" else x
    return (0.5 * y * y + c * np.cos(y)).sum(axis=-1)


def gradient(objective: str, x, c: float) -> np.ndarray:
    """grad f(x), same shape as ``x``."""
    check_choice(objective, OBJECTIVES, "objective")
    x = np.asarray(x, dtype=float)
    if objective == "rotated-cosine":
        return x - c * _reflect(np.sin(_reflect(x)))
    return x - c * np.sin(x)


def f_star(objective: str, d: int, c: float) -> float:
    """The global minimum value d phi(s*)."""
    check_choice(objective, OBJECTIVES, "objective")
    d = check_positive_int(d, "d")
    s = minimiser(c)
    return d * (0.5 * s * s + c * math.cos(s))


def global_minimisers(objective: str, d: int, c: float) -> np.ndarray:
    """The 2^d global minimisers (rows), for small d: entries +-s* (in y = Hx for rotated-cosine)."""
    d = check_positive_int(d, "d")
    if d > 12:
        raise ValueError(f"d={d!r} is outside the accepted range [1, 12] for listing 2^d minimisers")
    s = minimiser(c)
    signs = np.array(np.meshgrid(*([[-1.0, 1.0]] * d), indexing="ij")).reshape(d, -1).T
    y = s * signs
    return _reflect(y) if objective == "rotated-cosine" else y


def sigma(noise_moment: float, scale: float, alpha: float, d: int) -> float:
    """sigma with E||xi||^alpha <= sigma^alpha for xi with i.i.d. coordinates of scale ``scale``.

    ``noise_moment`` is E|xi_1|^alpha of the unit law. Since ||v||_2 <= ||v||_alpha for alpha <= 2,
    E||xi||_2^alpha <= sum_i E|xi_i|^alpha = d scale^alpha noise_moment (exact for d = 1). When the alpha-moment is
    infinite (tail == alpha) the suite uses the law's scale as a nominal sigma: sigma = scale d^(1/alpha), i.e. the
    same bound with E|xi_1|^alpha replaced by 1 (docs/theory.md §4; the clipped moments the proof needs stay finite).
    """
    scale = check_positive(scale, "scale")
    m = noise_moment if math.isfinite(noise_moment) else 1.0
    return scale * (d * m) ** (1.0 / alpha)


PARAMETER_RULES = ("scaling", "appendix", "main")


def theorem2_parameters(rule: str, alpha: float, sigma: float, L: float, F0: float, K: int) -> tuple[float, float]:
    """Theorem 2's constant step size eta and clipping threshold tau for horizon K (docs/theory.md §4, read).

    scaling   tau = sigma K^(1/(3 alpha - 2)), eta = 1/(L tau^alpha): the appendix's conditions tau >= sigma K^...,
              eta <= 1/(L tau^alpha) taken with equality — the large-K form of both choices below.
    appendix  tau = max{2, 48^(1/(alpha-1)) sigma^(alpha/(alpha-1)), 8 sigma, sigma K^(1/(3 alpha - 2))},
              eta = min{1/(4L), 1/(L tau^alpha), 1/(24 L tau)}.
    main      tau = max{2, 48^(1/(alpha-1)) sigma^(alpha/(alpha-1)), 8 sigma,
                        (F0/(sigma^2 K))^(alpha/(3 alpha - 2)) / L^((2 alpha - 2)/(3 alpha - 2))},
              eta = min{1/(4L), sigma^alpha/(L tau^alpha), 1/(24 L tau)}, as printed in the main text. Its last
              tau term falls with K, so for large K tau (and eta) stop depending on K.
    Units: tau in gradient units, eta in x per gradient unit.
    """
    check_choice(rule, PARAMETER_RULES, "rule")
    sigma, L, F0 = check_positive(sigma, "sigma"), check_positive(L, "L"), check_positive(F0, "F0")
    K = check_positive_int(K, "K")
    growth = sigma * K ** (1.0 / (3.0 * alpha - 2.0))
    if rule == "scaling":
        return 1.0 / (L * growth**alpha), growth
    constants = (2.0, (48.0 * sigma**alpha) ** (1.0 / (alpha - 1.0)), 8.0 * sigma)
    if rule == "appendix":
        tau = max(*constants, growth)
        return min(1.0 / (4.0 * L), 1.0 / (L * tau**alpha), 1.0 / (24.0 * L * tau)), tau
    printed = (F0 / (sigma**2 * K)) ** (alpha / (3.0 * alpha - 2.0)) / L ** ((2.0 * alpha - 2.0) / (3.0 * alpha - 2.0))
    tau = max(*constants, printed)
    return min(1.0 / (4.0 * L), sigma**alpha / (L * tau**alpha), 1.0 / (24.0 * L * tau)), tau
