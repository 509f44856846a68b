"""Benchmark: import of a 10-million-row visit log plus all usage indicators.

Compared in the same run, each in its own process (so peak memory is measured per variant):
  (a) a hand-written DuckDB SQL query doing the same read, postcode normalisation and join, and
      grouping on the same file (the floor: no validation, privacy, dedupe or storage);
  (b) a straightforward pandas version of the same read, join and grouping.
Targets: wijkloket within 1.5x of (a), at least 10x faster than (b), peak memory under 2 GB.

    .venv/bin/python benchmarks/desk_use.py [--rows 10000000] [--skip-pandas]
"""

from __future__ import annotations

import argparse
import json
import resource
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
    con.execute(f"""
        COPY (
          SELECT i AS Afspraaknummer,
                 strftime(DATE '2019-01-01' + (h(i) % 2555)::INTEGER, '%d-%m-%Y') AS "Datum afspraak",
                 lpad((8 + h(i * 3) % 9)::VARCHAR, 2, '0') || ':' || lpad(((h(i * 5) % 6) * 10)::VARCHAR, 2, '0')
                   AS Tijd,
                 {PRODUCTS!r}[1 + h(i * 7) % {len(PRODUCTS)}] AS Product,
                 CASE WHEN h(i * 11) % 20 = 0 THEN 'Niet verschenen' WHEN h(i * 11) % 20 = 1 THEN 'Geannuleerd'
                      ELSE 'Afgerond' END AS Status,
                 'Stadhuis' AS Locatie,
                 (999990000 + h(i * 13) % 10000)::VARCHAR AS BSN,
                 'Jan Jansen' AS Naam,
                 strftime(DATE '1930-01-01' + (h(i * 17) % 32000)::INTEGER, '%d-%m-%Y') AS Geboortedatum,
                 (2000 + (h(i * 19) % 4000) // 20)::VARCHAR || ' ' ||
                   chr((65 + (h(i * 19) % 4000) % 20)::INTEGER)
                   || chr((66 + ((h(i * 19) % 4000) // 7) % 20)::INTEGER) AS Postcode,
                 (1 + h(i * 23) % 200)::VARCHAR AS Huisnr
          FROM range({rows}) t(i))
        TO '{log}' (HEADER, DELIMITER ';')""")
    mapping = folder / "bench.toml"
    mapping.write_text(MAPPING, "utf-8")
    return log, pcs, mapping


def run_wijkloket(log: Path, pcs: Path, mapping: Path, folder: Path) -> dict[str, float]:
    from wijkloket.config import data_dir
    from wijkloket.indicators.registry import default_registry
    from wijkloket.usecases import ingest, open_workspace
    from wijkloket.usecases.desk import desk_use

    ws_dir = folder / "ws"
    ingest.init_workspace(ws_dir, "GM0392")
    with open_workspace(ws_dir, write=True) as ws:
        ingest.add_cbs(ws, data_dir() / "cbs" / "kwb2024_gemeente_wijk_basis.csv", default_registry())
        ingest.add_postcodes(ws, pcs)
        t0 = time.perf_counter()
        rep = ingest.add_log(ws, log, mapping, "visit", max_rejected=100.0)
        t1 = time.perf_counter()
        res = desk_use(ws, "visit")
        t2 = time.perf_counter()
    return {"import_s": t1 - t0, "indicators_s": t2 - t1, "total_s": t2 - t0, "accepted": rep.add.rows_accepted,
            "rows_out": len(res.table)}


def run_duckdb(log: Path, pcs: Path) -> dict[str, float]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    t0 = time.perf_counter()
    con.execute(f"""
        CREATE TABLE pc AS SELECT upper(replace(postcode, ' ', '')) AS pc, area_code,
            addresses / sum(addresses) OVER (PARTITION BY postcode) AS share FROM read_csv('{pcs}')""")
    out = con.execute(f"""
        SELECT p.area_code, year(strptime(v."Datum afspraak", '%d-%m-%Y')) AS year, v.Product, v.Status,
               sum(p.share) AS n
        FROM read_csv('{log}', delim=';', header=true, all_varchar=true) v
        JOIN pc p ON p.pc = upper(replace(v.Postcode, ' ', ''))
        GROUP BY ALL""").df()
    return {"total_s": time.perf_counter() - t0, "groups": len(out)}


def run_pandas(log: Path, pcs: Path) -> dict[str, float]:
    import pandas as pd

    t0 = time.perf_counter()
    pc = pd.read_csv(pcs)
    pc["pc"] = pc["postcode"].str.replace(" ", "").str.upper()
    pc["share"] = pc["addresses"] / pc.groupby("postcode")["addresses"].transform("sum")
    v = pd.read_csv(log, sep=";", dtype=str)
    v["pc"] = v["Postcode"].str.replace(" ", "").str.upper()
    v["year"] = pd.to_datetime(v["Datum afspraak"], format="%d-%m-%Y").dt.year
    m = v.merge(pc[["pc", "area_code", "share"]], on="pc")
    out = m.groupby(["area_code", "year", "Product", "Status"])["share"].sum()
    return {"total_s": time.perf_counter() - t0, "groups": len(out)}


def child(variant: str, args: list[str]) -> None:
    paths = [Path(a) for a in args]
    if variant == "wijkloket":
        res = run_wijkloket(*paths)
    elif variant == "duckdb":
        res = run_duckdb(*paths)
    else:
        res = run_pandas(*paths)
    res["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(res))


def measure(variant: str, *args: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", variant, *map(str, args)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--skip-pandas", action="store_true")
    ap.add_argument("--only-wijkloket", action="store_true")
    ap.add_argument("--child", nargs="+")
    a = ap.parse_args()
    if a.child:
        child(a.child[0], a.child[1:])
        return
    with tempfile.TemporaryDirectory(dir=ROOT) as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        log, pcs, mapping = make_data(folder, a.rows)
        print(f"data: {a.rows:,} rows, {log.stat().st_size / 1e6:.0f} MB, made in {time.perf_counter() - t:.1f} s")
        ours = measure("wijkloket", log, pcs, mapping, folder)
        if a.only_wijkloket:
            print(json.dumps(ours))
            return
        duck = measure("duckdb", log, pcs)
        print(f"wijkloket import + all usage indicators: {ours['total_s']:.1f} s "
              f"(import {ours['import_s']:.1f} s, indicators {ours['indicators_s']:.1f} s), "
              f"peak {ours['peak_mb']:.0f} MB, {ours['accepted']:,} rows accepted")
        print(f"(a) hand-written DuckDB SQL: {duck['total_s']:.1f} s, peak {duck['peak_mb']:.0f} MB")
        print(f"ratio wijkloket / DuckDB SQL: {ours['total_s'] / duck['total_s']:.2f}x (target <= 1.5x)")
        if not a.skip_pandas:
            pand = measure("pandas", log, pcs)
            print(f"(b) pandas: {pand['total_s']:.1f} s, peak {pand['peak_mb']:.0f} MB")
            print(f"ratio pandas / wijkloket: {pand['total_s'] / ours['total_s']:.1f}x (target >= 10x)")
        print(f"peak memory wijkloket: {ours['peak_mb']:.0f} MB (target < 2048 MB)")


if __name__ == "__main__":
    main()
