"""The web door as people use it (issue 11, point 6): a real `wijkloket serve` (uvicorn in its own process) on a
copy of the demo workspace, driven by the Debian Chromium through Playwright. A resident answers the whole
questionnaire by keyboard only (Tab, Space, Enter, typing; never a mouse click), once more with JavaScript off,
and stops halfway to resume later with the same code; staff log in, upload a paper-entry file and read the
monitor; an adviser walks every dashboard page, switches the map's indicator and changes an assumption in the
explorer. axe-core finds no WCAG 2.1 A/AA violation on any page visited, and afterwards the database holds each
answer exactly once, read back directly from its tables.

The respondent journeys run on SQLite with one process and on PostgreSQL (`WIJKLOKET_TEST_PG`) with two.
`test_database_restart_loses_no_answer` restarts a PostgreSQL server of its own under a running app."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import (  # noqa: F401 (fixtures)
    GEMEENTE,
    Checker,
    Server,
    add_staff,
    axe_source_fixture,
    chromium_fixture,
    copy_demo,
    copy_survey,
    free_port,
    serve,
)
from fixtures.survey.backends import _postgres_url

from wijkloket.store.survey_db import SurveyStore
from wijkloket.usecases.survey_keys import read_key

OPEN_TEXT = "Langer open op zaterdag <script>alert('x')</script> =HYPERLINK(\"http://example.org\")"
FOCUS = """() => {
  const el = document.activeElement, s = getComputedStyle(el);
  return {tag: el.tagName.toLowerCase(), type: el.type || '', name: el.name || '', value: el.value || '',
          id: el.id || '', href: el.getAttribute('href') || '', checked: !!el.checked,
          form: el.form ? el.form.getAttribute('action') : '',
          outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth) || 0, shadow: s.boxShadow};
}"""
STAFF_USER, STAFF_PASSWORD = "balie-medewerker", "correct paard batterij nietje 42"


@pytest.fixture(scope="module")
def web_demo(request: pytest.FixtureRequest) -> Path:
    """The demo workspace: `$WIJKLOKET_TEST_DEMO` (a folder made by `wijkloket demo`, to save its minutes when
    working on these tests), else the session's own demo (`demo_ws`)."""
    given = os.environ.get("WIJKLOKET_TEST_DEMO", "").strip()
    return Path(given) if given else request.getfixturevalue("demo_ws")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, web_demo: Path, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Server]:
    """The demo served on SQLite by one process, or on PostgreSQL (the demo's survey copied there, same codes)
    by two worker processes."""
    ws, key = copy_demo(web_demo, tmp_path_factory.mktemp(f"web-{request.param}") / "demo")
    if request.param == "sqlite":
        url = f"sqlite:///{(ws / 'enquete.sqlite').as_posix()}"
        with serve(ws, key, url) as s:
            yield s
        return
    pg = _postgres_url()
    url = next(pg)
    copy_survey(f"sqlite:///{(ws / 'enquete.sqlite').as_posix()}", url, read_key(key))
    try:
        with serve(ws, key, url, workers=2) as s:
            yield s
    finally:
        pg.close()


@pytest.fixture
def new_page(chromium: Any, axe_source: str) -> Iterator[Callable[..., tuple[Any, Checker]]]:
    """`new_page(javascript=True)`: a page in a fresh browser context (no cookies), and the axe checker of its
    journey. Any request to another host is refused and recorded; the test fails if there was one, or if axe
    found a violation on any page."""
    contexts: list[Any] = []
    checkers: list[Checker] = []
    foreign: list[str] = []

    def make(javascript: bool = True) -> tuple[Any, Checker]:
        ctx = chromium.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
        contexts.append(ctx)

        def route(r: Any) -> None:
            if r.request.url.startswith(("http://127.0.0.1:", "data:")):
                r.continue_()
            else:
                foreign.append(r.request.url)
                r.abort()

        ctx.route("**/*", route)
        checker = Checker(axe_source)
        if not javascript:
            mirror_ctx = chromium.new_context(viewport={"width": 1280, "height": 900})
            contexts.append(mirror_ctx)
            mirror_ctx.route("**/*", route)
            checker.mirror = mirror_ctx.new_page()
        checkers.append(checker)
        return ctx.new_page(), checker

    yield make
    for ctx in contexts:
        ctx.close()
    assert foreign == [], f"pages asked another host for {foreign}"
    for checker in checkers:
        assert checker.violations == {}, checker.violations


# --- the keyboard -----------------------------------------------------------------------------------------

def tab_to(page: Any, want: Callable[[dict[str, Any]], bool], limit: int = 80) -> dict[str, Any]:
    """Press Tab until the focused element is `want`ed; every element on the way shows a visible focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused: dict[str, Any] = page.evaluate(FOCUS)
        if focused["tag"] == "body":
            continue
        assert (focused["outline"] != "none" and focused["outlineWidth"] >= 2) or focused["shadow"] != "none", \
            f"no visible focus on {focused} at {page.url}"
        if want(focused):
            return focused
    raise AssertionError(f"Tab never reached the element on {page.url}")


def press_enter_on(page: Any, want: Callable[[dict[str, Any]], bool]) -> None:
    tab_to(page, want)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def enter_code(page: Any, server: Server, code: str, check: Checker) -> None:
    page.goto(server.url + "/")
    check(page)
    tab_to(page, lambda f: f["id"] == "field-code")
    page.keyboard.type(code.replace("-", " ").lower())  # as a resident may type it
    with page.expect_navigation():
        page.keyboard.press("Enter")


def question_id(page: Any) -> str | None:
    found = re.search(r"/vraag/([^/?#]+)", page.url)
    return found.group(1) if found else None


def answer_by_keyboard(page: Any) -> list[str]:
    """Answer the question on the page by keyboard: the first choice (Space), a number or a text (typed); then
    Enter on 'next'. Returns the values given."""
    kind = page.evaluate("() => { const el = document.getElementById('field-answer'); "
                         "return el.tagName === 'TEXTAREA' ? 'open' : el.type; }")
    focused = tab_to(page, lambda f: f["name"] == "answer")
    if kind == "radio":
        page.keyboard.press("Space")
        values = [page.evaluate(FOCUS)["value"]]
    elif kind == "checkbox":
        if not focused["checked"]:
            page.keyboard.press("Space")
        values = page.eval_on_selector_all("input[name=answer]:checked", "els => els.map(e => e.value)")
    else:
        values = [OPEN_TEXT if kind == "open" else "12"]
        page.keyboard.press("Control+A")
        page.keyboard.type(values[0])
    press_enter_on(page, lambda f: f["tag"] == "button" and f["value"] == "next")
    return values


def answer_all(page: Any, check: Checker, stop_after: int | None = None) -> dict[str, list[str]]:
    """Answer question after question until the check page (or after `stop_after` answers)."""
    given: dict[str, list[str]] = {}
    while (qid := question_id(page)) is not None and (stop_after is None or len(given) < stop_after):
        check(page)
        assert qid not in given, f"question {qid} came twice"
        given[qid] = answer_by_keyboard(page)
    return given


def send(page: Any, check: Checker) -> None:
    assert page.url.endswith("/controleren"), page.url
    check(page)
    press_enter_on(page, lambda f: f["tag"] == "button" and f["form"] == "/verzenden")
    assert page.url.endswith("/bedankt"), page.url
    check(page)


# --- the respondent ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("javascript", [True, False], ids=["keyboard", "keyboard-no-js"])
def test_respondent_answers_everything_by_keyboard(server: Server, new_page: Any, javascript: bool) -> None:
    page, check = new_page(javascript)
    code = server.open_codes(1)[0]
    enter_code(page, server, code, check)
    given = answer_all(page, check)
    assert len(given) >= 10 and "remarks" in given
    # Every answer is on the check page, the open text as typed (inert: no element made from it).
    assert page.locator("dl.wl-answers").inner_text().count(OPEN_TEXT) == sum(v == [OPEN_TEXT] for v in
                                                                              given.values())
    assert page.locator("dl.wl-answers script").count() == 0
    send(page, check)
    n, complete, stored = server.stored(code)
    assert (n, complete) == (1, True)
    assert stored == given
    # The same code again: already sent, nothing new stored.
    enter_code(page, server, code, check)
    assert question_id(page) is None and not page.url.endswith("/controleren")
    assert server.stored(code) == (1, True, given)


def test_resume_with_the_same_code_and_go_back(server: Server, new_page: Any) -> None:
    page, check = new_page()
    code = server.open_codes(1)[0]
    enter_code(page, server, code, check)
    first = answer_all(page, check, stop_after=3)
    stopped_at = question_id(page)
    page.context.close()  # the resident closes the browser
    page, check = new_page()
    enter_code(page, server, code, check)
    assert question_id(page) == stopped_at  # back where they stopped
    # 'previous' by keyboard shows the answer given before, still chosen.
    press_enter_on(page, lambda f: f["tag"] == "button" and f["value"] == "back")
    check(page)
    before = list(first)[-1]
    assert question_id(page) == before
    chosen = page.eval_on_selector_all("input[name=answer]:checked", "els => els.map(e => e.value)") or \
        [page.input_value("#field-answer")]
    assert chosen == first[before]
    rest = answer_all(page, check)
    assert rest[before] == first[before]
    send(page, check)
    assert server.stored(code) == (1, True, {**first, **rest})


# --- staff ------------------------------------------------------------------------------------------------

def monitor_total(page: Any) -> dict[str, int | None]:
    """The monitor's total row; None where a small count is not published (disclosure control)."""
    cells = page.locator("table tbody tr").last.locator("th, td").all_inner_texts()
    numbers = [int(d) if (d := re.sub(r"\D", "", c)) else None for c in cells[1:]]
    return {"gross": numbers[0], "responded": numbers[1], "web": numbers[3], "paper": numbers[4],
            "phone": numbers[5]}


def test_staff_login_paper_entry_and_monitor(server: Server, new_page: Any, tmp_path: Path) -> None:
    add_staff(server.workspace, server.db_url, STAFF_USER, STAFF_PASSWORD)
    codes = server.open_codes(2)
    paper = tmp_path / "papier_synthetisch.csv"
    paper.write_text("code;contact;barriers;travel_minutes;remarks\n"
                     f"{codes[0]};no;distance|costs;25;\n{codes[1]};dont_know;none;;{OPEN_TEXT.replace(';', ',')}\n",
                     "utf-8")
    page, check = new_page()
    page.goto(server.url + "/staff")
    assert "/staff/login" in page.url
    check(page)
    tab_to(page, lambda f: f["id"] == "username")
    page.keyboard.type(STAFF_USER)
    page.keyboard.press("Tab")
    page.keyboard.type(STAFF_PASSWORD)
    with page.expect_navigation(timeout=180_000):  # a memory-hard password hash, on a busy machine
        page.keyboard.press("Enter")
    check(page)
    page.goto(server.url + "/staff/entry")
    check(page)
    page.set_input_files("#file", str(paper))  # the file chooser itself is the operating system's
    press_enter_on(page, lambda f: f["tag"] == "button" and f["form"] == "/staff/entry")
    check(page)
    assert page.locator("[role=status]").count() == 1, page.inner_text("main")
    assert server.stored(codes[0])[0] == 1 and server.stored(codes[1])[0] == 1
    assert server.stored(codes[0])[2] == {"contact": ["no"], "barriers": ["distance", "costs"],
                                          "travel_minutes": ["25"]}
    assert server.stored(codes[1])[2]["remarks"] == [OPEN_TEXT.replace(";", ",")]
    page.goto(server.url + "/staff/monitor")
    check(page)
    with SurveyStore(server.db_url) as db:
        sample = db.sample(server.survey().survey_id)
    expect = {"gross": len(sample), "responded": int(sample["responded"].sum()),
              **{m: int((sample["mode"] == m).sum()) for m in ("web", "paper", "phone")}}
    shown = monitor_total(page)
    assert shown["gross"] == expect["gross"]
    published = [k for k, v in shown.items() if v is not None]
    assert {k: shown[k] for k in published} == {k: expect[k] for k in published}
    for path in ("/staff/exports", "/staff/close"):
        page.goto(server.url + path)
        check(page)


# --- the dashboard ----------------------------------------------------------------------------------------

def test_dashboard_walk(server: Server, new_page: Any) -> None:
    for path in ("", "/kaart", "/balie", "/opties", "/peiling"):  # computed once per process: minutes when cold
        got = server.get("/dashboard" + path, timeout=600)
        assert got.status_code == 200, re.sub(r"<[^>]+>", " ", got.text.split("<main")[-1])[:600]
    page, check = new_page()
    page.set_default_timeout(600_000)  # with two workers, the other process may still be computing
    page.goto(server.url + "/dashboard")
    check(page)
    nav = page.eval_on_selector_all("nav.wl-dash-nav a", "els => els.map(a => a.getAttribute('href'))")
    assert {"/dashboard/kaart", "/dashboard/balie", "/dashboard/opties", "/dashboard/peiling"} <= \
        {h.split("?")[0] for h in nav}
    for href in dict.fromkeys(h for h in nav):
        page.goto(server.url + href)
        assert page.locator("h1").count() == 1, href
        check(page)
    # The map: another indicator chosen in the form (keyboard only), the map shown for it.
    page.goto(server.url + "/dashboard/kaart")
    choices = page.eval_on_selector_all("select[name=indicator] option", "els => els.map(o => o.value)")
    assert len(choices) >= 2
    tab_to(page, lambda f: f["name"] == "indicator")
    page.keyboard.press("ArrowDown")
    press_enter_on(page, lambda f: f["tag"] == "button" and f["form"] == "/dashboard/kaart")
    assert f"indicator={choices[1]}" in page.url
    assert page.locator("main img[src^='data:image/svg'], main svg").count() >= 1  # the report's map, no JS needed
    check(page)
    # The explorer: one assumption changed, the options recomputed with it.
    page.goto(server.url + "/dashboard/opties")
    before = page.locator("main table").first.inner_text()
    field = page.locator("main form input[type=text]").first
    name, value = field.get_attribute("name"), field.input_value()
    assert name and value
    tab_to(page, lambda f: f["name"] == name)
    page.keyboard.press("Control+A")
    page.keyboard.type(str(2 * float(value.replace(",", "."))).replace(".", ","))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"{name}=" in page.url
    check(page)
    assert page.locator("main table").first.inner_text() != before


# --- PostgreSQL restarts under a running app --------------------------------------------------------------

def _as_postgres(*cmd: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)


@pytest.fixture
def own_postgres() -> Iterator[tuple[str, Callable[[], None]]]:
    """A PostgreSQL server of this test's own (scripts/postgres.sh on a free port and a new data folder, so the
    restart disturbs no other test using the shared one), and a function that restarts it."""
    if not os.environ.get("WIJKLOKET_TEST_PG", "").strip():
        pytest.skip("WIJKLOKET_TEST_PG not set (run scripts/postgres.sh)")
    root = Path(__file__).parents[2]
    data = Path(tempfile.gettempdir()) / f"wijkloket-pg-{os.getpid()}-{free_port()}"
    port = free_port()
    done = subprocess.run(["bash", str(root / "scripts" / "postgres.sh")], capture_output=True, text=True,
                          timeout=180, env={**os.environ, "WIJKLOKET_PG_PORT": str(port),
                                            "WIJKLOKET_PG_DATA": str(data)})
    assert done.returncode == 0, done.stderr
    pg_ctl = shutil.which("pg_ctl") or sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1].as_posix()

    def restart() -> None:
        # The new server inherits pg_ctl's output: a log file, never this process's pipes.
        subprocess.run(_as_postgres(pg_ctl, "-D", str(data), "-l", str(data / "server.log"), "-m", "fast", "-w",
                                    "-t", "60", "restart"), check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=120)

    try:
        yield done.stdout.strip().splitlines()[-1], restart
    finally:
        subprocess.run(_as_postgres(pg_ctl, "-D", str(data), "-m", "immediate", "stop"), capture_output=True,
                       timeout=60)
        shutil.rmtree(data, ignore_errors=True)


def test_database_restart_loses_no_answer(web_demo: Path, tmp_path: Path, new_page: Any,
                                          own_postgres: tuple[str, Callable[[], None]]) -> None:
    url, restart = own_postgres
    ws, key = copy_demo(web_demo, tmp_path / "demo")
    copy_survey(f"sqlite:///{(ws / 'enquete.sqlite').as_posix()}", url, read_key(key))
    with serve(ws, key, url, workers=2) as server:
        page, check = new_page()
        code = server.open_codes(1)[0]
        enter_code(page, server, code, check)
        first = answer_all(page, check, stop_after=2)
        restart()
        assert server.alive()
        # The very next answer after the restart is stored (the pool's dead connections are replaced).
        rest = answer_all(page, check)
        send(page, check)
        assert server.alive()
        assert server.stored(code) == (1, True, {**first, **rest})
