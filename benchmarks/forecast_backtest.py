"""Benchmark: the demand forecast against what was issued, and against a named baseline.

Fits on the issuance list before a cut and predicts the rest; prints the MAPE per district and month
(all products) and per product, beside the seasonal naive forecast (each month as the same month of
the last fitted year; Hyndman & Athanasopoulos, FPP3 section 5.2), their ratio, the bias and the share
of months inside the 90% interval.

    .venv/bin/python benchmarks/forecast_backtest.py                     # demo list 2019-2025, cut 2024-01
    .venv/bin/python benchmarks/forecast_backtest.py --workspace W --cut 2023-01
    .venv/bin/python benchmarks/forecast_backtest.py --long              # synthetic list 2019-2028, cut 2026-01

`--long` simulates the Haarlem list up to 2028 (the same generator as the demo) and fits on 2019-2025
only: the forecast of 2026-2028 is then checked against the synthetic "truth" of those years, the
horizon the command forecasts by default. Target: MAPE under 15% and under half the baseline's.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

PRODUCTS = ("passport", "id_card", "driving_licence", "all")


def _long_workspace(folder: Path, last_year: int) -> Path:
    """Haarlem with CBS data, districts and a synthetic issuance list 2019-`last_year` (seed 7)."""
    from wijkloket.config import data_dir
    from wijkloket.indicators.registry import load_registry
    from wijkloket.store.workspace import Workspace
    from wijkloket.usecases import ingest, simulate
    from wijkloket.usecases.demo import CBS_FILES, DISTRICT_FILES

    data, reg = data_dir(), load_registry()
    ingest.init_workspace(folder, "GM0392", "nl")
    with Workspace(folder) as ws:
        cbs = [data / f for f in CBS_FILES]
        for f in cbs:
            ingest.add_cbs(ws, f, reg)
        ingest.add_districts(ws, data / DISTRICT_FILES["GM0392"])
        areas, name = simulate.simulation_areas("GM0392", reg, cbs, ws)
        synth = simulate.simulate_exports(areas, "GM0392", name, (2019, last_year), 7, folder / "synthetisch")
        ingest.add_postcodes(ws, synth.postcodes_csv)
        ingest.add_log(ws, synth.issuances_xlsx, synth.issuances_mapping, "issuance")
    return folder


def _print(bt: object, seconds: float) -> None:
    s = bt.summary  # type: ignore[attr-defined]
    print(f"backtest: predicted {bt.cut} to {bt.last}; {seconds:.1f} s")  # type: ignore[attr-defined]
    print(f"{'area':<12}{'product':<17}{'MAPE %':>8}{'naive %':>9}{'ratio':>7}{'bias %':>8}{'in 90%':>8}")
    for _, r in s[s["level"].isin(["district", "gemeente"])].iterrows():
        cover = "" if r["coverage"] != r["coverage"] else f"{r['coverage']:.0f}%"
        print(f"{r['area_name']:<12}{r['product']:<17}{r['mape']:>8.1f}{r['naive_mape']:>9.1f}"
              f"{r['mape'] / r['naive_mape']:>7.2f}{r['bias']:>8.1f}{cover:>8}")
    for p in PRODUCTS:
        model, naive = bt.overall(p), bt.overall(p, "naive")  # type: ignore[attr-defined]
        print(f"over districts and months, {p:<16} MAPE {model:5.1f}%  naive {naive:5.1f}%  ratio {model / naive:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", type=Path, default=None, help="a workspace with an issuance list")
    parser.add_argument("--cut", default=None, help="first month to predict, YYYY-MM")
    parser.add_argument("--long", action="store_true", help="simulate 2019-2028 and predict 2026-2028")
    args = parser.parse_args()
    from wijkloket.usecases import open_workspace
    from wijkloket.usecases.forecast import run_backtest

    with tempfile.TemporaryDirectory() as tmp:
        if args.workspace is not None:
            folder, cut = args.workspace, args.cut or "2024-01"
        elif args.long:
            folder, cut = _long_workspace(Path(tmp) / "lang", 2028), args.cut or "2026-01"
        else:
            from wijkloket.config import data_dir
            from wijkloket.indicators.registry import load_registry
            from wijkloket.usecases.demo import run_demo

            folder, cut = Path(tmp) / "demo", args.cut or "2024-01"
            run_demo(folder, "GM0392", "nl", load_registry(), data_dir())
        start = time.perf_counter()
        with open_workspace(folder) as ws:
            bt = run_backtest(ws, cut)
        _print(bt, time.perf_counter() - start)


if __name__ == "__main__":
    main()
