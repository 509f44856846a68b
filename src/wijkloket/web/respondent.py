"""The residents' pages (issue 11, point 2): enter the invitation code, one question per page, check your
answers, send once, thank you. Everything works without JavaScript and by keyboard.

Paths are Dutch, as residents see them: `/` (the code; `/?code=...` from the letter's QR code fills it in),
`/vraag/{question}`, `/verder` (go on where you stopped), `/controleren`, `/verzenden`, `/bedankt`. A
respondent's session is bound to the keyed hash of the code only; every page reads and writes that unit's
own answers.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from wijkloket.errors import WorkspaceError
from wijkloket.i18n import t
from wijkloket.usecases import web_respondent as wr
from wijkloket.usecases import web_sessions
from wijkloket.usecases.web_respondent import SurveyView
from wijkloket.usecases.web_sessions import Session
from wijkloket.web import security
from wijkloket.web.render import render, request_lang

router = APIRouter(include_in_schema=False)
BUCKET = "code"
KIND = "respondent"
FIELD = "field-answer"
CodeForm = Annotated[str, Form(max_length=200)]
TokenForm = Annotated[str, Form(max_length=200)]
AnswerForm = Annotated[list[str], Form()]
ANSWER_PROBLEMS = ("required", "not_option", "one_only", "too_many", "too_long", "not_scale", "not_number",
                   "out_of_range", "invalid")


def _see(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _message(request: Request, reason: str, status: int = 200, **ctx: Any) -> Response:
    """A page that only says something: no survey, fieldwork closed, already sent, session ended."""
    return render(request, "respondent/message.html.j2", status, reason=reason, **ctx)


def _open(request: Request, view: SurveyView | None) -> SurveyView | Response:
    """The survey when its fieldwork is open, else the page that says there is none or it is closed."""
    if view is None:
        return _message(request, "no_survey")
    if view.closed:
        return _message(request, "closed")
    return view


def _survey(request: Request) -> SurveyView | Response:
    return _open(request, wr.open_survey(security.backend(request)))


# --- the code -------------------------------------------------------------------------------------------

def _start_page(request: Request, code: str = "", outcome: str = "", status: int = 200) -> Response:
    going = security.current_session(request, KIND) is not None
    return render(request, "respondent/start.html.j2", status, code=code, outcome=outcome, field_id="field-code",
                  going_on=going and not outcome)


@router.get("/", name="respondent_start")
def start(request: Request, code: str = "") -> Response:
    found = _survey(request)
    if isinstance(found, Response):
        return found
    return _start_page(request, code[:40])


@router.post("/", name="respondent_code")
def enter_code(request: Request, code: CodeForm = "", csrf: TokenForm = "") -> Response:
    security.check_csrf(request, {security.CSRF_FIELD: csrf})
    found = _survey(request)
    if isinstance(found, Response):
        return found
    security.throttle(request, BUCKET)
    checked = wr.check_code(security.backend(request), found, code)
    if checked.outcome == "used":
        security.forgive(request, BUCKET)
        return _message(request, "already", default_lang=checked.language)
    if checked.outcome == "closed":
        return _message(request, "closed")
    if checked.outcome != "ok":
        return _start_page(request, code[:40], checked.outcome, 400)
    security.forgive(request, BUCKET)
    target = wr.resume_at(found.questionnaire, wr.shown_answers(found.questionnaire, checked.answers))
    response = _see(_question_path(request, target))
    security.start_session(request, response, KIND, found.survey_id, checked.code_hash)
    if request.cookies.get(security.LANG_COOKIE) not in ("nl", "en") and checked.language in ("nl", "en"):
        response.set_cookie(security.LANG_COOKIE, checked.language, samesite="strict", path="/",
                            secure=request.url.scheme == "https", max_age=365 * 24 * 3600)
    return response


def _question_path(request: Request, qid: str | None) -> str:
    if qid is None:
        return str(request.app.url_path_for("respondent_check"))
    return str(request.app.url_path_for("respondent_question", question=qid))


# --- the questions --------------------------------------------------------------------------------------

def _respondent(request: Request) -> tuple[SurveyView, Session, wr.OwnAnswers] | Response:
    """The survey, the session and its saved answers (read at once); or the page to show instead."""
    state = wr.page_state(security.backend(request), request.cookies.get(security.SESSION_COOKIE, ""))
    request.state.session = state.session  # what check_csrf and the templates use
    found = _open(request, state.view)
    if isinstance(found, Response):
        return found
    session, own = state.session, state.own
    if session is None or session.kind != KIND or session.survey_id != found.survey_id or own is None:
        return _message(request, "session_ended")
    if own.complete:
        return _message(request, "already", default_lang=own.language)
    return found, session, own


def _question_page(request: Request, view: SurveyView, own: wr.OwnAnswers, qid: str, given: list[str] | None = None,
                   problem: dict[str, Any] | None = None, status: int = 200, from_check: bool = False,
                   unavailable: bool = False) -> Response:
    q = view.questionnaire
    answers = wr.shown_answers(q, own.answers)
    number, total = wr.progress(q, answers, qid)
    values = given if given is not None else answers.get(qid, [])
    return render(request, "respondent/question.html.j2", status, default_lang=own.language,
                  question=q.question(qid), values=values, number=number, total=total,
                  error=_problem_text(problem, request_lang(request, own.language)) if problem else "",
                  previous=wr.neighbour(q, answers, qid, -1), field_id=FIELD, from_check=from_check,
                  unavailable=unavailable, synthetic=view.record.synthetic)


def _problem_text(problem: dict[str, Any], lang: str) -> str:
    """What is wrong with an answer, in words for residents (never the typed text itself)."""
    kind = str(problem["_key"]).rsplit(".", 1)[-1]
    params = {k: v for k, v in problem.items() if k in ("max", "low", "high", "length")}
    return t("web.answer." + (kind if kind in ANSWER_PROBLEMS else "invalid"), lang, **params)


@router.get("/vraag/{question}", name="respondent_question")
def question(request: Request, question: str, terug: str = "") -> Response:
    found = _respondent(request)
    if isinstance(found, Response):
        return found
    view, _, own = found
    answers = wr.shown_answers(view.questionnaire, own.answers)
    if question not in {x.id for x in wr.visible_questions(view.questionnaire, answers)}:
        return _see(_question_path(request, wr.resume_at(view.questionnaire, answers)))
    return _question_page(request, view, own, question, from_check=terug == "controleren")


@router.post("/vraag/{question}", name="respondent_answer")
def answer(request: Request, question: str, csrf: TokenForm = "", answer: AnswerForm = [],  # noqa: B006
           action: Annotated[str, Form(max_length=20)] = "next",
           terug: Annotated[str, Form(max_length=20)] = "") -> Response:
    found = _respondent(request)  # reads only: nothing is changed before the token is checked
    if isinstance(found, Response):  # a page that only says why nothing can be done (closed, session ended)
        return found
    security.check_csrf(request, {security.CSRF_FIELD: csrf})
    view, session, own = found
    q = view.questionnaire
    answers = wr.shown_answers(q, own.answers)
    if question not in {x.id for x in wr.visible_questions(q, answers)}:
        return _see(_question_path(request, wr.resume_at(q, answers)))
    going_back = action == "back"
    saved = wr.check_answer(q, answers, question, answer, need=not going_back)
    if saved.problem is not None:
        return _question_page(request, view, own, question, answer, saved.problem, 400, terug == "controleren")
    try:
        wr.save_partial(security.backend(request), view, session.subject, saved.answers)
        web_sessions.extend_session(security.backend(request), session, security.config(request).session_minutes)
    except WorkspaceError as exc:
        return _save_failed(request, view, own, question, answer, exc)
    return _see(_after_answer(request, q, saved.answers, question, going_back, terug == "controleren"))


def _after_answer(request: Request, q: Any, answers: dict[str, list[str]], qid: str, back: bool,
                  from_check: bool) -> str:
    if back:
        before = wr.neighbour(q, answers, qid, -1)
        return _question_path(request, before) if before else str(request.app.url_path_for("respondent_start"))
    if from_check:
        return _question_path(request, wr.first_open(q, answers))
    return _question_path(request, wr.neighbour(q, answers, qid, +1))


def _save_failed(request: Request, view: SurveyView, own: wr.OwnAnswers, qid: str, given: list[str],
                 exc: WorkspaceError) -> Response:
    if exc.code == "error.survey_closed":
        return _message(request, "closed")
    if exc.code == "error.survey_code_used":
        return _message(request, "already", default_lang=own.language)
    if exc.code == web_sessions.UNREACHABLE:  # the database stayed away: the answer stays in the form
        return _question_page(request, view, own, qid, given, status=503, unavailable=True)
    raise exc


# --- check, send, thanks --------------------------------------------------------------------------------

def _check_page(request: Request, view: SurveyView, own: wr.OwnAnswers, missing: list[str] | None = None,
                status: int = 200, unavailable: bool = False) -> Response:
    q = view.questionnaire
    answers = wr.shown_answers(q, own.answers)
    lang = request_lang(request, own.language)
    rows = [{"id": x.id, "text": x.text.get(lang) or x.text["nl"], "required": x.required,
             "values": _shown_values(x, answers.get(x.id, []), lang)} for x in wr.visible_questions(q, answers)]
    return render(request, "respondent/check.html.j2", status, default_lang=own.language, rows=rows,
                  missing=missing or [], unavailable=unavailable, synthetic=view.record.synthetic)


def _shown_values(question: Any, values: list[str], lang: str) -> list[str]:
    labels = {o.code: (o.label.get(lang) or o.label["nl"]) for o in question.options}
    return [labels.get(v, v) for v in values]


@router.get("/verder", name="respondent_resume")
def resume(request: Request) -> Response:
    """Go on where the respondent stopped (the link on the start page while a session is open)."""
    found = _respondent(request)
    if isinstance(found, Response):
        return found
    view, _, own = found
    q = view.questionnaire
    return _see(_question_path(request, wr.resume_at(q, wr.shown_answers(q, own.answers))))


@router.get("/controleren", name="respondent_check")
def check(request: Request) -> Response:
    found = _respondent(request)
    if isinstance(found, Response):
        return found
    view, _, own = found
    return _check_page(request, view, own)


@router.post("/verzenden", name="respondent_submit")
def send(request: Request, csrf: TokenForm = "") -> Response:
    found = _respondent(request)  # reads only: nothing is changed before the token is checked
    if isinstance(found, Response):  # a page that only says why nothing can be done (closed, session ended)
        return found
    security.check_csrf(request, {security.CSRF_FIELD: csrf})
    view, session, own = found
    try:
        outcome, missing = wr.submit(security.backend(request), view, session.subject)
    except WorkspaceError as exc:
        if exc.code == "error.survey_closed":
            return _message(request, "closed")
        if exc.code == web_sessions.UNREACHABLE:
            return _check_page(request, view, own, status=503, unavailable=True)
        raise
    if outcome == "missing":
        return _check_page(request, view, own, missing, 400)
    if outcome == "already":
        return _message(request, "already", default_lang=own.language)
    return _see(str(request.app.url_path_for("respondent_thanks")))


@router.get("/bedankt", name="respondent_thanks")
def thanks(request: Request) -> Response:
    return render(request, "respondent/thanks.html.j2")
