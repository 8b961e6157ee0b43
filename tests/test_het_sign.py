"""het-gd-vs-sign: the problem family, GD's exact iteration count against the kernel, and the quick claim."""

import numpy as np
import pytest

from simulate.claims.het_gd_vs_sign.claim import CLAIM as HET
from simulate.claims.het_gd_vs_sign.experiment import best_eta, hitting, problem
from theory import heterogeneity as het

P = HET.profiles["quick"]


def test_block_spectrum_spans_kappa_het_with_fixed_inner_condition_number():
    eig = het.block_spectrum([4, 4, 4], 100.0, 10.0)
    blocks = eig.reshape(3, 4)
    assert np.allclose(blocks.max(axis=1), [1.0, 0.1, 0.01])
    assert np.allclose(blocks.max(axis=1) / blocks.min(axis=1), 10.0)
    assert het.hessian_heterogeneity(np.diag(eig), [4, 4, 4])["max_min_ratio"] == pytest.approx(100.0)
    q = het.random_rotation(12, 0)
    assert np.allclose(q @ q.T, np.eye(12), atol=1e-12)
    with pytest.raises(ValueError, match="kappa_het=0.5"):
        het.block_spectrum([4], 0.5, 10.0)


@pytest.mark.parametrize("rotated", [False, True])
@pytest.mark.parametrize("kappa", [1.0, 30.0])
def test_kernel_gd_needs_exactly_the_predicted_count(rotated, kappa):
    H, x_star, eig = problem(P, kappa, rotated)
    predicted = het.gd_iterations(eig, np.full(eig.size, 0.5), P.target * eig.size / 2)
    steps = hitting(H, rotated, x_star, "gd", 1.0, P)[0]
    assert abs(steps - predicted) <= 1  # rounding can move the crossing by one step


def test_quick_claim_gd_grows_like_kappa_sign_much_less_and_rotation_hurts_signgd():
    steps = {}
    for rotated in (False, True):
        for kappa in P.kappas:
            H, x_star, _ = problem(P, kappa, rotated)
            for method in ("gd", "signgd"):
                steps[(rotated, kappa, method)] = best_eta(H, rotated, x_star, method, P)[1]
    k0, k1 = P.kappas
    power = {m: np.log(steps[(False, k1, m)] / steps[(False, k0, m)]) / np.log(k1 / k0) for m in ("gd", "signgd")}
    assert abs(power["gd"] - 1.0) <= 0.2
    assert power["signgd"] <= power["gd"] - 0.3
    assert steps[(True, k1, "signgd")] > 5 * steps[(False, k1, "signgd")]
    assert steps[(True, k1, "gd")] == steps[(False, k1, "gd")]  # GD is rotation-invariant


def test_noisy_runs_are_reproducible_across_processes():
    """The noise stream key must not depend on the process (Python salts str hashes per process)."""
    import os
    import subprocess
    import sys

    code = "from simulate.claims.het_gd_vs_sign.experiment import stream_key; print(stream_key('adam', 'pareto', True))"
    keys = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": str(s)},
        ).stdout
        for s in (1, 2)
    }
    assert len(keys) == 1
    H, x_star, _ = problem(P, 30.0, False)
    runs = [hitting(H, False, x_star, "signum", 0.1, P, noise=("pareto", 1e-3), trials=3, seed=5) for _ in range(2)]
    assert np.array_equal(runs[0], runs[1])


def test_the_rotated_problem_is_built_from_exactly_rounded_sums_the_same_on_every_machine():
    # every entry is the exactly rounded sum of its float products (Fraction sums here), so no BLAS, LAPACK, CPU kernel
    # or thread count can change a bit of it; before, BLAS's sums moved the rotated runs' rows between two machines
    from fractions import Fraction

    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(6, 9)) * 10.0 ** rng.integers(-8, 8, size=(6, 9)), rng.normal(size=(9, 4))
    exact = [[float(sum(Fraction(x * y) for x, y in zip(row, col, strict=True))) for col in b.T] for row in a]
    assert np.array_equal(het.exact_matmul(a, b), np.array(exact))
    assert np.array_equal(het.exact_matmul(a, b[:, 1]), np.array(exact)[:, 1])
    q = het.random_rotation(24, 5)
    lapack, r = np.linalg.qr(np.random.default_rng(5).normal(size=(24, 24)))
    assert np.allclose(q, lapack * np.sign(np.diag(r)), atol=1e-13), "the same Haar-random matrix, to rounding"
    assert np.allclose(het.exact_matmul(q, q.T), np.eye(24), atol=1e-14)
