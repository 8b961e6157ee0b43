"""The jitted helpers every composed kernel calls, whatever its pieces: the averaging weight of the k-weighted
average and a standard normal draw from a trial's stream."""

import math

from simulate.engine.jit import jit_inline
from simulate.engine.rng import uniform_open
from theory import schedules

averaging_weight = jit_inline(schedules.averaging_weight)


@jit_inline
def std_normal(s, o):
    """Standard normal by Box-Muller (one of the pair is used, so every call consumes exactly two draws)."""
    u1 = uniform_open(s, o)
    u2 = uniform_open(s, o)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)
