"""Branch-free log and exp built from IEEE-754 bit fields and polynomials, for loops LLVM can vectorise.

libm's log/exp are opaque calls that keep a loop scalar; these inline into plain arithmetic, so a loop over trials
that draws Pareto noise runs in SIMD lanes. Every lane performs the same IEEE operations (no fastmath, no FMA
contraction), so a result does not depend on which lane or which remainder loop computed it.
Accuracy (tests/test_vecmath.py): relative error below 1e-15 against NumPy over the ranges the samplers use.
"""

import math

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from simulate.engine.jit import jit_inline

_LN2_HI = 6.93147180369123816490e-01  # ln 2 split so that n * _LN2_HI is exact for |n| < 2^20 (fdlibm's constants)
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.0 / math.log(2.0)
_SQRT2 = math.sqrt(2.0)


@intrinsic
def float_bits(typingctx, x):
    """The 64 bits of a float64, as an int64 (a no-op bit cast)."""
    sig = types.int64(types.float64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return sig, codegen


@intrinsic
def bits_float(typingctx, x):
    """The float64 whose bits are the given int64 (a no-op bit cast)."""
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return sig, codegen


@jit_inline
def vlog(u):
    """Natural log of a positive normal float64 (no checks: zero, subnormal, inf and NaN are not handled).

    u = 2^e m with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(s), s = (m - 1)/(m + 1), |s| < 0.172, by its odd
    series to s^23 (truncation < 1e-18).
    """
    bits = float_bits(u)
    e = np.float64(((bits >> 52) & 0x7FF) - 1023)
    m = bits_float((bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000)
    big = m > _SQRT2
    m = m * 0.5 if big else m
    e = e + 1.0 if big else e
    s = (m - 1.0) / (m + 1.0)
    z = s * s
    # the odd series' coefficients 1/3 .. 1/23 as a polynomial in z, by Estrin's scheme: its terms are independent
    # products, so a loop over trials waits on four multiplications in a row instead of eleven (Horner)
    z2 = z * z
    z4 = z2 * z2
    q0 = 1.0 / 3.0 + z * (1.0 / 5.0) + z2 * (1.0 / 7.0 + z * (1.0 / 9.0))
    q1 = 1.0 / 11.0 + z * (1.0 / 13.0) + z2 * (1.0 / 15.0 + z * (1.0 / 17.0))
    q2 = 1.0 / 19.0 + z * (1.0 / 21.0) + z2 * (1.0 / 23.0)
    p = q0 + z4 * (q1 + z4 * q2)
    return e * _LN2_HI + (2.0 * s + (2.0 * s * z * p + e * _LN2_LO))


@jit_inline
def vexp(y):
    """exp(y) for |y| < 700 (no overflow or underflow handling).

    y = n ln2 + r with n = round(y / ln2) and |r| <= ln2/2 (Cody-Waite, two-part ln2); exp r by Taylor to r^14
    (truncation < 1e-17); 2^n by writing the exponent field.
    """
    t = y * _INV_LN2 + 0.5
    n = np.float64(np.int64(t))  # truncation toward zero ...
    n = n - 1.0 if n > t else n  # ... corrected to floor(t) for negative t
    r = (y - n * _LN2_HI) - n * _LN2_LO
    # exp r = sum of r^i / i! for i <= 14 by Estrin's scheme (independent products, as in vlog)
    r2 = r * r
    r4 = r2 * r2
    q0 = 1.0 + r + r2 * (0.5 + r * (1.0 / 6.0))
    q1 = 1.0 / 24.0 + r * (1.0 / 120.0) + r2 * (1.0 / 720.0 + r * (1.0 / 5040.0))
    q2 = 1.0 / 40320.0 + r * (1.0 / 362880.0) + r2 * (1.0 / 3628800.0 + r * (1.0 / 39916800.0))
    q3 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0) + r2 * (1.0 / 87178291200.0)
    p = q0 + r4 * (q1 + r4 * (q2 + r4 * q3))
    return p * bits_float((np.int64(n) + 1023) << 52)
