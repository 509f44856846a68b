"""Streaming a desk log (see `sources.logs`) through DuckDB: the file stays a SQL source, so a
10-million-row export never passes through Python row by row and unmapped columns (BSN, names)
never enter a table. `prepare` builds the SQL; `Workspace.add_log` runs it in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from wijkloket.ages import sql_case
from wijkloket.errors import ConfigError, InputFileError
from wijkloket.sources.files import check_file, first_undecodable
from wijkloket.sources.logs import (
    DEFAULT_DATE_FORMATS,
    IDENTIFYING_ROLES,
    PC4_RE,
    PC6_RE,
    STORED_ROLES,
    TIME_SUFFIXES,
    LogImport,
    Mapping,
    csv_columns,
    excel_frame,
    sniff_csv,
    synonyms,
)
from wijkloket.sources.personal import column_kind, eleven_test, redact


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def open_source(con: duckdb.DuckDBPyConnection, path: Path, mapping: Mapping, sheet: str | None, tmp_dir: Path
                ) -> tuple[str, list[str], str, int, Path | None]:
    """The file as a SQL source that DuckDB streams (nothing is materialised, so unmapped
    columns such as BSN never enter a table). Returns (source, columns, encoding, offset, temp file):
    a record's line or row number in the file is its row number + offset - 1. A temporary UTF-8 copy
    (in `tmp_dir`) is removed here when opening fails, else by `Prepared.close`."""
    check_file(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        frame, offset = excel_frame(path, sheet)
        con.register("_xlsx", frame)
        return "_xlsx", list(frame.columns), "xlsx", offset, None
    if path.stat().st_size == 0:
        raise InputFileError("error.file_empty", file=str(path))
    try:
        enc, delim, src = sniff_csv(path, mapping, tmp_dir)
    except InputFileError as exc:
        raise _encoding_error(exc, mapping) from None
    try:
        columns = csv_columns(src, delim, enc)
        cols_sql = "{" + ", ".join(f"'{c.replace(chr(39), chr(39) * 2)}': 'VARCHAR'" for c in columns) + "}"
        source = (f"read_csv('{str(src).replace(chr(39), chr(39) * 2)}', delim='{delim.replace(chr(39), chr(39) * 2)}',"
                  f" header=true, encoding='{enc}', quote='\"', escape='\"', null_padding=true, auto_detect=false, "
                  f"columns={cols_sql})")
        try:
            con.execute(f"SELECT count(*) FROM (SELECT * FROM {source} LIMIT 10)")
        except duckdb.Error as exc:
            raise _read_error(exc, path, mapping, enc == "utf-8" and src == path) from None
    except InputFileError as exc:
        if src != path:
            src.unlink(missing_ok=True)
        raise _encoding_error(exc, mapping) from None
    except BaseException:
        if src != path:
            src.unlink(missing_ok=True)
        raise
    return (source, list(columns), "cp1252" if enc == "latin-1" or src != path else enc, 2,
            src if src != path else None)


def _read_error(exc: duckdb.Error, path: Path, mapping: Mapping, utf8: bool) -> InputFileError:
    """DuckDB's error reading the export: bytes that are not UTF-8 in a file read as UTF-8 name their
    line and byte (found by a chunked scan, on this path only); otherwise DuckDB's first line (the
    following lines quote the row, which may hold personal data)."""
    place = first_undecodable(path, "utf-8-sig") if utf8 and "unicode" in str(exc).lower() else None
    if place is not None:
        return InputFileError("error.log_encoding", mapping=str(mapping.path), file=str(path), encoding="utf-8",
                              line=place[0], byte=place[1])
    return InputFileError("error.csv_parse", file=str(path), detail=str(exc).splitlines()[0])


def _encoding_error(exc: InputFileError, mapping: Mapping) -> InputFileError:
    """An export that does not decode: its fix is the mapping's [file] encoding (desk logs have no --encoding)."""
    if exc.code != "error.file_encoding":
        return exc
    return InputFileError("error.log_encoding", mapping=str(mapping.path), **exc.params)


def _best_format(con: duckdb.DuckDBPyConnection, source: str, expr: str, candidates: list[str]
                 ) -> tuple[list[str], str | None]:
    """The format that reads most of a sample of `expr` and its date-only variant (for rows without a
    time), and the first value of the sample when no format reads any of it (else None). One format
    per file keeps parsing fast and unambiguous."""
    # The sample stays in DuckDB (inserting it row by row from Python took 0.3 s).
    con.execute(f"CREATE OR REPLACE TEMP TABLE _sample AS SELECT {expr} AS v FROM {source} "
                "WHERE v IS NOT NULL AND v <> '' LIMIT 2000")
    try:
        first = con.execute("SELECT v FROM _sample ORDER BY rowid LIMIT 1").fetchone()
        if first is None:
            return candidates[:1], None
        scores = con.execute("SELECT " + ", ".join(
            f"count(try_strptime(v, '{f}'))" for f in candidates) + " FROM _sample").fetchone()
    finally:
        con.execute("DROP TABLE IF EXISTS _sample")
    assert scores is not None
    best = candidates[max(range(len(candidates)), key=lambda i: (scores[i], -i))]
    date_only = best.split(" ")[0].split("T")[0]
    return [best] if date_only == best else [best, date_only], None if max(scores) else str(first[0])


def _mapped_formats(con: duckdb.DuckDBPyConnection, source: str, mapping: Mapping, key: str, expr: str,
                    candidates: list[str]) -> list[str]:
    """`_best_format` for a date column; a format the mapping sets (`key`) must be one DuckDB reads and
    must read at least one value of the file, else the mapping is wrong (an error naming file and key)."""
    fmt = getattr(mapping, key)
    if fmt is not None:
        try:
            con.execute(f"SELECT try_strptime('', '{fmt}')")
        except duckdb.Error:
            raise ConfigError("error.mapping_date_format", file=str(mapping.path), key=key, value=fmt) from None
    formats, unread = _best_format(con, source, expr, candidates)
    if fmt is not None and unread is not None:
        if key == "birth_date_format":  # a date of birth is personal: not shown
            raise ConfigError("error.mapping_birth_date_format_none", file=str(mapping.path), value=fmt,
                              column=mapping.columns["birth_date"])
        raise ConfigError("error.mapping_date_format_none", file=str(mapping.path), key=key, value=fmt,
                          column=mapping.columns["date"], example=redact(unread))
    return formats


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
    kept: list[str]  # the columns a file of rejected rows keeps: the mapped, non-identifying ones (STORED_ROLES)
    synthetic: bool
    select: str  # SELECT over the source: ts, product, status, location, age_band, pc, lookup, reason, fp, raw
    numbered: str  # SQL: the kept cells of every record with its record number (rid), for duplicates only
    kept_roles: dict[str, str]  # kept column -> the role it was mapped to (its cells are `_m_<role>` in `_c`)

    def close(self, con: duckdb.DuckDBPyConnection) -> None:
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)
        if self.source == "_xlsx":
            con.unregister("_xlsx")
        for t in ("_prod", "_stat", "_pc6", "_pc4", "_c"):
            con.execute(f"DROP TABLE IF EXISTS {t}")


def prepare(con: duckdb.DuckDBPyConnection, path: Path, mapping: Mapping, kind: str, secret: str,
            sheet: str | None = None, *, tmp_dir: Path, today: date | None = None) -> Prepared:
    """Open the export, check it against the mapping, scan the columns that will not be stored, and
    build the SQL that streams it: nothing of the file is materialised, so BSNs, names and dates of
    birth never enter a table. A temporary copy goes to `tmp_dir`; visits after `today` (default: the
    date today) are rejected."""
    source, cols, encoding, offset, temp = open_source(con, path, mapping, sheet, tmp_dir)
    try:
        role = mapping.columns
        absent = [f"{r} = '{c}'" for r, c in role.items() if c not in cols]
        if absent:
            raise InputFileError("error.mapping_column_absent", file=str(path), mapping=str(mapping.path),
                                 absent="; ".join(absent), found=", ".join(cols))
        _refuse_personal_roles(con, source, path, mapping)
        dropped, bsn_cols = _unstored_columns(con, source, cols, role)
        _lookup_tables(con, path, mapping)
        select = _events_select(con, source, mapping, kind, secret, today or date.today())
        synthetic = mapping.synthetic or _marked_synthetic(con, source, cols)
        identifying = {role[r] for r in IDENTIFYING_ROLES if r in role}
        stored = {role[r] for r in STORED_ROLES if r in role}
        kept = [c for c in cols if c in stored and c not in identifying]
        kept_roles = {c: next(r for r in STORED_ROLES if role.get(r) == c) for c in kept}
        numbered = ("SELECT row_number() OVER () AS rid, "
                    + ", ".join(f"{_quote(c)} AS {_quote(c)}" for c in kept) + f" FROM {source}")
        prep = Prepared(path, mapping, kind, source, cols, encoding, offset, temp, dropped,
                        bsn_cols, kept, synthetic, select, numbered, kept_roles)
        _parse(con, prep)
    except BaseException:
        if temp is not None:  # the transcoded copy of a Windows-1252 file
            temp.unlink(missing_ok=True)
        con.execute("DROP TABLE IF EXISTS _c")
        con.execute("DROP TABLE IF EXISTS _raw")
        raise
    return prep


def _parse(con: duckdb.DuckDBPyConnection, prep: Prepared) -> None:
    """The export read and checked once, in parallel, into the temp table `_c`: the event fields, the
    reason and the fingerprint of every record, and a rejected record's kept cells as read (the other
    rows' cells stay NULL, so nothing unstored and little else is held). Made before the import's
    transaction, so a row's rowid is its place in the file (rows made inside a transaction get
    provisional ids): the rejected rows need no second read of the file."""
    cells = "".join(f", CASE WHEN reason <> '' THEN {_quote('_m_' + r)} END AS {_quote('_m_' + r)}"
                    for r in dict.fromkeys(prep.kept_roles.values()))
    mapped = ", ".join(_quote(c) for c in dict.fromkeys(prep.mapping.columns.values()))
    body = prep.select.replace(f"FROM {prep.source})", "FROM _raw)", 1)
    assert body != prep.select
    # DuckDB cannot estimate a CSV's size before reading it (it guesses ~40 rows) and would build its
    # hash tables on the file; the joins are written with the small lookup tables on the build side,
    # so keep them as written (10M rows: 18 s -> 8 s, no spilling).
    con.execute("SET disabled_optimizers = 'build_side_probe_side,join_order'")
    con.execute("SET preserve_insertion_order = true")  # rowid = the record's place in the file
    try:
        # Two steps: a plain read keeps the file's order (its rowid is the record's place), the joins
        # after it do not, so the place is carried through them as a column.
        con.execute(f"CREATE OR REPLACE TEMP TABLE _raw AS SELECT {mapped} FROM {prep.source}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE _c AS SELECT rid, ts, product, status, location, age_band, pc, "
                    f"lookup, reason, fp{cells} FROM ({body})")
    except duckdb.InvalidInputException as exc:  # a CSV or encoding error further down than the first rows
        raise _read_error(exc, prep.path, prep.mapping, prep.temp is None and prep.encoding == "utf-8") from None
    finally:
        con.execute("DROP TABLE IF EXISTS _raw")
        con.execute("RESET disabled_optimizers")


def _sample(con: duckdb.DuckDBPyConnection, source: str, column: str, n: int = 2000) -> list[str]:
    """The first `n` non-empty values of `column`, trimmed."""
    return [r[0] for r in con.execute(
        f"SELECT trim({_quote(column)}) AS v FROM {source} WHERE v IS NOT NULL AND v <> '' LIMIT {n}").fetchall()]


def _refuse_personal_roles(con: duckdb.DuckDBPyConnection, source: str, path: Path, mapping: Mapping) -> None:
    """A role whose values are stored (location, product, status, ...) may not point at a column that
    holds personal data by its header or its values (names, BSNs, e-mail, phone numbers, dates of birth)."""
    for role in STORED_ROLES:
        column = mapping.columns.get(role)
        if column is None:
            continue
        kind = column_kind(column, _sample(con, source, column), dates_expected=role in ("date", "time"))
        if kind is not None:
            raise ConfigError("error.mapping_personal_column", file=str(path), mapping=str(mapping.path),
                              role=role, column=column, looks=[{"_key": f"personal.{kind}"}])


def _unstored_columns(con: duckdb.DuckDBPyConnection, source: str, cols: list[str], role: dict[str, str]
                      ) -> tuple[list[str], list[str]]:
    """(columns not stored, unmapped columns that look like BSNs)."""
    mapped = set(role.values())
    dropped = [c for c in cols if c not in mapped or c in {role.get(r) for r in IDENTIFYING_ROLES}]
    bsn_cols = []
    for c in cols:
        if c in mapped:
            continue
        sample = _sample(con, source, c)
        if sample and sum(eleven_test(v) for v in sample) >= 0.5 * len(sample):
            bsn_cols.append(c)
    return dropped, bsn_cols


def _lookup_tables(con: duckdb.DuckDBPyConnection, path: Path, mapping: Mapping) -> None:
    """Temp tables the events are joined with: product and status names, and the known postcodes."""
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


def _marked_synthetic(con: duckdb.DuckDBPyConnection, source: str, cols: list[str]) -> bool:
    """Whether a `Synthetisch` column says yes in the first 1000 rows."""
    synthetic = False
    for c in cols:
        if c.strip().lower() in ("synthetisch", "synthetic"):
            synthetic = synthetic or bool(con.execute(
                f"SELECT bool_or(lower(trim({_quote(c)})) IN ('ja', 'yes', 'true', '1')) FROM "
                f"(SELECT {_quote(c)} FROM {source} LIMIT 1000)").fetchone()[0])  # type: ignore[index]
    return synthetic


def _events_select(con: duckdb.DuckDBPyConnection, source: str, mapping: Mapping, kind: str, secret: str,
                   today: date) -> str:
    """SELECT over the source: ts, product, status, location, age_band, pc, lookup, reason, fp and the
    mapped columns as read (`_m_<role>`). A visit after `today` is rejected (`future_date`)."""
    q = {r: _quote(c) for r, c in mapping.columns.items()}
    if "time" in q:
        date_text = f"trim({q['date']}) || coalesce(' ' || nullif(trim({q['time']}), ''), '')"
    else:
        date_text = f"trim({q['date']})"
    date_fmts = [mapping.date_format] if mapping.date_format else list(DEFAULT_DATE_FORMATS)
    fmts = _mapped_formats(con, source, mapping, "date_format", date_text,
                           [f + s for s in TIME_SUFFIXES for f in date_fmts]
                           if "time" in q else [f + s for f in date_fmts for s in TIME_SUFFIXES])
    birth_expr = "NULL::TIMESTAMP"
    if "birth_date" in q:
        bd = [mapping.birth_date_format] if mapping.birth_date_format else list(DEFAULT_DATE_FORMATS)
        bfmts = _mapped_formats(con, source, mapping, "birth_date_format", f"trim({q['birth_date']})",
                                [f + s for f in bd for s in ("", " %H:%M:%S")])
        birth_expr = f"try_strptime(trim({q['birth_date']}), {bfmts!r})"
    status_key = f"lower(trim({q['status']}))" if "status" in q else "NULL"
    secret_sql = "'" + secret.replace("'", "''") + "'"
    kind_sql = "'" + kind + "'"
    # The mapped columns as read: a row's reason and fingerprint depend on these alone, which lets the
    # rejected rows be found again by their contents in a cheap numbered read.
    mapped_raw = "".join(f", {q[r]} AS {_quote('_m_' + r)}" for r in q)
    return f"""
        WITH raw AS (
            SELECT try_strptime({date_text}, {fmts!r}) AS ts,
                   lower(trim({q['product']})) AS prod_key,
                   upper(replace(replace(replace(coalesce({q['postcode']}, ''), ' ', ''), '-', ''), '.', '')) AS pc,
                   {status_key} AS st_key,
                   {f"nullif(trim({q['location']}), '')" if 'location' in q else 'NULL'} AS location,
                   {birth_expr} AS birth,
                   {f"trim({q['house_number']})" if 'house_number' in q else "''"} AS hn,
                   {f"trim({q['id']})" if 'id' in q else "''"} AS ext_id,
                   rowid + 1 AS rid  -- in `_raw` (see _parse): the record's place in the file
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
                    WHEN ts::DATE > DATE '{today.isoformat()}' THEN 'future_date'
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


def rejected_details(con: duckdb.DuckDBPyConnection, prep: Prepared, dup_counts: tuple[int, int]
                     ) -> tuple[pd.DataFrame, list[dict[str, Any]], dict[str, int], dict[str, int], list[str]]:
    """One numbered read of the file that keeps only the rejected rows, in the input's layout with
    identifying cells blanked. Returns them, the first problems, unknown product names, the count
    per reason, and the dates that rejected rows with a readable date add to the period."""
    has_dups = bool(dup_counts[0] or dup_counts[1])
    where = "reason <> '' OR fp IN (SELECT fp FROM _dups)" if has_dups else "reason <> ''"
    # The reasons and record numbers come from the parsed file (`_c`); a repeated row's cells are not
    # kept there (a repeat is only known after grouping): only then the file is read again, numbered.
    cells = ", ".join(f"{_quote('_m_' + r)} AS {_quote(c)}" for c, r in prep.kept_roles.items())
    frame = con.execute(
        f"SELECT {cells}, reason, rid, {'fp::VARCHAR' if has_dups else 'NULL'} AS fp, "
        f"ts::DATE::VARCHAR AS day FROM _c WHERE {where} ORDER BY rid").df()
    if has_dups:
        frame = _repeated_cells(con, prep, frame)
        # The first occurrence of a fingerprint is accepted, unless it was imported before.
        existing = set(con.execute("SELECT fp::VARCHAR AS fp FROM _dups WHERE existing").df()["fp"])
        dups = frame[frame["reason"] == ""].sort_values("rid").copy()
        accepted_first = ~dups["fp"].isin(existing) & ~dups["fp"].duplicated(keep="first")
        dups = dups[~accepted_first]
        dups["reason"] = ["duplicate_existing" if f in existing else "duplicate" for f in dups["fp"]]
        frame = pd.concat([frame[frame["reason"] != ""], dups]).sort_values("rid")
    local = frame[~frame["reason"].str.startswith("duplicate")]
    counts = {str(k): int(v) for k, v in local["reason"].value_counts().items()}
    dated = frame.loc[~frame["reason"].isin(["bad_date", "future_date"]), "day"].dropna()  # duplicates show overlap
    span = [str(d) for d in (dated.min(), dated.max()) if isinstance(d, str)]
    if frame.empty:
        return pd.DataFrame(), [], {}, counts, span
    role = prep.mapping.columns
    col_of = {"bad_date": role["date"], "future_date": role["date"], "unknown_product": role["product"],
              "unknown_status": role.get("status", ""), "invalid_postcode": role["postcode"],
              "postcode_outside": role["postcode"]}
    problems = []
    for _, r in frame[frame["reason"].isin(list(col_of))].head(5).iterrows():
        reason = str(r["reason"])
        value = redact(str(r[col_of[reason]]))
        if reason in ("bad_date", "future_date") and "time" in role:
            value = f"{value} {redact(str(r[role['time']]))}".strip()
        problems.append({"row": int(r["rid"]) + prep.offset - 1, "reason": reason, "column": col_of[reason],
                         "value": value})
    unk = frame.loc[frame["reason"] == "unknown_product", role["product"]]
    unknown = {redact(str(k)): int(v) for k, v in unk.value_counts().head(10).items()}
    # Only the mapped columns whose values are stored anyway, with any cell that looks like a BSN, an
    # e-mail address or a phone number (typed in the wrong column) redacted.
    out = frame[prep.kept].astype(object).apply(_redacted)
    out["reden_afwijzing"] = frame["reason"].to_numpy()
    out["rij"] = (frame["rid"] + prep.offset - 1).astype("int64").to_numpy()
    return out, problems, unknown, counts, span


def _redacted(column: pd.Series) -> pd.Series:
    """`column` with `redact` applied to its text cells, each distinct value checked once."""
    texts = {v: redact(v) for v in pd.unique(column) if isinstance(v, str)}
    return column.map(lambda v: texts.get(v, v) if isinstance(v, str) else v)


def _repeated_cells(con: duckdb.DuckDBPyConnection, prep: Prepared, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with the kept cells of its repeated rows (reason '', cells NULL in `_c`) read from the file."""
    ids = frame.loc[frame["reason"] == "", ["rid"]]
    if ids.empty:
        return frame
    con.register("_ids", ids)
    try:
        raw = con.execute(f"SELECT * FROM ({prep.numbered}) WHERE rid IN (SELECT rid FROM _ids)").df()
    finally:
        con.unregister("_ids")
    filled = frame.set_index("rid")
    filled.update(raw.set_index("rid")[prep.kept])
    return filled.reset_index()[frame.columns]


def insert_events(con: duckdb.DuckDBPyConnection, sid: int, prep: Prepared) -> None:
    """Pass 1: every accepted event, one row per area it falls in (split by address shares)."""
    # Row order does not matter here, and not keeping it lets DuckDB insert in parallel.
    # The file was read and checked into `_c` by `prepare`: this reads that table, not the file.
    con.execute("SET preserve_insertion_order = false")
    try:
        _insert(con, sid, prep)
    finally:
        con.execute("SET preserve_insertion_order = true")


def _insert(con: duckdb.DuckDBPyConnection, sid: int, prep: Prepared) -> None:
    con.execute(f"""
        INSERT INTO events
        SELECT {sid}, '{prep.kind}', c.fp, c.ts::DATE, year(c.ts), month(c.ts), isodow(c.ts), c.product,
               c.status, c.location, c.age_band, p.area_code, p.share, c.lookup
        FROM _c c
        JOIN postcodes p ON p.kind = c.lookup
             AND p.postcode = CASE WHEN c.lookup = 'pc6' THEN c.pc ELSE substr(c.pc, 1, 4) END
        WHERE c.reason = ''""")


def drop_duplicates(con: duckdb.DuckDBPyConnection, sid: int, kind: str) -> tuple[int, int]:
    """Remove the events of source `sid` imported before (same fingerprint in another source) and the
    repeats within the file (the first is kept). Returns (imported before, repeats); the temp table
    `_dups` lists their fingerprints for the numbered read."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _dups AS
        -- One event's rows have distinct areas (the same fingerprint means the same postcode, so the
        -- same areas): a repeat shows as an (event, area) pair more than once, a plain GROUP BY ... HAVING.
        WITH rep AS (SELECT DISTINCT fingerprint FROM events WHERE source_id = {sid}
                     GROUP BY fingerprint, area_code HAVING count(*) > 1),
             ex AS (SELECT DISTINCT fingerprint FROM events WHERE kind = '{kind}' AND source_id <> {sid}),
             cand AS (SELECT fingerprint FROM rep UNION SELECT fingerprint FROM ex)
        SELECT e.fingerprint AS fp, count(*) // count(DISTINCT e.area_code) AS n,
               e.fingerprint IN (SELECT fingerprint FROM ex) AS existing
        FROM events e
        WHERE e.source_id = {sid} AND e.fingerprint IN (SELECT fingerprint FROM cand)
        GROUP BY e.fingerprint""")
    dup_counts = con.execute(
        "SELECT coalesce(sum(n) FILTER (WHERE existing), 0), "
        "coalesce(sum(n - 1) FILTER (WHERE NOT existing), 0) FROM _dups").fetchone()
    assert dup_counts is not None
    if dup_counts[0] or dup_counts[1]:
        con.execute(f"DELETE FROM events WHERE source_id = {sid} AND fingerprint IN "
                    "(SELECT fp FROM _dups WHERE existing)")
        con.execute(f"""
            DELETE FROM events WHERE source_id = {sid}
              AND fingerprint IN (SELECT fp FROM _dups WHERE NOT existing)
              AND rowid NOT IN (SELECT min(rowid) FROM events WHERE source_id = {sid}
                                AND fingerprint IN (SELECT fp FROM _dups WHERE NOT existing)
                                GROUP BY fingerprint, area_code)""")
    return int(dup_counts[0]), int(dup_counts[1])


def count_import(con: duckdb.DuckDBPyConnection, sid: int, prep: Prepared, dup_counts: tuple[int, int]
                 ) -> LogImport:
    """Pass 2 (numbered): the rejected rows with their record numbers; the accepted events are counted
    in the store (the weights of one event's areas add up to 1)."""
    con.execute("SET disabled_optimizers = 'build_side_probe_side,join_order'")
    rejected_rows, problems, unknown, local, span = rejected_details(con, prep, dup_counts)
    con.execute("RESET disabled_optimizers")
    kept = con.execute(
        f"SELECT round(coalesce(sum(weight), 0)), min(event_date)::VARCHAR, max(event_date)::VARCHAR "
        f"FROM events WHERE source_id = {sid}").fetchone()
    assert kept is not None
    reasons = dict(local)
    if dup_counts[1]:
        reasons["duplicate"] = int(dup_counts[1])
    if dup_counts[0]:
        reasons["duplicate_existing"] = int(dup_counts[0])
    n = int(kept[0]) + sum(reasons.values())
    if n == 0:
        raise InputFileError("error.file_no_rows", file=str(prep.path))
    dates = [d for d in (kept[1], kept[2], *span) if d]
    return LogImport(
        rows_read=n, rows_accepted=n - sum(reasons.values()), rejected_by_reason=reasons,
        first_problems=problems, unknown_products=unknown, columns_dropped=prep.dropped,
        bsn_columns=prep.bsn_cols, period=(min(dates), max(dates)) if dates else None,
        encoding=prep.encoding, synthetic=prep.synthetic, rejected_rows=rejected_rows,
    )


def overlapping_periods(con: duckdb.DuckDBPyConnection, kind: str, sid: int, period: tuple[str, str] | None
                        ) -> list[dict[str, str]]:
    """Other sources of `kind` whose period overlaps `period` (file, from, to)."""
    rows = con.execute(
        "SELECT filename, json_extract_string(report, '$.period[0]'), "
        "json_extract_string(report, '$.period[1]') FROM sources WHERE kind = ? AND source_id <> ? "
        "AND json_extract_string(report, '$.period[1]') >= ? "
        "AND json_extract_string(report, '$.period[0]') <= ?",
        [kind, sid, period[0] if period else "9999", period[1] if period else "0000"],
    ).fetchall()
    return [{"file": r[0], "from": r[1], "to": r[2]} for r in rows]
