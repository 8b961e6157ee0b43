"""Pure Python/NumPy side of the suite: schedules, predicted exponents and finite-k predictions, rate fitting,
lower bounds, and the language in which claims declare their rules and verdicts are judged (``declarations``,
``verdicts``). The claims themselves are folders of ``simulate/claims/``.

Never imports ``simulate``.
"""

from theory.exponents import theorem4_distance, theorem4_gap
from theory.fitting import FitResult, fit_exponent

__all__ = ["FitResult", "fit_exponent", "theorem4_distance", "theorem4_gap"]
