"""The web door's part of the survey database (issue 11): sessions kept as token hashes with an end, and a
code's own saved answers (to resume), on both backends; and the migration from a database of before."""

from __future__ import annotations

from fixtures.survey.backends import KEY, SURVEY, codes, frame_counts, survey_url, units
from sqlalchemy import create_engine, text

from wijkloket.store import web_db
from wijkloket.store.survey_db import SurveyStore
from wijkloket.store.survey_migrations import STEPS
from wijkloket.survey.codes import code_hash
from wijkloket.survey.questionnaire import default_text

__all__ = ["survey_url"]
GM = "GM9999"


def _make(db: SurveyStore) -> int:
    return db.create_survey(SURVEY, GM, default_text(), "v1", "district", 1, False, units(), frame_counts()).survey_id


def _row(h: str, expires: int, subject: str = "s") -> web_db.SessionRow:
    return web_db.SessionRow(h, "respondent", None, subject, "c" * 43, expires)


def test_sessions_end_and_are_removed(survey_url: str) -> None:
    with SurveyStore(survey_url) as db:
        web_db.add_session(db, _row("a" * 64, 1_000), now=0)
        web_db.add_session(db, _row("b" * 64, 2_000, subject="t"), now=0)
        assert web_db.get_session(db, "a" * 64, now=999) == _row("a" * 64, 1_000)
        assert web_db.get_session(db, "a" * 64, now=1_000) is None  # ended
        web_db.extend_session(db, "a" * 64, 5_000)
        assert web_db.get_session(db, "a" * 64, now=1_000) is not None
        web_db.add_session(db, _row("c" * 64, 9_000), now=2_000)  # b has ended: removed now
        assert web_db.count_sessions(db) == 2
        assert web_db.delete_subject_sessions(db, "respondent", "s") == 2
        assert web_db.count_sessions(db) == 0


def test_own_response_reads_that_code_only(survey_url: str) -> None:
    with SurveyStore(survey_url) as db:
        sid = _make(db)
        first, second = (code_hash(KEY, c) for c in codes(2))
        assert web_db.own_response(db, sid, first) == web_db.OwnResponse(1, "nl", False, False, {})
        db.save_response(sid, first, "web", {"q1": ["b", "a"], "q2": ["x"]}, complete=False)
        own = web_db.own_response(db, sid, first)
        assert own is not None and own.answers == {"q1": ["b", "a"], "q2": ["x"]} and not own.complete
        assert web_db.own_response(db, sid, second) == web_db.OwnResponse(2, "en", False, False, {})
        assert web_db.own_response(db, sid, "0" * 64) is None


def test_a_database_of_version_1_gets_the_web_tables(survey_url: str) -> None:
    """A survey database as issue 10 shipped it gets the web door's steps: 2 (sessions, staff) and 3 (the
    throttle's attempts), and the new tables work."""
    engine = create_engine(survey_url)
    with engine.begin() as conn:  # the survey database as issue 10 shipped it
        from wijkloket.store.survey_migrations import _VERSIONS

        _VERSIONS.create(conn)
        STEPS[0][2](conn)
        conn.execute(_VERSIONS.insert().values(version=1, name="initial", applied_on="2026-01-01"))
    engine.dispose()
    with SurveyStore(survey_url) as db:
        web_db.add_session(db, _row("d" * 64, 10), now=0)
        with db.transaction() as conn:
            versions = conn.execute(text("SELECT version FROM survey_schema_version ORDER BY version")).all()
    assert [v for (v,) in versions] == [1, 2, 3]
    with SurveyStore(survey_url) as db:
        assert web_db.count_attempt(db, "code", "x" * 64, 1, 900.0, now=1000.0) is None
        assert web_db.count_attempt(db, "code", "x" * 64, 1, 900.0, now=1001.0) == 1000.0
    assert web_db.backend_name(survey_url) in ("sqlite", "postgresql") and web_db.backend_name("::") == ""
