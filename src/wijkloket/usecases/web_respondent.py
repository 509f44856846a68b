"""The respondent's way through the survey in the browser (issue 11, point 2), as the web door asks for it.

A respondent is known only by the keyed hash of the invitation code (the session's subject): every
function here reads and writes that unit's own response, nothing else. One question per page, in the
questionnaire's order and routing (`Questionnaire.visible`); every page saves the answers so far as a
partial response (`save_response(..., complete=False)`), so the respondent can stop and resume with the
same code; sending makes the response complete, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from wijkloket.errors import WorkspaceError
from wijkloket.store import web_db
from wijkloket.store.survey_db import SurveyRecord
from wijkloket.survey import codes
from wijkloket.survey.questionnaire import (
    Question,
    Questionnaire,
    missing_required,
    parse_questionnaire,
    validate_answers,
)
from wijkloket.usecases.web_sessions import Session, WebBackend, current_survey, find_session, retried, survey_key

CODE_OUTCOMES = ("ok", "empty", "malformed", "typo", "unknown", "used", "closed", "no_survey")
MODE = "web"


@dataclass(frozen=True)
class SurveyView:
    """The survey a respondent answers, with its questionnaire."""

    record: SurveyRecord
    questionnaire: Questionnaire

    @property
    def survey_id(self) -> int:
        return self.record.survey_id

    @property
    def closed(self) -> bool:
        return self.record.closed_at is not None


@lru_cache(maxsize=8)
def _parsed(text: str, where: str) -> Questionnaire:
    return parse_questionnaire(text, where)


def open_survey(backend: WebBackend) -> SurveyView | None:
    """The workspace's newest survey, or None when there is none."""
    rec = current_survey(backend)
    if rec is None:
        return None
    return SurveyView(rec, _parsed(rec.questionnaire_text, f"{rec.name} ({rec.questionnaire_version})"))


@dataclass(frozen=True)
class CodeCheck:
    outcome: str  # one of CODE_OUTCOMES
    code_hash: str = ""
    language: str = ""  # the letter language of the unit
    answers: dict[str, list[str]] = field(default_factory=dict)


def check_code(backend: WebBackend, view: SurveyView | None, text: str) -> CodeCheck:
    """What a typed code opens: `ok` (with the code's hash and the unit's letter language), or why not."""
    if view is None:
        return CodeCheck("no_survey")
    if not text.strip():
        return CodeCheck("empty")
    if codes.normalise(text) is None:
        return CodeCheck("malformed")
    if not codes.is_valid(text):
        return CodeCheck("typo")
    key = survey_key(backend, view.record)
    digest = codes.code_hash(key, text)
    own = retried(backend, lambda: web_db.own_response(backend.db, view.survey_id, digest))
    if own is None:
        return CodeCheck("unknown")
    if own.complete:
        return CodeCheck("used", digest, own.language)
    if view.closed:
        return CodeCheck("closed", digest, own.language)
    return CodeCheck("ok", digest, own.language, own.answers)


@dataclass(frozen=True)
class OwnAnswers:
    answers: dict[str, list[str]]
    complete: bool
    language: str


def own_answers(backend: WebBackend, view: SurveyView, code_hash: str) -> OwnAnswers | None:
    """The saved answers of the unit with this code hash (None when the code no longer opens anything)."""
    own = retried(backend, lambda: web_db.own_response(backend.db, view.survey_id, code_hash))
    if own is None:
        return None
    return OwnAnswers(own.answers, own.complete, own.language)


@dataclass(frozen=True)
class PageState:
    """What a respondent's page needs from the database, read in one transaction: the survey, the session
    of the cookie (None when it has ended) and, for a respondent session of this survey, its saved answers."""

    view: SurveyView | None
    session: Session | None
    own: OwnAnswers | None


def page_state(backend: WebBackend, token: str) -> PageState:
    """The survey, the cookie's session and that session's own answers, in one read (one round of the
    database instead of three: a page under load waits less)."""

    def read() -> PageState:
        with backend.db.transaction(read=True):
            view = open_survey(backend)
            session = find_session(backend, token) if token else None
            own = None
            if view is not None and session is not None and session.kind == "respondent" \
                    and session.survey_id == view.survey_id:
                own = own_answers(backend, view, session.subject)
        return PageState(view, session, own)

    return retried(backend, read)


# --- the way through the questions ----------------------------------------------------------------------

def visible_questions(q: Questionnaire, answers: dict[str, list[str]]) -> list[Question]:
    return [x for x in q.questions if q.visible(x.id, answers)]


def shown_answers(q: Questionnaire, answers: dict[str, list[str]]) -> dict[str, list[str]]:
    """The answers to the questions that are still shown (an answer whose question the routing now hides,
    after a changed earlier answer, no longer counts)."""
    kept: dict[str, list[str]] = {}
    for x in q.questions:  # in order, so a routed question sees the answers before it
        if x.id in answers and answers[x.id] and q.visible(x.id, kept):
            kept[x.id] = list(answers[x.id])
    return kept


def resume_at(q: Questionnaire, answers: dict[str, list[str]]) -> str | None:
    """Where a returning respondent goes on: the first required question left open before the last answered
    one, else the question after the last answered one; None (the check page) when the end is reached and
    nothing required is open."""
    shown = visible_questions(q, answers)
    answered = [i for i, x in enumerate(shown) if answers.get(x.id)]
    last = answered[-1] if answered else -1
    open_required = [i for i, x in enumerate(shown) if x.required and not answers.get(x.id)]
    for i in open_required:
        if i < last:
            return shown[i].id
    if last + 1 < len(shown):
        return shown[last + 1].id
    return shown[open_required[0]].id if open_required else None


def first_open(q: Questionnaire, answers: dict[str, list[str]]) -> str | None:
    """The first required question still open (where a change from the check page leads when it made a new
    question appear), or None: back to the check page."""
    missing = missing_required(q, answers)
    return missing[0] if missing else None


def neighbour(q: Questionnaire, answers: dict[str, list[str]], qid: str, step: int) -> str | None:
    """The shown question before (`step` -1) or after (+1) `qid`; None at either end."""
    ids = [x.id for x in visible_questions(q, answers)]
    if qid not in ids:
        return None
    at = ids.index(qid) + step
    return ids[at] if 0 <= at < len(ids) else None


def progress(q: Questionnaire, answers: dict[str, list[str]], qid: str) -> tuple[int, int]:
    """(position of `qid`, number of questions shown with these answers): "question 3 of about 15"."""
    ids = [x.id for x in visible_questions(q, answers)]
    return (ids.index(qid) + 1 if qid in ids else 1), len(ids)


@dataclass
class Saved:
    answers: dict[str, list[str]]
    problem: dict[str, Any] | None = None  # the catalogue item of what is wrong with this answer


def check_answer(q: Questionnaire, answers: dict[str, list[str]], qid: str, given: list[str],
                 need: bool) -> Saved:
    """The answers with `given` as the answer to `qid` (checked as `validate_answers` does), or the problem;
    with `need`, a required question left empty is a problem too."""
    question = q.question(qid)
    text = ",".join(v.strip() for v in given if v.strip()) if question.type == "multiple" else \
        (given[0] if given else "")
    merged = {k: v for k, v in answers.items() if k != qid}
    if not text.strip():
        kept = shown_answers(q, merged)
        if need and question.required:
            return Saved(kept, {"_key": "required", "question": qid})
        return Saved(kept)
    raw = {k: ",".join(v) for k, v in merged.items()}
    clean, problems = validate_answers(q, {**raw, qid: text})
    mine = [p for p in problems if p.get("question") == qid]
    if mine:
        return Saved(shown_answers(q, merged), mine[0])
    return Saved(shown_answers(q, {**merged, qid: clean[qid]}))


def save_partial(backend: WebBackend, view: SurveyView, code_hash: str, answers: dict[str, list[str]]) -> None:
    """Store the answers so far as a partial response of this code's unit (retried while the database is
    away); `WorkspaceError` `error.survey_closed` / `error.survey_code_used` when that is no longer possible."""
    retried(backend, lambda: backend.db.save_response(view.survey_id, code_hash, MODE, answers, complete=False))


def submit(backend: WebBackend, view: SurveyView, code_hash: str) -> tuple[str, list[str]]:
    """Send the response: ("sent", []), ("already", []) when it was sent before (nothing is stored), or
    ("missing", the required questions still open)."""
    own = own_answers(backend, view, code_hash)
    if own is None or own.complete:
        return "already", []
    answers = shown_answers(view.questionnaire, own.answers)
    missing = missing_required(view.questionnaire, answers)
    if missing:
        return "missing", missing
    try:
        retried(backend, lambda: backend.db.save_response(view.survey_id, code_hash, MODE, answers, complete=True))
    except WorkspaceError as exc:
        if exc.code != "error.survey_code_used":
            raise
        return "already", []
    return "sent", []
