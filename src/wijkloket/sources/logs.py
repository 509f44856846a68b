"""Desk logs as municipalities export them: appointment logs (visits) and issuance lists.

CSV or XLSX, UTF-8 or Windows-1252, `;` or `,`, Dutch headers, dates like `03-01-2024` or
`2024-01-03 09:15`. A mapping file (TOML) says which column is which; product and status names
are normalised through built-in synonyms (`data/products.toml`) plus the mapping's own.

Privacy at the door: only the mapped, non-identifying fields reach the store. House number and
date of birth are used (age band, duplicate detection) and dropped; BSN, names, e-mail, phone and
every other unmapped column are never read into the store. The whole file is processed in DuckDB,
so a 10-million-row export never passes through Python row by row.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from wijkloket.errors import ConfigError, InputFileError
from wijkloket.sources.files import check_file, decode

REQUIRED_ROLES = ("date", "product", "postcode")
OPTIONAL_ROLES = ("time", "house_number", "status", "location", "birth_date", "id")
IDENTIFYING_ROLES = ("house_number", "birth_date", "id")
DEFAULT_DATE_FORMATS = ("%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%y", "%Y%m%d")
TIME_SUFFIXES = ("", " %H:%M", " %H:%M:%S", "T%H:%M:%S", " %H.%M")
AGE_BANDS = ("0-14", "15-24", "25-44", "45-64", "65+")
"""The CBS age bands, so that visits per 1000 residents of a band can use CBS population shares."""
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
    check_file(path)
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("error.toml_invalid", file=str(path), detail=str(exc)) from None
    except UnicodeDecodeError:
        raise InputFileError("error.file_encoding", file=str(path), encoding="utf-8", line=1, byte="?") from None
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
    """What the import did; the accepted events wait in the temp table `_events_new`."""

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
    header_offset: int = 2
    overlaps: list[dict[str, str]] = field(default_factory=list)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def eleven_test(value: str) -> bool:
    """The BSN eleven-test: 9 digits, 9*d1 + 8*d2 + ... + 2*d8 - d9 divisible by 11 (and not 0)."""
    if not re.fullmatch(r"\d{9}", value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:8], range(9, 1, -1), strict=True)) - int(value[8])
    return total % 11 == 0 and total != 0


def _sniff_csv(path: Path, mapping: Mapping) -> tuple[str, str, Path]:
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


def _excel_frame(path: Path, sheet: str | None) -> tuple[pd.DataFrame, int]:
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


def read_raw(con: duckdb.DuckDBPyConnection, path: Path, mapping: Mapping, sheet: str | None
             ) -> tuple[list[str], str, int]:
    """Load the file into the temp table `_raw` (all text). Returns (columns, encoding, offset):
    the file's line or row number of a record is its rowid + offset."""
    check_file(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        frame, offset = _excel_frame(path, sheet)
        con.register("_xlsx", frame)
        con.execute("CREATE OR REPLACE TEMP TABLE _raw AS SELECT * FROM _xlsx")
        con.unregister("_xlsx")
        return list(frame.columns), "xlsx", offset
    if path.stat().st_size == 0:
        raise InputFileError("error.file_empty", file=str(path))
    enc, delim, src = _sniff_csv(path, mapping)
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _raw AS SELECT * FROM read_csv(?, delim=?, header=true, "
            "all_varchar=true, encoding=?, quote='\"', escape='\"', null_padding=true, auto_detect=false, "
            "columns=?)",
            [str(src), delim, enc, _csv_columns(src, delim, enc)],
        )
    except duckdb.Error as exc:
        raise InputFileError("error.csv_parse", file=str(path), detail=str(exc).splitlines()[0]) from None
    finally:
        if src != path:
            src.unlink(missing_ok=True)
    cols = [r[0] for r in con.execute("DESCRIBE _raw").fetchall()]
    return cols, ("cp1252" if enc in ("latin-1",) or src != path else enc), 2


def _csv_columns(path: Path, delim: str, enc: str) -> dict[str, str]:
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


def import_log(con: duckdb.DuckDBPyConnection, path: Path, mapping: Mapping, kind: str, secret: str,
               sheet: str | None = None) -> LogImport:
    """Read, validate and normalise one log; leave accepted events in `_events_new` (one row per
    event and area) and the rejected rows' numbers in `_rejected`."""
    cols, encoding, offset = read_raw(con, path, mapping, sheet)
    n, first_rowid = con.execute("SELECT count(*), coalesce(min(rowid), 0) FROM _raw").fetchone()  # type: ignore[misc]
    n = int(n)
    offset -= int(first_rowid)  # rowids of a table made inside a transaction do not start at 0
    if n == 0:
        raise InputFileError("error.file_no_rows", file=str(path))
    role = mapping.columns
    absent = [f"{r} = '{c}'" for r, c in role.items() if c not in cols]
    if absent:
        raise InputFileError("error.mapping_column_absent", file=str(path), mapping=str(mapping.path),
                             absent="; ".join(absent), found=", ".join(cols))

    # Privacy scan of the columns that will not be stored.
    ident_names = set(synonyms()["meta"]["identifying_column_names"])
    mapped = set(role.values())
    dropped = [c for c in cols if c not in mapped or c in {role.get(r) for r in IDENTIFYING_ROLES}]
    bsn_cols = []
    for c in cols:
        if c in mapped:
            continue
        sample = [r[0] for r in con.execute(
            f"SELECT trim({_quote(c)}) FROM _raw WHERE {_quote(c)} IS NOT NULL AND trim({_quote(c)}) <> '' LIMIT 2000"
        ).fetchall()]
        if sample and sum(eleven_test(v) for v in sample) >= 0.5 * len(sample):
            bsn_cols.append(c)
    blank = sorted({c for c in cols if c.strip().lower() in ident_names or c in bsn_cols}
                   | {role[r] for r in IDENTIFYING_ROLES if r in role})

    # Synonyms: built-in, then the mapping's own.
    syn = synonyms()
    products = {**{k.lower(): v for k, v in syn["products"].items()}, **mapping.products}
    statuses = {**{k.lower(): v for k, v in syn["statuses"].items()}, **mapping.statuses}
    con.execute("CREATE OR REPLACE TEMP TABLE _prod (key VARCHAR, product VARCHAR)")
    con.executemany("INSERT INTO _prod VALUES (?, ?)", list(products.items()))
    con.execute("CREATE OR REPLACE TEMP TABLE _stat (key VARCHAR, status VARCHAR)")
    con.executemany("INSERT INTO _stat VALUES (?, ?)", list(statuses.items()))

    date_fmts = [mapping.date_format] if mapping.date_format else list(DEFAULT_DATE_FORMATS)
    fmts = [f + s for f in date_fmts for s in TIME_SUFFIXES]
    birth_fmts = [mapping.birth_date_format] if mapping.birth_date_format else fmts
    q = {r: _quote(c) for r, c in role.items()}
    def date_text_of(prefix: str = "") -> str:
        if "time" in q:
            return f"trim({prefix}{q['date']}) || coalesce(' ' || nullif(trim({prefix}{q['time']}), ''), '')"
        return f"trim({prefix}{q['date']})"

    date_text = date_text_of()
    status_key = f"lower(trim({q['status']}))" if "status" in q else "NULL"
    birth_expr = f"try_strptime(trim({q['birth_date']}), {birth_fmts!r})" if "birth_date" in q else "NULL::TIMESTAMP"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _parsed AS
        SELECT rowid AS rid,
               try_strptime({date_text}, {fmts!r}) AS ts,
               lower(trim({q['product']})) AS prod_key,
               upper(regexp_replace(coalesce({q['postcode']}, ''), '[\\s.-]', '', 'g')) AS pc,
               {status_key} AS st_key,
               {f"nullif(trim({q['location']}), '')" if 'location' in q else 'NULL'} AS location,
               {birth_expr} AS birth,
               {f"trim({q['house_number']})" if 'house_number' in q else "''"} AS hn,
               {f"trim({q['id']})" if 'id' in q else "''"} AS ext_id
        FROM _raw""")
    has_pc = con.execute("SELECT count(*) FROM postcodes").fetchone()[0]  # type: ignore[index]
    if not has_pc:
        raise InputFileError("error.no_postcodes", file=str(path))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _checked AS
        WITH pc6 AS (SELECT DISTINCT postcode FROM postcodes WHERE kind = 'pc6'),
             pc4 AS (SELECT DISTINCT postcode FROM postcodes WHERE kind = 'pc4'),
        j AS (
            SELECT p.*, pr.product,
                   CASE WHEN p.st_key IS NULL OR p.st_key = '' THEN 'attended' ELSE st.status END AS status,
                   CASE WHEN pc6.postcode IS NOT NULL THEN 'pc6'
                        WHEN pc4.postcode IS NOT NULL THEN 'pc4' END AS lookup
            FROM _parsed p
            LEFT JOIN _prod pr ON pr.key = p.prod_key
            LEFT JOIN _stat st ON st.key = p.st_key
            LEFT JOIN pc6 ON pc6.postcode = p.pc
            LEFT JOIN pc4 ON pc4.postcode = substr(p.pc, 1, 4)
        )
        SELECT *,
               CASE WHEN ts IS NULL THEN 'bad_date'
                    WHEN product IS NULL THEN 'unknown_product'
                    WHEN status IS NULL THEN 'unknown_status'
                    WHEN NOT (regexp_full_match(pc, '{PC6_RE[1:-1]}') OR regexp_full_match(pc, '{PC4_RE[1:-1]}'))
                         OR substr(pc, 5, 2) IN ('SA', 'SD', 'SS') THEN 'invalid_postcode'
                    WHEN lookup IS NULL THEN 'postcode_outside'
                    ELSE '' END AS reason,
               md5_number(? || '|' || ? || '|' || coalesce(strftime(ts, '%Y-%m-%d %H:%M'), '') || '|' ||
                          coalesce(product, prod_key, '') || '|' || pc || '|' || coalesce(hn, '') || '|' ||
                          coalesce(strftime(birth, '%Y-%m-%d'), '') || '|' || coalesce(location, '') || '|' ||
                          coalesce(status, '') || '|' || coalesce(ext_id, '')) AS fp
        FROM j""", [secret, kind])
    con.execute("""
        UPDATE _checked SET reason = 'duplicate' WHERE reason = '' AND rid IN (
            SELECT rid FROM (SELECT rid, row_number() OVER (PARTITION BY fp ORDER BY rid) AS k
                             FROM _checked WHERE reason = '') WHERE k > 1)""")
    con.execute("""
        UPDATE _checked SET reason = 'duplicate_existing' WHERE reason = '' AND fp IN (
            SELECT fingerprint FROM events WHERE kind = ?)""", [kind])
    reasons = dict(con.execute(
        "SELECT reason, count(*) FROM _checked WHERE reason <> '' GROUP BY reason").fetchall())
    col_of = {"bad_date": role["date"], "unknown_product": role["product"], "unknown_status": role.get("status", ""),
              "invalid_postcode": role["postcode"], "postcode_outside": role["postcode"]}
    first = con.execute(f"""
        SELECT c.rid + {offset} AS row_number, c.reason,
               CASE c.reason WHEN 'bad_date' THEN {date_text_of('r.')}
                             WHEN 'unknown_product' THEN r.{q['product']}
                             WHEN 'unknown_status' THEN {('r.' + q['status']) if 'status' in q else "''"}
                             WHEN 'invalid_postcode' THEN r.{q['postcode']}
                             WHEN 'postcode_outside' THEN r.{q['postcode']} ELSE '' END AS value
        FROM _checked c JOIN _raw r ON r.rowid = c.rid
        WHERE c.reason NOT IN ('', 'duplicate', 'duplicate_existing')
        ORDER BY c.rid LIMIT 5""").df()
    first_problems = [{"row": int(r.row_number), "reason": r.reason, "column": col_of.get(r.reason, ""),
                       "value": r.value} for r in first.itertuples()]
    unknown_products = dict(con.execute(f"""
        SELECT r.{q['product']}, count(*) FROM _checked c JOIN _raw r ON r.rowid = c.rid
        WHERE c.reason = 'unknown_product' GROUP BY 1 ORDER BY 2 DESC LIMIT 10""").fetchall())
    # The rejected rows as the user can fix and re-add them: original columns, identifying ones blanked.
    select_cols = ", ".join(("''" if c in blank else f"r.{_quote(c)}") + f" AS {_quote(c)}" for c in cols)
    rejected_rows = con.execute(f"""
        SELECT {select_cols}, c.reason AS reden_afwijzing, c.rid + {offset} AS rij
        FROM _checked c JOIN _raw r ON r.rowid = c.rid WHERE c.reason <> '' ORDER BY c.rid""").df()
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _events_new AS
        SELECT c.fp AS fingerprint, c.ts::DATE AS event_date, year(c.ts)::SMALLINT AS year,
               month(c.ts)::TINYINT AS month, isodow(c.ts)::TINYINT AS weekday, c.product, c.status,
               c.location,
               CASE WHEN c.age IS NULL OR c.age < 0 THEN NULL WHEN c.age < 15 THEN '0-14'
                    WHEN c.age < 25 THEN '15-24' WHEN c.age < 45 THEN '25-44' WHEN c.age < 65 THEN '45-64'
                    ELSE '65+' END AS age_band,
               p.area_code, p.share AS weight, c.lookup
        FROM (SELECT *, year(ts) - year(birth)
                        - CASE WHEN month(ts) * 100 + day(ts) < month(birth) * 100 + day(birth) THEN 1 ELSE 0 END
                        AS age FROM _checked WHERE reason = '') c
        JOIN postcodes p ON p.kind = c.lookup
             AND p.postcode = CASE WHEN c.lookup = 'pc6' THEN c.pc ELSE substr(c.pc, 1, 4) END
        WHERE c.reason = ''""")
    # The file's period: every row with a readable date, duplicates included (they show overlap).
    period = con.execute("SELECT min(ts)::DATE::VARCHAR, max(ts)::DATE::VARCHAR FROM _checked "
                         "WHERE reason IN ('', 'duplicate', 'duplicate_existing')").fetchone()
    accepted = n - sum(int(v) for v in reasons.values())
    synthetic = mapping.synthetic
    for c in cols:
        if c.strip().lower() in ("synthetisch", "synthetic"):
            synthetic = synthetic or bool(con.execute(
                f"SELECT bool_or(lower(trim({_quote(c)})) IN ('ja', 'yes', 'true', '1')) FROM _raw").fetchone()[0])  # type: ignore[index]
    for t in ("_parsed", "_prod", "_stat"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return LogImport(
        rows_read=n, rows_accepted=accepted, rejected_by_reason={str(k): int(v) for k, v in reasons.items()},
        first_problems=first_problems, unknown_products={str(k): int(v) for k, v in unknown_products.items()},
        columns_dropped=dropped, bsn_columns=bsn_cols,
        period=(period[0], period[1]) if period and period[0] else None, encoding=encoding,
        synthetic=synthetic, rejected_rows=rejected_rows, header_offset=offset,
    )
