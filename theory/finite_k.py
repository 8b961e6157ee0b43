"""Finite-k prediction of Theorem 4's error on the quadratic, from the exact moments of clipped noise.

On f(x) = mu/2 (x - x*)^2 with e_k = x_k - x*, proj-GClip with the Theorem 4 schedule is, once |mu e_k| is small
against tau_k and the projection is inactive, the linear recursion
    ebar_k = (1 - w_k) ebar_{k-1} + w_k e_{k-1},   e_k = (1 - mu eta_k) e_{k-1} - eta_k clip_{tau_k}(xi_k)
with w_k = 2/(k+1). Its first and second moments follow exactly from m(tau) = E clip(xi) and
s(tau) = E clip(xi)^2, which have closed forms for the Pareto laws and are integrated numerically from the tails of
the others (alpha-stable, Student-t, Gaussian). The recursion gives E ebar_k^2 at every k,
so its local slope over the fitting window is what the asymptotic theory becomes at the k actually simulated:
for tail = alpha near 2, s(tau) = 1 + 2 (tau^(2-a) - 1)/(2-a) carries a constant that vanishes only like
tau^(-(2-a)), and at a = 2 it is 1 + 2 log tau: a log factor (Pareto with tail 2 has infinite variance).
"""

import math
from functools import lru_cache

import numpy as np

from theory.schedules import averaging_weight, clip_threshold, power_step, theorem4_beta


def _pareto_partial(a: float, y: np.ndarray, power: int) -> np.ndarray:
    """Antiderivative of y^power * a y^(-a-1) (the Pareto(a) density on [1, inf)), power in {0, 1, 2}."""
    e = power - a  # integrand a y^(e - 1)
    if e == 0:
        return a * np.log(y)
    return a * y**e / e


SYMMETRIC_LAWS = ("gaussian", "pareto", "stable", "student-t")
MODEL_LAWS = (*SYMMETRIC_LAWS, "pareto-onesided", "student-t-onesided")  # every law the suite samples
_GRID = np.logspace(-8.0, 40.0, 48 * 200 + 1)  # thresholds at which the laws without closed forms are tabulated
_STABLE_SERIES_FROM = 30.0  # beyond it scipy's stable survival underflows; the tail series is exact to ~1e-6 there


def _stable_survival(tail: float, x: np.ndarray) -> np.ndarray:
    """P(X > x), x >= 0, for the symmetric tail-stable law of unit scale (characteristic function exp(-|t|^tail),
    as the sampler's Chambers-Mallows-Stuck draws): scipy's integral up to ``_STABLE_SERIES_FROM``, the tail series
    (1/pi) sum_n (-1)^(n+1) Gamma(n a)/n! sin(n pi a/2) x^(-n a), four terms, beyond (Bergström 1952)."""
    from scipy.stats import levy_stable, norm

    if tail == 2.0:
        return norm.sf(x, scale=math.sqrt(2.0))
    near = x <= _STABLE_SERIES_FROM
    out = np.empty_like(x)
    out[near] = levy_stable.sf(x[near], tail, 0.0)
    far = x[~near]
    terms = [
        (-1) ** (n + 1) * math.gamma(n * tail) / math.factorial(n) * math.sin(n * math.pi * tail / 2)
        for n in (1, 2, 3, 4)
    ]
    out[~near] = sum(c * far ** (-n * tail) for n, c in enumerate(terms, start=1)) / math.pi
    return out


def _tails(noise: str, tail: float, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(P(xi > x), P(xi < -x)) at x >= 0 for unit-scale ``noise`` of the laws without closed-form clipped moments
    (the sampler's laws, ``simulate.pieces.noise``; a Gaussian's tail parameter is unused)."""
    from scipy.stats import norm, t

    if noise == "gaussian":
        upper = norm.sf(x)
        return upper, upper
    if noise == "stable":
        upper = _stable_survival(tail, x)
        return upper, upper
    if noise == "student-t":
        upper = t.sf(x, tail)
        return upper, upper
    if noise == "student-t-onesided":  # |T| - E|T|
        c = math.sqrt(tail / math.pi) * math.exp(math.lgamma(0.5 * (tail - 1.0)) - math.lgamma(0.5 * tail))
        below = np.where(x < c, 1.0 - 2.0 * t.sf(np.maximum(c - x, 0.0), tail), 0.0)
        return 2.0 * t.sf(c + x, tail), below
    raise ValueError(f"noise={noise!r} is not one of the accepted values: {', '.join(MODEL_LAWS)}")


@lru_cache(maxsize=64)
def _tabulated(noise: str, tail: float) -> tuple[np.ndarray, np.ndarray]:
    """(E clip_tau(xi), E clip_tau(xi)^2) at the thresholds ``_GRID``, by numerical integration of the tails:
    E clip = int_0^tau P(xi > x) - P(xi < -x) dx and E clip^2 = int_0^tau 2x (P(xi > x) + P(xi < -x)) dx
    (trapezoids in log x, 200 a decade: relative error about 1e-5; the piece below the grid's first point, 1e-8,
    taken with the tails at it)."""
    from scipy.integrate import cumulative_trapezoid

    upper, lower = _tails(noise, float(tail), _GRID)
    u = np.log(_GRID)
    first = _GRID[0] * (upper[0] - lower[0]), _GRID[0] ** 2 * (upper[0] + lower[0])
    mean = first[0] + cumulative_trapezoid(_GRID * (upper - lower), u, initial=0.0)
    second = first[1] + cumulative_trapezoid(2.0 * _GRID**2 * (upper + lower), u, initial=0.0)
    if noise in SYMMETRIC_LAWS:
        mean = np.zeros_like(mean)
    return mean, second


def clipped_moments(noise: str, tail: float, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(E clip_tau(xi), E clip_tau(xi)^2) for unit-scale noise of any law the suite samples (``MODEL_LAWS``),
    tau > 0: closed forms for the Pareto laws, the others integrated numerically once per (law, tail) and
    interpolated in log tau (tau in [1e-8, 1e40])."""
    a = float(tail)
    tau = np.asarray(tau, dtype=float)
    if noise in MODEL_LAWS and noise not in ("pareto", "pareto-onesided"):
        if tau.size and not (np.all(tau >= _GRID[0]) and np.all(tau <= _GRID[-1])):
            raise ValueError(f"tau outside [{_GRID[0]:g}, {_GRID[-1]:g}], the tabulated thresholds of {noise!r}")
        mean, second = _tabulated(noise, a)
        u = np.log(tau)
        return np.interp(u, np.log(_GRID), mean), np.exp(np.interp(u, np.log(_GRID), np.log(second)))
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
    raise ValueError(f"noise={noise!r} is not one of the accepted values: {', '.join(MODEL_LAWS)}")


# Where the linearised recursions hold (docs/decisions.md, D9, the claims' owner's condition): the clipped noise's
# mean small against the threshold, |E clip_tau(xi)| / tau at most CLIP_BIAS_LIMIT at every k of the window. Beyond
# it the clipping bias is no small perturbation of the iterate's drift, and the model does not judge.
CLIP_BIAS_LIMIT = 0.1


def clip_bias_ratio(noise: str, tail: float, tau, scale: float = 1.0) -> np.ndarray:
    """|E clip_tau(xi)| / tau for ``scale`` times unit noise of ``MODEL_LAWS`` (0 for the symmetric laws)."""
    tau = np.asarray(tau, dtype=float)
    m, _ = clipped_moments(noise, tail, tau / scale)
    return np.abs(scale * m) / tau


def linearised_model_holds(noise: str, tail: float, tau, scale: float = 1.0) -> np.ndarray:
    """Whether the linearised recursion holds at each threshold ``tau`` (``clip_bias_ratio`` <= CLIP_BIAS_LIMIT)."""
    return clip_bias_ratio(noise, tail, tau, scale) <= CLIP_BIAS_LIMIT


_LOOP_STEPS = 16  # the first steps run one at a time: their factors 1 - mu eta_k may be zero or negative
_CHUNK = 4096  # the vectorised block: the running products of its factors stay far from under- and overflow


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
    step: tuple[float, float, float] | None = None,
) -> np.ndarray:
    """E (xbar_k - x*)^2 at the iterations ``ks`` (1 <= k <= K) under the linearised recursion above (units of x
    squared).

    The threshold is tau_k = G k^beta with Theorem 4's beta = 1/alpha unless ``beta`` is given; the step is
    eta_k = eta0 / (k + k0)^power with ``step`` = (eta0, k0, power), Theorem 4's (4/mu, 1, 1) unless given."""
    eta0, k0, power = (4.0 / mu, 1.0, 1.0) if step is None else step
    beta = theorem4_beta(alpha) if beta is None else beta
    want = tuple(int(k) for k in np.asarray(ks, dtype=np.int64).ravel())
    return _second_moment(noise, tail, K, want, mu, x0, G, beta, (eta0, k0, power)).copy()


@lru_cache(maxsize=1024)  # a claim asks for the same set-up at every look of the sequential design, and its controls
def _second_moment(noise, tail, K, ks: tuple, mu, x0, G, beta, step) -> np.ndarray:
    eta0, k0, power = step
    want = np.array(ks, dtype=np.int64)
    out = np.full(want.size, np.nan)
    state = (x0, x0, x0 * x0, x0 * x0, x0 * x0)  # after step k: E e, E ebar, E e^2, E e ebar, E ebar^2
    start = 1
    while start <= K:
        stop = min(K, _LOOP_STEPS if start == 1 else start + _CHUNK - 1)
        k = np.arange(start, stop + 1, dtype=float)
        m, s = clipped_moments(noise, tail, clip_threshold(k, G, beta))
        eta = power_step(k, eta0, k0, power)
        coefficients = (1.0 - mu * eta, averaging_weight(k), eta, m, s)
        vectorised = start > 1 and np.all(coefficients[0] != 0.0)
        block, state = (_block if vectorised else _steps)(state, *coefficients)
        hit = (want >= start) & (want <= stop)
        out[hit] = block[want[hit] - start]
        start = stop + 1
    return out


def _steps(state, a, w, eta, m, s) -> tuple[np.ndarray, tuple]:
    """The recursion one step at a time from ``state`` (any factors): E ebar^2 after each step, the last state."""
    me, mb, see, seb, sbb = state
    out = np.empty(a.size)
    for j in range(a.size):
        wj, aj, ej, mj = w[j], a[j], eta[j], m[j]
        sbb = (1 - wj) ** 2 * sbb + 2 * wj * (1 - wj) * seb + wj * wj * see
        seb = aj * (1 - wj) * seb + aj * wj * see - ej * mj * ((1 - wj) * mb + wj * me)
        see = aj * aj * see - 2 * aj * ej * mj * me + ej * ej * s[j]
        mb = (1 - wj) * mb + wj * me
        me = aj * me - ej * mj
        out[j] = sbb
    return out, (me, mb, see, seb, sbb)


def _linear(a: np.ndarray, b: np.ndarray, x0: float) -> tuple[np.ndarray, np.ndarray]:
    """x_j = a_j x_{j-1} + b_j for j = 1..n from x_0 (every a_j nonzero), as x = A (x0 + cumsum(b / A)) with A the
    running product of a; returns (x_1..x_n, x_0..x_{n-1})."""
    A = np.cumprod(a)
    x = A * (x0 + np.cumsum(b / A))
    return x, np.concatenate(([x0], x[:-1]))


def _block(state, a, w, eta, m, s) -> tuple[np.ndarray, tuple]:
    """The same recursion over a block, vectorised: each moment is a first-order linear recurrence driven by the
    previous step's values of the moments solved before it."""
    v = 1.0 - w
    me, me_prev = _linear(a, -eta * m, state[0])
    mb, mb_prev = _linear(v, w * me_prev, state[1])
    see, see_prev = _linear(a * a, eta * eta * s - 2 * a * eta * m * me_prev, state[2])
    seb, seb_prev = _linear(a * v, a * w * see_prev - eta * m * (v * mb_prev + w * me_prev), state[3])
    sbb, _ = _linear(v * v, 2 * w * v * seb_prev + w * w * see_prev, state[4])
    return sbb, (me[-1], mb[-1], see[-1], seb[-1], sbb[-1])


def limit_sq_exponent(noise: str, tail: float, beta: float, c: float = 4.0) -> float:
    """The exponent that the recursion's E (xbar_k - x*)^2 tends to as k -> infinity, with eta_k ~ c/(mu k) and
    tau_k ~ k^beta: the slowest of the variance term -1 + beta max(2 - tail, 0) (at tail = 2 with a log factor that
    vanishes only as k -> infinity), the clipping bias -2 beta (tail - 1) (one-sided noise only) and the start
    -2 min(c, 2) (the k-weighted average of a start that decays like k^-c). The local slope of a finite window
    converges to it; docs/theory.md §4's map is this at tail = alpha."""
    variance = -1.0 + beta * max(2.0 - (math.inf if noise == "gaussian" else tail), 0.0)
    bias = -2.0 * beta * (tail - 1.0) if noise in ("pareto-onesided", "student-t-onesided") else -math.inf
    return max(variance, bias, -2.0 * min(c, 2.0))


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
    horizons), for ``scale`` times unit noise of ``MODEL_LAWS``: (average over k < K, last iterate).

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


def window_slopes(ks: np.ndarray, values: np.ndarray, horizons: np.ndarray, decades: float = 2.0) -> np.ndarray:
    """The local slope of log(values) against log(ks) over each window [K / 10^decades, K], K in ``horizons``
    (the fit window of a run with horizon K), from a curve known at ``ks``."""
    ks = np.asarray(ks, dtype=float)
    out = np.empty(len(horizons))
    for i, K in enumerate(horizons):
        mask = (ks >= K / 10.0**decades) & (ks <= K)
        out[i] = local_exponent(ks, values, mask) if mask.sum() >= 3 else math.nan
    return out


def horizon_needed(horizons: np.ndarray, slopes: np.ndarray, limit: float, within: float) -> float:
    """The smallest horizon K from which every larger one of ``horizons`` has its window slope within ``within`` of
    ``limit``; inf when even the largest does not."""
    ok = np.abs(np.asarray(slopes) - limit) <= within
    if not ok[-1]:
        return math.inf
    bad = np.flatnonzero(~ok)
    return float(horizons[bad[-1] + 1] if bad.size else horizons[0])
