"""Pure Python/NumPy side of the suite: schedules, predicted exponents, rate fitting, the claim registry.

Never imports ``simulate``.
"""

from theory.exponents import theorem4_distance, theorem4_gap
from theory.fitting import FitResult, fit_exponent

__all__ = ["FitResult", "fit_exponent", "theorem4_distance", "theorem4_gap"]
