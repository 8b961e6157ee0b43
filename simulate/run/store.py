"""The on-disk cache of finished runs (one .npz per configuration)."""

import errno
import hashlib
import json
import os
import stat
import sys
import zipfile
from pathlib import Path

import numpy as np

from simulate.atomic import atomic_save

META = "__entry__"  # the array holding an entry's self-description (JSON bytes)


def _checksum(arrays: dict[str, np.ndarray]) -> str:
    """sha256 over every array's name, dtype, shape and bytes, in name order."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _describe(key: str, about: dict | None, arrays: dict[str, np.ndarray]) -> dict:
    """An entry's self-description (as it reads back from JSON, so that stored and expected compare equal)."""
    return json.loads(
        json.dumps(
            dict(
                key=key,
                about=about,
                checksum=_checksum(arrays),
                arrays={n: [a.dtype.str, list(a.shape)] for n, a in sorted(arrays.items())},
            )
        )
    )


class RunCache:
    """Finished runs keyed by ``cache_key`` (a hash of the configuration and the kernels' source hash), one
    .npz each, written atomically (two runs sharing a cache both write whole entries; the last rename wins).

    An entry carries its own description: the key it was written under, ``about`` (the configuration and code
    version it was computed for, ``cfg.describe()``), every array's name, dtype and shape, and a checksum of the
    arrays. ``load`` uses an entry only when all of that matches what is asked for; an unreadable entry, one written
    under another key or for another configuration, one with an array missing, reshaped or altered, or one without
    a description is removed with a one-line warning on stderr and recomputed by the caller, never used and never a
    crash.
    """

    def __init__(self, root: Path | None):
        self.root = Path(root) if root is not None else None

    def _path(self, key: str) -> Path:
        return self.root / f"{key}.npz"

    def load(self, key: str, about: dict | None = None) -> dict[str, np.ndarray] | None:
        if self.root is None or not os.path.lexists(self._path(key)):
            return None
        try:
            # never through a link, never a FIFO or device (opening one would block): regular files only
            fd = os.open(self._path(key), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as err:
            why = "a symbolic link" if err.errno == errno.ELOOP else f"unreadable ({type(err).__name__})"
            return self._discard(key, why)
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return self._discard(key, "not a regular file")
            try:
                with np.load(fh, allow_pickle=False) as z:
                    arrays = {name: z[name] for name in z.files}
            except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as err:
                return self._discard(key, f"unreadable ({type(err).__name__})")
        if META not in arrays:
            return self._discard(key, "no description (written by an older version)")
        try:
            meta = json.loads(arrays.pop(META).tobytes().decode())
        except (ValueError, UnicodeDecodeError):
            return self._discard(key, "unreadable description")
        found = _describe(key, about, arrays)
        for field, why in (
            ("key", "written under another key"),
            ("about", "computed for another configuration"),
            ("arrays", "arrays missing or reshaped"),
            ("checksum", "arrays altered"),
        ):
            if meta.get(field) != found[field]:
                return self._discard(key, why)
        return arrays

    def _discard(self, key: str, why: str) -> None:
        """Remove an entry ``load`` cannot use (the caller recomputes it), with a one-line warning."""
        print(f"warning: cache entry {self._path(key)} discarded: {why}; recomputing", file=sys.stderr)
        self._path(key).unlink(missing_ok=True)
        return None

    def load_or_compute(self, key: str, about: dict | None, compute) -> dict[str, np.ndarray]:
        """The entry under ``key`` when ``load`` accepts it, else ``compute()``'s arrays, saved under ``key``."""
        arrays = self.load(key, about)
        if arrays is None:
            arrays = compute()
            self.save(key, arrays, about)
        return arrays

    def save(self, key: str, arrays: dict[str, np.ndarray], about: dict | None = None) -> None:
        if self.root is None:
            return
        arrays = {name: np.asarray(a) for name, a in arrays.items()}
        meta = np.frombuffer(json.dumps(_describe(key, about, arrays)).encode(), dtype=np.uint8)

        def write(tmp):
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays, **{META: meta})

        atomic_save(self._path(key), write)
