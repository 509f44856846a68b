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

import duckdb
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


def read_postcodes(con: duckdb.DuckDBPyConnection, path: Path, gemeente: str) -> PostcodeResult:
    check_file(path)
    cols, sep, enc = _header(path)
    lower = {c.lower(): c for c in cols}
    buurt_col = next((c for c in cols if re.fullmatch(r"(?i)buurt(code)?\d{0,4}", c)), None)
    encoding = "latin-1" if enc == "cp1252" else "utf-8"
    synthetic_col = lower.get("synthetisch") or lower.get("synthetic")
    src = f"read_csv(?, delim='{sep}', header=true, all_varchar=true, encoding='{encoding}')"
    if "pc6" in lower and buurt_col:
        gm_col = next((c for c in cols if re.fullmatch(r"(?i)gemeente(code)?\d{0,4}", c)), None)
        if gm_col is None:
            raise InputFileError("error.missing_columns", file=str(path), missing="Gemeente20xx",
                                 found=", ".join(cols), expected="PC6, Huisnummer, Buurt20xx, Gemeente20xx")
        year_m = re.search(r"(\d{4})", buurt_col)
        layout = "cbs_pc6hnr"
        sql = f"""
            SELECT upper(regexp_replace(coalesce("{lower['pc6']}", ''), '\\s', '', 'g')) AS pc,
                   CASE WHEN regexp_full_match(trim("{buurt_col}"), '[0-9]+')
                        THEN 'BU' || lpad(trim("{buurt_col}"), 8, '0')
                        ELSE 'BU' || regexp_replace(upper(trim("{buurt_col}")), '^BU', '') END AS area,
                   CASE WHEN regexp_full_match(trim("{gm_col}"), '[0-9]+')
                        THEN 'GM' || lpad(trim("{gm_col}"), 4, '0')
                        ELSE upper(trim("{gm_col}")) END AS gm,
                   1.0 AS n
                   {f', "{synthetic_col}" AS syn' if synthetic_col else ", NULL AS syn"}
            FROM {src}"""
        year = int(year_m.group(1)) if year_m else None
    elif "postcode" in lower and "area_code" in lower:
        layout = "plain"
        n_expr = f'try_cast(replace("{lower["addresses"]}", \',\', \'.\') AS DOUBLE)' \
            if "addresses" in lower else "1.0"
        sql = f"""
            SELECT upper(regexp_replace(coalesce("{lower['postcode']}", ''), '\\s', '', 'g')) AS pc,
                   upper(trim("{lower['area_code']}")) AS area,
                   'GM' || substr(upper(trim("{lower['area_code']}")), 3, 4) AS gm,
                   {n_expr} AS n
                   {f', "{synthetic_col}" AS syn' if synthetic_col else ", NULL AS syn"}
            FROM {src}"""
        year = None
    else:
        raise InputFileError("error.postcode_layout", file=str(path), found=", ".join(cols))
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _pc_raw AS {sql}", [str(path)])
    except duckdb.Error as exc:
        raise InputFileError("error.csv_parse", file=str(path), detail=str(exc).splitlines()[0]) from None
    area_re = "(BU\\d{4}[0-9A-Z]{4}|WK\\d{4}[0-9A-Z]{2})"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _pc AS
        SELECT pc, area, n, syn,
               CASE WHEN NOT (regexp_full_match(pc, '{PC6[1:-1]}') OR regexp_full_match(pc, '{PC4[1:-1]}'))
                         OR substr(pc, 5, 2) IN ('SA', 'SD', 'SS')  -- letter pairs PostNL does not issue
                        THEN 'invalid_postcode'
                    WHEN NOT regexp_full_match(area, '{area_re}') THEN 'invalid_code'
                    WHEN gm <> ? THEN 'other_gemeente'
                    WHEN n IS NULL OR n < 0 THEN 'invalid_addresses'
                    ELSE '' END AS reason
        FROM _pc_raw""", [gemeente])
    rows = con.execute("SELECT reason, count(*), bool_or(lower(coalesce(syn, '')) IN ('ja', 'yes', 'true', '1')) "
                       "FROM _pc GROUP BY reason").fetchall()
    n = sum(int(r[1]) for r in rows)
    if n == 0:
        raise InputFileError("error.file_no_rows", file=str(path))
    reasons = {str(r[0]): int(r[1]) for r in rows if r[0]}
    synthetic = any(bool(r[2]) for r in rows)
    table = con.execute("""
        WITH ok AS (SELECT pc, area, n FROM _pc WHERE reason = ''),
        pc6 AS (
            SELECT pc AS postcode, 'pc6' AS kind, area AS area_code, sum(n) AS addresses
            FROM ok WHERE length(pc) = 6 GROUP BY ALL
        ), pc4 AS (
            SELECT substr(pc, 1, 4) AS postcode, 'pc4' AS kind, area AS area_code, sum(n) AS addresses
            FROM ok GROUP BY ALL
        ), allpc AS (SELECT * FROM pc6 UNION ALL SELECT * FROM pc4)
        SELECT postcode, kind, area_code, addresses,
               addresses / sum(addresses) OVER (PARTITION BY kind, postcode) AS share
        FROM allpc ORDER BY kind DESC, postcode, area_code""").df()
    con.execute("DROP TABLE IF EXISTS _pc_raw; DROP TABLE IF EXISTS _pc")
    if table.empty:
        raise InputFileError("error.postcode_none_for_gemeente", file=str(path), gemeente=gemeente)
    rejected = sum(reasons.values())
    return PostcodeResult(table, n, n - rejected, reasons, layout, year, synthetic)
