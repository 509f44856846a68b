"""Benchmark: one report on the demo workspace against `wijkloket sources` on it.

The baseline is `wijkloket sources -w DEMO` (start-up, opening the store and a trivial query); the
measured work is `wijkloket report -w DEMO` (HTML, the default) and, with `--formats`, the other
formats. Each command runs in its own process, alternating with the baseline, `--repeat` times; the
medians are compared. Target (issue 14): the HTML report within 4x the baseline. Also printed: where
a report's time goes (one profiled run in this process, the largest parts by cumulative time).

    .venv/bin/python benchmarks/report_speed.py --demo /tmp/demo [--repeat 3] [--formats html,xlsx]

`--demo` is a demo workspace (`wijkloket demo DIR`), only read: reports go to a temporary folder.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from wijkloket.cli import main; main()"]
PARTS = ("usecases/forecast.py:", "usecases/report.py:", "usecases/desk.py:", "survey_results.py:",
         "report/maps.py:", "report/sections/", "report/__init__.py:", "indicators/desk.py:",
         "usecases/analysis.py:")


def run(args: list[str]) -> float:
    """Wall time of one wijkloket command in a fresh process (its output discarded)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    t0 = time.perf_counter()
    done = subprocess.run(CLI + args, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"wijkloket {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed


def breakdown(demo: Path, out: Path) -> str:
    """The largest parts of one HTML report by cumulative time (profiled in this process)."""
    sys.path.insert(0, str(ROOT / "src"))
    from wijkloket.cli import main

    prof = cProfile.Profile()
    argv = sys.argv
    sys.argv = ["wijkloket", "report", "-w", str(demo), "-o", str(out / "profiled")]
    try:
        prof.runcall(main)
    except SystemExit:
        pass
    finally:
        sys.argv = argv
    text = io.StringIO()
    pstats.Stats(prof, stream=text).sort_stats("cumulative").print_stats(400)
    lines = [ln for ln in text.getvalue().splitlines() if any(p in ln for p in PARTS)]
    return "\n".join(lines[:14])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--demo", type=Path, required=True, help="a demo workspace (wijkloket demo DIR)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--formats", default="html", help="comma-separated: html, pdf, xlsx")
    ap.add_argument("--no-profile", action="store_true")
    a = ap.parse_args()
    if not (a.demo / "wijkloket.duckdb").is_file():
        sys.exit(f"{a.demo} is not a workspace: make one with `wijkloket demo {a.demo}`")
    formats = [f.strip() for f in a.formats.split(",") if f.strip()]
    print(f"load average: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}; cores {os.cpu_count()}")
    with tempfile.TemporaryDirectory(prefix="wijkloket-report-speed-") as tmp:
        out = Path(tmp)
        base: list[float] = []
        timed: dict[str, list[float]] = {f: [] for f in formats}
        for i in range(a.repeat):
            base.append(run(["sources", "-w", str(a.demo)]))
            for f in formats:
                timed[f].append(run(["report", "-w", str(a.demo), "--format", f, "-o", str(out / f"{f}{i}")]))
        b = statistics.median(base)
        print(f"baseline `wijkloket sources`: median {b:.2f} s of {a.repeat} ({', '.join(f'{x:.2f}' for x in base)})")
        for f, xs in timed.items():
            m = statistics.median(xs)
            note = " (target <= 4x)" if f == "html" else ""
            print(f"report --format {f}: median {m:.2f} s ({', '.join(f'{x:.2f}' for x in xs)}); "
                  f"ratio {m / b:.1f}x{note}")
        if not a.no_profile:
            print("where one HTML report's time goes (cumulative seconds, profiled, so slower):")
            print(breakdown(a.demo, out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
