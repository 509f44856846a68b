"""What the web door keeps in the survey database (issue 11): server-side sessions, and reading back one
respondent's own saved answers (to resume, and for the check-your-answers page).

A session row holds only the SHA-256 of the cookie's random token, so the database alone never yields a
working cookie. The functions take an open `SurveyStore` and run in its transaction (so they join one the
caller has open).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from wijkloket.store.survey_db import SurveyStore
from wijkloket.store.survey_migrations import TABLES

_SESS, _U, _R, _A = (TABLES[n] for n in ("web_sessions", "sample_units", "responses", "answers"))
_ATT = TABLES["web_attempts"]
# Statements every page runs, built once (building a statement costs more than running it)
_SESSION = select(_SESS).where(_SESS.c.session_hash == bindparam("h"), _SESS.c.expires_at > bindparam("now"))
_UNIT = select(_U.c.unit_no, _U.c.language).where(_U.c.survey_id == bindparam("s"), _U.c.code_hash == bindparam("c"))
_RESPONSE = select(_R.c.response_id, _R.c.complete).where(_R.c.survey_id == bindparam("s"),
                                                          _R.c.unit_no == bindparam("u"))
_ANSWERS = select(_A.c.question_id, _A.c.value).where(_A.c.response_id == bindparam("r")).order_by(
    _A.c.question_id, _A.c.position)
KINDS = ("respondent", "staff")


def backend_name(url: str) -> str:
    """The database kind of a URL (`sqlite`, `postgresql`, ...); empty when it is not a URL."""
    try:
        return str(make_url(url).get_backend_name())
    except ArgumentError:
        return ""


@dataclass(frozen=True)
class SessionRow:
    session_hash: str
    kind: str
    survey_id: int | None
    subject: str
    csrf: str
    expires_at: int  # seconds since 1970 (UTC)


def add_session(db: SurveyStore, row: SessionRow, now: int) -> None:
    """Store a new session; sessions that have ended are removed at the same time."""
    with db.transaction() as conn:
        conn.execute(delete(_SESS).where(_SESS.c.expires_at <= now))
        conn.execute(_SESS.insert().values(
            session_hash=row.session_hash, kind=row.kind, survey_id=row.survey_id, subject=row.subject,
            csrf=row.csrf, expires_at=int(row.expires_at)))


def get_session(db: SurveyStore, session_hash: str, now: int) -> SessionRow | None:
    """The session with this token hash when it has not ended yet."""
    with db.transaction(read=True) as conn:
        found = conn.execute(_SESSION, {"h": session_hash, "now": now}).mappings().one_or_none()
    if found is None:
        return None
    return SessionRow(str(found["session_hash"]), str(found["kind"]),
                      None if found["survey_id"] is None else int(found["survey_id"]), str(found["subject"]),
                      str(found["csrf"]), int(found["expires_at"]))


def extend_session(db: SurveyStore, session_hash: str, expires_at: int) -> None:
    with db.transaction() as conn:
        conn.execute(update(_SESS).where(_SESS.c.session_hash == session_hash).values(expires_at=int(expires_at)))


def delete_session(db: SurveyStore, session_hash: str) -> None:
    with db.transaction() as conn:
        conn.execute(delete(_SESS).where(_SESS.c.session_hash == session_hash))


def delete_subject_sessions(db: SurveyStore, kind: str, subject: str) -> int:
    """End every session of this subject (e.g. all of a code's sessions once its answers are sent)."""
    with db.transaction() as conn:
        n = conn.execute(delete(_SESS).where(_SESS.c.kind == kind, _SESS.c.subject == subject)).rowcount
    return int(n or 0)


def count_sessions(db: SurveyStore) -> int:
    with db.transaction(read=True) as conn:
        return len(conn.execute(select(_SESS.c.session_hash)).all())


@dataclass(frozen=True)
class OwnResponse:
    """The unit behind a code: its letter language and, when it has answered, its saved answers."""

    unit_no: int
    language: str
    answered: bool
    complete: bool
    answers: dict[str, list[str]]


def own_response(db: SurveyStore, survey_id: int, code_hash: str) -> OwnResponse | None:
    """The saved response of the unit with this code hash only (None when no unit has that hash)."""
    with db.transaction(read=True) as conn:
        unit = conn.execute(_UNIT, {"s": survey_id, "c": code_hash}).one_or_none()
        if unit is None:
            return None
        resp = conn.execute(_RESPONSE, {"s": survey_id, "u": unit.unit_no}).one_or_none()
        answers: dict[str, list[str]] = {}
        if resp is not None:
            rows = conn.execute(_ANSWERS, {"r": resp.response_id}).all()
            for qid, value in rows:
                answers.setdefault(str(qid), []).append(str(value))
    return OwnResponse(int(unit.unit_no), str(unit.language), resp is not None,
                       bool(resp.complete) if resp is not None else False, answers)


# --- the throttle's attempts ------------------------------------------------------------------------------

def count_attempt(db: SurveyStore, bucket: str, client: str, limit: int, window_s: float, now: float) -> float | None:
    """Count one attempt of `client` in `bucket` unless it made `limit` within `window_s` seconds already; then
    nothing is counted and the time its oldest attempt in the window was made is returned (None: counted).
    Attempts that have left the window are deleted on the way."""
    with db.transaction() as conn:
        conn.execute(delete(_ATT).where(_ATT.c.at <= now - window_s))
        made, oldest = conn.execute(select(func.count(), func.min(_ATT.c.at)).where(
            _ATT.c.bucket == bucket, _ATT.c.client == client)).one()
        if int(made) >= limit:
            return float(oldest)
        conn.execute(_ATT.insert().values(bucket=bucket, client=client, at=float(now)))
    return None


def forgive_attempt(db: SurveyStore, bucket: str, client: str) -> None:
    """Take back the newest attempt of `client` in `bucket`."""
    with db.transaction() as conn:
        newest = conn.execute(select(_ATT.c.attempt_id).where(_ATT.c.bucket == bucket, _ATT.c.client == client)
                              .order_by(_ATT.c.at.desc(), _ATT.c.attempt_id.desc()).limit(1)).scalar_one_or_none()
        if newest is not None:
            conn.execute(delete(_ATT).where(_ATT.c.attempt_id == newest))


def attempt_clients(db: SurveyStore, bucket: str) -> set[str]:
    with db.transaction(read=True) as conn:
        return set(conn.execute(select(_ATT.c.client).where(_ATT.c.bucket == bucket)).scalars())
