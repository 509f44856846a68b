"""Fixtures of the browser journeys (issue 11, point 6): `wijkloket serve` as a real uvicorn subprocess on a
free port, on a copy of the demo workspace (its synthetic survey in fieldwork, its key kept beside it), and the
Debian Chromium of `fixtures.chromium` driven by Playwright (never a browser download), with axe-core
injected into every page.

Needs /usr/bin/chromium and tests/.node/node_modules/axe-core (both installed by scripts/setup.sh). Without
them the tests are skipped with the reason, except in CI (CI=true), where they fail. The PostgreSQL variants
need `WIJKLOKET_TEST_PG` (scripts/postgres.sh) in the same way."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fixtures.chromium import (  # noqa: F401 (the journeys' fixtures)
    AXE_RUN,
    WCAG_TAGS,
    axe_source_fixture,
    chromium_fixture,
)
from sqlalchemy import func, select

from wijkloket.store.survey_db import SurveyRecord, SurveyStore
from wijkloket.store.survey_migrations import TABLES
from wijkloket.survey.codes import code_hash, make_code
from wijkloket.usecases.demo import demo_key_file
from wijkloket.usecases.survey_keys import read_key

GEMEENTE = "GM0392"
WIJKLOKET = Path(sys.executable).parent / "wijkloket"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the server -------------------------------------------------------------------------------------------

@dataclass
class Server:
    """A running `wijkloket serve`: its address, workspace, key, survey database and log."""

    url: str
    workspace: Path
    key_file: Path
    db_url: str
    proc: subprocess.Popen[bytes]
    log: Path
    handed_out: set[int] = field(default_factory=set)

    def survey(self) -> SurveyRecord:
        with SurveyStore(self.db_url) as db:
            return db.survey(GEMEENTE)

    def open_codes(self, n: int) -> list[str]:
        """`n` invitation codes of units that have not answered and were not handed out before."""
        rec, key = self.survey(), read_key(self.key_file)
        with SurveyStore(self.db_url) as db:
            sample = db.sample(rec.survey_id)
        free = [int(u) for u in sample.loc[~sample["responded"], "unit_no"] if int(u) not in self.handed_out][:n]
        assert len(free) == n, "the survey has too few units left"
        self.handed_out.update(free)
        return [make_code(key, rec.name, u) for u in free]

    def stored(self, code: str) -> tuple[int, bool, dict[str, list[str]]]:
        """What the survey database holds for `code`, read back directly: (number of responses of its unit,
        complete, answers per question in their stored order)."""
        rec, key = self.survey(), read_key(self.key_file)
        r, a = TABLES["responses"], TABLES["answers"]
        with SurveyStore(self.db_url) as db, db.transaction() as conn:
            unit = db.unit_for_code(rec.survey_id, code_hash(key, code))
            n = conn.execute(select(func.count()).select_from(r).where(
                r.c.survey_id == rec.survey_id, r.c.unit_no == unit)).scalar_one()
            row = conn.execute(select(r.c.response_id, r.c.complete).where(
                r.c.survey_id == rec.survey_id, r.c.unit_no == unit)).first()
            answers: dict[str, list[str]] = {}
            if row is not None:
                for qid, value in conn.execute(select(a.c.question_id, a.c.value).where(
                        a.c.response_id == row.response_id).order_by(a.c.question_id, a.c.position)):
                    answers.setdefault(qid, []).append(value)
        return int(n), bool(row.complete) if row is not None else False, answers

    def get(self, path: str, timeout: float = 30) -> httpx.Response:
        return httpx.get(self.url + path, timeout=timeout)

    def alive(self) -> bool:
        return self.proc.poll() is None


@contextmanager
def serve(workspace: Path, key_file: Path, db_url: str, workers: int = 1) -> Iterator[Server]:
    """`wijkloket serve` on `workspace` with `db_url` (WIJKLOKET_SURVEY_DB) on a free port; ready when `/`
    answers. Stopped (and its log shown on failure) afterwards."""
    port = free_port()
    log = workspace.parent / f"serve-{port}.log"
    env = {**os.environ, "WIJKLOKET_SURVEY_DB": db_url, "COLUMNS": "200"}
    cmd = [str(WIJKLOKET), "serve", "-w", str(workspace), "--key", str(key_file), "--port", str(port),
           "--workers", str(workers)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}", workspace, key_file, db_url, proc, log)
    try:
        _wait_ready(server)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _wait_ready(server: Server, seconds: float = 90) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not server.alive():
            pytest.fail(f"wijkloket serve stopped: {server.log.read_text('utf-8', 'replace')[-3000:]}")
        try:
            if server.get("/").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"wijkloket serve did not answer in {seconds} s: {server.log.read_text('utf-8', 'replace')[-3000:]}")


def copy_demo(demo_ws: Path, target: Path) -> tuple[Path, Path]:
    """A copy of the demo workspace (its survey database included) and the demo's key (left where it is)."""
    shutil.copytree(demo_ws, target)
    key = demo_key_file(demo_ws, GEMEENTE)
    if not key.exists():
        pytest.fail(f"the demo kept no survey key at {key}")
    return target, key


def copy_survey(src_url: str, dst_url: str, key: bytes) -> SurveyRecord:
    """The newest survey of `src_url` (its questionnaire, units and frame counts, no responses) made again in
    `dst_url`, with the same codes (their hashes made from `key`)."""
    with SurveyStore(src_url) as src:
        rec = src.survey(GEMEENTE)
        units, counts = src.sample(rec.survey_id), src.frame_counts(rec.survey_id)
    units = units.assign(code_hash=[code_hash(key, make_code(key, rec.name, int(u))) for u in units["unit_no"]])
    with SurveyStore(dst_url) as dst:
        return dst.create_survey(rec.name, rec.gemeente, rec.questionnaire_text, rec.questionnaire_version,
                                 rec.stratum_level, rec.seed, rec.synthetic, units, counts)


def add_staff(workspace: Path, db_url: str, username: str, password: str) -> None:
    """A staff account made as a municipality makes one: `wijkloket staff add --password-stdin`."""
    done = subprocess.run([str(WIJKLOKET), "staff", "add", username, "--password-stdin", "-w", str(workspace)],
                          input=password + "\n", capture_output=True, text=True, timeout=120,
                          env={**os.environ, "WIJKLOKET_SURVEY_DB": db_url})
    assert done.returncode == 0, done.stderr


# --- pages ------------------------------------------------------------------------------------------------

@dataclass
class Checker:
    """axe-core on every page a journey visits; with JavaScript off in the journey's own page, the page's HTML
    is checked in a second page (JavaScript on, the same address, so the same style sheets apply)."""

    axe_source: str
    mirror: Any = None
    visited: list[str] = field(default_factory=list)
    violations: dict[str, list[str]] = field(default_factory=dict)

    def __call__(self, page: Any) -> None:
        url = page.url
        target = page
        if self.mirror is not None:
            html = page.content()
            self.mirror.goto(url, wait_until="commit")
            self.mirror.set_content(html)
            target = self.mirror
        if not target.evaluate("typeof axe !== 'undefined'"):
            target.evaluate(self.axe_source + "\n;0")
        found = target.evaluate(AXE_RUN, WCAG_TAGS)
        self.visited.append(url)
        if found:
            self.violations[url] = found
