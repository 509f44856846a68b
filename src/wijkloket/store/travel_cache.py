"""Travel distances computed once per set of inputs, kept as files beside the store
(`WORKSPACE/.cache/travel/<key>.npy`) so that reading a workspace never writes its database.

A cache file is written whole or not at all (a temporary file in the same folder, then `os.replace`),
so a concurrent reader sees the old file or the new one. A damaged file is ignored and written again;
a folder that cannot be written only costs the computation next time.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import numpy as np

from wijkloket.errors import WorkspaceError

CACHE_DIR = Path(".cache") / "travel"
_KEY = re.compile(r"[0-9A-Za-z_-]{1,128}")


def cache_dir(folder: Path) -> Path:
    return folder / CACHE_DIR


def _file(folder: Path, key: str) -> Path:
    if not _KEY.fullmatch(key):
        raise ValueError(f"travel cache key must be letters, digits, '-' or '_': {key!r}")
    return cache_dir(folder) / f"{key}.npy"


def load(folder: Path, key: str) -> np.ndarray | None:
    """The km matrix saved under `key`, or None when there is none or it cannot be read."""
    path = _file(folder, key)
    try:
        with path.open("rb") as fh:
            km = np.load(fh, allow_pickle=False)
    except Exception:  # noqa: BLE001 - a damaged file raises many kinds (ValueError, EOFError, TokenError, ...)
        return None
    if not isinstance(km, np.ndarray) or km.dtype != np.float64 or km.ndim != 2:
        return None
    return km


def save(folder: Path, key: str, km: np.ndarray) -> None:
    """Keep `km` (float64, demand x points) under `key`, readable by the owner only."""
    target = _file(folder, key)
    try:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # mkstemp creates the file with mode 0600 in the target's folder, so os.replace stays on one disk.
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=target.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, np.ascontiguousarray(km, dtype=np.float64), allow_pickle=False)
        os.replace(tmp, target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if not isinstance(exc, OSError):
            raise


def clear(folder: Path) -> None:
    """Remove every cached matrix, e.g. when the points or the road network are replaced. Unlike a
    failed save this is an error: a stale matrix would give wrong distances."""
    folder_ = cache_dir(folder)
    try:
        entries = list(folder_.iterdir())
    except FileNotFoundError:
        return
    except OSError:
        raise WorkspaceError("error.store_permission", folder=str(folder), file=str(folder_)) from None
    for entry in entries:
        if entry.suffix in (".npy", ".tmp"):
            try:
                entry.unlink(missing_ok=True)
            except OSError:
                raise WorkspaceError("error.store_permission", folder=str(folder), file=str(entry)) from None
