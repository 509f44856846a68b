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

from wijkloket.ages import sql_case
from wijkloket.errors import ConfigError, InputFileError
from wijkloket.sources.files import check_file, decode

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


def open_source(con: duckdb.DuckDBPyConnection, path: Path, mapping: Mapping, sheet: str | None
                ) -> tuple[str, list[str], str, int, Path | None]:
    """The file as a SQL source that DuckDB streams (nothing is materialised, so unmapped
    columns such as BSN never enter a table). Returns (source, columns, encoding, offset, temp file):
    a record's line or row number in the file is its row number + offset - 1."""
    check_file(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        frame, offset = _excel_frame(path, sheet)
        con.register("_xlsx", frame)
        return "_xlsx", list(frame.columns), "xlsx", offset, None
    if path.stat().st_size == 0:
        raise InputFileError("error.file_empty", file=str(path))
    enc, delim, src = _sniff_csv(path, mapping)
    columns = _csv_columns(src, delim, enc)
    cols_sql = "{" + ", ".join(f"'{c.replace(chr(39), chr(39) * 2)}': 'VARCHAR'" for c in columns) + "}"
    source = (f"read_csv('{str(src).replace(chr(39), chr(39) * 2)}', delim='{delim}', header=true, "
              f"encoding='{enc}', quote='\"', escape='\"', null_padding=true, auto_detect=false, columns={cols_sql})")
    try:
        con.execute(f"SELECT count(*) FROM (SELECT * FROM {source} LIMIT 10)")
    except duckdb.Error as exc:
        raise InputFileError("error.csv_parse", file=str(path), detail=str(exc).splitlines()[0]) from None
    return (source, list(columns), "cp1252" if enc == "latin-1" or src != path else enc, 2,
            src if src != path else None)


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


def _best_format(con: duckdb.DuckDBPyConnection, source: str, expr: str, candidates: list[str]) -> list[str]:
    """The format that reads most of a sample of `expr`, and its date-only variant (for rows
    without a time). One format per file keeps parsing fast and unambiguous."""
    sample = [r[0] for r in con.execute(
        f"SELECT {expr} AS v FROM {source} WHERE v IS NOT NULL AND v <> '' LIMIT 2000").fetchall()]
    if not sample:
        return candidates[:1]
    con.execute("CREATE OR REPLACE TEMP TABLE _sample (v VARCHAR)")
    con.executemany("INSERT INTO _sample VALUES (?)", [(v,) for v in sample])
    scores = con.execute("SELECT " + ", ".join(
        f"count(try_strptime(v, '{f}'))" for f in candidates) + " FROM _sample").fetchone()
    con.execute("DROP TABLE _sample")
    assert scores is not None
    best = candidates[max(range(len(candidates)), key=lambda i: (scores[i], -i))]
    date_only = best.split(" ")[0].split("T")[0]
    return [best] if date_only == best else [best, date_only]


@dataclass
class Prepared:
    """One export, opened and checked, with the SQL to stream it."""

    path: Path
    mapping: Mapping
    kind: str
    source: str
    cols: list[str]
    encoding: str
    offset: int
    temp: Path | None
    dropped: list[str]
    bsn_cols: list[str]
    synthetic: bool
    select: str  # SELECT over the source: ts, product, status, location, age_band, pc, lookup, reason, fp, raw
    rejected_select: str  # SQL that finds the rejected rows with their record numbers and original cells

    def close(self, con: duckdb.DuckDBPyConnection) -> None:
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)
        if self.source == "_xlsx":
            con.unregister("_xlsx")
        for t in ("_prod", "_stat", "_pc6", "_pc4"):
            con.execute(f"DROP TABLE IF EXISTS {t}")


def prepare(con: duckdb.DuckDBPyConnection, path: Path, mapping: Mapping, kind: str, secret: str,
            sheet: str | None = None) -> Prepared:
    """Open the export, check it against the mapping, scan the columns that will not be stored, and
    build the SQL that streams it: nothing of the file is materialised, so BSNs, names and dates of
    birth never enter a table."""
    source, cols, encoding, offset, temp = open_source(con, path, mapping, sheet)
    role = mapping.columns
    absent = [f"{r} = '{c}'" for r, c in role.items() if c not in cols]
    if absent:
        if temp is not None:
            temp.unlink(missing_ok=True)
        raise InputFileError("error.mapping_column_absent", file=str(path), mapping=str(mapping.path),
                             absent="; ".join(absent), found=", ".join(cols))
    q = {r: _quote(c) for r, c in role.items()}
    ident_names = set(synonyms()["meta"]["identifying_column_names"])
    mapped = set(role.values())
    dropped = [c for c in cols if c not in mapped or c in {role.get(r) for r in IDENTIFYING_ROLES}]
    bsn_cols = []
    for c in cols:
        if c in mapped:
            continue
        sample = [r[0] for r in con.execute(
            f"SELECT trim({_quote(c)}) AS v FROM {source} WHERE v IS NOT NULL AND v <> '' LIMIT 2000").fetchall()]
        if sample and sum(eleven_test(v) for v in sample) >= 0.5 * len(sample):
            bsn_cols.append(c)
    blank = sorted({c for c in cols if c.strip().lower() in ident_names or c in bsn_cols}
                   | {role[r] for r in IDENTIFYING_ROLES if r in role})

    syn = synonyms()
    products = {**{k.lower(): v for k, v in syn["products"].items()}, **mapping.products}
    statuses = {**{k.lower(): v for k, v in syn["statuses"].items()}, **mapping.statuses}
    con.execute("CREATE OR REPLACE TEMP TABLE _prod (key VARCHAR, product VARCHAR)")
    con.executemany("INSERT INTO _prod VALUES (?, ?)", list(products.items()))
    con.execute("CREATE OR REPLACE TEMP TABLE _stat (key VARCHAR, status VARCHAR)")
    con.executemany("INSERT INTO _stat VALUES (?, ?)", list(statuses.items()))
    if not con.execute("SELECT count(*) FROM postcodes").fetchone()[0]:  # type: ignore[index]
        raise InputFileError("error.no_postcodes", file=str(path))
    con.execute("CREATE OR REPLACE TEMP TABLE _pc6 AS SELECT DISTINCT postcode FROM postcodes WHERE kind = 'pc6'")
    con.execute("CREATE OR REPLACE TEMP TABLE _pc4 AS SELECT DISTINCT postcode FROM postcodes WHERE kind = 'pc4'")

    def date_text_of(prefix: str = "") -> str:
        if "time" in q:
            return f"trim({prefix}{q['date']}) || coalesce(' ' || nullif(trim({prefix}{q['time']}), ''), '')"
        return f"trim({prefix}{q['date']})"

    date_text = date_text_of()
    date_fmts = [mapping.date_format] if mapping.date_format else list(DEFAULT_DATE_FORMATS)
    fmts = _best_format(con, source, date_text, [f + s for s in TIME_SUFFIXES for f in date_fmts]
                        if "time" in q else [f + s for f in date_fmts for s in TIME_SUFFIXES])
    birth_expr = "NULL::TIMESTAMP"
    if "birth_date" in q:
        bd = [mapping.birth_date_format] if mapping.birth_date_format else list(DEFAULT_DATE_FORMATS)
        bfmts = _best_format(con, source, f"trim({q['birth_date']})", [f + s for f in bd for s in ("", " %H:%M:%S")])
        birth_expr = f"try_strptime(trim({q['birth_date']}), {bfmts!r})"
    status_key = f"lower(trim({q['status']}))" if "status" in q else "NULL"
    secret_sql = "'" + secret.replace("'", "''") + "'"
    kind_sql = "'" + kind + "'"

    # The mapped columns as read: a row's reason and fingerprint depend on these alone, which lets the
    # rejected rows be found again by their contents in a cheap numbered read.
    mapped_raw = "".join(f", {q[r]} AS {_quote('_m_' + r)}" for r in role)

    def select() -> str:
        return f"""
        WITH raw AS (
            SELECT try_strptime({date_text}, {fmts!r}) AS ts,
                   lower(trim({q['product']})) AS prod_key,
                   upper(replace(replace(replace(coalesce({q['postcode']}, ''), ' ', ''), '-', ''), '.', '')) AS pc,
                   {status_key} AS st_key,
                   {f"nullif(trim({q['location']}), '')" if 'location' in q else 'NULL'} AS location,
                   {birth_expr} AS birth,
                   {f"trim({q['house_number']})" if 'house_number' in q else "''"} AS hn,
                   {f"trim({q['id']})" if 'id' in q else "''"} AS ext_id
                   {mapped_raw}
            FROM {source}),
        j AS (
            SELECT r.*, pr.product,
                   CASE WHEN r.st_key IS NULL OR r.st_key = '' THEN 'attended' ELSE st.status END AS status,
                   CASE WHEN _pc6.postcode IS NOT NULL THEN 'pc6' WHEN _pc4.postcode IS NOT NULL THEN 'pc4' END
                       AS lookup,
                   year(r.ts) - year(r.birth) - CASE WHEN month(r.ts) * 100 + day(r.ts)
                       < month(r.birth) * 100 + day(r.birth) THEN 1 ELSE 0 END AS age
            FROM raw r
            LEFT JOIN _prod pr ON pr.key = r.prod_key
            LEFT JOIN _stat st ON st.key = r.st_key
            LEFT JOIN _pc6 ON _pc6.postcode = r.pc
            LEFT JOIN _pc4 ON _pc4.postcode = substr(r.pc, 1, 4))
        SELECT *,
               CASE WHEN ts IS NULL THEN 'bad_date'
                    WHEN product IS NULL THEN 'unknown_product'
                    WHEN status IS NULL THEN 'unknown_status'
                    WHEN lookup = 'pc6' THEN ''  -- an exact match in the table: a valid postcode
                    WHEN NOT (regexp_full_match(pc, '{PC6_RE[1:-1]}') OR regexp_full_match(pc, '{PC4_RE[1:-1]}'))
                         OR substr(pc, 5, 2) IN ('SA', 'SD', 'SS') THEN 'invalid_postcode'
                    WHEN lookup IS NULL THEN 'postcode_outside'
                    ELSE '' END AS reason,
               {sql_case('age')} AS age_band,
               md5_number({secret_sql} || '|' || {kind_sql} || '|' || coalesce(epoch_ms(ts)::VARCHAR, '') || '|' ||
                          coalesce(product, prod_key, '') || '|' || pc || '|' || coalesce(hn, '') || '|' ||
                          coalesce(epoch_ms(birth)::VARCHAR, '') || '|' || coalesce(location, '') || '|' ||
                          coalesce(status, '') || '|' || coalesce(ext_id, '')) AS fp
        FROM j"""

    synthetic = mapping.synthetic
    for c in cols:
        if c.strip().lower() in ("synthetisch", "synthetic"):
            synthetic = synthetic or bool(con.execute(
                f"SELECT bool_or(lower(trim({_quote(c)})) IN ('ja', 'yes', 'true', '1')) FROM "
                f"(SELECT {_quote(c)} FROM {source} LIMIT 1000)").fetchone()[0])  # type: ignore[index]
    fields_r = ", ".join(("''" if c in blank else "r." + _quote(c)) + f" AS {_quote(c)}" for c in cols)
    on = " AND ".join(f"r.{q[r]} IS NOT DISTINCT FROM k.{_quote('_m_' + r)}" for r in role)
    keys = ", ".join(_quote("_m_" + r) for r in role)
    rejected = (f"CREATE OR REPLACE TEMP TABLE _rk AS SELECT DISTINCT {keys}, reason, {{fp}} AS fp, "
                f"ts::DATE::VARCHAR AS day FROM ({select()}) WHERE {{where}};\n"
                f"WITH r AS (SELECT row_number() OVER () AS rid, * FROM {source}) "
                f"SELECT {fields_r}, k.reason, r.rid, k.fp, k.day FROM r JOIN _rk k ON {on}")
    return Prepared(path, mapping, kind, source, cols, encoding, offset, temp, dropped,
                    bsn_cols, synthetic, select(), rejected)


def rejected_details(con: duckdb.DuckDBPyConnection, prep: Prepared, dup_counts: tuple[int, int]
                     ) -> tuple[pd.DataFrame, list[dict[str, Any]], dict[str, int], dict[str, int], list[str]]:
    """One numbered read of the file that keeps only the rejected rows, in the input's layout with
    identifying cells blanked. Returns them, the first problems, unknown product names, the count
    per reason, and the dates that rejected rows with a readable date add to the period."""
    has_dups = bool(dup_counts[0] or dup_counts[1])
    where = "reason <> '' OR fp IN (SELECT fp FROM _dups)" if has_dups else "reason <> ''"
    # Two reads: a parallel one finds the distinct contents of the rejected rows, a numbered one
    # (serial, but only reading and comparing) finds where they are in the file.
    make_keys, numbered = prep.rejected_select.split(";\n")
    # The fingerprint (an md5 per row) is only needed to find duplicates.
    con.execute(make_keys.replace("{where}", where).replace("{fp}", "fp::VARCHAR" if has_dups else "NULL"))
    frame = con.execute(numbered).df()
    con.execute("DROP TABLE IF EXISTS _rk")
    if has_dups:
        # The first occurrence of a fingerprint is accepted, unless it was imported before.
        existing = set(con.execute("SELECT fp::VARCHAR AS fp FROM _dups WHERE existing").df()["fp"])
        dups = frame[frame["reason"] == ""].sort_values("rid").copy()
        accepted_first = ~dups["fp"].isin(existing) & ~dups["fp"].duplicated(keep="first")
        dups = dups[~accepted_first]
        dups["reason"] = ["duplicate_existing" if f in existing else "duplicate" for f in dups["fp"]]
        frame = pd.concat([frame[frame["reason"] != ""], dups]).sort_values("rid")
    local = frame[~frame["reason"].str.startswith("duplicate")]
    counts = {str(k): int(v) for k, v in local["reason"].value_counts().items()}
    dated = frame.loc[frame["reason"] != "bad_date", "day"].dropna()  # duplicates too: they show overlap
    span = [str(d) for d in (dated.min(), dated.max()) if isinstance(d, str)]
    if frame.empty:
        return pd.DataFrame(), [], {}, counts, span
    role = prep.mapping.columns
    col_of = {"bad_date": role["date"], "unknown_product": role["product"], "unknown_status": role.get("status", ""),
              "invalid_postcode": role["postcode"], "postcode_outside": role["postcode"]}
    problems = []
    for _, r in frame[frame["reason"].isin(list(col_of))].head(5).iterrows():
        reason = str(r["reason"])
        value = str(r[col_of[reason]])
        if reason == "bad_date" and "time" in role:
            value = f"{value} {r[role['time']]}".strip()
        problems.append({"row": int(r["rid"]) + prep.offset - 1, "reason": reason, "column": col_of[reason],
                         "value": value})
    unk = frame.loc[frame["reason"] == "unknown_product", role["product"]]
    unknown = {str(k): int(v) for k, v in unk.value_counts().head(10).items()}
    out = frame[prep.cols].copy()
    out["reden_afwijzing"] = frame["reason"].to_numpy()
    out["rij"] = (frame["rid"] + prep.offset - 1).astype("int64").to_numpy()
    return out, problems, unknown, counts, span
