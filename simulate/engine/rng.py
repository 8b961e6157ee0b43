"""Counter-based per-trial random streams: SplitMix64 seeding xoshiro256**.

Every trial owns a generator whose 256-bit state is derived from (base seed, configuration hash, trial index)
alone, so a trial's numbers do not depend on thread count, scheduling or how trials are chunked. Numba's global
``np.random`` state is never used inside kernels.
"""

import numpy as np

from simulate.engine.jit import jit, jit_inline

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_U30 = np.uint64(30)
_U27 = np.uint64(27)
_U31 = np.uint64(31)
_U11 = np.uint64(11)
_U17 = np.uint64(17)
_U7 = np.uint64(7)
_U45 = np.uint64(45)
_U64 = np.uint64(64)
_FIVE = np.uint64(5)
_NINE = np.uint64(9)
_ONE = np.uint64(1)
_TWO_POW_M53 = 1.0 / 9007199254740992.0


@jit_inline
def splitmix64_mix(z):
    """SplitMix64's output function applied to a uint64 (a bijective avalanche mix)."""
    z = (z ^ (z >> _U30)) * _MIX1
    z = (z ^ (z >> _U27)) * _MIX2
    return z ^ (z >> _U31)


@jit_inline
def splitmix64_next(state):
    """Advance a SplitMix64 counter; returns (new_state, output)."""
    state = np.uint64(state) + _GOLDEN
    return state, splitmix64_mix(state)


@jit_inline
def _rotl(x, k):
    return (x << k) | (x >> (_U64 - k))


@jit_inline
def next_u64(s, o):
    """Next output of xoshiro256** whose state is s[o:o+4] (uint64, updated in place).

    States of many trials live side by side in one flat array; the offset avoids creating array views in hot
    loops (each view costs a reference-count update in Numba).
    """
    result = _rotl(s[o + 1] * _FIVE, _U7) * _NINE
    t = s[o + 1] << _U17
    s[o + 2] ^= s[o]
    s[o + 3] ^= s[o + 1]
    s[o + 1] ^= s[o + 2]
    s[o] ^= s[o + 3]
    s[o + 2] ^= t
    s[o + 3] = _rotl(s[o + 3], _U45)
    return result


@jit_inline
def seed_stream(s, o, seed, config_hash, trial):
    """Fill s[o:o+4] (uint64) with the stream state of one trial.

    The key is a chain of SplitMix64 mixes of the three inputs; the four state words are the next four SplitMix64
    outputs from that key (the seeding recommended by xoshiro's authors, never all-zero in practice).
    """
    key = splitmix64_mix(np.uint64(seed) + _GOLDEN)
    key = splitmix64_mix(key ^ np.uint64(config_hash))
    key = splitmix64_mix(key ^ (np.uint64(trial) * _GOLDEN + _ONE))
    for i in range(4):
        key, out = splitmix64_next(key)
        s[o + i] = out


@jit_inline
def uniform_open(s, o):
    """Uniform double on the open interval (0, 1): 53 random bits, centred in their cell."""
    return (np.float64(next_u64(s, o) >> _U11) + 0.5) * _TWO_POW_M53


@jit
def new_stream(seed, config_hash, trial):
    """Allocate and seed one trial's state (call once per trial, outside the iteration loop)."""
    s = np.empty(4, dtype=np.uint64)
    seed_stream(s, 0, seed, config_hash, trial)
    return s


def uniforms(seed: int, config_hash: int, trial: int, n: int) -> np.ndarray:
    """``n`` uniforms on (0, 1) from one trial's stream (plain-array API for tests and notebooks)."""
    return _uniforms(np.uint64(seed), np.uint64(config_hash), np.uint64(trial), n)


@jit
def _uniforms(seed, config_hash, trial, n):
    s = new_stream(seed, config_hash, trial)
    out = np.empty(n)
    for i in range(n):
        out[i] = uniform_open(s, 0)
    return out
