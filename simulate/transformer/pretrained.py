"""Language models trained once and shared: attention-noise-2x2 measures their noise, and the fine-tuning claims
(ln-placement-heterogeneity, head-growth-transformer) start from their weights, as [T] fine-tunes pretrained models.

A model is named by its content: the pretraining sizes (``Pretraining``), the layer-norm placement, attention or
not, and the seed. It is trained once per process (memoised) and, where the run has a cache folder, stored there
under a hash of that content, of the pinned corpus and of the sources of ``simulate/nets``, so that another claim
or a later run loads it instead of training it again.
"""

import dataclasses
import hashlib
import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from simulate.nets import data, model, tokens
from simulate.nets.train import Schedule, train
from simulate.run.store import RunCache
from simulate.transformer.ladder import DEFAULT_NET, FULL_NET, QUICK_NET, NetShape, net_config

NETS_SOURCES = Path(data.__file__).parent


@dataclass(frozen=True)
class Pretraining:
    """How a language model is pretrained: ``steps`` Adam updates at peak step ``eta`` (warm-up and cosine decay)
    on minibatches of ``net.batch`` windows of ``tokenisation``, the loss at every position; its held-out batch of
    ``eval_size`` windows. Weights are kept at initialisation, half-way and at the end."""

    net: NetShape
    tokenisation: str
    steps: int
    eta: float
    eval_size: int

    @property
    def task(self) -> tokens.Task:
        return tokens.Task(self.tokenisation)

    @property
    def checkpoints(self) -> tuple[int, int, int]:
        return (0, self.steps // 2, self.steps)


# The language models the fine-tuning claims start from, per rung: words, Pre-LN and Post-LN. The default rung's is
# the one attention-noise-2x2 measures on words (the same sizes: trained once per run). 6,000 steps is what the
# default model needs to beat the count bigram by the gate's margin half-way through (words: a 4,096-token vocabulary)
QUICK_PRETRAINING = Pretraining(net=QUICK_NET, tokenisation="words", steps=60, eta=3e-3, eval_size=64)
DEFAULT_PRETRAINING = Pretraining(net=DEFAULT_NET, tokenisation="words", steps=6000, eta=3e-3, eval_size=512)
FULL_PRETRAINING = Pretraining(net=FULL_NET, tokenisation="words", steps=6000, eta=1e-3, eval_size=512)


@dataclass(frozen=True)
class LanguageModel:
    """A pretrained model: its configuration, its weights at ``Pretraining.checkpoints`` (each tensor
    [3, ...]) and its training records (``train.RECORDS``, each over every checkpoint interval)."""

    cfg: model.NetConfig
    pretraining: Pretraining
    snapshots: dict[str, np.ndarray]
    records: dict[str, np.ndarray]

    def weights(self, step: int) -> dict[str, np.ndarray]:
        """The weights at checkpoint ``step`` (one of ``pretraining.checkpoints``)."""
        i = self.pretraining.checkpoints.index(step)
        return {n: v[i] for n, v in self.snapshots.items()}

    def window_losses(self, step: int) -> np.ndarray:
        """The held-out loss of every window of its held-out batch at checkpoint ``step`` (nats)."""
        every = _every(self.pretraining)
        return self.records["eval_window_loss"][step // every]


def _every(pre: Pretraining) -> int:
    return math.gcd(*pre.checkpoints)


def _sources_hash() -> str:
    h = hashlib.sha256(data.CORPUS_SHA256.encode())
    for path in sorted(NETS_SOURCES.glob("*.py")):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


def _about(pre: Pretraining, ln: str, attention: bool, seed: int) -> dict:
    return {
        "kind": "pretrained language model",
        "pretraining": json.loads(json.dumps(dataclasses.asdict(pre))),
        "ln": ln,
        "attention": attention,
        "seed": seed,
        "sources": _sources_hash(),
    }


def _train(pre: Pretraining, cfg: model.NetConfig, seed: int) -> dict[str, np.ndarray]:
    every = _every(pre)
    schedule = Schedule(steps=pre.steps, batch=pre.net.batch, every=every, eval_size=pre.eval_size)
    snapshots, recs = train(cfg, pre.task, [("adam", pre.eta)], 1, seed, schedule, snapshots=True)
    at = [step // every for step in pre.checkpoints]
    return {f"w:{n}": v[0, 0, at] for n, v in snapshots.items()} | {f"r:{k}": v[0, 0] for k, v in recs.items()}


@cache
def language_model(
    pre: Pretraining, ln: str = "pre", attention: bool = True, seed: int = 0, store: RunCache | None = None
) -> LanguageModel:
    """The language model of ``pre`` with this placement and attention, trial 0 of ``seed`` (loaded from ``store``
    when it holds it, else trained and saved there)."""
    cfg = net_config(pre.net, pre.task, ln=ln, attention=attention)
    about = _about(pre, ln, attention, seed)
    key = "lm-" + hashlib.sha256(json.dumps(about, sort_keys=True).encode()).hexdigest()[:32]
    compute = lambda: _train(pre, cfg, seed)  # noqa: E731
    arrays = compute() if store is None else store.load_or_compute(key, about, compute)
    snapshots = {k[2:]: v for k, v in arrays.items() if k.startswith("w:")}
    records = {k[2:]: v for k, v in arrays.items() if k.startswith("r:")}
    return LanguageModel(cfg, pre, snapshots, records)
