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

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from wijkloket.errors import ConfigError, InputFileError
from wijkloket.sources.files import decode, read_text_file

REQUIRED_ROLES = ("date", "product", "postcode")
OPTIONAL_ROLES = ("time", "house_number", "status", "location", "birth_date", "id")
IDENTIFYING_ROLES = ("house_number", "birth_date", "id")
DEFAULT_DATE_FORMATS = ("%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%y", "%Y%m%d")
TIME_SUFFIXES = ("", " %H:%M", " %H:%M:%S", "T%H:%M:%S", " %H.%M")
REJECT_REASONS = ("bad_date", "unknown_product", "unknown_status", "invalid_postcode", "postcode_outside",
                  "duplicate", "duplicate_existing")
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
    return Mapping(
        path=path,
        columns={k: str(v) for k, v in cols.items()},
        products={str(k).strip().lower(): v for k, v in raw.get("products", {}).items()},
        statuses={str(k).strip().lower(): v for k, v in raw.get("statuses", {}).items()},
        encoding=f.get("encoding"), delimiter=f.get("delimiter"), date_format=f.get("date_format"),
        birth_date_format=f.get("birth_date_format"), synthetic=bool(f.get("synthetic", False)),
    )


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


def eleven_test(value: str) -> bool:
    """The BSN eleven-test: 9 digits, 9*d1 + 8*d2 + ... + 2*d8 - d9 divisible by 11 (and not 0)."""
    if not re.fullmatch(r"\d{9}", value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:8], range(9, 1, -1), strict=True)) - int(value[8])
    return total % 11 == 0 and total != 0


def sniff_csv(path: Path, mapping: Mapping) -> tuple[str, str, Path]:
    """(DuckDB encoding, delimiter, path to read). A Windows-1252 file with bytes that differ from
    Latin-1 (0x80-0x9F: €, curly quotes, Š ...) is transcoded to UTF-8 first."""
    data = path.read_bytes() if path.stat().st_size < 256 << 20 else None
    head = data[: 1 << 20] if data is not None else path.open("rb").read(1 << 20)
    if not head.strip():
        raise InputFileError("error.file_empty", file=str(path))
    if mapping.encoding:
        enc = mapping.encoding.lower().replace("_", "-")
        if enc in ("windows-1252", "cp-1252", "cp1252", "latin1", "latin-1", "iso-8859-1"):
            enc = "cp1252"
    else:
        cut = head.rsplit(b"\n", 1)[0] if len(head) == 1 << 20 else head
        _, enc = decode(cut, path)
    first = head.split(b"\n", 1)[0].decode("utf-8" if enc == "utf-8" else "cp1252", errors="replace")
    delim = mapping.delimiter or (";" if first.count(";") > first.count(",") else ",")
    if enc == "utf-8":
        return "utf-8", delim, path
    if enc != "cp1252":
        raise InputFileError("error.file_encoding", file=str(path), encoding=enc, line=1, byte="?")
    blob = data if data is not None else path.read_bytes()
    if re.search(rb"[\x80-\x9f]", blob) is None:
        return "latin-1", delim, path
    out = path.with_name(f".{path.name}.utf8.tmp")
    out.write_text(blob.decode("cp1252", errors="replace"), "utf-8")
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

    with path.open(encoding="utf-8" if enc == "utf-8" else "latin-1", newline="") as fh:
        header = next(csv.reader(fh, delimiter=delim), [])
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
