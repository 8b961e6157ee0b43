"""How a claim's default profile is sized.

Three ways, declared per claim:

- ``SEQUENTIAL``: the full size, run in the four looks of ``theory.sequential`` (docs/decisions.md, D6): every engine
  configuration stops at the first look where every evidence row computed from it is decided, so the default costs
  at most what the full profile costs and a row that is not decided early is judged on the full profile's arrays;
- ``Sizing(reason=...)``: the full size in one go, for a claim whose simulations are not engine configurations (they
  have no looks), with the reason;
- ``Sizing(ladder=...)``: a rung of a scale ladder of its own (the small-transformer claims).
"""

from dataclasses import dataclass

from .sequential import EARLY_LEVEL, LOOK_FRACTIONS


@dataclass(frozen=True)
class Sizing:
    """The default profile of a claim: the full size in looks (``sequential``), the full size in one go (``reason``
    says why), or its own rung of a scale ladder (``ladder``)."""

    reason: str = ""
    ladder: str = ""
    sequential: bool = False

    def __post_init__(self):
        if self.sequential == bool(self.reason or self.ladder):
            raise ValueError("a Sizing is sequential=True, or a reason=... (with a ladder=... where it is a rung)")

    def arithmetic(self) -> str:
        """One sentence: how the default profile is sized."""
        if self.ladder:
            return f"the default is its own rung of a scale ladder: {self.ladder}; judged rows: {self.reason}"
        if self.sequential:
            looks = ", ".join(f"{f:g}" for f in LOOK_FRACTIONS)
            return (
                f"the full size in a sequential design: looks at {looks} of the full trial count, each evidence row "
                f"decided early when its {100 * EARLY_LEVEL:g}% CI lies wholly inside or outside its acceptance "
                "region, each configuration stopped at the first look where every row computed from it is decided"
            )
        return f"default = full size, in one go: {self.reason}"


SEQUENTIAL = Sizing(sequential=True)
