"""Runs on a claim's strongly convex quadratic problem (thm4-strongly-convex, clip-exponent-map)."""

from simulate.run.config import QuadraticRun
from theory.declarations import Claim


def problem_run(claim: Claim, seed: int, **fields) -> QuadraticRun:
    """A run on the claim's quadratic problem (``claim.problem``: d, mu, x_star, x0, radius, G, noise_scale)."""
    return QuadraticRun(claim=claim.id, seed=seed, **claim.problem, **fields)
