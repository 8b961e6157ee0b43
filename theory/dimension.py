"""Moment constants of vector noise for Corollary 7 / Theorem 8 (GClip's G vs CClip's B_i) and Lemma 12's bounds.

Noise shapes (unit scale; ``a`` is the tail index, p the moment order, p < a):
  coordinate  xi_i i.i.d. symmetric Pareto(a): E|xi_i|^p = a/(a - p), so B_i = (a/(a - p))^(1/p)
  radial      xi = R u, R = |symmetric Pareto(a)| >= 1, u uniform on the unit sphere of R^d:
              E||xi||^p = E R^p = a/(a - p) (so G is exact), B_i^p = E R^p E|u_i|^p with
              E|u_i|^p = Gamma(d/2) Gamma((p + 1)/2) / (sqrt(pi) Gamma((d + p)/2)).
For coordinate noise G^p = E||xi||^p has no closed form (``simulate.claims.cor7_thm8_dimension.experiment`` estimates
it);
Lemma 12 brackets it: d^(p/2 - 1) ||B||_p^p <= G^p <= ||B||_p^p = d B^p.
"""

import math

from scipy import special

from theory.validation import check_positive, check_positive_int


def pareto_moment(tail: float, p: float) -> float:
    """E|xi|^p = a/(a - p) for |xi| ~ Pareto(a) on [1, inf), p < a."""
    if not (0.0 < p < tail):
        raise ValueError(f"p={p!r} is outside the accepted range (0, tail={tail!r})")
    return tail / (tail - p)


def sphere_coordinate_moment(d: int, p: float) -> float:
    """E|u_1|^p for u uniform on the unit sphere of R^d."""
    d = check_positive_int(d, "d")
    p = check_positive(p, "p")
    if d == 1:
        return 1.0
    log = special.gammaln(d / 2) + special.gammaln((p + 1) / 2) - special.gammaln((d + p) / 2)
    return math.exp(log) / math.sqrt(math.pi)


def coordinate_B(tail: float, p: float) -> float:
    """B_i of coordinate noise (unit scale): (E|xi_i|^p)^(1/p)."""
    return pareto_moment(tail, p) ** (1.0 / p)


def radial_G(tail: float, p: float) -> float:
    """G of radial noise (unit scale): (E R^p)^(1/p)."""
    return pareto_moment(tail, p) ** (1.0 / p)


def radial_B(tail: float, p: float, d: int) -> float:
    """B_i of radial noise (unit scale): (E R^p E|u_i|^p)^(1/p)."""
    return (pareto_moment(tail, p) * sphere_coordinate_moment(d, p)) ** (1.0 / p)


def lemma12_bounds(B: float, p: float, d: int) -> tuple[float, float]:
    """(lower, upper) bounds on G from Lemma 12 for d coordinates with equal B_i = B."""
    upper = (d * B**p) ** (1.0 / p)
    return upper * d ** (0.5 - 1.0 / p), upper


def cclip_d_power() -> float:
    """Corollary 7: CClip's per-coordinate error at a fixed k does not grow with d (power 0)."""
    return 0.0


def lemma12_ratio_power(alpha: float) -> float:
    """Lemma 12's bound on the power of d in GClip's over CClip's error under coordinate-wise noise: 2/alpha - 1."""
    return 2.0 / alpha - 1.0
