"""Exponent claims on the strongly convex quadratic (thm4-strongly-convex): a grid of runs, fits, figures."""

from theory.claims import Claim, Profile

from .. import report
from ..runner import profile_configs, with_overrides
from .common import ClaimOutput, Context


def run(claim: Claim, profile: Profile, ctx: Context) -> ClaimOutput:
    profile = with_overrides(profile, ctx.alphas, ctx.K, ctx.trials)
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
    return ClaimOutput(rates, stats, figs, report.claim_section(claim, rates, figs))
