"""The text the small transformer learns from: a corpus pinned in the package, the same bytes on every Python.

``corpus/python-3.11-docs.json.xz`` holds the documents that ``simulate.nets.build_corpus`` extracted from CPython
3.11.7 (the pydoc topics and every standard-library docstring: about 7,800 documents, 2.1 million characters,
480,000 words; PSF License, ``corpus/LICENSE``). Its decompressed bytes are checked against ``CORPUS_SHA256`` when
first read.

Every document is cut in two at the first whitespace at or after ``TRAIN_FRACTION`` of its characters: the first
part is for training, the second held out, so that every document (and every class of the document task in
``simulate.nets.tokens``) is seen in both. ``windows`` draws runs of consecutive tokens from a token array.
"""

import hashlib
import json
import lzma
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from theory.validation import check_int

TRAIN_FRACTION = 0.8
CORPUS_PATH = Path(__file__).parent / "corpus" / "python-3.11-docs.json.xz"
CORPUS_SHA256 = "c0298351a917182687f7e86b7206fbcc8af024046021bc0372ac3948a6d156e6"
SEPARATOR = "\n\n"  # between documents, where the parts are laid end to end


@dataclass(frozen=True)
class Document:
    """One document of the corpus: its name (``topic:<key>`` or ``<module>:<qualified name>``) and its text."""

    name: str
    text: str

    def parts(self) -> tuple[str, str]:
        """(training part, held-out part): the text cut at the first whitespace at or after TRAIN_FRACTION of its
        characters (the held-out part is empty when there is none)."""
        cut = int(TRAIN_FRACTION * len(self.text))
        while cut < len(self.text) and not self.text[cut].isspace():
            cut += 1
        return self.text[:cut], self.text[cut:]


def corpus_bytes(path: Path = CORPUS_PATH) -> bytes:
    """The corpus file decompressed, checked against ``CORPUS_SHA256`` (a ValueError naming the file otherwise)."""
    try:
        data = lzma.decompress(path.read_bytes())
    except (OSError, lzma.LZMAError) as e:
        raise ValueError(f"the pinned corpus {path} cannot be read ({e}); reinstall the package") from e
    digest = hashlib.sha256(data).hexdigest()
    if digest != CORPUS_SHA256:
        raise ValueError(
            f"the pinned corpus {path} has SHA-256 {digest}, not {CORPUS_SHA256}: it was changed or damaged; "
            "reinstall the package (a corpus rebuilt on another Python is another corpus: update the pin with it)"
        )
    return data


@cache
def documents() -> tuple[Document, ...]:
    """Every document of the pinned corpus, in its file's order."""
    payload = json.loads(corpus_bytes().decode("utf-8"))
    return tuple(Document(d["name"], d["text"]) for d in payload["documents"])


@cache
def corpus() -> str:
    """Every document's text, in order, joined by ``SEPARATOR``."""
    return SEPARATOR.join(d.text for d in documents())


def windows(key: jax.Array, tokens: np.ndarray, size: int, seq_len: int) -> jax.Array:
    """``size`` runs of ``seq_len + 1`` consecutive ``tokens`` starting at uniformly drawn places (int32
    [size, seq_len + 1]): a window and the token after it."""
    size, seq_len = check_int(size, "size", 1), check_int(seq_len, "seq_len", 1)
    tokens = jnp.asarray(tokens)
    starts = jax.random.randint(key, (size,), 0, tokens.size - seq_len)
    return jax.vmap(lambda s: jax.lax.dynamic_slice(tokens, (s,), (seq_len + 1,)))(starts)
