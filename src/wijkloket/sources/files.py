"""Reading files as publishers ship them: existence, encodings, checksums, and the owner-only
temporary copies some inputs need (a transcoded export lives in the workspace's `.tmp/`, never beside
the input)."""

from __future__ import annotations

import codecs
import hashlib
import io
import itertools
import os
import tempfile
from collections.abc import Iterator
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


CHUNK = 1 << 22
"""Bytes read at a time when a file is scanned, hashed or transcoded: memory stays flat with the file's size."""
NOT_CP1252 = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x81, 0x8D, 0x8F, 0x90, 0x9D])
"""Bytes that no Windows-1252 text export holds: control characters other than tab, CR and LF, and the
five bytes Windows-1252 leaves unassigned."""
C1 = bytes(range(0x80, 0xA0))
"""The bytes where Windows-1252 differs from Latin-1 (euro sign, curly quotes, Š ...)."""


def _holds_any(path: Path, wanted: bytes) -> bool:
    """Whether the file holds any of the bytes in `wanted`, read in chunks (deleting every other byte with
    bytes.translate: far faster than a regex search)."""
    others = bytes(sorted(set(range(256)) - set(wanted)))
    return any(c.translate(None, others) for c in chunks(path))


def chunks(path: Path, size: int = CHUNK) -> Iterator[bytes]:
    with path.open("rb") as fh:
        yield from iter(lambda: fh.read(size), b"")


def sha256(path: Path) -> str:
    """The file's SHA-256, read in chunks (hashlib releases the GIL, so this can run in a thread)."""
    h = hashlib.sha256()
    for chunk in chunks(path):
        h.update(chunk)
    return h.hexdigest()


def detect_encoding(path: Path) -> str:
    """What `decode` would choose for the whole file, read in chunks: 'utf-16' (a BOM), 'utf-8' (with or
    without BOM), else 'cp1252' when every byte is Windows-1252 text; otherwise an error naming the line
    and byte where UTF-8 fails."""
    with path.open("rb") as fh:
        start = fh.read(2)
    if start in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    first = first_undecodable(path, "utf-8-sig")
    if first is None:
        return "utf-8"
    if not _holds_any(path, NOT_CP1252):
        return "cp1252"
    raise InputFileError("error.file_encoding", file=str(path), encoding="utf-8", line=first[0], byte=first[1])


def has_c1(path: Path) -> bool:
    """Whether the file holds a byte 0x80-0x9F (read in chunks)."""
    return _holds_any(path, C1)


def first_undecodable(path: Path, encoding: str) -> tuple[int, str] | None:
    """(line, byte) of the first bytes that do not decode as `encoding`, read in chunks; None if all do."""
    dec = codecs.getincrementaldecoder(encoding)()
    ascii_ok = codecs.lookup(encoding).name in ("utf-8", "utf-8-sig", "cp1252")  # ASCII reads as itself
    lines = 0  # newlines in the bytes fed so far
    for chunk in chunks(path):
        pending = dec.getstate()[0]
        if ascii_ok and not pending and chunk.isascii():
            lines += chunk.count(b"\n")
            continue
        try:
            dec.decode(chunk)
        except UnicodeDecodeError as exc:
            return _error_place(exc, lines - pending.count(b"\n"))
        lines += chunk.count(b"\n")
    try:
        dec.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return _error_place(exc, lines - exc.object.count(b"\n"))
    return None


def _error_place(exc: UnicodeDecodeError, lines_before: int) -> tuple[int, str]:
    """(line, byte) of a decoding error in `exc.object`, after `lines_before` newlines."""
    data = exc.object
    pos = exc.start
    return lines_before + data[:pos].count(b"\n") + 1, f"0x{data[pos]:02x}" if pos < len(data) else "?"


def transcode(path: Path, encoding: str, out: Path) -> None:
    """Write `path` (in `encoding`) to `out` as UTF-8, in chunks; bytes that do not decode are an error
    naming the line and byte (Windows-1252's five unassigned bytes become U+FFFD, as Excel shows them)."""
    errors = "replace" if encoding == "cp1252" else "strict"
    dec = codecs.getincrementaldecoder(encoding)(errors=errors)
    lines = 0
    with out.open("w", encoding="utf-8", newline="") as fh:
        for chunk in itertools.chain(chunks(path), [b""]):
            pending = dec.getstate()[0]
            try:
                fh.write(dec.decode(chunk, final=not chunk))
            except UnicodeDecodeError as exc:
                line, byte = _error_place(exc, lines - pending.count(b"\n"))
                raise InputFileError("error.file_encoding", file=str(path), encoding=encoding, line=line,
                                     byte=byte) from None
            lines += chunk.count(b"\n")


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
