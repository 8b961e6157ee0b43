import numpy as np

from simulate.engine.rng import new_stream, next_u64, splitmix64_next, uniforms

MASK = (1 << 64) - 1


def splitmix_reference(state, n):
    """Plain-Python SplitMix64 (Vigna's C code with explicit 64-bit masking)."""
    out = []
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        out.append(z ^ (z >> 31))
    return out


def test_splitmix64_matches_reference():
    state = np.uint64(1234567)
    got = []
    for _ in range(5):
        state, out = splitmix64_next(np.uint64(state))
        got.append(int(out))
    assert got == splitmix_reference(1234567, 5)
    # Published first outputs for seed 1234567.
    assert got[:2] == [6457827717110365317, 3203168211198807973]


def test_xoshiro256starstar_known_vector():
    # Reference outputs of xoshiro256** from state [1, 2, 3, 4] (as in rand_xoshiro's test-suite).
    s = np.array([[1], [2], [3], [4]], dtype=np.uint64)  # one column: a (4, trials) state array
    got = [int(next_u64(s, 0)) for _ in range(6)]
    assert got == [11520, 0, 1509978240, 1215971899390074240, 1216172134540287360, 607988272756665600]


def test_streams_are_distinct_and_reproducible():
    a = uniforms(7, 11, 0, 1000)
    b = uniforms(7, 11, 1, 1000)
    c = uniforms(7, 12, 0, 1000)
    assert np.array_equal(a, uniforms(7, 11, 0, 1000))
    assert not np.array_equal(a, b) and not np.array_equal(a, c)
    assert 0.0 < a.min() and a.max() < 1.0
    s = new_stream(np.uint64(7), np.uint64(11), np.uint64(0))
    assert s.dtype == np.uint64 and s.any()


def test_uniforms_are_uniform():
    from scipy import stats

    u = uniforms(3, 5, 9, 50_000)
    assert stats.kstest(u, "uniform").pvalue > 1e-3
