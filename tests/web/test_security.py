"""Security of the web door (issue 11, point 5), each tested: CSRF (missing, forged, foreign origin), replay,
throttled codes, oversized bodies, escaping of what residents type, headers and cookies, sessions bound to
one code and ending."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from fixtures.survey.web import WebSurvey, csrf_of
from httpx import Response

from wijkloket.store import web_db
from wijkloket.usecases import web_sessions
from wijkloket.web.security import Throttle, throttle_key


def _post(client: TestClient, path: str, token: str, **data: str | list[str]) -> Response:
    return client.post(path, data={"csrf": token, **data}, follow_redirects=False)


def _sessions(ws: WebSurvey) -> int:
    with ws.store() as db:
        return web_db.count_sessions(db)


def test_code_form_without_or_with_a_forged_token_is_403(web_survey: WebSurvey) -> None:
    client = web_survey.client()
    client.get("/")
    for data in ({"code": web_survey.codes[0]}, {"code": web_survey.codes[0], "csrf": "0" * 64},
                 {"code": web_survey.codes[0], "csrf": ""}):
        res = client.post("/", data=data, follow_redirects=False)
        assert res.status_code == 403 and "Er is niets opgeslagen" in res.text
    assert _sessions(web_survey) == 0
    other = web_survey.client()  # another browser's token does not fit this browser's cookie
    assert _post(client, "/", csrf_of(other.get("/").text), code=web_survey.codes[0]).status_code == 403
    assert _sessions(web_survey) == 0


def test_answers_without_a_valid_token_store_nothing(web_survey: WebSurvey, login: Callable[[int], TestClient],
                                                     client: TestClient) -> None:
    before = csrf_of(client.get("/").text)  # the token from before the session no longer works
    login(1)
    for token in ("", "x" * 43, before):
        assert _post(client, "/vraag/contact", token, answer="yes").status_code == 403
    assert _post(client, "/verzenden", "").status_code == 403
    assert web_survey.saved() == ([], [])


def test_a_foreign_origin_is_403_even_with_the_right_token(web_sqlite: WebSurvey) -> None:
    client = web_sqlite.client()
    token = csrf_of(client.get("/").text)
    for header in ({"origin": "https://evil.example"}, {"referer": "https://evil.example/form"},
                   {"origin": "null", "referer": "https://evil.example/"}, {"origin": "http://testserver.evil"}):
        res = client.post("/", data={"csrf": token, "code": web_sqlite.codes[0]}, headers=header,
                          follow_redirects=False)
        assert res.status_code == 403, header
    same = client.post("/", data={"csrf": token, "code": web_sqlite.codes[0]},
                       headers={"origin": "http://testserver"}, follow_redirects=False)
    assert same.status_code == 303
    # what a browser sends under Referrer-Policy: no-referrer: Origin null, no Referer; the token decides
    token = csrf_of(client.get("/").text)
    nulled = client.post("/", data={"csrf": token, "code": web_sqlite.codes[1]}, headers={"origin": "null"},
                         follow_redirects=False)
    assert nulled.status_code == 303


def test_a_replayed_submission_stores_nothing_new(web_survey: WebSurvey, client: TestClient,
                                                  login: Callable[[int], TestClient]) -> None:
    login(2)
    for qid, value in (("contact", "no"), ("ease", "1"), ("minutes", ""), ("remarks", "")):
        page = client.get(f"/vraag/{qid}")
        assert _post(client, f"/vraag/{qid}", csrf_of(page.text), answer=value).status_code == 303
    answer_token = csrf_of(client.get("/vraag/contact").text)
    check = client.get("/controleren")
    token = csrf_of(check.text)
    assert _post(client, "/verzenden", token).headers["location"] == "/bedankt"
    stored = web_survey.saved()
    assert stored[0] == [(1, "web", True, "Noord")]
    replay = _post(client, "/verzenden", token)
    assert replay.status_code == 200 and "already been sent" in replay.text  # unit 2's letter was English
    late = _post(client, "/vraag/contact", answer_token, answer="yes")
    assert "already been sent" in late.text
    assert web_survey.saved() == stored


def test_the_eleventh_wrong_code_is_throttled_and_the_thousandth_too(web_sqlite: WebSurvey) -> None:
    client = web_sqlite.client()
    token = csrf_of(client.get("/").text)
    wrong = [f"{n:04d}-AAAA-AAAA".replace("0", "2").replace("1", "3") for n in range(1000)]
    for code in wrong[:10]:
        assert _post(client, "/", token, code=code).status_code == 400
    eleventh = _post(client, "/", token, code=wrong[10])
    assert eleventh.status_code == 429 and "Probeer het over 15 minuten opnieuw" in eleventh.text
    assert eleventh.headers["retry-after"] == "900"
    statuses = {_post(client, "/", token, code=code).status_code for code in wrong[11:]}
    assert statuses == {429}  # up to and including the thousandth
    assert _post(client, "/", token, code=web_sqlite.codes[0]).status_code == 429  # even a good code, for now
    other = web_sqlite.client(address="192.0.2.7")  # another client is not hindered
    assert _post(other, "/", csrf_of(other.get("/").text), code=web_sqlite.codes[0]).status_code == 303


def test_throttle_window_by_hand(web_survey: WebSurvey) -> None:
    now = [1000.0]
    backend = web_sessions.open_backend(web_survey.workspace, web_survey.url)
    try:
        throttle = Throttle(limit=3, window_s=900.0, backend=backend, clock=lambda: now[0])
        assert [throttle.hit("code", "a") for _ in range(3)] == [0, 0, 0]
        assert throttle.hit("code", "a") == 15  # the first attempt leaves the window in 900 s
        now[0] += 600.0
        assert throttle.hit("code", "a") == 5
        assert throttle.hit("code", "b") == 0 and throttle.hit("login", "a") == 0  # per client, per bucket
        now[0] += 300.0  # the first three have left the window
        assert throttle.hit("code", "a") == 0
        throttle.forgive("code", "a")
        assert throttle.hit("code", "a") == 0
        assert throttle.clients("code") == {throttle.client("a"), throttle.client("b")}  # addresses only hashed
        assert "a" not in throttle.clients("code") and len(throttle.client("a")) == 64
    finally:
        backend.close()


def test_worker_processes_count_together_in_the_survey_database(web_survey: WebSurvey) -> None:
    """Two workers (two Throttle objects, each with its own database connection pool, the same secret) share one
    count: 3 attempts through one and the 4th through the other is refused; an old attempt leaves the window
    and its row is deleted."""
    now = [1_000_000.0]
    workers = [web_sessions.open_backend(web_survey.workspace, web_survey.url) for _ in range(2)]
    try:
        a, b = (Throttle(limit=3, window_s=900.0, clock=lambda: now[0], _key=throttle_key("s"), backend=w)
                for w in workers)
        assert [a.hit("code", "192.0.2.1") for _ in range(3)] == [0, 0, 0]
        assert b.hit("code", "192.0.2.1") == 15 and b.hit("code", "192.0.2.2") == 0
        b.forgive("code", "192.0.2.2")
        assert a.clients("code") == {a.client("192.0.2.1")} and "192.0.2.1" not in str(a.clients("code"))
        now[0] += 901.0
        assert b.hit("code", "192.0.2.1") == 0 and len(b.clients("code")) == 1
    finally:
        for w in workers:
            w.close()


def test_oversized_bodies_are_refused_with_413(web_sqlite: WebSurvey) -> None:
    client = web_sqlite.client(max_body=2_000)
    token = csrf_of(client.get("/").text)
    big = _post(client, "/", token, code="A" * 5_000)
    assert big.status_code == 413 and "Te veel tekst" in big.text
    assert big.headers["x-content-type-options"] == "nosniff"

    def chunks() -> Iterator[bytes]:  # no Content-Length up front
        yield b"csrf=" + token.encode() + b"&code="
        for _ in range(10):
            yield b"B" * 500

    streamed = client.post("/", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"})
    assert streamed.status_code == 413
    assert _post(client, "/", token, code=web_sqlite.codes[0]).status_code == 303


@pytest.mark.parametrize("text", ['<script>alert("x")</script>', '=HYPERLINK("http://evil.example","klik")'])
def test_what_residents_type_comes_back_inert(web_sqlite: WebSurvey, text: str) -> None:
    client = web_sqlite.client()
    _post(client, "/", csrf_of(client.get("/").text), code=web_sqlite.codes[0])
    for qid, value in (("contact", "no"), ("ease", "2"), ("minutes", ""), ("remarks", text)):
        _post(client, f"/vraag/{qid}", csrf_of(client.get(f"/vraag/{qid}").text), answer=value)
    check = client.get("/controleren").text
    assert text not in check and "<script>alert" not in check
    escaped = text.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
    assert escaped in check
    again = client.get("/vraag/remarks").text
    assert text not in again and escaped in again
    assert (1, "remarks", text) in web_sqlite.saved()[1]  # stored as typed; every output escapes it


def test_security_headers_on_every_response(web_sqlite: WebSurvey) -> None:
    client = web_sqlite.client()
    token = csrf_of(client.get("/").text)
    responses = [client.get("/"), client.get("/bestaat-niet"), client.get("/static/wijkloket.css"),
                 _post(client, "/", "fout", code="x"), _post(client, "/", token, code="x")]
    for res in responses:
        csp = res.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, res.url
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert res.headers["x-content-type-options"] == "nosniff"
        assert res.headers["referrer-policy"] == "no-referrer"
    for res in responses[:2] + responses[3:]:
        assert res.headers["cache-control"] == "no-store"
    assert "server" not in {k.lower() for k in responses[0].headers}  # TestClient adds none; uvicorn's is off


def test_cookies_httponly_strict_and_secure_over_https(web_sqlite: WebSurvey) -> None:
    for base, secure in (("http://testserver", False), ("https://testserver", True)):
        client = web_sqlite.client(base_url=base)
        page = client.get("/")
        res = client.post("/", data={"csrf": csrf_of(page.text), "code": web_sqlite.codes[0]},
                          follow_redirects=False)
        cookie = next(v for k, v in res.headers.multi_items() if k == "set-cookie" and v.startswith("wl_session="))
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert ("Secure" in cookie) is secure


def test_a_session_reaches_its_own_answers_only(web_survey: WebSurvey) -> None:
    a, b = web_survey.client(), web_survey.client()
    _post(a, "/", csrf_of(a.get("/").text), code=web_survey.codes[0])
    _post(a, "/vraag/contact", csrf_of(a.get("/vraag/contact").text), answer="yes")
    _post(a, "/vraag/channel", csrf_of(a.get("/vraag/channel").text), answer=["desk"])
    _post(b, "/", csrf_of(b.get("/").text), code=web_survey.codes[2])
    assert "Aan de balie" not in b.get("/controleren").text
    assert _post(b, "/vraag/contact", csrf_of(a.get("/vraag/contact").text), answer="no").status_code == 403
    with web_survey.store() as db, db.transaction() as conn:
        rows = conn.exec_driver_sql("SELECT subject, session_hash, csrf FROM web_sessions").all()
    texts = " ".join(" ".join(map(str, r)) for r in rows)
    assert len(rows) == 2 and not any(c.replace("-", "") in texts.replace("-", "") for c in web_survey.codes)
    assert web_survey.saved()[1] == [(1, "channel", "desk"), (1, "contact", "yes")]


def test_sessions_end(web_sqlite: WebSurvey) -> None:
    client = web_sqlite.client(session_minutes=30)
    _post(client, "/", csrf_of(client.get("/").text), code=web_sqlite.codes[0])
    backend = client.app.state.backend  # type: ignore[attr-defined]
    token = client.cookies["wl_session"]
    found = web_sessions.find_session(backend, token)
    assert found is not None and found.kind == "respondent" and found.survey_id == web_sqlite.survey_id
    assert web_sessions.find_session(backend, token, now=found.expires_at + 1) is None
    with web_sqlite.store() as db, db.transaction() as conn:
        conn.exec_driver_sql("UPDATE web_sessions SET expires_at = 0")
    res = client.get("/vraag/contact")
    assert "Vul uw code opnieuw in" in res.text


def test_a_session_is_extended_when_used_at_most_once_a_minute(web_sqlite: WebSurvey) -> None:
    client = web_sqlite.client()
    backend = client.app.state.backend  # type: ignore[attr-defined]
    token, session = web_sessions.new_session(backend, "staff", None, "7", minutes=30, now=1_000)
    assert session.expires_at == 1_000 + 30 * 60
    assert not web_sessions.extend_session(backend, session, 30, now=1_030)  # 30 s later: not written
    assert web_sessions.extend_session(backend, session, 30, now=1_100)
    found = web_sessions.find_session(backend, token, now=2_850)  # past the first end, before the new one
    assert found is not None and found.expires_at == 1_100 + 30 * 60
