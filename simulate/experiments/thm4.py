"""Exponent claims on the strongly convex quadratic (thm4-strongly-convex): a grid of runs, fits, figures."""

from theory.claims import Claim, Profile
from theory.fitting import smallest_fit_horizon

from .. import report
from ..config import checkpoints
from ..runner import problem_run, profile_configs
from .common import ClaimOutput, Context

SMALLEST_K = smallest_fit_horizon(checkpoints)  # the smallest --K whose fit window holds its 3 checkpoints


def run(claim: Claim, profile: Profile, ctx: Context) -> ClaimOutput:
    configs = profile_configs(claim, profile, ctx.seed)
    results = ctx.run(configs)
    rates = report.fit_rows(claim, results)
    stats = report.checkpoint_stats(claim, results)
    figs = []
    for noise in sorted({c.noise for c in configs}):
        name = f"{claim.id}_error_vs_k_{noise}.png"
        report.plot_error_vs_k(claim, stats, rates, noise, ctx.figures / name)
        figs.append(name)
    name = f"{claim.id}_exponent_vs_alpha.png"
    report.plot_exponent_vs_alpha(claim, rates, ctx.figures / name)
    figs.append(name)
    name = f"{claim.id}_foil.png"
    if report.plot_foil(claim, rates, ctx.figures / name):
        figs.append(name)
    return ClaimOutput(rates, stats, figs)


def _mutant(claim: Claim, profile: Profile, ctx: Context, **fields):
    """proj-GClip rows of one mis-specified run at the profile's size, fitted exactly like the real ones."""
    cfg = problem_run(claim, ctx.seed, method="proj-gclip", K=profile.K, trials=profile.trials, **fields)
    return report.fit_rows(claim, ctx.run([cfg]))


CLAIM = "thm4-strongly-convex"  # the claim this module runs (how simulate.experiments finds it)
CONTROLS = {
    "tau-k^0.1": lambda claim, p, ctx: _mutant(claim, p, ctx, noise="pareto-onesided", alpha=1.5, beta=0.1),
    "tail-1.2-as-1.8": lambda claim, p, ctx: _mutant(claim, p, ctx, noise="pareto", alpha=1.8, tail=1.2),
}
