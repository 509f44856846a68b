"""Reading a postcode table (see `sources.postcodes` for the layouts) in DuckDB: normalise, check
and count per postcode (PC6 and PC4) and area, with each area's share of the postcode's addresses."""

from __future__ import annotations

from pathlib import Path

import duckdb

from wijkloket.errors import InputFileError
from wijkloket.sources.postcodes import PC4, PC6, PostcodeResult, detect_layout

REJECT_REASONS = ("invalid_postcode", "invalid_code", "other_gemeente", "invalid_addresses", "unknown_area")
"""Why a row of a postcode table is not kept (see the CASE below). `unknown_area`: a wijk or buurt that
the workspace's CBS data does not have (neither the area nor its wijk), so its events could be counted
nowhere."""


def read_postcodes(con: duckdb.DuckDBPyConnection, path: Path, gemeente: str) -> PostcodeResult:
    """The postcode table of `gemeente` from `path`, with the count of rejected rows per reason."""
    layout = detect_layout(path)
    src = f"read_csv(?, delim='{layout.sep}', header=true, all_varchar=true, encoding='{layout.encoding}')"
    syn = f', "{layout.synthetic}" AS syn' if layout.synthetic else ", NULL AS syn"
    if layout.name == "cbs_pc6hnr":
        sql = f"""
            SELECT upper(regexp_replace(coalesce("{layout.postcode}", ''), '\\s', '', 'g')) AS pc,
                   CASE WHEN regexp_full_match(trim("{layout.area}"), '[0-9]+')
                        THEN 'BU' || lpad(trim("{layout.area}"), 8, '0')
                        ELSE 'BU' || regexp_replace(upper(trim("{layout.area}")), '^BU', '') END AS area,
                   CASE WHEN regexp_full_match(trim("{layout.gemeente}"), '[0-9]+')
                        THEN 'GM' || lpad(trim("{layout.gemeente}"), 4, '0')
                        ELSE upper(trim("{layout.gemeente}")) END AS gm,
                   1.0 AS n
                   {syn}
            FROM {src}"""
    else:
        n_expr = f'try_cast(replace("{layout.addresses}", \',\', \'.\') AS DOUBLE)' \
            if layout.addresses else "1.0"
        sql = f"""
            SELECT upper(regexp_replace(coalesce("{layout.postcode}", ''), '\\s', '', 'g')) AS pc,
                   upper(trim("{layout.area}")) AS area,
                   'GM' || substr(upper(trim("{layout.area}")), 3, 4) AS gm,
                   {n_expr} AS n
                   {syn}
            FROM {src}"""
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _pc_raw AS {sql}", [str(path)])
    except duckdb.Error as exc:
        raise InputFileError("error.csv_parse", file=str(path), detail=str(exc).splitlines()[0]) from None
    area_re = "(BU\\d{4}[0-9A-Z]{4}|WK\\d{4}[0-9A-Z]{2})"
    unknown = ""
    if _known_areas(con, gemeente):
        unknown = ("WHEN area NOT IN (SELECT code FROM _known) AND 'WK' || substr(area, 3, 6) NOT IN "
                   "(SELECT code FROM _known) THEN 'unknown_area'")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _pc AS
        SELECT pc, area, n, syn,
               CASE WHEN NOT (regexp_full_match(pc, '{PC6[1:-1]}') OR regexp_full_match(pc, '{PC4[1:-1]}'))
                         OR substr(pc, 5, 2) IN ('SA', 'SD', 'SS')  -- letter pairs PostNL does not issue
                        THEN 'invalid_postcode'
                    WHEN NOT regexp_full_match(area, '{area_re}') THEN 'invalid_code'
                    WHEN gm <> ? THEN 'other_gemeente'
                    WHEN n IS NULL OR n < 0 THEN 'invalid_addresses'
                    {unknown}
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
    unknown_codes = [str(r[0]) for r in con.execute(
        "SELECT DISTINCT area FROM _pc WHERE reason = 'unknown_area' ORDER BY area LIMIT 6").fetchall()]
    con.execute("DROP TABLE IF EXISTS _pc_raw; DROP TABLE IF EXISTS _pc; DROP TABLE IF EXISTS _known")
    if table.empty and unknown_codes:
        raise InputFileError("error.postcode_areas_unknown", file=str(path), n=reasons["unknown_area"],
                             codes=", ".join(unknown_codes[:5]) + (", …" if len(unknown_codes) > 5 else ""))
    if table.empty:
        raise InputFileError("error.postcode_none_for_gemeente", file=str(path), gemeente=gemeente)
    rejected = sum(reasons.values())
    return PostcodeResult(table, n, n - rejected, reasons, layout.name, layout.year, synthetic)


def _known_areas(con: duckdb.DuckDBPyConnection, gemeente: str) -> int:
    """Fill `_known` with the workspace's wijk and buurt codes of `gemeente` (any year) and the wijken of
    its buurten; returns how many. None known (no CBS data yet): nothing to check against."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _known AS
        SELECT DISTINCT area_code AS code FROM areas WHERE level IN ('wijk', 'buurt') AND gemeente_code = ?
        UNION SELECT DISTINCT 'WK' || substr(area_code, 3, 6) FROM areas WHERE level = 'buurt' AND gemeente_code = ?
        """, [gemeente, gemeente])
    rows = con.execute("SELECT count(*) FROM _known").fetchall()
    return int(rows[0][0]) if rows else 0
