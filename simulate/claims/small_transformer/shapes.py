"""What the small-transformer claims share: the model sizes of the quick and full rungs and the training profile."""

from dataclasses import dataclass

# the small-transformer claims' judged rows are sign and comparison rules (tolerance 0)
NET_SIZING = (
    "sign and comparison rules (tolerance 0: the width needed depends on the effect, not on a declared tolerance)"
)


@dataclass(frozen=True)
class NetShape:
    """The small transformer of the real-model claims (``simulate.nets.model.NetConfig``) and its minibatch size."""

    seq_len: int
    d_model: int
    heads: int
    layers: int
    mlp: int
    batch: int


QUICK_NET = NetShape(seq_len=8, d_model=16, heads=2, layers=1, mlp=32, batch=8)

SMALL_NET = NetShape(seq_len=16, d_model=32, heads=2, layers=2, mlp=64, batch=16)


@dataclass(frozen=True)
class NetTrainingProfile:
    """Sizes for the training comparisons: every method on its own eta grid, ``tune_trials`` trials choose the eta
    (median final held-out loss), ``trials`` further trials are reported at it; ``pool`` examples for the
    heterogeneity measurements (ln-placement-heterogeneity only)."""

    net: NetShape
    grids: tuple[tuple[str, tuple[float, ...]], ...]  # (method, eta grid)
    tune_trials: int
    trials: int
    steps: int
    every: int
    clip_norm: float | None  # global-norm clip before every method ([T]'s runs: 1.0), or None
    pool: int = 0
    hessian_pool: int = 0  # the first examples of the pool, for the Hessian-vector products
    power_iterations: int = 0
