"""Fixtures for the web door: the workspace of `fixtures.survey.web` (a survey in fieldwork with 4 known
codes) on both backends (SQLite and, with `WIJKLOKET_TEST_PG`, PostgreSQL) or on SQLite only, and a
TestClient over its app with a way to enter a unit's code."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from fixtures.survey.backends import survey_url
from fixtures.survey.web import WebSurvey, csrf_of, make_workspace

__all__ = ["survey_url"]


@pytest.fixture
def web_survey(tmp_path: Path, survey_url: str) -> WebSurvey:
    """The workspace with its survey in fieldwork, on SQLite and on PostgreSQL."""
    (tmp_path / "keys").mkdir()
    return make_workspace(tmp_path / "ws", True, survey_url, tmp_path / "keys" / "test.key")


@pytest.fixture
def web_sqlite(tmp_path: Path) -> WebSurvey:
    """The same on SQLite only (for tests about the door rather than the database)."""
    (tmp_path / "keys").mkdir()
    url = f"sqlite:///{(tmp_path / 'ws' / 'enquete.sqlite').as_posix()}"
    (tmp_path / "ws").mkdir()
    return make_workspace(tmp_path / "ws", True, url, tmp_path / "keys" / "test.key")


@pytest.fixture
def client(web_survey: WebSurvey) -> Iterator[TestClient]:
    with web_survey.client() as c:
        yield c


@pytest.fixture
def login(client: TestClient, web_survey: WebSurvey) -> Callable[[int], TestClient]:
    """`login(i)`: enter unit i's code (1-based) on the start page; returns the client, now in a session."""

    def enter(i: int) -> TestClient:
        page = client.get("/")
        res = client.post("/", data={"code": web_survey.codes[i - 1], "csrf": csrf_of(page.text)},
                          follow_redirects=False)
        assert res.status_code == 303, res.text
        return client

    return enter
