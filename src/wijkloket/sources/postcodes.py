"""Postcode -> area tables.

Two layouts:
- CBS "Buurt, wijk en gemeente per postcode en huisnummer" (pc6hnr): `;`-separated, columns like
  `PC6;Huisnummer;Buurt2023;Wijk2023;Gemeente2023`, codes written without prefix and leading
  zeros (`3630000` is BU03630000). One row per address; house numbers are only counted, never kept.
- A plain CSV `postcode,area_code` (PC6 or PC4), optionally with `addresses`.

Postcodes are normalised (`2011ab`, `2011 AB`, `2011AB` are one). The result holds, per postcode
(PC6 and PC4), each area it covers with its number of addresses and its share, so that a postcode
spanning several areas is allocated by address shares.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from wijkloket.errors import InputFileError
from wijkloket.sources.files import check_file, decode

PC6 = r"^[1-9][0-9]{3}[A-Z]{2}$"
PC4 = r"^[1-9][0-9]{3}$"


@dataclass
class PostcodeResult:
    table: pd.DataFrame  # postcode, kind, area_code, addresses, share
    rows_read: int
    rows_accepted: int
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    layout: str = ""
    year: int | None = None
    synthetic: bool = False


def _header(path: Path) -> tuple[list[str], str, str]:
    with path.open("rb") as fh:
        head = fh.read(65536)
    text, enc = decode(head.rsplit(b"\n", 1)[0] if b"\n" in head else head, path)
    first = text.splitlines()[0] if text.strip() else ""
    if not first:
        raise InputFileError("error.file_empty", file=str(path))
    sep = ";" if first.count(";") > first.count(",") else ","
    cols = [c.strip().strip('"') for c in first.split(sep)]
    return cols, sep, enc


@dataclass
class Layout:
    """Which of the two layouts a postcode file has, and which column plays which part."""

    name: str  # cbs_pc6hnr, plain
    sep: str
    encoding: str  # as DuckDB names it: utf-8, latin-1
    postcode: str
    area: str  # the buurt column (cbs_pc6hnr) or area_code (plain)
    gemeente: str | None = None  # cbs_pc6hnr only
    addresses: str | None = None  # plain only, optional
    synthetic: str | None = None
    year: int | None = None


def detect_layout(path: Path) -> Layout:
    """The file's layout from its header line; an error names the columns found and the ones expected."""
    check_file(path)
    cols, sep, enc = _header(path)
    lower = {c.lower(): c for c in cols}
    buurt_col = next((c for c in cols if re.fullmatch(r"(?i)buurt(code)?\d{0,4}", c)), None)
    encoding = "latin-1" if enc == "cp1252" else "utf-8"
    synthetic_col = lower.get("synthetisch") or lower.get("synthetic")
    if "pc6" in lower and buurt_col:
        gm_col = next((c for c in cols if re.fullmatch(r"(?i)gemeente(code)?\d{0,4}", c)), None)
        if gm_col is None:
            raise InputFileError("error.missing_columns", file=str(path), missing="Gemeente20xx",
                                 found=", ".join(cols), expected="PC6, Huisnummer, Buurt20xx, Gemeente20xx")
        year_m = re.search(r"(\d{4})", buurt_col)
        return Layout("cbs_pc6hnr", sep, encoding, lower["pc6"], buurt_col, gemeente=gm_col,
                      synthetic=synthetic_col, year=int(year_m.group(1)) if year_m else None)
    if "postcode" in lower and "area_code" in lower:
        return Layout("plain", sep, encoding, lower["postcode"], lower["area_code"],
                      addresses=lower.get("addresses"), synthetic=synthetic_col)
    raise InputFileError("error.postcode_layout", file=str(path), found=", ".join(cols))
