"""The template claim's measurements: the Monte-Carlo mean's typical error against n, its fitted exponent, a
figure."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simulate.publish.figures import save_fig
from simulate.publish.rows import fit_columns, measurement_row, measurements
from simulate.run.context import ClaimOutput, Context
from theory.declarations import Claim
from theory.fitting import fit_exponent

from .claim import TemplateProfile


def checkpoints(n_max: int) -> np.ndarray:
    """Log-spaced sample counts 1 .. n_max (about ten per decade)."""
    return np.unique(np.round(np.logspace(0, np.log10(n_max), 10 * int(np.log10(n_max)) + 1)).astype(int))


def errors(p: TemplateProfile, seed: int, law: str = "gaussian") -> tuple[np.ndarray, np.ndarray]:
    """(n, |mean_n| per trial and checkpoint [trials, checkpoints]) for samples of ``law`` (``gaussian``, or
    ``pareto``: symmetric Pareto of tail 1.2, for the negative control)."""
    rng = np.random.default_rng(seed)  # one seeded generator: the same seed gives the same numbers
    n = checkpoints(p.n_max)
    if law == "gaussian":
        samples = rng.standard_normal((p.trials, p.n_max))
    else:
        samples = rng.uniform(size=(p.trials, p.n_max)) ** (-1 / 1.2) * rng.choice([-1.0, 1.0], (p.trials, p.n_max))
    means = np.cumsum(samples, axis=1)[:, n - 1] / n
    return n, np.abs(means)


def _row(claim: Claim, n: np.ndarray, err: np.ndarray, seed: int) -> dict:
    fit = fit_exponent(n, err, "median", seed=seed)
    return measurement_row(
        claim,
        "median_abs_error",
        method="monte-carlo mean",
        noise="gaussian",
        trials=err.shape[0],
        **fit_columns(fit),
        description="exponent of the median of |mean_n| in n, last two decades, 95% bootstrap CI over trials",
    )


def run(claim: Claim, p: TemplateProfile, ctx: Context) -> ClaimOutput:
    n, err = errors(p, ctx.seed)
    rates = measurements([_row(claim, n, err, ctx.seed)])
    fig, ax = plt.subplots(figsize=(3.3, 2.6), layout="constrained")
    ax.loglog(n, np.median(err, axis=0), label="measured")
    ax.loglog(n, 0.6745 / np.sqrt(n), "k--", label=r"$0.674\,n^{-1/2}$")
    ax.set_xlabel("samples n")
    ax.set_ylabel(r"median $|\bar x_n|$")
    ax.legend()
    figure = f"{claim.id}_error.png"
    save_fig(fig, ctx.figures / figure)
    return ClaimOutput(rates, pd.DataFrame(), [figure])


def _pareto_as_gaussian(claim: Claim, p: TemplateProfile, ctx: Context) -> pd.DataFrame:
    """Heavy-tailed samples (tail 1.2: the mean's typical error shrinks like n^(-(1.2 - 1)/1.2) = n^(-1/6)) presented
    as Gaussian."""
    n, err = errors(p, ctx.seed, law="pareto")
    return measurements([_row(claim, n, err, ctx.seed)])


CONTROLS = {"pareto-as-gaussian": _pareto_as_gaussian}
