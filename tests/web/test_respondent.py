"""The residents' way through the survey (issue 11, point 2), with FastAPI's TestClient, on both backends
where the database matters. The questionnaire (tests/web/conftest.py) has 5 questions; `channel` is shown
only after contact = yes, so before that the way is 4 questions long ("vraag 1 van ongeveer 4")."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from fixtures.survey.backends import KEY
from fixtures.survey.web import WEB_QUESTIONNAIRE, WebSurvey, csrf_of, make_workspace
from httpx import Response

from wijkloket.errors import WorkspaceError
from wijkloket.store import web_db
from wijkloket.survey.codes import make_code
from wijkloket.survey.questionnaire import parse_questionnaire
from wijkloket.usecases import web_sessions
from wijkloket.usecases.web_respondent import resume_at


def _post(client: TestClient, path: str, page: Response, **data: str | list[str]) -> Response:
    return client.post(path, data={"csrf": csrf_of(page.text), **data}, follow_redirects=False)


def _answer(client: TestClient, qid: str, value: str | list[str], action: str = "next") -> Response:
    page = client.get(f"/vraag/{qid}")
    assert page.status_code == 200, page.text
    return _post(client, f"/vraag/{qid}", page, answer=value, action=action)


def _checked(html: str) -> list[str]:
    return re.findall(r'value="([^"]+)" checked', html)


def test_full_journey_saves_every_page_and_sends_once(client: TestClient, web_survey: WebSurvey,
                                                     login: Callable[[int], TestClient]) -> None:
    page = client.get("/")
    res = _post(client, "/", page, code=web_survey.codes[0])
    assert (res.status_code, res.headers["location"]) == (303, "/vraag/contact")
    first = client.get("/vraag/contact")
    assert "Vraag 1 van ongeveer 4" in first.text  # channel is hidden until contact = yes
    assert _answer(client, "contact", "yes").headers["location"] == "/vraag/channel"
    assert web_survey.saved() == ([(1, "web", False, "Noord")], [(1, "contact", "yes")])  # saved, partial
    assert "Vraag 2 van ongeveer 5" in client.get("/vraag/channel").text
    assert _answer(client, "channel", ["desk", "phone"]).headers["location"] == "/vraag/ease"
    assert _answer(client, "ease", "4").headers["location"] == "/vraag/minutes"
    assert _answer(client, "minutes", "12,5").headers["location"] == "/vraag/remarks"
    assert _answer(client, "remarks", "Prima  geholpen").headers["location"] == "/controleren"
    check = client.get("/controleren")
    for shown in ("Aan de balie, Telefoon", "12.5", "Prima geholpen", 'href="/vraag/ease?terug=controleren"'):
        assert shown in check.text
    assert web_survey.saved()[0] == [(1, "web", False, "Noord")]
    sent = _post(client, "/verzenden", check)
    assert (sent.status_code, sent.headers["location"]) == (303, "/bedankt")
    assert "Bedankt voor uw antwoorden" in client.get("/bedankt").text
    responses, answers = web_survey.saved()
    assert responses == [(1, "web", True, "Noord")]
    assert answers == [(1, "channel", "desk"), (1, "channel", "phone"), (1, "contact", "yes"), (1, "ease", "4"),
                       (1, "minutes", "12.5"), (1, "remarks", "Prima geholpen")]
    again = _post(client, "/", client.get("/"), code=web_survey.codes[0])
    assert "al verstuurd" in again.text and web_survey.saved()[1] == answers


def test_the_code_messages(web_sqlite: WebSurvey) -> None:
    client = web_sqlite.client()
    good = web_sqlite.codes[0]
    swapped = good[:-2] + good[-1] + good[-2]  # the last two characters swapped: the check character catches it
    cases = {swapped: "typfout", "ABC": "niet de goede vorm", "": "Vul uw code in",
             make_code(KEY, "een-andere-peiling", 1): "kennen deze code niet"}
    for code, text in cases.items():
        res = _post(client, "/", client.get("/"), code=code)
        assert res.status_code == 400 and text in res.text, code
        assert 'href="#field-code"' in res.text and 'id="field-code"' in res.text and 'aria-invalid="true"' in res.text
    assert _post(client, "/", client.get("/"), code=good.lower().replace("-", " ")).status_code == 303


def test_the_code_from_the_qr_link_is_filled_in(web_sqlite: WebSurvey) -> None:
    page = web_sqlite.client().get("/", params={"code": web_sqlite.codes[1]})
    assert f'value="{web_sqlite.codes[1]}"' in page.text and 'autocomplete="off"' in page.text


def test_error_summary_links_to_the_field(client: TestClient, login: Callable[[int], TestClient]) -> None:
    login(1)
    _answer(client, "contact", "no")
    res = _answer(client, "ease", "")
    assert res.status_code == 400
    summary = res.text.index('id="error-summary"')
    assert summary < res.text.index("<form")  # at the top
    assert 'href="#field-answer"' in res.text and 'id="field-answer"' in res.text
    assert 'id="answer-error"' in res.text and "Geef een antwoord op deze vraag." in res.text
    assert res.text.startswith("<!DOCTYPE html>") and "<title>Fout: " in res.text
    out = _answer(client, "minutes", "301")
    assert out.status_code == 400 and "van 0 tot en met 300" in out.text and 'value="301"' in out.text


def test_previous_saves_and_keeps_answers(client: TestClient, web_survey: WebSurvey,
                                          login: Callable[[int], TestClient]) -> None:
    login(1)
    _answer(client, "contact", "yes")
    _answer(client, "channel", ["web_site"])
    back = _answer(client, "ease", "2", action="back")
    assert back.headers["location"] == "/vraag/channel"
    assert _checked(client.get("/vraag/channel").text) == ["web_site"]
    assert _checked(client.get("/vraag/ease").text) == ["2"]  # saved by "Vorige"
    assert (1, "ease", "2") in web_survey.saved()[1]
    # an empty required answer does not stop "Vorige"
    assert _answer(client, "channel", [], action="back").headers["location"] == "/vraag/contact"


def test_resume_with_the_same_code_goes_on_where_it_stopped(web_survey: WebSurvey) -> None:
    first = web_survey.client()
    _post(first, "/", first.get("/"), code=web_survey.codes[2])
    _answer(first, "contact", "no")
    _answer(first, "ease", "5")
    later = web_survey.client()  # another browser, later
    res = _post(later, "/", later.get("/"), code=web_survey.codes[2])
    assert res.headers["location"] == "/vraag/minutes"
    assert _checked(later.get("/vraag/ease").text) == ["5"]
    start = later.get("/")
    assert 'href="/verder"' in start.text
    assert later.get("/verder", follow_redirects=False).headers["location"] == "/vraag/minutes"


def test_resume_point_by_hand() -> None:
    q = parse_questionnaire(WEB_QUESTIONNAIRE, "web")
    assert resume_at(q, {}) == "contact"
    assert resume_at(q, {"contact": ["yes"]}) == "channel"
    assert resume_at(q, {"contact": ["yes"], "ease": ["3"]}) == "channel"  # required and open before the last
    assert resume_at(q, {"contact": ["no"], "ease": ["3"], "remarks": ["x"]}) is None  # the check page
    assert resume_at(q, {"contact": ["no"], "minutes": ["3"]}) == "ease"


def test_change_from_the_check_page_follows_the_routing(client: TestClient, web_survey: WebSurvey,
                                                        login: Callable[[int], TestClient]) -> None:
    login(1)
    for qid, value in (("contact", "yes"), ("channel", ["desk"]), ("ease", "3"), ("minutes", ""), ("remarks", "")):
        _answer(client, qid, value)
    page = client.get("/vraag/contact", params={"terug": "controleren"})
    res = _post(client, "/vraag/contact", page, answer="no", terug="controleren")
    assert res.headers["location"] == "/controleren"
    assert "Hoe had u contact?" not in client.get("/controleren").text
    assert [a for a in web_survey.saved()[1] if a[1] == "channel"] == []  # the hidden answer no longer counts


def test_submit_with_a_required_answer_open_shows_the_check_page(client: TestClient, web_survey: WebSurvey,
                                                                  login: Callable[[int], TestClient]) -> None:
    login(1)
    _answer(client, "contact", "no")
    check = client.get("/controleren")
    res = _post(client, "/verzenden", check)
    assert res.status_code == 400 and 'href="#answer-ease"' in res.text and 'id="answer-ease"' in res.text
    assert web_survey.saved()[0] == [(1, "web", False, "Noord")]


def test_letter_language_and_the_switch(web_sqlite: WebSurvey) -> None:
    client = web_sqlite.client()
    _post(client, "/", client.get("/"), code=web_sqlite.codes[1])  # unit 2 got an English letter
    page = client.get("/vraag/contact")
    assert '<html lang="en"' in page.text and "Did you contact the municipality?" in page.text
    assert 'href="/vraag/contact?lang=nl"' in page.text
    dutch = client.get("/vraag/contact", params={"lang": "nl"})
    assert '<html lang="nl"' in dutch.text and "Had u contact met de gemeente?" in dutch.text
    assert '<html lang="nl"' in client.get("/vraag/contact").text  # the choice is remembered


def test_closed_fieldwork_and_no_survey_are_clear_pages(web_sqlite: WebSurvey, tmp_path: object) -> None:
    client = web_sqlite.client()
    _post(client, "/", client.get("/"), code=web_sqlite.codes[0])
    page = client.get("/vraag/contact")
    with web_sqlite.store() as db:
        db.close(web_sqlite.survey_id, unlink=False)
    res = _post(client, "/vraag/contact", page, answer="yes")
    assert res.status_code == 200 and "Het onderzoek is gesloten" in res.text
    assert web_sqlite.saved() == ([], [])
    assert "Het onderzoek is gesloten" in client.get("/").text
    with web_sqlite.store() as db:  # closing ended the respondent's session (bound to the code's hash)
        assert web_db.count_sessions(db) == 0


def test_a_workspace_without_a_survey(tmp_path: object) -> None:
    from pathlib import Path

    base = Path(str(tmp_path))
    (base / "k").mkdir()
    ws = make_workspace(base / "leeg", False, f"sqlite:///{(base / 'leeg.sqlite').as_posix()}", base / "k" / "x.key")
    res = ws.client().get("/")
    assert res.status_code == 200 and "Er is nu geen onderzoek" in res.text


def test_a_database_away_for_a_moment_is_retried(web_sqlite: WebSurvey, monkeypatch: pytest.MonkeyPatch) -> None:
    client = web_sqlite.client()
    _post(client, "/", client.get("/"), code=web_sqlite.codes[0])
    backend = client.app.state.backend  # type: ignore[attr-defined]
    pauses: list[float] = []
    backend.sleep = pauses.append
    real = backend.db.save_response
    failures = {"left": 2}

    def flaky(*args: object, **kwargs: object) -> int:
        if failures["left"]:
            failures["left"] -= 1
            raise WorkspaceError(web_sessions.UNREACHABLE, url="x", detail="restart", env="X")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(backend.db, "save_response", flaky)
    assert _answer(client, "contact", "yes").status_code == 303
    assert pauses == [0.25, 0.5] and web_sqlite.saved()[1] == [(1, "contact", "yes")]
    failures["left"] = 100  # the database stays away: the page says so and keeps the answer
    page = client.get("/vraag/channel")
    res = _post(client, "/vraag/channel", page, answer=["phone"])
    assert res.status_code == 503 and "Probeer het zo opnieuw" in res.text and _checked(res.text) == ["phone"]
    assert web_sqlite.saved()[1] == [(1, "contact", "yes")]


def test_postgresql_connections_cut_between_pages_lose_nothing(web_survey: WebSurvey) -> None:
    """The server side of a database restart: every connection of the app is cut; the next page still saves."""
    if not web_survey.url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    from sqlalchemy import create_engine, text

    client = web_survey.client()
    _post(client, "/", client.get("/"), code=web_survey.codes[0])
    page = client.get("/vraag/contact")
    admin = create_engine(web_survey.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        cut = con.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                               "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar_one()
    admin.dispose()
    assert _post(client, "/vraag/contact", page, answer="no").headers["location"] == "/vraag/ease"
    assert cut >= 1 and web_survey.saved()[1] == [(1, "contact", "no")]
