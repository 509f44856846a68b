"""The survey key: 32 random bytes from which the invitation codes and their stored hashes are made.

It lives in a file OUTSIDE the workspace (so the workspace alone never yields the codes): `--key FILE`,
else the file named by `$WIJKLOKET_SURVEY_KEY`, else `~/.config/wijkloket/sleutels/<gemeente>-<survey>.key`.
The file holds the key as 64 hex characters and a newline, readable by its owner only (0600).
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from wijkloket.errors import InputFileError

KEY_BYTES = 32
KEY_ENV = "WIJKLOKET_SURVEY_KEY"
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def key_path(gemeente: str, survey: str, given: Path | None) -> Path:
    """Where the key of `survey` of `gemeente` is: `given`, else `$WIJKLOKET_SURVEY_KEY`, else the
    user's config folder."""
    if given is not None:
        return Path(given).expanduser()
    env = os.environ.get(KEY_ENV)
    if env:
        return Path(env).expanduser()
    name = _SAFE.sub("_", f"{gemeente}-{survey}")
    return Path.home() / ".config" / "wijkloket" / "sleutels" / f"{name}.key"


def create_key(path: Path) -> bytes:
    """Make a new random key and write it to `path` (0600, its folder 0700 when new); never overwrites."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputFileError("error.survey_key_exists", file=str(path)) from None
    except OSError as exc:
        raise InputFileError("error.survey_key_write", file=str(path), detail=exc.strerror or str(exc)) from None
    key = secrets.token_bytes(KEY_BYTES)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key.hex() + "\n")
    os.chmod(path, 0o600)  # in case the umask or the file system changed the mode
    return key


def read_key(path: Path) -> bytes:
    """The key in `path`; a clear error when the file is missing or is not a key."""
    path = Path(path)
    try:
        text = path.read_text("ascii").strip()
    except FileNotFoundError:
        raise InputFileError("error.survey_key_missing", file=str(path)) from None
    except (OSError, UnicodeDecodeError):
        raise InputFileError("error.survey_key_invalid", file=str(path)) from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise InputFileError("error.survey_key_invalid", file=str(path))
    return key
