"""The claims, one folder each: the folder is the registry.

A subfolder of this package that holds a ``claim.py`` is a claim: ``claim.py`` sets ``CLAIM`` (a
``theory.declarations.Claim``: statement, sizes per profile, judged rules, controls, power curves) and
``experiment.py`` defines ``run(claim, profile, ctx) -> ClaimOutput``, for the declared controls (negative and
positive) ``CONTROLS = {control name: (claim, profile, ctx) -> measurement rows}``, and for the declared power curves
``POWER = {curve name: (claim, profile, ctx, strength) -> measurement rows}``. ``notes.md`` holds the prose REPORT
renders, ``model.py`` / ``theory.py`` a claim's own model or mathematics. Adding a claim is adding a folder: copy
``_template/`` (a folder whose name starts with ``_`` is never discovered). The verdicts come from
``theory.verdicts.judge``, never from an experiment.
"""

import functools
import importlib
import pkgutil
from pathlib import Path
from types import ModuleType

from theory.declarations import PROFILES, Claim


def discover(folder: Path = Path(__file__).parent, package: str = __name__) -> dict[str, tuple[Claim, str]]:
    """claim id -> (Claim, the package of its folder) for every subpackage of ``package`` (found at ``folder``) with
    a ``claim.py``, in the claims' ``order``."""
    found: dict[str, tuple[Claim, str]] = {}
    for info in pkgutil.iter_modules([str(folder)]):
        if info.name.startswith("_") or not (info.ispkg and (folder / info.name / "claim.py").is_file()):
            continue  # a folder named _... (the claim template) is not a claim
        module = importlib.import_module(f"{package}.{info.name}.claim")
        claim = module.CLAIM
        if claim.id in found:
            raise ImportError(f"claim {claim.id!r} is declared twice: {found[claim.id][1]}, {module.__name__}")
        found[claim.id] = (claim, f"{package}.{info.name}")
    return dict(sorted(found.items(), key=lambda item: (item[1][0].order, item[0])))


_FOUND = discover()
CLAIMS = {claim_id: claim for claim_id, (claim, _) in _FOUND.items()}
# the claims that train the small JAX transformer (simulate.nets)
NET_CLAIMS = tuple(c.id for c in CLAIMS.values() if hasattr(c.profiles["quick"], "net"))


def get_claim(claim_id: str) -> Claim:
    """Look up a claim by id, naming the accepted ids when it is unknown."""
    if claim_id not in CLAIMS:
        raise ValueError(f"claim={claim_id!r} is not one of the accepted values: {', '.join(CLAIMS)}")
    return CLAIMS[claim_id]


@functools.cache
def experiment(claim_id: str) -> ModuleType:
    """The ``experiment`` module of a claim's folder (imported on first use: the transformer claims import JAX)."""
    return importlib.import_module(f"{_FOUND[get_claim(claim_id).id][1]}.experiment")


def controls(claim_id: str) -> dict:
    """control name -> implementation ``(claim, profile, ctx) -> rows``, for a claim's declared controls."""
    return getattr(experiment(claim_id), "CONTROLS", {})


def power_curves(claim_id: str) -> dict:
    """power-curve name -> implementation ``(claim, profile, ctx, strength) -> rows``, for its declared curves."""
    return getattr(experiment(claim_id), "POWER", {})


def power_effects(claim_id: str) -> dict:
    """power-curve name -> ``(claim, profile, strength) -> (predicted effect, tolerance)``, from theory alone, for the
    curves whose effect a model predicts (``experiment.EFFECTS``; others: absent)."""
    return getattr(experiment(claim_id), "EFFECTS", {})


__all__ = ["CLAIMS", "NET_CLAIMS", "PROFILES", "controls", "experiment", "get_claim", "power_curves", "power_effects"]
