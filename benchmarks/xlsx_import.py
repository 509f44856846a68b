"""Benchmark: `add issuances` of the demo's issuance workbook against the same rows as CSV.

Compared in the same run, each import in its own process into a fresh copy of one base workspace
(CBS, districts, PC4 and the demo's postcodes, no desk logs), alternating, median of `--repeat` runs:
  (a) baseline: the same rows as a UTF-8 CSV (the cells as the workbook reader gives them), same mapping;
  (b) wijkloket: the workbook itself.
Both must store the same number of accepted and rejected rows. Target: (b) <= 1.5x (a).
Also, in this process: reading the sheet with python-calamine (`sources.logs.excel_frame`) against the
openpyxl read-only reader it replaced (kept below as the baseline, same cell texts, checked equal).
Target: calamine >= 5x faster.

    .venv/bin/python benchmarks/xlsx_import.py [--demo /tmp/demo] [--repeat 3] [--tmp DIR]

`--demo` is a demo workspace (`wijkloket demo DIR`), read only: its `synthetisch/` folder gives the
workbook, its mapping and the postcode table.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DATA = Path("/work/shared/data")


def openpyxl_frame(path: Path, sheet: str | None) -> tuple[Any, int]:
    """The reader before issue 14 (openpyxl read-only), as the read-time baseline."""
    import openpyxl
    import pandas as pd

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    names = wb.sheetnames
    rows = wb[sheet or names[0]].iter_rows(values_only=True)
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
    assert header is not None
    return pd.DataFrame(body, columns=header, dtype=object), header_row + 1


def base_workspace(folder: Path, synth: Path, data: Path) -> None:
    from wijkloket.indicators.registry import load_registry
    from wijkloket.store.workspace import Workspace
    from wijkloket.usecases import demo, ingest

    registry = load_registry()
    ingest.init_workspace(folder, "GM0392", "nl")
    with Workspace(folder) as ws:
        for f in demo.CBS_FILES:
            ingest.add_cbs(ws, data / f, registry)
        ingest.add_districts(ws, data / demo.DISTRICT_FILES["GM0392"])
        ingest.add_cbs(ws, data / demo.PC4_FILE, registry, crosswalk=data / demo.PC4_CROSSWALKS["GM0392"])
        ingest.add_postcodes(ws, next(synth.glob("pc6hnr_*.csv")))


def run_import(base: Path, work: Path, file: Path, mapping: Path) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in KB of the child, its counts line + rejected-row file) of one `add issuances`."""
    ws = work / "ws"
    shutil.rmtree(ws, ignore_errors=True)
    shutil.copytree(base, ws)
    cmd = [str(Path(sys.executable).parent / "wijkloket"), "add", "issuances", str(file), "--mapping", str(mapping),
           "-w", str(ws)]
    log = work / "out.txt"
    with log.open("w") as fh:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT,
                                env={**os.environ, "WIJKLOKET_LANG": "en", "COLUMNS": "200"})
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out = log.read_text(encoding="utf-8")
    if proc.returncode != 0:
        raise SystemExit(f"{file.name}: exit {proc.returncode}\n{out}")
    rejected = "".join(f.read_text(encoding="utf-8") for f in sorted((ws / "afgewezen").glob("*.csv")))
    return elapsed, usage.ru_maxrss, counts(out) + "\n" + rejected


def counts(out: str) -> str:
    """The line of the command's output with the rows read, accepted and rejected."""
    return next((line for line in out.splitlines() if " = " in line), out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--demo", type=Path, default=Path("/tmp/demo"))
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tmp", type=Path, default=None)
    args = ap.parse_args()
    from wijkloket.sources.logs import excel_frame

    synth = args.demo / "synthetisch"
    workbook = next(synth.glob("verstrekkingen_*.xlsx"))
    mapping = synth / "burgerzaken.toml"
    tmp = args.tmp or Path(tempfile.mkdtemp(prefix="wijkloket-xlsx-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        t0 = time.perf_counter()
        frame, _ = excel_frame(workbook, None)
        t_cal = time.perf_counter() - t0
        t0 = time.perf_counter()
        old, _ = openpyxl_frame(workbook, None)
        t_opx = time.perf_counter() - t0
        same = frame.equals(old) and list(frame.columns) == list(old.columns)
        print(f"read {len(frame):,} rows x {frame.shape[1]} columns: calamine {t_cal:.2f} s, "
              f"openpyxl {t_opx:.2f} s, {t_opx / t_cal:.1f}x (target >= 5x); same cells: {same}")
        if not same:
            raise SystemExit("calamine and openpyxl read different cells")
        csv_file = tmp / (workbook.stem + ".csv")
        frame.to_csv(csv_file, index=False, sep=";", encoding="utf-8", lineterminator="\n",
                     quoting=csv.QUOTE_MINIMAL)
        csv_mapping = tmp / "burgerzaken_csv.toml"
        csv_mapping.write_text(re.sub(r'(?m)^sheet = .*\n', 'delimiter = ";"\nencoding = "utf-8"\n',
                                      mapping.read_text(encoding="utf-8")), encoding="utf-8")
        base = tmp / "base"
        if not (base / "wijkloket.toml").exists():
            print("building the base workspace ...", flush=True)
            base_workspace(base, synth, args.data)
        times: dict[str, list[float]] = {"csv": [], "xlsx": []}
        peaks: dict[str, int] = {"csv": 0, "xlsx": 0}
        outs: dict[str, set[str]] = {"csv": set(), "xlsx": set()}
        for _ in range(args.repeat):
            for kind, file, m in (("csv", csv_file, csv_mapping), ("xlsx", workbook, mapping)):
                t, peak, out = run_import(base, tmp, file, m)
                times[kind].append(t)
                peaks[kind] = max(peaks[kind], peak)
                outs[kind].add(out)
        med = {k: statistics.median(v) for k, v in times.items()}
        for k in ("csv", "xlsx"):
            print(f"add issuances {k:4}: median {med[k]:.2f} s of {[f'{t:.2f}' for t in times[k]]}, "
                  f"peak RSS {peaks[k] / 1024:.0f} MB")
        print(f"ratio xlsx / csv: {med['xlsx'] / med['csv']:.2f}x (target <= 1.5x)")
        print(f"same accepted/rejected counts and rejected-row files: {outs['csv'] == outs['xlsx']}; "
              f"{sorted(o.splitlines()[0] for o in outs['xlsx'])}")
    finally:
        if args.tmp is None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
