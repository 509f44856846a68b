"""Desk logs as municipalities export them: appointment logs (visits) and issuance lists.

CSV or XLSX, UTF-8 or Windows-1252, `;` or `,`, Dutch headers, dates like `03-01-2024` or
`2024-01-03 09:15`. A mapping file (TOML) says which column is which; product and status names
are normalised through built-in synonyms (`data/products.toml`) plus the mapping's own.

Privacy at the door: only the mapped, non-identifying fields reach the store. House number and
date of birth are used (age band, duplicate detection) and dropped; BSN, names, e-mail, phone and
every other unmapped column are never read into the store. The file is then streamed through
DuckDB by `store.log_import`, so a 10-million-row export never passes through Python row by row.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from wijkloket.errors import ConfigError, InputFileError
from wijkloket.sources.files import decode, private_temp, read_text_file
from wijkloket.sources.personal import eleven_test as eleven_test  # re-exported (sources.frame uses it)

REQUIRED_ROLES = ("date", "product", "postcode")
OPTIONAL_ROLES = ("time", "house_number", "status", "location", "birth_date", "id")
IDENTIFYING_ROLES = ("house_number", "birth_date", "id")
DEFAULT_DATE_FORMATS = ("%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%y", "%Y%m%d")
TIME_SUFFIXES = ("", " %H:%M", " %H:%M:%S", "T%H:%M:%S", " %H.%M")
STORED_ROLES = ("date", "time", "product", "postcode", "status", "location")
"""The roles whose values reach the store (and the file of rejected rows); the others are read and dropped."""
REJECT_REASONS = ("bad_date", "future_date", "unknown_product", "unknown_status", "invalid_postcode",
                  "postcode_outside", "duplicate", "duplicate_existing")
PC6_RE = "^[1-9][0-9]{3}[A-Z]{2}$"
PC4_RE = "^[1-9][0-9]{3}$"


@lru_cache(maxsize=1)
def synonyms() -> dict[str, Any]:
    return tomllib.loads(resources.files("wijkloket.data").joinpath("products.toml").read_text("utf-8"))


@dataclass
class Mapping:
    path: Path
    columns: dict[str, str]
    products: dict[str, str]
    statuses: dict[str, str]
    encoding: str | None = None
    delimiter: str | None = None
    date_format: str | None = None
    birth_date_format: str | None = None
    synthetic: bool = False
    sheet: str | None = None  # the workbook's sheet to read (the command's --sheet wins)

    @property
    def digest(self) -> str:
        """SHA-256 of what the mapping says (not of its path, comments or layout): part of what makes
        an import the same, so the same export with a corrected mapping is imported again."""
        content = {k: v for k, v in vars(self).items() if k != "path"}
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def load_mapping(path: Path) -> Mapping:
    text = read_text_file(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("error.toml_invalid", file=str(path), detail=str(exc)) from None
    known_sections = {"file", "columns", "products", "statuses"}
    for section in raw:
        if section not in known_sections:
            raise ConfigError("error.mapping_section", file=str(path), section=section,
                              known=", ".join(sorted(known_sections)))
    cols = raw.get("columns", {})
    missing = [r for r in REQUIRED_ROLES if not cols.get(r)]
    if missing:
        raise ConfigError("error.mapping_missing_role", file=str(path), roles=", ".join(missing))
    unknown = [r for r in cols if r not in REQUIRED_ROLES + OPTIONAL_ROLES]
    if unknown:
        raise ConfigError("error.mapping_unknown_role", file=str(path), role=unknown[0],
                          known=", ".join(REQUIRED_ROLES + OPTIONAL_ROLES))
    meta = synonyms()["meta"]
    for section, canon in (("products", meta["canonical_products"]), ("statuses", meta["canonical_statuses"])):
        for name, target in raw.get(section, {}).items():
            if target not in canon:
                raise ConfigError("error.mapping_bad_target", file=str(path), section=section, name=name,
                                  value=target, known=", ".join(canon))
    f = raw.get("file", {})
    _check_file_section(path, f)
    return Mapping(
        path=path,
        columns={k: str(v) for k, v in cols.items()},
        products={str(k).strip().lower(): v for k, v in raw.get("products", {}).items()},
        statuses={str(k).strip().lower(): v for k, v in raw.get("statuses", {}).items()},
        encoding=f.get("encoding"), delimiter=f.get("delimiter"), date_format=f.get("date_format"),
        birth_date_format=f.get("birth_date_format"), synthetic=bool(f.get("synthetic", False)),
        sheet=f.get("sheet"),
    )


FILE_KEYS = ("encoding", "delimiter", "date_format", "birth_date_format", "sheet", "synthetic")


def _check_file_section(path: Path, section: dict[str, Any]) -> None:
    """The [file] settings of a mapping, checked before any export is read: every key known, a
    delimiter of one character, an encoding Python knows, date formats with a year, a month and a day."""
    for key, value in section.items():
        if key not in FILE_KEYS:
            raise ConfigError("error.mapping_file_key", file=str(path), key=key, known=", ".join(FILE_KEYS))
        if key == "synthetic" and not isinstance(value, bool):
            raise ConfigError("error.mapping_file_value", file=str(path), key=key, value=repr(value),
                              expected="true / false")
        if key != "synthetic" and not isinstance(value, str):
            raise ConfigError("error.mapping_file_value", file=str(path), key=key, value=repr(value),
                              expected="tekst / text")
    delim = section.get("delimiter")
    if delim is not None and (len(delim) != 1 or delim in "\"\r\n" or delim.isalnum()):
        raise ConfigError("error.mapping_delimiter", file=str(path), value=delim)
    enc = section.get("encoding")
    if enc:
        try:
            codecs.lookup(enc.lower().replace("_", "-"))
        except LookupError:
            raise ConfigError("error.mapping_encoding", file=str(path), value=enc) from None
    for key in ("date_format", "birth_date_format"):
        fmt = section.get(key)
        if fmt is not None and not _date_format_ok(fmt):
            raise ConfigError("error.mapping_date_format", file=str(path), key=key, value=fmt)


def _date_format_ok(fmt: str) -> bool:
    """A strptime format with a year, a month and a day (or a day of the year), without quotes."""
    if any(c in fmt for c in "'\"\\"):
        return False
    directives = set(re.findall(r"%-?([A-Za-z%])", fmt))
    return bool(directives & {"Y", "y"}) and (bool(directives & {"j"}) or (
        bool(directives & {"m", "b", "B", "h"}) and bool(directives & {"d", "e"})))


@dataclass
class LogImport:
    """What the import of one export did."""

    rows_read: int
    rows_accepted: int
    rejected_by_reason: dict[str, int]
    first_problems: list[dict[str, Any]]
    unknown_products: dict[str, int]
    columns_dropped: list[str]
    bsn_columns: list[str]
    period: tuple[str, str] | None
    encoding: str
    synthetic: bool
    rejected_rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    overlaps: list[dict[str, str]] = field(default_factory=list)


CP1252_NAMES = ("windows-1252", "cp-1252", "cp1252", "latin1", "latin-1", "iso-8859-1", "iso8859-1")


def _declared_encoding(mapping: Mapping) -> str | None:
    """The mapping's encoding as wijkloket reads it: 'utf-8', 'cp1252' or another Python codec name."""
    if not mapping.encoding:
        return None
    enc = mapping.encoding.lower().replace("_", "-")
    if enc in CP1252_NAMES:
        return "cp1252"
    name = codecs.lookup(enc).name  # known: checked when the mapping was loaded
    return "utf-8" if name in ("utf-8", "utf-8-sig") else name


def sniff_csv(path: Path, mapping: Mapping, tmp_dir: Path) -> tuple[str, str, Path]:
    """(DuckDB encoding, delimiter, path to read). A Windows-1252 file with bytes that differ from
    Latin-1 (0x80-0x9F: €, curly quotes, Š ...), and a file in another encoding than UTF-8 or
    Windows-1252, are transcoded to a UTF-8 copy in `tmp_dir` (owner-only); the caller removes it."""
    data = path.read_bytes() if path.stat().st_size < 256 << 20 else None
    if data is not None:
        head = data[: 1 << 20]
    else:
        with path.open("rb") as fh:
            head = fh.read(1 << 20)
    if not head.strip():
        raise InputFileError("error.file_empty", file=str(path))
    enc = _declared_encoding(mapping)
    if enc is None:
        cut = head.rsplit(b"\n", 1)[0] if len(head) == 1 << 20 else head
        _, enc = decode(cut, path)
    first = head.split(b"\n", 1)[0].decode("utf-8" if enc == "utf-8" else "cp1252", errors="replace")
    delim = mapping.delimiter or (";" if first.count(";") > first.count(",") else ",")
    if enc == "utf-8":
        return "utf-8", delim, path
    blob = data if data is not None else path.read_bytes()
    if enc == "cp1252":
        if re.search(rb"[\x80-\x9f]", blob) is None:
            return "latin-1", delim, path
        text = blob.decode("cp1252", errors="replace")
    else:
        text, _ = decode(blob, path, enc)  # names the line and byte that do not decode
    out = private_temp(tmp_dir)
    try:
        with out.open("w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return "utf-8", delim, out


def excel_frame(path: Path, sheet: str | None) -> tuple[pd.DataFrame, int]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any openpyxl failure means an unreadable workbook
        raise InputFileError("error.xlsx_unreadable", file=str(path), detail=str(exc)) from None
    names = wb.sheetnames
    if sheet is None:
        if len(names) > 1:
            raise InputFileError("error.xlsx_sheets", file=str(path), sheets=", ".join(names))
        sheet = names[0]
    if sheet not in names:
        raise InputFileError("error.xlsx_sheet_missing", file=str(path), sheet=sheet, sheets=", ".join(names))
    rows = wb[sheet].iter_rows(values_only=True)
    header: list[str] | None = None
    header_row = 0
    body: list[list[str]] = []
    for i, row in enumerate(rows, start=1):
        cells = ["" if v is None else (v.isoformat(sep=" ") if hasattr(v, "isoformat") else
                                      (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)))
                 for v in row]
        if header is None:
            if any(c.strip() for c in cells):
                header = [c.strip() for c in cells]
                header_row = i
            continue
        if any(c.strip() for c in cells):
            body.append(cells[: len(header)] + [""] * (len(header) - len(cells)))
    wb.close()
    if header is None:
        raise InputFileError("error.file_empty", file=str(path))
    return pd.DataFrame(body, columns=header, dtype=object), header_row + 1


def csv_columns(path: Path, delim: str, enc: str) -> dict[str, str]:
    import csv

    try:
        with path.open(encoding="utf-8" if enc == "utf-8" else "latin-1", newline="") as fh:
            header = next(csv.reader(fh, delimiter=delim), [])
    except UnicodeDecodeError as exc:
        decode(path.read_bytes(), path, enc)  # raises with the line and byte that do not decode
        raise InputFileError("error.file_encoding", file=str(path), encoding=enc, line=1,
                             byte=f"0x{exc.object[exc.start]:02x}") from None
    except csv.Error as exc:
        raise InputFileError("error.csv_parse", file=str(path), detail=str(exc)) from None
    header = [h.lstrip("\ufeff").strip() for h in header]
    seen: dict[str, int] = {}
    out: dict[str, str] = {}
    for h in header:
        name = h or "kolom"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 0
        out[name] = "VARCHAR"
    return out
