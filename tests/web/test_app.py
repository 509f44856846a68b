"""The app around the pages (issue 11, points 1 and 8): Dutch 404 and 500 pages, the base template (lang,
skip link, NL Design System CSS from /static only), the OpenAPI description, the settings passed to worker
processes, and `wijkloket serve`'s checks before it starts uvicorn."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fixtures.survey.web import MUNICIPALITY, WebSurvey

from wijkloket.web import app as app_module
from wijkloket.web.config import WebConfig

Cli = Callable[..., tuple[int, str, str]]
STATIC = Path(app_module.__file__).parent / "static"


def test_unknown_routes_get_a_dutch_404_page(web_sqlite: WebSurvey) -> None:
    client = web_sqlite.client()
    res = client.get("/bestaat/niet")
    assert res.status_code == 404 and '<html lang="nl"' in res.text and "Deze pagina bestaat niet" in res.text
    assert 'href="/"' in res.text
    en = client.get("/bestaat/niet", params={"lang": "en"})
    assert en.status_code == 404 and "This page does not exist" in en.text
    assert client.get("/api/bestaat-niet").json()["error"] == "web.error.not_found"


def test_a_failure_is_a_500_page_without_traceback(web_sqlite: WebSurvey) -> None:
    client = web_sqlite.client()

    def boom() -> None:
        raise ZeroDivisionError("geheim detail")

    client.app.add_api_route("/boom", boom)  # type: ignore[attr-defined]
    res = client.get("/boom")
    assert res.status_code == 500 and "Er ging iets mis" in res.text
    for leak in ("Traceback", "ZeroDivisionError", "geheim detail", "respondent.py"):
        assert leak not in res.text
    assert res.headers["content-security-policy"].startswith("default-src 'self'")


def test_the_base_template(web_sqlite: WebSurvey) -> None:
    page = web_sqlite.client().get("/").text
    assert page.startswith("<!DOCTYPE html>") and '<html lang="nl"' in page
    assert '<a class="utrecht-skip-link' in page and 'href="#main"' in page and '<main id="main"' in page
    assert '<body class="voorbeeld-theme' in page and f'<p class="wl-municipality">{MUNICIPALITY}</p>' in page
    assert 'hreflang="en"' in page and 'href="/?lang=en"' in page
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert sheets == ["/static/voorbeeld-design-tokens.css", "/static/utrecht-component-library.css",
                      "/static/wijkloket.css"]
    assert "<script" not in page and "style=" not in page
    assert not re.search(r'(src|href|action)="(https?:)?//', page)  # nothing from another host
    headings = re.findall(r"<h([1-6])", page)
    assert headings[0] == "1" and all(int(b) - int(a) <= 1 for a, b in zip(headings, headings[1:], strict=False))


def test_the_bundled_css_is_served_with_its_licences(web_sqlite: WebSurvey) -> None:
    client = web_sqlite.client()
    for name in ("voorbeeld-design-tokens.css", "utrecht-component-library.css", "wijkloket.css"):
        res = client.get(f"/static/{name}")
        assert res.status_code == 200 and res.headers["content-type"].startswith("text/css")
        assert "@import" not in res.text and not re.search(r"url\((['\"]?)https?:", res.text)
    assert ".voorbeeld-theme" in client.get("/static/voorbeeld-design-tokens.css").text
    assert ".utrecht-button" in client.get("/static/utrecht-component-library.css").text
    for licence in ("LICENCE-utrecht-component-library-css.md", "LICENCE-voorbeeld-design-tokens.md"):
        assert "EUROPEAN UNION PUBLIC LICENCE v. 1.2" in (STATIC / licence).read_text("utf-8")
    readme = (STATIC / "README.md").read_text("utf-8")
    assert "@utrecht/component-library-css" in readme and "@nl-design-system-unstable/voorbeeld-design-tokens" in readme


def test_openapi_description_and_no_docs(web_sqlite: WebSurvey) -> None:
    client = web_sqlite.client()
    spec = client.get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert not any(p == "/" or p.startswith(("/vraag", "/controleren", "/verzenden")) for p in spec["paths"])
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404


def test_settings_reach_the_worker_processes(web_sqlite: WebSurvey, monkeypatch: pytest.MonkeyPatch) -> None:
    config = web_sqlite.config(session_minutes=12, max_body=5_000, code_attempts=4, lang="en")
    assert WebConfig.from_environ(config.to_environ()) == config
    for name, value in config.to_environ().items():
        monkeypatch.setenv(name, value)
    app = app_module.app_from_environ()
    assert app.state.config == config and app.state.throttle.limit == 4


def test_serve_refuses_an_unreachable_database_with_exit_2(cli: Cli, web_sqlite: WebSurvey,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[Any] = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: started.append((a, k)))
    monkeypatch.setenv("WIJKLOKET_SURVEY_DB", "postgresql+psycopg://wie:geheim@127.0.0.1:1/nergens?connect_timeout=2")
    code, out, err = cli("serve", "-w", web_sqlite.workspace)
    assert code == 2 and started == []
    assert "127.0.0.1:1/nergens" in err and "geheim" not in err + out and "***" in err
    monkeypatch.setenv("WIJKLOKET_SURVEY_DB", "dit-is-geen-url")
    code, _, err = cli("serve", "-w", web_sqlite.workspace)
    assert code == 2 and "WIJKLOKET_SURVEY_DB" in err and started == []


def test_serve_with_sqlite_allows_one_worker_only(cli: Cli, web_sqlite: WebSurvey,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[Any] = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: started.append((a, k)))
    monkeypatch.setenv("WIJKLOKET_SURVEY_DB", web_sqlite.url)
    monkeypatch.setenv("WIJKLOKET_SURVEY_KEY", str(web_sqlite.key_file))
    code, _, err = cli("serve", "-w", web_sqlite.workspace, "--workers", "3")
    assert code == 2 and "PostgreSQL" in err and started == []
    code, out, _ = cli("serve", "-w", web_sqlite.workspace, "--port", "8123")
    assert code == 0 and "http://127.0.0.1:8123/" in out
    (args, kwargs), = started
    assert args == ("wijkloket.web.app:app_from_environ",)
    assert kwargs["factory"] is True and kwargs["access_log"] is False and kwargs["workers"] == 1


def test_serve_without_the_survey_key_says_where_it_looked(cli: Cli, web_sqlite: WebSurvey,
                                                           monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: None)
    monkeypatch.setenv("WIJKLOKET_SURVEY_DB", web_sqlite.url)
    code, _, err = cli("serve", "-w", web_sqlite.workspace, "--key", tmp_path / "geen.key")
    assert code == 2 and "geen.key" in err


def test_serve_finds_the_key_of_the_synthetic_demo_beside_the_workspace(
        cli: Cli, web_sqlite: WebSurvey, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from wijkloket.usecases.demo import demo_key_file

    started: list[Any] = []
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: started.append(k))
    monkeypatch.setenv("WIJKLOKET_SURVEY_DB", web_sqlite.url)
    monkeypatch.delenv("WIJKLOKET_SURVEY_KEY", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "thuis"))  # nothing in the user's config folder
    assert cli("serve", "-w", web_sqlite.workspace)[0] == 2
    beside = demo_key_file(web_sqlite.workspace, "GM9999")
    beside.parent.mkdir()
    beside.write_bytes(web_sqlite.key_file.read_bytes())
    assert cli("serve", "-w", web_sqlite.workspace)[0] == 0 and len(started) == 1
