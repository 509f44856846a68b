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
from datetime import date, datetime, time
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from wijkloket.errors import ConfigError, InputFileError
from wijkloket.sources.files import decode, detect_encoding, has_c1, private_temp, read_text_file, transcode
from wijkloket.sources.personal import eleven_test as eleven_test  # re-exported (sources.frame uses it)
from wijkloket.sources.xlsx_errors import error_cells

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
    Windows-1252, are transcoded to a UTF-8 copy in `tmp_dir` (owner-only); the caller removes it.
    The file is read in chunks, never whole: memory does not grow with its size."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    if not head.strip():
        raise InputFileError("error.file_empty", file=str(path))
    enc = _declared_encoding(mapping) or detect_encoding(path)
    first = head.split(b"\n", 1)[0].decode("utf-8" if enc == "utf-8" else "cp1252", errors="replace")
    delim = mapping.delimiter or (";" if first.count(";") > first.count(",") else ",")
    if enc == "utf-8":
        return "utf-8", delim, path
    if enc == "cp1252" and not has_c1(path):
        return "latin-1", delim, path
    out = private_temp(tmp_dir)
    try:
        transcode(path, enc, out)  # names the line and byte that do not decode
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return "utf-8", delim, out


def _cell_text(value: object) -> str:
    """A workbook cell as the text a CSV export of it holds: dates and datetimes in ISO form (a date as
    midnight, as openpyxl read it), whole numbers without `.0` (postcodes, house numbers), the rest as str."""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return datetime.combine(value, time()).isoformat(sep=" ")
    if isinstance(value, time):
        return value.isoformat()
    return "" if value is None else str(value)


def _column_text(values: tuple[object, ...]) -> list[str]:
    """A column's cells as text; each distinct value converted once (dates and house numbers repeat)."""
    types = set(map(type, values))
    if types == {str}:
        return list(values)  # type: ignore[arg-type]  # checked: all str
    if bool in types and types & {int, float}:  # True == 1 == 1.0 as dict keys: convert each cell
        return [_cell_text(v) for v in values]
    text = {v: _cell_text(v) for v in dict.fromkeys(values)}
    return [text[v] for v in values]


def excel_frame(path: Path, sheet: str | None) -> tuple[pd.DataFrame, int]:
    """A sheet as text cells (python-calamine reads it): the first non-empty row is the header, empty
    rows are skipped. Returns the frame and the sheet row of its first body row (see open_source)."""
    from python_calamine import CalamineWorkbook

    try:
        with CalamineWorkbook.from_path(str(path)) as wb:
            names = list(wb.sheet_names)
            if sheet is None:
                if len(names) > 1:
                    raise InputFileError("error.xlsx_sheets", file=str(path), sheets=", ".join(names))
                sheet = names[0]
            if sheet not in names:
                raise InputFileError("error.xlsx_sheet_missing", file=str(path), sheet=sheet,
                                     sheets=", ".join(names))
            rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        for (r, c), text in error_cells(path, sheet).items():  # calamine reads #N/A as empty: put it back
            if r < len(rows) and c < len(rows[r]):
                rows[r][c] = text
    except InputFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - any calamine failure means an unreadable workbook
        raise InputFileError("error.xlsx_unreadable", file=str(path), detail=str(exc)) from None
    if not rows or not rows[0]:
        raise InputFileError("error.file_empty", file=str(path))
    columns = [_column_text(c) for c in zip(*rows, strict=True)]
    blank = [i for i, v in enumerate(columns[0]) if not v.strip()]  # a blank row is blank in column 1 too
    for column in columns[1:]:
        blank = [i for i in blank if not column[i].strip()]
    skip = set(blank)
    first = next((i for i in range(len(rows)) if i not in skip), None)
    if first is None:
        raise InputFileError("error.file_empty", file=str(path))
    header = [c[first].strip() for c in columns]
    if not any(i > first for i in blank):
        body = [c[first + 1:] for c in columns]
    else:
        keep = [i for i in range(first + 1, len(rows)) if i not in skip]
        body = [[c[i] for i in keep] for c in columns]
    frame = pd.DataFrame(dict(enumerate(body)), dtype=object)
    frame.columns = header
    return frame, first + 2


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
