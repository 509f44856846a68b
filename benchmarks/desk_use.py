"""Benchmark: import of a desk log (`add visits`) plus the usage aggregate, against the FAIR floor.

Per size (`--rows`, default 1M, 3M and 10M), each variant in its own process (peak memory is ru_maxrss
of that child):
  wijkloket: `ingest.add_log` + `desk_use` on a fresh workspace (CBS and postcodes added before the clock);
  floor: hand-written DuckDB SQL doing the same work for this file's layout: the same date parsing,
      product/status synonyms, postcode normalisation and validation, address-share split, keyed
      fingerprints (same md5_number and key), duplicate removal, rejected rows with their line numbers,
      reasons and mapped cells (written as CSV), one persistent transaction into a DuckDB file, and the
      same aggregate (area, year, product, status, age band, exact sum of weights).
The floor's output is CHECKED EQUAL to the import's: accepted and rejected counts, the rejections
(line number, reason) and the aggregate. Target: wijkloket <= 1.3x the floor. The old comparisons (a
simple SQL join without validation, and pandas) are dropped: they did not do the same work.

    .venv/bin/python benchmarks/desk_use.py [--rows 1000000,3000000] [--tmp /tmp/somewhere]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

MAPPING = """
[file]
delimiter = ";"
encoding = "utf-8"
date_format = "%d-%m-%Y"
synthetic = true
[columns]
date = "Datum afspraak"
time = "Tijd"
product = "Product"
postcode = "Postcode"
house_number = "Huisnr"
status = "Status"
location = "Locatie"
birth_date = "Geboortedatum"
"""
PRODUCTS = ["Paspoort aanvragen", "Identiteitskaart aanvragen", "Rijbewijs aanvragen", "Reisdocument ophalen",
            "Rijbewijs ophalen", "Uittreksel BRP", "Verklaring omtrent gedrag (VOG)"]


def make_data(folder: Path, rows: int) -> tuple[Path, Path, Path]:
    """A synthetic 10M-row export (realistic layout) and a postcode table, written by DuckDB."""
    import duckdb

    log = folder / "afspraken_bench.csv"
    pcs = folder / "postcodes_bench.csv"
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("CREATE MACRO h(x) AS (hash(x) % 1000000007)::BIGINT")
    # 4000 PC6 in 200 PC4 over 21 wijken (2 buurten each); a few PC6 split over two buurten.
    con.execute(f"""
        COPY (
          WITH base AS (
              SELECT i, (2000 + i // 20)::VARCHAR || chr((65 + i % 20)::INTEGER)
                        || chr((66 + (i // 7) % 20)::INTEGER) AS pc,
                     'BU0392' || lpad((1 + (i // 200) % 21)::VARCHAR, 2, '0') AS wijk
              FROM range(4000) t(i))
          SELECT pc AS postcode, wijk || lpad((1 + i % 2)::VARCHAR, 2, '0') AS area_code,
                 CASE WHEN i % 97 = 0 THEN 5 ELSE 15 END AS addresses FROM base
          UNION ALL
          SELECT pc, wijk || '03', 10 FROM base WHERE i % 97 = 0)
        TO '{pcs}' (HEADER, DELIMITER ',')""")
    # About 0.2% rejected (bad and future dates, unknown products and statuses, invalid and outside
    # postcodes) and 0.1% repeated rows (row i repeats row i - 1).
    con.execute(f"""
        COPY (
          WITH r AS (SELECT j, CASE WHEN j % 1000 = 7 THEN j - 1 ELSE j END AS i FROM range({rows}) t(j))
          SELECT j AS Afspraaknummer,
                 CASE WHEN j % 2000 = 11 THEN '31-02-2024' WHEN j % 5000 = 13 THEN '01-01-2099'
                      ELSE strftime(DATE '2019-01-01' + (h(i) % 2555)::INTEGER, '%d-%m-%Y') END AS "Datum afspraak",
                 lpad((8 + h(i * 3) % 9)::VARCHAR, 2, '0') || ':' || lpad(((h(i * 5) % 6) * 10)::VARCHAR, 2, '0')
                   AS Tijd,
                 CASE WHEN j % 3000 = 17 THEN 'Kapvergunning'
                      ELSE {PRODUCTS!r}[1 + h(i * 7) % {len(PRODUCTS)}] END AS Product,
                 CASE WHEN j % 7000 = 19 THEN 'Zoekgeraakt' WHEN h(i * 11) % 20 = 0 THEN 'Niet verschenen'
                      WHEN h(i * 11) % 20 = 1 THEN 'Geannuleerd'
                      ELSE 'Afgerond' END AS Status,
                 'Stadhuis' AS Locatie,
                 (999990000 + h(i * 13) % 10000)::VARCHAR AS BSN,
                 'Jan Jansen' AS Naam,
                 strftime(DATE '1930-01-01' + (h(i * 17) % 32000)::INTEGER, '%d-%m-%Y') AS Geboortedatum,
                 CASE WHEN j % 2500 = 23 THEN '0123 AB' WHEN j % 4000 = 29 THEN '9999 ZZ'
                      ELSE (2000 + (h(i * 19) % 4000) // 20)::VARCHAR || ' ' ||
                           chr((65 + (h(i * 19) % 4000) % 20)::INTEGER)
                           || chr((66 + ((h(i * 19) % 4000) // 7) % 20)::INTEGER) END AS Postcode,
                 (1 + h(i * 23) % 200)::VARCHAR AS Huisnr
          FROM r ORDER BY j)
        TO '{log}' (HEADER, DELIMITER ';')""")
    mapping = folder / "bench.toml"
    mapping.write_text(MAPPING, "utf-8")
    return log, pcs, mapping


def run_wijkloket(log: Path, pcs: Path, mapping: Path, folder: Path) -> dict[str, object]:
    from wijkloket.config import data_dir
    from wijkloket.indicators.registry import default_registry
    from wijkloket.usecases import ingest, open_workspace
    from wijkloket.usecases.desk import desk_use

    ws_dir = folder / "ws"
    shutil.rmtree(ws_dir, ignore_errors=True)
    ingest.init_workspace(ws_dir, "GM0392")
    with open_workspace(ws_dir, write=True) as ws:
        ingest.add_cbs(ws, data_dir() / "cbs" / "kwb2024_gemeente_wijk_basis.csv", default_registry())
        ingest.add_postcodes(ws, pcs)
        t0 = time.perf_counter()
        rep = ingest.add_log(ws, log, mapping, "visit", max_rejected=100.0)
        t1 = time.perf_counter()
        res = desk_use(ws, "visit")
        t2 = time.perf_counter()
        agg = ws.event_counts("visit")
        rej = ws.con.execute("SELECT row_number, reason FROM rejections WHERE source_id = ? ORDER BY ALL",
                             [rep.add.outcome.source_id]).fetchall()
    return {"import_s": t1 - t0, "indicators_s": t2 - t1, "total_s": t2 - t0, "accepted": rep.add.rows_accepted,
            "rejected": dict(rep.add.rejected_by_reason or {}), "rows_out": len(res.table),
            "check": _check(agg.itertuples(index=False, name=None), rej)}


def _check(agg: object, rej: list[tuple[int, str]]) -> dict[str, object]:
    """What the two variants must agree on: the aggregate (rounded to 9 digits) and the rejections."""
    import hashlib

    rows = sorted(tuple(round(v, 9) if isinstance(v, float) else v for v in r) for r in agg)  # type: ignore[attr-defined]
    return {"aggregate": hashlib.sha256(repr(rows).encode()).hexdigest(), "groups": len(rows),
            "rejections": hashlib.sha256(repr(sorted(rej)).encode()).hexdigest(), "n_rejections": len(rej)}


FLOOR_SQL = r"""
CREATE TEMP TABLE raw0 AS SELECT "Datum afspraak", Tijd, Product, Postcode, Status, Locatie, Geboortedatum, Huisnr
    FROM {source};
CREATE TEMP TABLE c AS
WITH raw AS (
    SELECT rowid AS rid, try_strptime(trim("Datum afspraak") || coalesce(' ' || nullif(trim(Tijd), ''), ''),
                        ['%d-%m-%Y %H:%M', '%d-%m-%Y']) AS ts,
           lower(trim(Product)) AS prod_key,
           upper(replace(replace(replace(coalesce(Postcode, ''), ' ', ''), '-', ''), '.', '')) AS pc,
           lower(trim(Status)) AS st_key, nullif(trim(Locatie), '') AS location,
           try_strptime(trim(Geboortedatum), ['%d-%m-%Y']) AS birth, trim(Huisnr) AS hn,
           "Datum afspraak" AS c_date, Tijd AS c_time, Product AS c_prod, Postcode AS c_pc, Status AS c_stat,
           Locatie AS c_loc
    FROM raw0),
j AS (
    SELECT r.*, pr.product,
           CASE WHEN r.st_key IS NULL OR r.st_key = '' THEN 'attended' ELSE st.status END AS status,
           CASE WHEN p6.postcode IS NOT NULL THEN 'pc6' WHEN p4.postcode IS NOT NULL THEN 'pc4' END AS lookup,
           year(r.ts) - year(r.birth) - CASE WHEN month(r.ts) * 100 + day(r.ts)
               < month(r.birth) * 100 + day(r.birth) THEN 1 ELSE 0 END AS age
    FROM raw r LEFT JOIN prod pr ON pr.key = r.prod_key LEFT JOIN stat st ON st.key = r.st_key
    LEFT JOIN pc6 p6 ON p6.postcode = r.pc LEFT JOIN pc4 p4 ON p4.postcode = substr(r.pc, 1, 4)),
k AS (
    SELECT *, CASE WHEN ts IS NULL THEN 'bad_date' WHEN ts::DATE > current_date THEN 'future_date'
                   WHEN product IS NULL THEN 'unknown_product' WHEN status IS NULL THEN 'unknown_status'
                   WHEN lookup = 'pc6' THEN ''
                   WHEN NOT (regexp_full_match(pc, '[1-9][0-9]{{3}}[A-Z]{{2}}')
                             OR regexp_full_match(pc, '[1-9][0-9]{{3}}'))
                        OR substr(pc, 5, 2) IN ('SA', 'SD', 'SS') THEN 'invalid_postcode'
                   WHEN lookup IS NULL THEN 'postcode_outside' ELSE '' END AS reason
    FROM j)
SELECT rid, ts, product, status, location, {age_case} AS age_band, pc, lookup, reason,
       md5_number('{secret}' || '|visit|' || coalesce(epoch_ms(ts)::VARCHAR, '') || '|'
                  || coalesce(product, prod_key, '') || '|' || pc || '|' || coalesce(hn, '') || '|'
                  || coalesce(epoch_ms(birth)::VARCHAR, '') || '|'
                  || coalesce(location, '') || '|' || coalesce(status, '') || '|') AS fp,
       CASE WHEN reason <> '' THEN c_date END AS c_date, CASE WHEN reason <> '' THEN c_time END AS c_time,
       CASE WHEN reason <> '' THEN c_prod END AS c_prod, CASE WHEN reason <> '' THEN c_pc END AS c_pc,
       CASE WHEN reason <> '' THEN c_stat END AS c_stat, CASE WHEN reason <> '' THEN c_loc END AS c_loc
FROM k;
CREATE TEMP TABLE d AS
    SELECT fp, min(rid) AS first, count(*) AS n,
           fp IN (SELECT fingerprint FROM events WHERE kind = 'visit') AS existing
    FROM c WHERE reason = '' GROUP BY fp
    HAVING count(*) > 1 OR fp IN (SELECT fingerprint FROM events WHERE kind = 'visit');
INSERT INTO events
    SELECT 1, 'visit', c.fp, c.ts::DATE, year(c.ts), month(c.ts), isodow(c.ts), c.product, c.status, c.location,
           c.age_band, p.area_code, p.share, c.lookup
    FROM c JOIN postcodes p ON p.kind = c.lookup
         AND p.postcode = CASE WHEN c.lookup = 'pc6' THEN c.pc ELSE substr(c.pc, 1, 4) END
    LEFT JOIN d ON d.fp = c.fp
    WHERE c.reason = '' AND (d.fp IS NULL OR (NOT d.existing AND c.rid = d.first));
INSERT INTO rejections
    SELECT 1, rid + 2, '', '', reason FROM c WHERE reason <> ''
    UNION ALL
    SELECT 1, c.rid + 2, '', '', CASE WHEN d.existing THEN 'duplicate_existing' ELSE 'duplicate' END
    FROM c JOIN d ON d.fp = c.fp WHERE c.reason = '' AND (d.existing OR c.rid <> d.first);
"""


def run_floor(log: Path, pcs: Path, mapping: Path, folder: Path) -> dict[str, object]:
    """The floor: set-up (postcodes, key, synonyms from the wijkloket workspace) before the clock, then
    one transaction into its own DuckDB file."""
    import duckdb

    from wijkloket.ages import sql_case
    from wijkloket.sources.logs import synonyms
    from wijkloket.store.workspace import EXACT_SUM, MEMORY_LIMIT

    db = folder / "floor.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute("SET enable_progress_bar = false")
    con.execute(f"ATTACH '{folder / 'ws' / 'wijkloket.duckdb'}' AS w (READ_ONLY)")
    secret = con.execute("SELECT key FROM w.fingerprint_key ORDER BY created_at LIMIT 1").fetchone()[0]  # type: ignore[index]
    con.execute("CREATE TABLE postcodes AS SELECT * FROM w.postcodes")
    con.execute("CREATE TABLE events AS SELECT * FROM w.events LIMIT 0")
    con.execute("CREATE TABLE rejections AS SELECT * FROM w.rejections LIMIT 0")
    con.execute("DETACH w")
    syn = synonyms()
    con.execute("CREATE TEMP TABLE prod (key VARCHAR, product VARCHAR)")
    con.executemany("INSERT INTO prod VALUES (?, ?)", [(k.lower(), v) for k, v in syn["products"].items()])
    con.execute("CREATE TEMP TABLE stat (key VARCHAR, status VARCHAR)")
    con.executemany("INSERT INTO stat VALUES (?, ?)", [(k.lower(), v) for k, v in syn["statuses"].items()])
    con.execute("CREATE TEMP TABLE pc6 AS SELECT DISTINCT postcode FROM postcodes WHERE kind = 'pc6'")
    con.execute("CREATE TEMP TABLE pc4 AS SELECT DISTINCT postcode FROM postcodes WHERE kind = 'pc4'")
    header = log.open(encoding="utf-8").readline().rstrip("\n").split(";")
    cols = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in header) + "}"
    source = (f"read_csv('{log}', delim=';', header=true, quote='\"', escape='\"', null_padding=true, "
              f"auto_detect=false, columns={cols})")
    out = folder / "floor_afgewezen.csv"
    t0 = time.perf_counter()
    # The parsed file as a temp table, made from a plain read (whose rowid is the record's place in the file;
    # joins do not keep the order) before the transaction (rows of a table created inside a transaction get
    # provisional row ids); then one transaction.
    stmts = [s for s in FLOOR_SQL.format(source=source, secret=secret, age_case=sql_case("age")).split(";\n")
             if s.strip()]
    con.execute(stmts[0])
    con.execute(stmts[1])
    con.execute("DROP TABLE raw0")
    con.execute("BEGIN")
    for stmt in stmts[2:]:
        con.execute(stmt)
    # The rejected rows with their mapped cells; a duplicate's cells need a numbered re-read (none here
    # when there are no duplicates).
    con.execute(f"""COPY (SELECT c_date, c_time, c_prod, c_pc, c_stat, c_loc, reason, rid + 2 AS rij
                          FROM c WHERE reason <> '' ORDER BY rij) TO '{out}' (HEADER, DELIMITER ';')""")
    n_dup = con.execute("SELECT count(*) FROM d").fetchone()[0]  # type: ignore[index]
    if n_dup:
        con.execute(f"""COPY (SELECT * FROM (SELECT row_number() OVER () + 1 AS rij, * FROM {source})
                              WHERE rij - 2 IN (SELECT c.rid FROM c JOIN d ON d.fp = c.fp WHERE c.reason = ''
                                                AND (d.existing OR c.rid <> d.first)))
                         TO '{folder / 'floor_dups.csv'}' (HEADER)""")
    accepted = con.execute("SELECT round(sum(weight)) FROM events").fetchone()[0]  # type: ignore[index]
    reasons = dict(con.execute("SELECT reason, count(*) FROM rejections GROUP BY ALL").fetchall())
    con.execute("COMMIT")
    t1 = time.perf_counter()
    agg = con.execute(f"SELECT area_code, year, product, status, age_band, {EXACT_SUM} AS n FROM events "
                      "WHERE kind = 'visit' GROUP BY ALL ORDER BY ALL").fetchall()
    t2 = time.perf_counter()
    rej = con.execute("SELECT row_number, reason FROM rejections ORDER BY ALL").fetchall()
    return {"import_s": t1 - t0, "indicators_s": t2 - t1, "total_s": t2 - t0, "accepted": int(accepted or 0),
            "rejected": reasons, "check": _check(agg, rej)}


def child(variant: str, args: list[str]) -> None:
    paths = [Path(a) for a in args]
    res = run_wijkloket(*paths) if variant == "wijkloket" else run_floor(*paths)
    res["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(res))


def measure(variant: str, *args: Path) -> dict[str, object]:
    out = subprocess.run([sys.executable, __file__, "--child", variant, *map(str, args)], capture_output=True,
                         text=True)
    if out.returncode:
        raise SystemExit(f"{variant} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def one_size(rows: int, tmp: Path) -> bool:
    folder = Path(tempfile.mkdtemp(prefix=f"desk_use_{rows}_", dir=tmp))
    try:
        t = time.perf_counter()
        log, pcs, mapping = make_data(folder, rows)
        print(f"data: {rows:,} rows, {log.stat().st_size / 1e6:.0f} MB, made in {time.perf_counter() - t:.1f} s")
        ours = measure("wijkloket", log, pcs, mapping, folder)
        floor = measure("floor", log, pcs, mapping, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    same = (ours["accepted"] == floor["accepted"] and ours["rejected"] == floor["rejected"]
            and ours["check"] == floor["check"])
    ratio = float(ours["total_s"]) / float(floor["total_s"])  # type: ignore[arg-type]
    print(f"  wijkloket: {ours['total_s']:.2f} s (import {ours['import_s']:.2f} s, "
          f"usage {ours['indicators_s']:.2f} s), "
          f"peak {ours['peak_mb']:.0f} MB; accepted {ours['accepted']:,}, rejected {ours['rejected']}")
    print(f"  floor:     {floor['total_s']:.2f} s (import {floor['import_s']:.2f} s, aggregate "
          f"{floor['indicators_s']:.2f} s), peak {floor['peak_mb']:.0f} MB")
    print(f"  ratio wijkloket / floor: {ratio:.2f}x (target <= 1.3x); outputs equal: {same}")
    if not same:
        print(f"  DIFFERENT: wijkloket {ours['check']} / floor {floor['check']}")
    return same


def _size(text: str) -> int:
    """A row count as given: 1000000, 1e6 or 1M."""
    text = text.strip().upper()
    return int(float(text[:-1]) * 1_000_000) if text.endswith("M") else int(float(text))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="1M,3M,10M", help="sizes, comma-separated (1000000 or 1M)")
    ap.add_argument("--tmp", type=Path, default=Path(tempfile.gettempdir()), help="folder for the data")
    ap.add_argument("--child", nargs="+")
    a = ap.parse_args()
    if a.child:
        child(a.child[0], a.child[1:])
        return
    a.tmp.mkdir(parents=True, exist_ok=True)
    ok = all([one_size(_size(r), a.tmp) for r in a.rows.split(",")])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
