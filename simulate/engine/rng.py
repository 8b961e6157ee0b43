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
    """Next output of xoshiro256** whose state is the column s[:, o] (a (4, trials) uint64 array, updated in
    place).

    The states of many trials live side by side, one row per state word: a loop over trials then reads each word
    from consecutive memory (SIMD loads, no shuffles), and the column index avoids creating array views in hot loops
    (each view costs a reference-count update in Numba).
    """
    result = _rotl(s[1, o] * _FIVE, _U7) * _NINE
    t = s[1, o] << _U17
    s[2, o] ^= s[0, o]
    s[3, o] ^= s[1, o]
    s[1, o] ^= s[2, o]
    s[0, o] ^= s[3, o]
    s[2, o] ^= t
    s[3, o] = _rotl(s[3, o], _U45)
    return result


@jit_inline
def seed_stream(s, o, seed, config_hash, trial):
    """Fill the column s[:, o] (uint64) with the stream state of one trial.

    The key is a chain of SplitMix64 mixes of the three inputs; the four state words are the next four SplitMix64
    outputs from that key (the seeding recommended by xoshiro's authors, never all-zero in practice).
    """
    key = splitmix64_mix(np.uint64(seed) + _GOLDEN)
    key = splitmix64_mix(key ^ np.uint64(config_hash))
    key = splitmix64_mix(key ^ (np.uint64(trial) * _GOLDEN + _ONE))
    for i in range(4):
        key, out = splitmix64_next(key)
        s[i, o] = out


@jit_inline
def uniform_open(s, o):
    """Uniform double on the open interval (0, 1): 53 random bits, centred in their cell."""
    return (np.float64(next_u64(s, o) >> _U11) + 0.5) * _TWO_POW_M53


@jit
def new_stream(seed, config_hash, trial):
    """Allocate and seed one trial's state, a (4, 1) array used with column 0 (call once per trial, outside the
    iteration loop)."""
    s = np.empty((4, 1), dtype=np.uint64)
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
