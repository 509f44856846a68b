"""The staff pages (`/staff`) through FastAPI's TestClient: login, logout, expiry and throttling, CSRF on
every form, paper entry, exports, closing fieldwork, and what a session may see.

The workspace holds the hand-made survey of tests/fixtures/survey/backends.py (6 units: Noord 1-3, Zuid
4-6) with the questionnaire mini.toml; papier.csv is worked out by hand in tests/usecases/test_survey_entry.py:
8 rows read, 3 stored (1 partial), 5 rejected (rows 3 bad_code, 4 unknown_code, 5 code_used, 7 bad_answer,
8 bad_mode). Password hashing is made cheap here (same Argon2id, less memory); the real parameters are
checked in tests/cli/test_cli_staff.py.
"""

from __future__ import annotations

import csv
import html
import io
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher, Type
from fastapi.testclient import TestClient
from fixtures.survey import analysis_survey
from fixtures.survey.backends import KEY, SURVEY, codes, frame_counts, survey_url, units
from sqlalchemy import create_engine, text

from wijkloket.config import SETTINGS_FILE, Settings
from wijkloket.store.survey_db import SurveyStore
from wijkloket.usecases import web_staff
from wijkloket.web.app import create_app
from wijkloket.web.config import WebConfig

__all__ = ["survey_url"]
GM = "GM9999"
PASSWORD = "correct horse battery"
PAGES = ("/staff", "/staff/monitor", "/staff/entry", "/staff/exports", "/staff/close")


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web_staff, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1,
                                                            type=Type.ID))
    monkeypatch.setattr(web_staff, "_dummy", {})


def _workspace(tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch, synthetic: bool = False,
               build: str = "mini", fixtures: Path | None = None) -> WebConfig:
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / SETTINGS_FILE).write_text(Settings(gemeente=GM, name="Teststad").to_toml(), "utf-8")
    monkeypatch.setenv("WIJKLOKET_SURVEY_DB", url)
    key = tmp_path / "sleutel.key"
    key.write_text((KEY if build == "mini" else analysis_survey.KEY).hex() + "\n", "ascii")
    if build == "mini":
        assert fixtures is not None
        q = (fixtures / "survey" / "mini.toml").read_text("utf-8")
        with SurveyStore(url) as db:
            db.create_survey(SURVEY, GM, q, "mini-v1", "district", 5, synthetic, units(3, 3), frame_counts())
    else:
        analysis_survey.build(url, synthetic=synthetic)
    web_staff.create_account(folder, "balie", PASSWORD, url)
    return WebConfig(folder, url, key)


@pytest.fixture
def cfg(tmp_path: Path, survey_url: str, monkeypatch: pytest.MonkeyPatch, fixtures: Path) -> WebConfig:
    return _workspace(tmp_path, survey_url, monkeypatch, fixtures=fixtures)


@pytest.fixture
def client(cfg: WebConfig) -> Iterator[TestClient]:
    with TestClient(create_app(cfg)) as c:
        yield c


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF field on the page"
    return found.group(1)


def _login(c: TestClient, username: str = "balie", password: str = PASSWORD) -> httpx.Response:
    token = _csrf(c.get("/staff/login").text)
    return c.post("/staff/login", data={"username": username, "password": password, "csrf": token},
                  follow_redirects=False)


def _state(url: str) -> list[list[object]]:
    engine = create_engine(url)
    with engine.connect() as con:
        out = [list(con.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all())
               for t in ("responses", "answers", "entry_files", "surveys")]
    engine.dispose()
    return out


def test_every_staff_page_needs_a_login(client: TestClient, cfg: WebConfig) -> None:
    before = _state(cfg.survey_db_url)
    for path in (*PAGES, "/staff/exports/results.csv", "/staff/exports/monitor.csv"):
        r = client.get(path, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, "/staff/login"), path
    token = _csrf(client.get("/staff/login").text)
    r = client.post("/staff/close", data={"csrf": token, "step": "do", "unlink": "yes"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/staff/login"
    assert _state(cfg.survey_db_url) == before


def test_login_rotates_the_session_and_logout_ends_it(client: TestClient, cfg: WebConfig) -> None:
    assert _login(client).status_code == 303
    first = client.cookies["wl_session"]
    r = client.get("/staff")
    assert r.status_code == 200 and "Ingelogd als balie." in r.text and SURVEY in r.text
    r = _login(client)  # logging in again: a new token, the old one is gone
    assert r.status_code == 303 and r.headers["location"] == "/staff"
    second = client.cookies["wl_session"]
    assert second != first
    with TestClient(create_app(cfg), cookies={"wl_session": first}) as old:
        assert old.get("/staff", follow_redirects=False).status_code == 303
    r = client.post("/staff/logout", data={"csrf": _csrf(client.get("/staff").text)}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/staff/login?reason=logged_out")
    assert "U bent uitgelogd." in client.get(r.headers["location"]).text
    with TestClient(create_app(cfg), cookies={"wl_session": second}) as replay:
        assert replay.get("/staff", follow_redirects=False).status_code == 303


def test_wrong_password_and_unknown_name_get_the_same_answer(client: TestClient) -> None:
    wrong, unknown = _login(client, password="not the password"), _login(client, username="niemand")
    too_long = _login(client, username="BALIE ", password="x" * 2000)  # refused without hashing 2000 characters
    assert wrong.status_code == unknown.status_code == too_long.status_code == 401
    for r in (wrong, unknown):
        assert "De gebruikersnaam of het wachtwoord klopt niet." in r.text and 'href="#username"' in r.text
        assert "wl_session" not in r.headers.get("set-cookie", "")
    # the two pages differ only in the name typed back into the field
    assert wrong.text.replace('value="balie"', "") == unknown.text.replace('value="niemand"', "")
    assert PASSWORD not in wrong.text + unknown.text


def test_the_name_is_not_case_sensitive_and_a_disabled_account_cannot_log_in(client: TestClient,
                                                                            cfg: WebConfig) -> None:
    assert _login(client, username=" Balie").status_code == 303
    assert client.get("/staff").status_code == 200
    web_staff.disable_account(cfg.workspace, "balie", cfg.survey_db_url)
    assert client.get("/staff", follow_redirects=False).status_code == 303  # the open session ends too
    assert _login(client).status_code == 401


def test_wrong_passwords_are_throttled(client: TestClient, cfg: WebConfig) -> None:
    for _ in range(cfg.code_attempts):
        assert _login(client, password="wrong wrong wrong").status_code == 401
    r = _login(client)  # the right password, but too many attempts from this client
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) == 60 * cfg.throttle_minutes
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_the_session_expires(client: TestClient, cfg: WebConfig) -> None:
    _login(client)
    assert client.get("/staff").status_code == 200
    engine = create_engine(cfg.survey_db_url)
    with engine.begin() as con:
        con.execute(text("UPDATE web_sessions SET expires_at = 1 WHERE kind = 'staff'"))
    engine.dispose()
    r = client.get("/staff/monitor", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/staff/login?reason=expired")
    assert "bent uitgelogd" in client.get(r.headers["location"]).text


def _upload(c: TestClient, path: Path, token: str | None, mode: str = "paper", name: str | None = None
            ) -> httpx.Response:
    data = {"mode": mode} | ({"csrf": token} if token is not None else {})
    return c.post("/staff/entry", data=data, files={"file": (name or path.name, path.read_bytes(), "text/csv")})


def test_csrf_on_every_form(client: TestClient, cfg: WebConfig, fixtures: Path) -> None:
    _login(client)
    before = _state(cfg.survey_db_url)
    good = _csrf(client.get("/staff/entry").text)
    for token in (None, "", "forged" + good[6:]):
        assert _upload(client, fixtures / "survey" / "papier.csv", token).status_code == 403
        data = {"step": "do", "unlink": "yes"} | ({"csrf": token} if token is not None else {})
        assert client.post("/staff/close", data=data).status_code == 403
        assert client.post("/staff/entry/rejects", data={"rows": "[]"} | ({"csrf": token} if token else {})
                           ).status_code == 403
        assert client.post("/staff/logout", data={} if token is None else {"csrf": token}).status_code == 403
    foreign = client.post("/staff/close", data={"csrf": good, "step": "do"}, headers={"origin": "https://evil.test"})
    assert foreign.status_code == 403
    assert _state(cfg.survey_db_url) == before
    assert client.get("/staff").status_code == 200  # still logged in: logout was refused
    with TestClient(create_app(cfg)) as other:  # the login form too
        r = other.post("/staff/login", data={"username": "balie", "password": PASSWORD})
        assert r.status_code == 403 and "wl_session" not in other.cookies


def test_upload_stores_the_rows_and_the_same_file_again_changes_nothing(client: TestClient, cfg: WebConfig,
                                                                     fixtures: Path, tmp_path: Path) -> None:
    _login(client)
    paper = fixtures / "survey" / "papier.csv"
    r = _upload(client, paper, _csrf(client.get("/staff/entry").text))
    page = r.text
    assert r.status_code == 200
    assert "papier.csv: 8 rijen gelezen, 3 opgeslagen (waarvan 1 gedeeltelijk ingevuld), 5 afgewezen." in page
    assert "Rij 7, kolom &#39;ease&#39;" in page
    with SurveyStore(cfg.survey_db_url) as db:
        sid = db.survey(GM).survey_id
        responses = db.responses(sid)
    assert responses[["mode", "complete", "stratum"]].values.tolist() == [
        ["paper", True, "Noord"], ["phone", False, "Noord"], ["paper", True, "Zuid"]]
    for code in codes(6):
        assert code not in page and code.replace("-", "").lower() not in page.lower()
    # the rejects, carried in the page's form, as CSV without codes
    rows = re.search(r'name="rows" value="([^"]*)"', page)
    assert rows is not None
    r = client.post("/staff/entry/rejects", data={"rows": html.unescape(rows.group(1)), "survey": SURVEY,
                                                  "csrf": _csrf(page)})
    assert r.headers["content-disposition"] == 'attachment; filename="peiling-test-afgewezen.csv"'
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert [(x["row"], x["reason"], x["column"]) for x in table] == [
        ("3", "bad_code", "code"), ("4", "unknown_code", "code"), ("5", "code_used", "code"),
        ("7", "bad_answer", "ease"), ("8", "bad_mode", "mode")]
    assert table[3]["value"] == "7" and "1 en 5" in table[3]["problem"]
    assert all(c not in r.text for c in codes(6))
    before = _state(cfg.survey_db_url)
    copy = tmp_path / "nog-eens.csv"
    copy.write_bytes(paper.read_bytes())
    again = _upload(client, copy, _csrf(client.get("/staff/entry").text))
    assert "is al eerder ingevoerd" in again.text
    assert _state(cfg.survey_db_url) == before
    # the temporary copy of the upload is gone
    assert not list(Path(tempfile.gettempdir()).glob("wijkloket-entry-*"))


def test_a_bad_upload_is_shown_on_the_form_and_stores_nothing(client: TestClient, cfg: WebConfig,
                                                              tmp_path: Path) -> None:
    _login(client)
    before = _state(cfg.survey_db_url)
    named = tmp_path / "met-naam.csv"
    named.write_text("code,naam,contact\nBEZP-SWJH-4YTK,Jan Jansen,yes\n", "utf-8")
    r = _upload(client, named, _csrf(client.get("/staff/entry").text))
    assert r.status_code == 400 and 'href="#file"' in r.text and "naam" in r.text
    assert "Jan Jansen" not in r.text
    assert "met-naam.csv: de kolom(men) naam" in r.text and "wijkloket-entry" not in r.text  # not the temporary copy
    r = _upload(client, named, _csrf(client.get("/staff/entry").text), name="<script>x</script>.txt")
    assert r.status_code == 400 and "<script>x" not in r.text
    assert "geen CSV- of Excelbestand" in r.text
    r = client.post("/staff/entry", data={"csrf": _csrf(client.get("/staff/entry").text), "mode": "paper"})
    assert r.status_code == 400 and "Er is geen bestand gekozen." in r.text
    assert _state(cfg.survey_db_url) == before


def test_close_asks_first_then_closes_and_unlinks(client: TestClient, cfg: WebConfig, fixtures: Path) -> None:
    _login(client)
    _upload(client, fixtures / "survey" / "papier.csv", _csrf(client.get("/staff/entry").text))
    page = client.get("/staff/close").text
    assert 'name="unlink"' in page and 'type="checkbox"' in page
    r = client.post("/staff/close", data={"csrf": _csrf(page), "step": "confirm", "unlink": "yes"})
    assert "Weet u het zeker?" in r.text and "kan niet ongedaan worden gemaakt" in r.text
    with SurveyStore(cfg.survey_db_url) as db:
        assert db.survey(GM).closed_at is None  # nothing happened yet
    r = client.post("/staff/close", data={"csrf": _csrf(r.text), "step": "do", "unlink": "yes"})
    assert r.status_code == 200 and "is gesloten op" in r.text and "Bij 3 antwoorden" in r.text
    with SurveyStore(cfg.survey_db_url) as db:
        rec = db.survey(GM)
        linked = db.responses(rec.survey_id)["linked"].tolist()
    assert rec.closed_at is not None and rec.unlinked and linked == [False, False, False]
    engine = create_engine(cfg.survey_db_url)
    with engine.connect() as con:
        hashes = con.execute(text("SELECT count(*) FROM sample_units WHERE code_hash IS NOT NULL")).scalar_one()
    engine.dispose()
    assert hashes == 0
    assert "niets meer te doen" in client.get("/staff/close").text
    # entering paper answers after closing is refused with the reason, nothing stored
    r = _upload(client, fixtures / "survey" / "papier2.csv", _csrf(client.get("/staff/entry").text))
    assert r.status_code == 400 and "gesloten" in r.text


def test_monitor_suppresses_small_counts_and_shows_the_r_indicator(client: TestClient, fixtures: Path) -> None:
    _login(client)
    _upload(client, fixtures / "survey" / "papier.csv", _csrf(client.get("/staff/entry").text))
    page = client.get("/staff/monitor").text
    body = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    # by hand from papier.csv: Noord paper 1 (unit 1), phone 1 (unit 3); Zuid paper 1 (unit 6); nobody on the web.
    # Counts of 1 to 9 are x (and the response % with them); zeros are shown; the gross sample is a design figure
    assert "Noord 3 x x 0 x x" in body and "Zuid 3 x x 0 x 0" in body and "Totaal 6 x x 0 x x" in body
    assert "R-indicator:" in body and "95%-interval" in body


def test_exports_open_and_are_formula_safe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl
    import pandas as pd

    from wijkloket.usecases.survey_weighting import weight

    url = f"sqlite:///{(tmp_path / 'enquete.sqlite').as_posix()}"
    cfg = _workspace(tmp_path, url, monkeypatch, synthetic=True, build="analysis")
    weighted = weight(cfg.workspace, GM)
    with TestClient(create_app(cfg)) as c:
        _login(c)
        page = c.get("/staff/exports").text
        links = re.findall(r'href="(/staff/exports/[a-z]+\.[a-z]+)"', page)
        assert links == ["/staff/exports/results.csv", "/staff/exports/results.xlsx", "/staff/exports/weights.csv",
                         "/staff/exports/monitor.csv"]
        got = {link: c.get(link) for link in links}
        assert c.get("/staff/exports/answers.csv").status_code == 400
    for link, r in got.items():
        name = link.rsplit("/", 1)[1]
        assert r.status_code == 200
        assert r.headers["content-disposition"] == f'attachment; filename="peiling-analyse-{name}"'
    weights = list(csv.DictReader(io.StringIO(got["/staff/exports/weights.csv"].text)))
    assert len(weights) == len(weighted.weights)
    by_id = dict(zip(weighted.weights["respondent"], weighted.weights["weight"], strict=True))
    assert [float(w["weight"]) for w in weights] == pytest.approx([by_id[int(w["respondent"])] for w in weights])
    # raked to the frame: the weights add up to the frame's population (summed by hand from FRAME)
    assert sum(float(w["weight"]) for w in weights) == pytest.approx(sum(analysis_survey.FRAME.values()))
    assert {w["synthetic"] for w in weights} == {"True"}
    monitor = list(csv.DictReader(io.StringIO(got["/staff/exports/monitor.csv"].text)))
    assert [(m["stratum"], int(m["gross"])) for m in monitor] == [("Noord", 240), ("Oost", 200), ("Zuid", 160)]
    results = list(csv.DictReader(io.StringIO(got["/staff/exports/results.csv"].text)))
    assert {r["question"] for r in results} >= {"contact", "barriers"} and results[0]["domain"] == "total"
    book = openpyxl.load_workbook(io.BytesIO(got["/staff/exports/results.xlsx"].content))
    sheet = book.worksheets[0]
    assert "SYNTHETISCH" in str(sheet.cell(2, 1).value)
    frame = pd.DataFrame({"text": ['=HYPERLINK("http://x")', "-1+1", "ok"], "n": [-1, 2, 3]})
    assert list(csv.reader(io.StringIO(web_staff.csv_bytes(frame).decode()))) == [
        ["text", "n"], ["'=HYPERLINK(\"http://x\")", "-1"], ["'-1+1", "2"], ["ok", "3"]]


def test_synthetic_surveys_say_so_on_every_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                fixtures: Path) -> None:
    url = f"sqlite:///{(tmp_path / 'enquete.sqlite').as_posix()}"
    cfg = _workspace(tmp_path, url, monkeypatch, synthetic=True, fixtures=fixtures)
    with TestClient(create_app(cfg)) as c:
        assert "SYNTHETISCH" in c.get("/staff/login").text
        _login(c)
        for path in PAGES:
            assert "SYNTHETISCH" in c.get(path).text, path
        r = _upload(c, fixtures / "survey" / "papier.csv", _csrf(c.get("/staff/entry").text))
        assert "SYNTHETISCH" in r.text


def test_passwords_are_stored_only_as_argon2id_hashes(cfg: WebConfig, tmp_path: Path) -> None:
    engine = create_engine(cfg.survey_db_url)
    with engine.connect() as con:
        rows = con.execute(text("SELECT username, password_hash FROM staff_accounts")).all()
    engine.dispose()
    assert [r[0] for r in rows] == ["balie"]
    assert rows[0][1].startswith("$argon2id$v=19$") and PASSWORD not in rows[0][1]
    db_file = cfg.workspace.parent / "enquete.sqlite"
    if cfg.survey_db_url.startswith("sqlite"):
        assert PASSWORD.encode() not in Path(cfg.survey_db_url.removeprefix("sqlite:///")).read_bytes()
    assert not db_file.exists() or PASSWORD.encode() not in db_file.read_bytes()


def test_sessions_keep_to_their_kind_and_a_code_opens_only_its_own_answers(client: TestClient,
                                                                          cfg: WebConfig) -> None:
    """A respondent's session opens no staff page; a staff session opens no respondent's answers; code A's
    session neither reads nor changes code B's answers (there is no way to name another code)."""
    a_code, b_code = codes(2)

    def respondent(code: str) -> TestClient:
        c = TestClient(create_app(cfg))
        r = c.post("/", data={"code": code, "csrf": _csrf(c.get("/").text)}, follow_redirects=False)
        assert r.status_code == 303
        return c

    def stored() -> list[tuple[int, str, str]]:
        with SurveyStore(cfg.survey_db_url) as db:
            sid = db.survey(GM).survey_id
            nth = dict(zip(db.responses(sid)["response_id"], range(1, 99), strict=False))  # 1: A, 2: B
            ans = db.answers(sid)
        return sorted((nth[r], q, v) for r, q, v in ans.itertuples(index=False))

    a, b = respondent(a_code), respondent(b_code)
    page = a.get("/vraag/contact").text
    a.post("/vraag/contact", data={"answer": "yes", "csrf": _csrf(page), "action": "next"})
    assert "checked" in a.get("/vraag/contact").text  # A sees A's own answer
    assert a.get("/staff", follow_redirects=False).status_code == 303  # a respondent is not staff
    page_b = b.get("/vraag/contact").text
    assert "checked" not in page_b  # B sees nothing of A's
    b.post("/vraag/contact", data={"answer": "no", "csrf": _csrf(page_b), "action": "next"})
    assert stored() == [(1, "contact", "yes"), (2, "contact", "no")]  # A's answer is untouched by B
    _login(client)  # staff: the respondent pages do not open with a staff session, and store nothing
    for path in ("/vraag/contact", "/controleren"):
        r = client.get(path)
        assert "Vul uw code opnieuw in" in r.text and "checked" not in r.text
    r = client.post("/vraag/contact", data={"answer": "no", "csrf": _csrf(client.get("/staff").text),
                                            "action": "next"})
    assert "Vul uw code opnieuw in" in r.text
    assert stored() == [(1, "contact", "yes"), (2, "contact", "no")]
    a.close()
    b.close()


def test_english_pages_and_an_export_before_weighting(client: TestClient) -> None:
    assert "Staff log in" in client.get("/staff/login?lang=en").text
    _login(client)
    page = client.get("/staff/monitor?lang=en").text
    assert "Response per area" in page and "Logged in as balie." in page
    r = client.get("/staff/exports/results.csv?lang=nl")
    # no answers yet: the downloads page says why, no file
    assert r.status_code == 400 and "content-disposition" not in r.headers
    assert "heeft nog geen antwoorden" in r.text and "Ingelogd als balie." in r.text
