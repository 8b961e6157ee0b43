"""Atomic file writes and the on-disk cache of finished runs (one .npz per configuration)."""

import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())


def atomic_save(path: Path, writer) -> None:
    """Atomically create ``path`` with ``writer(tmp_path)`` (for libraries that write to a filename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        writer(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RunCache:
    """Finished runs keyed by ``cache_key``; a missing or unreadable entry is simply recomputed."""

    def __init__(self, root: Path | None):
        self.root = Path(root) if root is not None else None

    def _path(self, key: str) -> Path:
        return self.root / f"{key}.npz"

    def load(self, key: str) -> dict[str, np.ndarray] | None:
        if self.root is None or not self._path(key).exists():
            return None
        try:
            with np.load(self._path(key)) as z:
                return {name: z[name] for name in z.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError):
            return None

    def save(self, key: str, arrays: dict[str, np.ndarray]) -> None:
        if self.root is None:
            return

        def write(tmp):
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)

        atomic_save(self._path(key), write)
