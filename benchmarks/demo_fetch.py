"""`wijkloket demo --fetch` end to end (issue 12, point 7), the run the test suite leaves out as slow: the whole
demo for a made-up gemeente (GM0363 with Haarlem's first three wijken) on CBS files fetched from a local server
with recorded CBS OData and PDOK answers (`tests/fixtures/recorded`), against the baseline, the same demo on the
bundled files (`wijkloket demo`), measured in the same run. Prints both times, the ratio, the requests the
fetch sent, and checks that the fetched demo's report exists and its profile holds the recorded figure.

    .venv/bin/python benchmarks/demo_fetch.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fixtures.http_server import RecordedServer  # noqa: E402
from fixtures.recorded import serve_cbs, serve_pdok  # noqa: E402

WIJKLOKET = Path(sys.executable).parent / "wijkloket"
OTHER = {"0392": "0363", "Haarlem": "Amsterdam"}  # the recorded answers for a made-up municipality


def timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run([str(WIJKLOKET), *args], env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"wijkloket {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds, done.stdout


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="wijkloket-demo-fetch-") as tmp, RecordedServer() as srv:
        serve_cbs(srv, rename=OTHER)
        serve_pdok(srv, rename=OTHER)
        env = {**os.environ, "WIJKLOKET_CBS_ODATA_URL": f"{srv.url}/ODataApi/odata", "WIJKLOKET_PDOK_URL": srv.url,
               "XDG_CACHE_HOME": str(Path(tmp) / "cache")}
        fetched_s, out = timed(["demo", str(Path(tmp) / "fetched"), "--fetch", "GM0363"], env)
        local_s, _ = timed(["demo", str(Path(tmp) / "local")], env)
        report = Path(tmp) / "fetched" / "out" / "report.html"
        ok = report.exists() and "8.295" in out
        print(f"demo --fetch GM0363 (recorded server): {fetched_s:.1f} s, {srv.count()} requests; "
              f"demo on the bundled files (baseline): {local_s:.1f} s; ratio {fetched_s / local_s:.2f}; "
              f"report and recorded figure {'OK' if ok else 'MISSING'}")
        if not ok:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
