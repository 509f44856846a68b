"""Benchmark: district profiles for all 342 municipalities at wijk level from the national
Kerncijfers file (kwb2024_gemeente_wijk_basis.csv). Target: under 5 s on 2 cores.

Baseline, measured in the same run: the same profiles made one municipality at a time (a loop of
342 `profile` calls), which is what a per-workspace approach would do.

    .venv/bin/python benchmarks/profile_national.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from wijkloket.config import data_dir  # noqa: E402
from wijkloket.indicators.profile import profile  # noqa: E402
from wijkloket.indicators.registry import default_registry  # noqa: E402
from wijkloket.sources.cbs import read_cbs  # noqa: E402

TARGET_S = 5.0


def main() -> None:
    path = data_dir() / "cbs" / "kwb2024_gemeente_wijk_basis.csv"
    reg = default_registry()
    inds = list(reg.indicators.values())

    t0 = time.perf_counter()
    res = read_cbs(path, None, reg)
    areas = res.areas.set_index("area_code")
    areas = areas[areas["level"] == "wijk"]
    values = res.values.pivot(index="area_code", columns="variable", values="value")
    t_read = time.perf_counter() - t0
    t1 = time.perf_counter()
    table = profile(areas, values, inds, levels=("wijk", "district", "gemeente"))
    t_profile = time.perf_counter() - t1
    ours = t_read + t_profile
    n_gm = table.loc[table["level"] == "gemeente", "gemeente_code"].nunique()

    t2 = time.perf_counter()
    for _gm, sub in areas.groupby("gemeente_code"):
        profile(sub, values.loc[sub.index], inds, levels=("wijk", "district", "gemeente"))
    baseline = t_read + (time.perf_counter() - t2)

    print(f"file: {path.name}; municipalities: {n_gm}; wijken: {len(areas)}; "
          f"indicators: {len(inds)}; output rows: {len(table):,}")
    print(f"read + validate: {t_read:.2f} s; profile all levels: {t_profile:.2f} s")
    print(f"wijkloket (vectorised over municipalities): {ours:.2f} s  (target < {TARGET_S:.0f} s: "
          f"{'met' if ours < TARGET_S else 'NOT met'})")
    print(f"baseline (one municipality at a time): {baseline:.2f} s")
    print(f"ratio baseline / wijkloket: {baseline / ours:.1f}x")


if __name__ == "__main__":
    main()
