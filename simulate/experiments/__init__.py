"""One experiment per claim: it turns a claim's profile into runs, measurement rows of rates.csv and figures.

Every module of this package that sets ``CLAIM`` (a claim id of ``theory.claims.CLAIMS``) is that claim's
experiment: it defines ``run(claim, profile, ctx) -> ClaimOutput`` and, when the claim declares negative controls,
``CONTROLS = {mutant name: (claim, profile, ctx) -> measurement rows}``. Adding a claim touches two files: its
declaration in ``theory/claims.py`` and its module here. ``MODULES``, ``EXPERIMENTS`` and ``CONTROLS`` map claim
ids to them. The verdicts come from ``theory.verdicts.judge``, never from an experiment.
"""

import importlib
import pkgutil

from .common import ClaimOutput, Context


def _discover() -> dict:
    """claim id -> experiment module, for every module of this package that sets ``CLAIM``."""
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        claim_id = getattr(module, "CLAIM", None)
        if claim_id is None:
            continue
        if claim_id in found:
            raise ImportError(f"claim {claim_id!r} has two experiment modules: {found[claim_id].__name__}, "
                              f"{module.__name__}")  # fmt: skip
        found[claim_id] = module
    return found


MODULES = _discover()
EXPERIMENTS = {claim_id: module.run for claim_id, module in MODULES.items()}
CONTROLS = {claim_id: getattr(module, "CONTROLS", {}) for claim_id, module in MODULES.items()}

__all__ = ["CONTROLS", "EXPERIMENTS", "MODULES", "ClaimOutput", "Context"]
