"""Reading files as publishers ship them: existence, encodings, checksums, and the owner-only
temporary copies some inputs need (a transcoded export lives in the workspace's `.tmp/`, never beside
the input)."""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import tempfile
from pathlib import Path

import pandas as pd

from wijkloket.errors import InputFileError

ENCODINGS = ("utf-8", "cp1252")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""How an old Excel workbook (.xls, Compound File Binary) starts; no input wijkloket reads does."""
TEMP_PREFIX = "wijkloket-copy-"
"""The name with which temporary copies of inputs start (so a copy left by a killed process can be found)."""


def check_file(path: Path) -> Path:
    if not path.exists():
        raise InputFileError("error.file_missing", file=str(path))
    if path.is_dir():
        raise InputFileError("error.file_is_dir", file=str(path))
    try:
        with path.open("rb") as fh:
            start = fh.read(len(OLE2_MAGIC))
    except OSError as exc:
        raise InputFileError("error.file_unreadable", file=str(path), detail=exc.strerror) from None
    if start == OLE2_MAGIC:
        raise InputFileError("error.file_old_excel", file=str(path))
    return path


def private_temp(folder: Path) -> Path:
    """A new empty file that only its owner can read (0o600) in `folder` (made owner-only, 0o700), for a
    temporary copy of an input. The caller removes it on every exit path; `remove_leftover_copies`
    removes what a killed process left."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".csv", dir=folder)
    os.close(fd)
    return Path(name)


def remove_leftover_copies(folder: Path) -> list[Path]:
    """Remove the temporary copies in `folder` (see `private_temp`); for a workspace opened by its one
    writer, so no other process is using them. Returns what was removed."""
    removed = []
    for p in folder.glob(TEMP_PREFIX + "*") if folder.is_dir() else []:
        p.unlink(missing_ok=True)
        removed.append(p)
    return removed


def read_text_file(path: Path) -> str:
    """A settings, mapping or rules file as UTF-8 text: a missing, unreadable or undecodable file is an
    error that names it (never a traceback)."""
    check_file(path)
    try:
        return path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise _decode_error(path.read_bytes(), path, "utf-8", exc) from None


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def decode(data: bytes, path: Path, encoding: str | None = None) -> tuple[str, str]:
    """Text and the encoding used. UTF-8 (with or without BOM) first, then Windows-1252, which
    is what Excel on Windows saves; anything else needs `--encoding`."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputFileError("error.encoding_unknown", file=str(path), encoding=encoding) from None
        try:
            return data.decode(encoding), encoding
        except UnicodeError as exc:
            raise _decode_error(data, path, encoding, exc) from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:  # a UTF-16 BOM on bytes that are not UTF-16
            raise _decode_error(data, path, "utf-16", exc) from None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        first = exc
    if b"\x00" not in data:
        try:
            text = data.decode("cp1252")
            if not any(ord(c) < 32 and c not in "\r\n\t" for c in text):
                return text, "cp1252"
        except UnicodeDecodeError:
            pass
    raise _decode_error(data, path, "utf-8", first) from None


def _decode_error(data: bytes, path: Path, encoding: str, exc: Exception) -> InputFileError:
    pos = getattr(exc, "start", 0)
    line = data[:pos].count(b"\n") + 1
    return InputFileError(
        "error.file_encoding", file=str(path), encoding=encoding, line=line,
        byte=f"0x{data[pos]:02x}" if pos < len(data) else "?",
    )


def read_csv_text(path: Path, encoding: str | None = None) -> tuple[pd.DataFrame, str]:
    """All cells as strings (nothing is guessed), separator sniffed from the header line."""
    check_file(path)
    text, used = decode(path.read_bytes(), path, encoding)
    if not text.strip():
        raise InputFileError("error.file_empty", file=str(path))
    header = text.splitlines()[0]
    sep = ";" if header.count(";") > header.count(",") else ","
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False,
            skipinitialspace=False,
        )
    except pd.errors.ParserError as exc:
        raise InputFileError("error.csv_parse", file=str(path), detail=str(exc)) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, used
