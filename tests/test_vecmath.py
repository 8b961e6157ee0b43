import numpy as np
from numba import njit

from simulate.engine.vecmath import vexp, vlog


@njit
def _apply(x):
    out = np.empty((2, x.size))
    for i in range(x.size):
        out[0, i] = vlog(x[i])
        out[1, i] = vexp(x[i])
    return out


def test_vlog_matches_numpy():
    rng = np.random.default_rng(0)
    # the samplers take logs of uniforms in (2^-54, 1); cover wider, and the awkward points near 1 and sqrt(2)
    u = np.concatenate(
        [
            rng.random(200_000),
            10.0 ** rng.uniform(-300, 300, 50_000),
            [1.0, 2.0, 0.5, np.sqrt(2)],
            1.0 + rng.normal(0, 1e-9, 1000),
        ]
    )
    got = _apply(u)[0]
    ref = np.log(u)
    err = np.abs(got - ref) / np.maximum(np.abs(ref), 1e-300)
    assert np.all(err[ref != 0] < 1e-15), err.max()
    assert got[np.flatnonzero(u == 1.0)[0]] == 0.0


def test_vexp_matches_numpy():
    rng = np.random.default_rng(1)
    y = np.concatenate([rng.uniform(-700, 700, 200_000), rng.uniform(-1, 1, 50_000), [0.0, 1.0, -1.0, np.log(2)]])
    got = _apply(y)[1]
    ref = np.exp(y)
    assert np.all(np.abs(got - ref) / ref < 1e-15)
    assert got[np.flatnonzero(y == 0.0)[0]] == 1.0
