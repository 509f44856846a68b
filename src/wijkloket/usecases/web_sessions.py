"""What the web door needs from the core to run (issue 11): the survey database opened once per process,
the workspace's settings, and server-side sessions.

A session is a random token in the browser's cookie; the database keeps only its SHA-256, with the kind
('respondent' or 'staff'), the survey, the subject (a code's keyed hash, or a staff account id) and a CSRF
token bound to it. Sessions end after `minutes` without use. Writes are retried a few times when the
database is briefly away (a restart), so a respondent rarely sees the "try again" page.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from wijkloket.config import Settings, load_settings
from wijkloket.errors import WijkloketError, WorkspaceError
from wijkloket.store import web_db
from wijkloket.store.survey_db import SurveyRecord, SurveyStore, shown_url, survey_db_url
from wijkloket.usecases import survey_keys

T = TypeVar("T")
UNREACHABLE = "error.survey_db_unreachable"
RETRIES = 4  # attempts in all
BACKOFF_S = 0.25  # the first pause; it doubles after every failed attempt


@dataclass
class WebBackend:
    """The survey database and the workspace as one process of the web app sees them."""

    workspace: Path
    settings: Settings
    db: SurveyStore
    key_file: Path | None = None
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    keys: dict[str, bytes] = field(default_factory=dict, repr=False)  # survey keys read, by file

    @property
    def gemeente(self) -> str:
        return self.settings.gemeente

    @property
    def municipality(self) -> str:
        return self.settings.name

    def close(self) -> None:
        self.db.dispose()


def open_backend(workspace: Path, survey_db_url: str, key_file: Path | None = None) -> WebBackend:
    """Open the workspace's settings and the survey database (applying pending migrations); a clear
    `WorkspaceError` naming the database (password hidden) when it cannot be reached."""
    settings = load_settings(Path(workspace))
    return WebBackend(Path(workspace), settings, SurveyStore(survey_db_url), key_file)


def database_url(workspace: Path) -> str:
    """The survey database of the workspace: `$WIJKLOKET_SURVEY_DB`, else its `enquete.sqlite`."""
    return survey_db_url(Path(workspace))


@dataclass(frozen=True)
class ServeCheck:
    shown_url: str  # the database URL with its password hidden
    backend_name: str  # sqlite, postgresql, ...
    survey: str | None  # the survey residents will answer, None when the workspace has none


def survey_key(backend: WebBackend, rec: SurveyRecord) -> bytes:
    """The key of the survey: `--key`, else `$WIJKLOKET_SURVEY_KEY`, else the user's config folder; for the
    synthetic demo survey also the demo's own key beside the workspace (so `serve` on a demo just works)."""
    path = survey_keys.key_path(backend.gemeente, rec.name, backend.key_file)
    if backend.key_file is None and rec.synthetic and not path.exists():
        from wijkloket.usecases.demo import demo_key_file  # only for the demo: it imports much

        beside = demo_key_file(backend.workspace.resolve(), backend.gemeente)
        path = beside if beside.exists() else path
    cached = backend.keys.get(str(path))
    if cached is None:
        cached = backend.keys[str(path)] = survey_keys.read_key(path)
    return cached


def check_serving(workspace: Path, survey_db_url: str, key_file: Path | None) -> ServeCheck:
    """What `serve` checks before it starts: the workspace, the database (reached and migrated) and, when
    there is a survey, its key. Raises the error that names what is wrong."""
    backend = open_backend(workspace, survey_db_url, key_file)
    try:
        rec = current_survey(backend)
        if rec is not None:
            survey_key(backend, rec)
    finally:
        backend.close()
    return ServeCheck(shown_url(survey_db_url), web_db.backend_name(survey_db_url), None if rec is None else rec.name)


def retried(backend: WebBackend, action: Callable[[], T]) -> T:
    """`action()`, tried again with a growing pause while the database cannot be reached."""
    pause = BACKOFF_S
    for attempt in range(1, RETRIES + 1):
        try:
            return action()
        except WorkspaceError as exc:
            if exc.code != UNREACHABLE or attempt == RETRIES:
                raise
        backend.sleep(pause)
        pause *= 2
    raise AssertionError("unreachable")  # pragma: no cover


def current_survey(backend: WebBackend) -> SurveyRecord | None:
    """The newest survey of the workspace's gemeente, or None when it has none."""
    found = retried(backend, lambda: backend.db.surveys(backend.gemeente))
    return found[-1] if found else None


# --- sessions -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Session:
    token_hash: str
    kind: str
    survey_id: int | None
    subject: str
    csrf: str
    expires_at: int


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> int:
    return int(time.time())


def new_session(backend: WebBackend, kind: str, survey_id: int | None, subject: str, minutes: int,
                now: int | None = None) -> tuple[str, Session]:
    """A new session; returns the token for the cookie (never stored) and the session."""
    if kind not in web_db.KINDS:
        raise WijkloketError("error.web_session_kind", kind=kind, known=", ".join(web_db.KINDS))
    token = secrets.token_urlsafe(32)
    at = _now() if now is None else now
    row = web_db.SessionRow(token_hash(token), kind, survey_id, subject, secrets.token_urlsafe(32),
                            at + 60 * int(minutes))
    retried(backend, lambda: web_db.add_session(backend.db, row, at))
    return token, Session(row.session_hash, kind, survey_id, subject, row.csrf, row.expires_at)


def find_session(backend: WebBackend, token: str, now: int | None = None) -> Session | None:
    """The session of this cookie token, when it exists and has not ended."""
    if not token or len(token) > 200:
        return None
    at = _now() if now is None else now
    row = retried(backend, lambda: web_db.get_session(backend.db, token_hash(token), at))
    if row is None:
        return None
    return Session(row.session_hash, row.kind, row.survey_id, row.subject, row.csrf, row.expires_at)


def extend_session(backend: WebBackend, session: Session, minutes: int, now: int | None = None) -> bool:
    """Another `minutes` from now (done when the session is used to save something); written at most once a
    minute. Returns whether it was written."""
    at = _now() if now is None else now
    until = at + 60 * int(minutes)
    if until - session.expires_at < 60:
        return False
    retried(backend, lambda: web_db.extend_session(backend.db, session.token_hash, until))
    return True


def end_session(backend: WebBackend, session: Session) -> None:
    retried(backend, lambda: web_db.delete_session(backend.db, session.token_hash))


def end_subject_sessions(backend: WebBackend, kind: str, subject: str) -> int:
    return retried(backend, lambda: web_db.delete_subject_sessions(backend.db, kind, subject))


# --- the throttle ---------------------------------------------------------------------------------------

def count_attempt(backend: WebBackend, bucket: str, client: str, limit: int, window_s: float,
                  now: float) -> float | None:
    """One attempt of `client` (a keyed hash) in `bucket`, counted in the survey database so that every worker
    process of the server counts together; see `web_db.count_attempt`."""
    return retried(backend, lambda: web_db.count_attempt(backend.db, bucket, client, limit, window_s, now))


def forgive_attempt(backend: WebBackend, bucket: str, client: str) -> None:
    retried(backend, lambda: web_db.forgive_attempt(backend.db, bucket, client))


def attempt_clients(backend: WebBackend, bucket: str) -> set[str]:
    return retried(backend, lambda: web_db.attempt_clients(backend.db, bucket))
