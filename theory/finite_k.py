"""Finite-k prediction of Theorem 4's error on the quadratic, from the exact moments of clipped noise.

On f(x) = mu/2 (x - x*)^2 with e_k = x_k - x*, proj-GClip with the Theorem 4 schedule is, once |mu e_k| is small
against tau_k and the projection is inactive, the linear recursion
    ebar_k = (1 - w_k) ebar_{k-1} + w_k e_{k-1},   e_k = (1 - mu eta_k) e_{k-1} - eta_k clip_{tau_k}(xi_k)
with w_k = 2/(k+1). Its first and second moments follow exactly from m(tau) = E clip(xi) and
s(tau) = E clip(xi)^2, which have closed forms for the Pareto laws. The recursion gives E ebar_k^2 at every k,
so its local slope over the fitting window is what the asymptotic theory becomes at the k actually simulated:
for tail = alpha near 2, s(tau) = 1 + 2 (tau^(2-a) - 1)/(2-a) carries a constant that vanishes only like
tau^(-(2-a)), and at a = 2 it is 1 + 2 log tau: a log factor (Pareto with tail 2 has infinite variance).
"""

import math

import numpy as np

from theory.schedules import averaging_weight, clip_threshold, theorem4_beta, theorem4_step


def _pareto_partial(a: float, y: np.ndarray, power: int) -> np.ndarray:
    """Antiderivative of y^power * a y^(-a-1) (the Pareto(a) density on [1, inf)), power in {0, 1, 2}."""
    e = power - a  # integrand a y^(e - 1)
    if e == 0:
        return a * np.log(y)
    return a * y**e / e


def clipped_moments(noise: str, tail: float, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(E clip_tau(xi), E clip_tau(xi)^2) for unit-scale ``pareto`` or ``pareto-onesided`` noise, tau > 0."""
    a = float(tail)
    tau = np.asarray(tau, dtype=float)
    if noise == "pareto":
        # |xi| ~ Pareto(a) on [1, inf), symmetric: the clipped mean is 0.
        t = np.maximum(tau, 1.0)
        second = _pareto_partial(a, t, 2) - _pareto_partial(a, np.ones_like(t), 2) + t**2 * t ** (-a)
        return np.zeros_like(tau), np.where(tau >= 1.0, second, tau**2)
    if noise == "pareto-onesided":
        # xi = y - c with y ~ Pareto(a), c = a/(a-1); values in (L, U) pass, the rest are clipped to -+tau.
        c = a / (a - 1.0)
        lo = np.maximum(1.0, c - tau)
        hi = c + tau
        p_low = 1.0 - lo ** (-a)
        p_high = hi ** (-a)

        def part(p):
            return _pareto_partial(a, hi, p) - _pareto_partial(a, lo, p)

        first = part(1) - c * part(0) + tau * (p_high - p_low)
        second = part(2) - 2 * c * part(1) + c * c * part(0) + tau**2 * (p_low + p_high)
        return first, second
    raise ValueError(f"noise={noise!r} is not one of the accepted values: pareto, pareto-onesided")


def theorem4_second_moment(
    noise: str,
    tail: float,
    alpha: float,
    K: int,
    ks: np.ndarray,
    *,
    mu: float = 1.0,
    x0: float = 1.0,
    G: float = 1.0,
    beta: float | None = None,
) -> np.ndarray:
    """E (xbar_k - x*)^2 at the iterations ``ks`` under the linearised recursion above (units of x squared).

    The threshold is tau_k = G k^beta with Theorem 4's beta = 1/alpha unless ``beta`` is given."""
    k = np.arange(1, K + 1, dtype=float)
    m, s = clipped_moments(noise, tail, clip_threshold(k, G, theorem4_beta(alpha) if beta is None else beta))
    eta = theorem4_step(k, mu)
    w = averaging_weight(k)
    a = 1.0 - mu * eta
    mean_e, mean_b = x0, x0
    see, seb, sbb = x0 * x0, x0 * x0, x0 * x0
    out = np.empty(len(ks))
    want = {int(q): i for i, q in enumerate(ks)}
    for j in range(K):
        wj, aj, ej, mj = w[j], a[j], eta[j], m[j]
        sbb_new = (1 - wj) ** 2 * sbb + 2 * wj * (1 - wj) * seb + wj * wj * see
        seb_new = aj * (1 - wj) * seb + aj * wj * see - ej * mj * ((1 - wj) * mean_b + wj * mean_e)
        see_new = aj * aj * see - 2 * aj * ej * mj * mean_e + ej * ej * s[j]
        mean_b = (1 - wj) * mean_b + wj * mean_e
        mean_e = aj * mean_e - ej * mj
        see, seb, sbb = see_new, seb_new, sbb_new
        i = want.get(j + 1)
        if i is not None:
            out[i] = sbb
    return out


def local_exponent(ks: np.ndarray, values: np.ndarray, mask: np.ndarray) -> float:
    """Least-squares slope of log(values) against log(ks) over ``mask``."""
    x = np.log(np.asarray(ks, dtype=float)[mask])
    y = np.log(np.asarray(values, dtype=float)[mask])
    x = x - x.mean()
    return float((x * (y - y.mean())).sum() / (x * x).sum()) if math.isfinite(y.sum()) else math.nan


def theorem2_metric(
    noise: str, tail: float, scale: float, eta, tau, K, *, F0: float, curvature: float
) -> tuple[np.ndarray, np.ndarray]:
    """Linearised prediction of Theorem 2's metric for GClip with constant eta and tau run for K steps (arrays over
    horizons), for ``scale`` times unit ``pareto`` / ``pareto-onesided`` noise: (average over k < K, last iterate).

    Start-up: by the descent lemma with small eta, sum_k eta ||grad f(x_k)||^2 ~ F0, giving F0/(eta K). Near a
    minimum of curvature lambda, with |lambda e| << tau, e_k = x_k - x* follows e' = (1 - eta lambda) e - eta clip(xi),
    whose stationary law has E grad = -m and Var grad = lambda eta v/(2 - eta lambda) with m = E clip_tau(xi) and
    v = Var clip_tau(xi) in closed form: E grad^2 = m^2 + lambda eta v/(2 - eta lambda), and min{|g|, g^2} = g^2 for
    small g. Average = F0/(eta K) + E grad^2, last = E grad^2. Nothing is fitted; it ignores the non-linear path
    from x0 and clipping of the gradient itself, so it is a finite-K guide, not a bound.
    """
    eta, tau, K = (np.asarray(v, dtype=float) for v in (eta, tau, K))
    m1, s1 = clipped_moments(noise, tail, tau / scale)
    m, v = scale * m1, scale**2 * (s1 - m1**2)
    stationary = m**2 + curvature * eta * v / (2.0 - eta * curvature)
    return F0 / (eta * K) + stationary, stationary
