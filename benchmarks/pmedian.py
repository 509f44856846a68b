"""Benchmark: exact p-median on Beasley's OR-Library instances (pmed1 ... pmed40).

Every instance in $WIJKLOKET_DATA/orlib-pmed (default ../shared/data beside the repository) is
solved with `wijkloket.plan.locate.solve_pmedian` (radius formulation, Elloumi 2010, on HiGHS)
and its objective checked against the known optimum in that folder's README. On a selection of
instances the textbook binary MILP (x_ij <= y_j), built in PuLP and solved by HiGHS, runs as the
baseline. Each solve runs in a fresh process, so its peak memory (resource.getrusage) and time
are its own.

    .venv/bin/python benchmarks/pmedian.py                       # all instances + baseline
    .venv/bin/python benchmarks/pmedian.py --instances pmed40 --baseline-limit 600
    .venv/bin/python benchmarks/pmedian.py --no-baseline

The baseline needs PuLP (`.venv/bin/pip install pulp`). Exit status 1 when an instance cannot
be read or its objective differs from the known optimum.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import re
import resource
import sys
import time
from pathlib import Path
from typing import Any

from wijkloket.config import data_dir

DEFAULT_BASELINE = ("pmed1", "pmed5", "pmed10", "pmed20", "pmed30", "pmed40")
TARGET = ("pmed40", 30.0)
# Known optima (Beasley 1985), used when the README table is missing.
KNOWN = {"pmed1": 5819, "pmed5": 1355, "pmed10": 1255, "pmed20": 1789, "pmed30": 1989,
         "pmed34": 3013, "pmed35": 10400, "pmed36": 9934, "pmed37": 5057, "pmed38": 11060,
         "pmed39": 9423, "pmed40": 5128}


def peak_mb() -> float:
    """Peak resident memory of this process in MB (ru_maxrss is KB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def optima(folder: Path) -> dict[str, float]:
    found: dict[str, float] = {k: float(v) for k, v in KNOWN.items()}
    readme = folder / "README.md"
    if readme.is_file():
        for name, value in re.findall(r"\|\s*(pmed\d+)\.txt\s*\|[^|]*\|[^|]*\|\s*(\d+)\s*\|",
                                      readme.read_text("utf-8")):
            found[name] = float(value)
    return found


def _ours(path: str, threads: int, out: Any) -> None:
    from wijkloket.errors import WijkloketError
    from wijkloket.plan.locate import solve_pmedian
    from wijkloket.plan.orlib import read_orlib

    try:
        d, p = read_orlib(path)
    except WijkloketError as exc:
        out.put({"error": exc.render("en")})
        return
    start = time.perf_counter()
    res = solve_pmedian(d, p, threads=threads)
    out.put({"n": d.shape[0], "p": p, "objective": res.objective, "bound": res.bound,
             "gap": res.gap, "status": res.status, "seconds": time.perf_counter() - start,
             "mb": peak_mb()})


def _textbook_pulp(path: str, limit: float, threads: int, out: Any) -> None:
    """The classic model: min sum d_ij x_ij, sum_j x_ij = 1, x_ij <= y_j, sum y_j = p, binary."""
    import pulp

    from wijkloket.plan.orlib import read_orlib

    d, p = read_orlib(path)
    n = d.shape[0]
    start = time.perf_counter()
    prob = pulp.LpProblem("pmedian_textbook", pulp.LpMinimize)
    y = [pulp.LpVariable(f"y{j}", cat="Binary") for j in range(n)]
    x = [[pulp.LpVariable(f"x{i}_{j}", cat="Binary") for j in range(n)] for i in range(n)]
    prob += pulp.lpSum(float(d[i, j]) * x[i][j] for i in range(n) for j in range(n))
    for i in range(n):
        prob += pulp.lpSum(x[i]) == 1
        for j in range(n):
            prob += x[i][j] <= y[j]
    prob += pulp.lpSum(y) == p
    built = time.perf_counter()
    solver = pulp.HiGHS(msg=False, timeLimit=limit, threads=threads, gapRel=1e-9)
    prob.solve(solver)
    done = time.perf_counter()
    value = pulp.value(prob.objective)
    out.put({"objective": float(value) if value is not None else float("nan"),
             "status": pulp.LpStatus[prob.status], "build": built - start,
             "seconds": done - start, "hit_limit": done - built >= limit * 0.99,
             "mb": peak_mb()})


def run_child(target: Any, args: tuple[Any, ...], timeout: float) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, out))
    proc.start()
    try:
        result: dict[str, Any] = out.get(timeout=timeout)
    except Exception:  # noqa: BLE001 - timeout or a crashed child
        result = {"error": f"no result within {timeout:.0f} s (exit code {proc.exitcode})"}
    proc.join(timeout=30)
    if proc.is_alive():
        proc.terminate()
        proc.join()
    return result


def fmt(value: Any, spec: str = "", dash: str = "-") -> str:
    if value is None:
        return dash
    return format(value, spec)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--instances", default="",
                    help="comma-separated names (pmed1,pmed40); default: every file in the folder")
    ap.add_argument("--baseline", default=",".join(DEFAULT_BASELINE),
                    help="instances that also run the PuLP textbook baseline")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--baseline-limit", type=float, default=400.0,
                    help="HiGHS time limit of one baseline solve, in seconds (default 400)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", type=Path, default=None, help="folder with pmed*.txt")
    args = ap.parse_args()

    folder = args.data or data_dir() / "orlib-pmed"
    files = sorted(folder.glob("pmed*.txt"), key=lambda f: int(re.sub(r"\D", "", f.stem) or 0))
    if args.instances:
        wanted = {s.strip() for s in args.instances.split(",") if s.strip()}
        files = [f for f in files if f.stem in wanted]
    if not files:
        print(f"no pmed*.txt instances found in {folder}", file=sys.stderr)
        return 1
    opt = optima(folder)
    baseline = set() if args.no_baseline else {s.strip() for s in args.baseline.split(",")}
    if baseline:
        try:
            import pulp  # noqa: F401
        except ImportError:
            print("PuLP is not installed (.venv/bin/pip install pulp): no baseline.",
                  file=sys.stderr)
            baseline = set()

    rows: list[dict[str, Any]] = []
    failures = 0
    for f in files:
        name = f.stem
        ours = run_child(_ours, (str(f), args.threads), timeout=3600)
        row: dict[str, Any] = {"name": name, "optimum": opt.get(name), **ours}
        if "error" in ours:
            failures += 1
            print(f"{name}: NOT SOLVED: {ours['error']}", flush=True)
        else:
            ok = row["optimum"] is not None and abs(ours["objective"] - row["optimum"]) < 1e-6
            row["ok"] = ok
            failures += not ok
            print(f"{name}: n={ours['n']} p={ours['p']} objective {ours['objective']:g} "
                  f"(optimum {fmt(row['optimum'], 'g')}) {'OK' if ok else 'WRONG'}, "
                  f"{ours['status']}, {ours['seconds']:.2f} s, {ours['mb']:.0f} MB", flush=True)
            if name in baseline:
                base = run_child(_textbook_pulp, (str(f), args.baseline_limit, args.threads),
                                 timeout=args.baseline_limit + 1800)
                row["base"] = base
                if "error" in base:
                    print(f"{name}: baseline failed: {base['error']}", flush=True)
                else:
                    print(f"{name}: textbook PuLP+HiGHS objective {base['objective']:g} "
                          f"({base['status']}{', time limit' if base['hit_limit'] else ''}), "
                          f"{base['seconds']:.1f} s (build {base['build']:.1f} s), "
                          f"{base['mb']:.0f} MB", flush=True)
        rows.append(row)

    print()
    head = (f"{'instance':9} {'n':>4} {'p':>4} {'optimum':>8} {'ours':>8} {'bound':>8} "
            f"{'gap':>7} {'ours s':>8} {'MB':>6} {'textbook s':>11} {'MB':>6} {'ratio':>7}  check")
    print(head)
    print("-" * len(head))
    for r in rows:
        if "error" in r:
            print(f"{r['name']:9} {'':>4} {'':>4} {fmt(r['optimum'], '8.0f'):>8}  "
                  f"unreadable: {r['error'].splitlines()[0]}")
            continue
        base = r.get("base") or {}
        base_s = ratio = base_mb = "-"
        if base and "error" not in base:
            prefix = ">" if base["hit_limit"] else ""
            base_s = f"{prefix}{base['seconds']:.1f}"
            base_mb = f"{base['mb']:.0f}"
            ratio = f"{prefix}{base['seconds'] / max(r['seconds'], 1e-9):.0f}x"
        elif base:
            base_s = "failed"
        print(f"{r['name']:9} {r['n']:>4} {r['p']:>4} {fmt(r['optimum'], '8.0f'):>8} "
              f"{r['objective']:>8.0f} {r['bound']:>8.0f} {r['gap']:>7.1e} {r['seconds']:>8.2f} "
              f"{r['mb']:>6.0f} {base_s:>11} {base_mb:>6} {ratio:>7}  "
              f"{'OK' if r['ok'] else 'WRONG'}")

    target_name, target_s = TARGET
    t = next((r for r in rows if r["name"] == target_name and "error" not in r), None)
    if t is not None:
        line = f"{target_name}: {t['seconds']:.1f} s (target < {target_s:.0f} s)"
        base = t.get("base") or {}
        if base and "error" not in base:
            prefix = ">" if base["hit_limit"] else ""
            line += (f"; textbook PuLP+HiGHS {prefix}{base['seconds']:.0f} s; ratio "
                     f"{prefix}{base['seconds'] / max(t['seconds'], 1e-9):.0f}x")
        print(line)
    solved = sum(1 for r in rows if r.get("ok"))
    print(f"{solved} of {len(rows)} instances solved to the known optimum"
          + (f"; {failures} failed (see above)" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
