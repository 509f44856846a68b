"""Load on the residents' form (issue 11, point 7): N simulated respondents at once, each with its own invitation
code and its own client address (127.0.0.x, as residents come from different homes), walk the whole
questionnaire against a real `wijkloket serve`: the start page, the code, every question (GET the page, POST the
answer with the CSRF token read from the form), the check page, send, thanks.

Residents read and answer: before each answer a respondent waits a think time drawn uniformly from `--think`
seconds (default 3-12 s; 0 gives a closed-loop stress run that only measures capacity), and the N respondents
start spread evenly over `--ramp` seconds (default 20 s), as letters reach homes at different moments rather
than at one instant. The server's dashboard figures are computed first (each worker warms up for up to a
minute after it starts; this run waits for that), so the figures are those of a running server.

Run twice: uvicorn with PostgreSQL and `--workers 2`, then the baseline, SQLite with one worker. Prints per run
p50/p95/p99 page time (ms, every request), throughput (requests/s), errors, and count sent == count stored;
then the PostgreSQL figures as ratios against the SQLite baseline.

    .venv/bin/python benchmarks/web_load.py -w DEMO_WORKSPACE [--n 200] [--think 3-12] [--ramp 20]
                                            [--pg postgresql+psycopg://...]

The workspace is copied (the original is not touched); a survey with N generated units is added to a fresh
survey database per run (a new PostgreSQL database on the `--pg` server, default `$WIJKLOKET_TEST_PG`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from wijkloket.store.survey_db import SurveyStore
from wijkloket.survey.codes import code_hash, make_code
from wijkloket.survey.questionnaire import default_questionnaire, default_text

GEMEENTE_FILE = "wijkloket.toml"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
INPUT = re.compile(r'<input[^>]*type="(radio|checkbox|text)"[^>]*name="answer"[^>]*value="([^"]*)"')
WIJKLOKET = Path(sys.executable).parent / "wijkloket"


def gemeente_of(workspace: Path) -> str:
    found = re.search(r'gemeente\s*=\s*"(GM\d{4})"', (workspace / GEMEENTE_FILE).read_text("utf-8"))
    if not found:
        raise SystemExit(f"no gemeente in {workspace / GEMEENTE_FILE}")
    return found.group(1)


def make_survey(url: str, gemeente: str, n: int, key: bytes, name: str) -> None:
    """A survey with `n` generated units in two strata (the default questionnaire, synthetic)."""
    strata = ["Noord", "Zuid"]
    units = pd.DataFrame({
        "unit_no": np.arange(1, n + 1), "stratum": [strata[i % 2] for i in range(n)], "area_code": None,
        "district": [strata[i % 2] for i in range(n)], "age_band": "35-64", "sex": "V", "language": "nl",
        "inclusion_prob": 0.1})
    units["code_hash"] = [code_hash(key, make_code(key, name, int(u))) for u in units["unit_no"]]
    counts = pd.DataFrame([{"stratum": s, "area_code": None, "district": s, "age_band": "35-64", "sex": "V",
                            "count": 10 * n} for s in strata])
    q = default_questionnaire()
    with SurveyStore(url) as db:
        db.create_survey(name, gemeente, default_text(), q.version, "district", 1, True, units, counts)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(workspace: Path, key_file: Path, url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([str(WIJKLOKET), "serve", "-w", str(workspace), "--key", str(key_file), "--port",
                             str(port), "--workers", str(workers)], env={**os.environ, "WIJKLOKET_SURVEY_DB": url},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(base + "/", timeout=5).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit("wijkloket serve stopped at start")
        time.sleep(0.3)
    raise SystemExit("wijkloket serve did not start")


@dataclass
class Tally:
    times: list[float] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # "GET /vraag", "POST /", ... per request
    errors: list[str] = field(default_factory=list)
    sent: int = 0


def token(html: str) -> str:
    found = CSRF.search(html)
    if found is None:
        raise RuntimeError("no CSRF token in the page")
    return found.group(1)


def answer_for(html: str) -> list[str]:
    """The first choice, or a number / a short text for a text field."""
    found = INPUT.findall(html)
    if not found:  # a textarea: an open question
        return ["Graag langer open op zaterdag."]
    kind, value = found[0]
    return [value] if kind in ("radio", "checkbox") else ["12"]


@dataclass(frozen=True)
class Pace:
    think: tuple[float, float]  # seconds before each answer, uniform between these
    ramp: float  # the respondents start spread over this many seconds
    n: int

    def start(self, i: int) -> float:
        return self.ramp * i / max(1, self.n)

    def pause(self, rng: np.random.Generator) -> float:
        low, high = self.think
        return float(rng.uniform(low, high)) if high > 0 else 0.0


async def respondent(i: int, base: str, code: str, tally: Tally, pace: Pace) -> None:
    """One resident's whole walk; any unexpected status is an error (and ends this walk)."""
    rng = np.random.default_rng(i)
    await asyncio.sleep(pace.start(i))
    transport = httpx.AsyncHTTPTransport(local_address=f"127.0.{1 + i // 250}.{1 + i % 250}")
    async with httpx.AsyncClient(base_url=base, transport=transport, timeout=60,
                                 headers={"origin": base}) as c:
        async def call(method: str, path: str, want: int, **kw: object) -> httpx.Response:
            t0 = time.perf_counter()
            r = await c.request(method, path, **kw)  # type: ignore[arg-type]
            tally.times.append(time.perf_counter() - t0)
            tally.kinds.append(f"{method} /{path.split('/')[1]}")
            if r.status_code != want:
                raise RuntimeError(f"{method} {path}: {r.status_code}")
            return r

        try:
            page = await call("GET", "/", 200)
            r = await call("POST", "/", 303, data={"code": code, "csrf": token(page.text)})
            path = r.headers["location"]
            for _ in range(60):
                if not path.startswith("/vraag/"):
                    break
                page = await call("GET", path, 200)
                await asyncio.sleep(pace.pause(rng))
                r = await call("POST", path, 303, data={"csrf": token(page.text),
                                                        "answer": answer_for(page.text), "action": "next"})
                path = r.headers["location"]
            page = await call("GET", path, 200)  # the check page
            await asyncio.sleep(pace.pause(rng))
            r = await call("POST", "/verzenden", 303, data={"csrf": token(page.text)})
            await call("GET", r.headers["location"], 200)
            tally.sent += 1
        except (RuntimeError, httpx.HTTPError, KeyError) as exc:
            tally.errors.append(f"{i}: {exc!r}"[:200])


async def drive(base: str, codes: list[str], pace: Pace) -> tuple[Tally, float]:
    tally = Tally()
    t0 = time.perf_counter()
    await asyncio.gather(*(respondent(i, base, code, tally, pace) for i, code in enumerate(codes)))
    return tally, time.perf_counter() - t0


def warm(base: str, workers: int) -> float:
    """Wait until every worker has its dashboard figures (a worker still computing them holds a dashboard
    request until it is done): `workers` requests in a row on new connections, each answered within 1 s."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 600:
        slow = False
        for _ in range(2 * workers):
            t = time.perf_counter()
            httpx.get(base + "/dashboard", timeout=600, headers={"connection": "close"})
            slow = slow or time.perf_counter() - t > 1.0
        if not slow:
            break
    return time.perf_counter() - t0


def stored_complete(url: str, gemeente: str, name: str) -> int:
    with SurveyStore(url) as db:
        rec = db.survey(gemeente, name)
        r = db.responses(rec.survey_id)
    return int(r["complete"].sum())


def run(label: str, workspace: Path, url: str, workers: int, pace: Pace, tmp: Path) -> dict[str, float]:
    n = pace.n
    gemeente, name, key = gemeente_of(workspace), f"last-{uuid.uuid4().hex[:6]}", secrets.token_bytes(32)
    key_file = tmp / f"{label}.key"
    key_file.write_text(key.hex() + "\n", "ascii")
    key_file.chmod(0o600)
    make_survey(url, gemeente, n, key, name)
    proc, base = start(workspace, key_file, url, workers)
    try:
        warmed = warm(base, workers)
        codes = [make_code(key, name, u) for u in range(1, n + 1)]
        tally, seconds = asyncio.run(drive(base, codes, pace))
    finally:
        proc.terminate()
        proc.wait(30)
    stored = stored_complete(url, gemeente, name)
    ms = np.array(tally.times) * 1000
    out = {"p50": float(np.percentile(ms, 50)), "p95": float(np.percentile(ms, 95)),
           "p99": float(np.percentile(ms, 99)), "rps": len(ms) / seconds, "requests": len(ms),
           "errors": len(tally.errors), "sent": tally.sent, "stored": stored, "seconds": seconds}
    print(f"{label}: {n} respondents (think {pace.think[0]:g}-{pace.think[1]:g} s, start over {pace.ramp:g} s; "
          f"dashboard warm after {warmed:.0f} s), {out['requests']} requests in {seconds:.1f} s = "
          f"{out['rps']:.1f} req/s; "
          f"page time p50 {out['p50']:.0f} ms, p95 {out['p95']:.0f} ms, p99 {out['p99']:.0f} ms; "
          f"errors {out['errors']}; sent {tally.sent}, stored {stored} ({'OK' if stored == tally.sent else 'LOST'})")
    kinds = pd.DataFrame({"kind": tally.kinds, "ms": ms})
    per = kinds.groupby("kind")["ms"].describe(percentiles=[0.5, 0.99])[["count", "50%", "99%", "max"]]
    print("   per page kind (ms):", "; ".join(f"{k} n={int(r['count'])} p50 {r['50%']:.0f} p99 {r['99%']:.0f}"
                                             for k, r in per.iterrows()))
    for e in tally.errors[:5]:
        print("   ", e)
    return out


def pg_database(base: str) -> tuple[str, Callable[[], None]]:
    name = "wijkloket_load_" + uuid.uuid4().hex[:8]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as con:
            con.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(base).set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-w", "--workspace", type=Path, required=True, help="a demo workspace (copied)")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--think", default="3-12", help="seconds before each answer, LOW-HIGH (0: closed loop)")
    ap.add_argument("--ramp", type=float, default=20.0, help="start the respondents over this many seconds")
    ap.add_argument("--pg", default=os.environ.get("WIJKLOKET_TEST_PG", ""))
    args = ap.parse_args()
    if not args.pg:
        raise SystemExit("give --pg URL or set WIJKLOKET_TEST_PG (scripts/postgres.sh)")
    low, _, high = args.think.partition("-")
    pace = Pace((float(low), float(high or low)), args.ramp, args.n)
    tmp = Path(tempfile.mkdtemp(prefix="wijkloket-load-"))
    try:
        ws = tmp / "werkmap"
        shutil.copytree(args.workspace, ws)
        url, drop = pg_database(args.pg)
        try:
            pg = run(f"PostgreSQL, {args.workers} workers", ws, url, args.workers, pace, tmp)
        finally:
            drop()
        base = run("SQLite, 1 worker (baseline)", ws, f"sqlite:///{(tmp / 'last.sqlite').as_posix()}", 1, pace,
                   tmp)
        print(f"ratio PostgreSQL/{args.workers} workers : SQLite/1 worker: p50 {pg['p50'] / base['p50']:.2f}, "
              f"p95 {pg['p95'] / base['p95']:.2f}, p99 {pg['p99'] / base['p99']:.2f}, "
              f"throughput {pg['rps'] / base['rps']:.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
