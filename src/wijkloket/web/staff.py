"""The staff pages (`/staff`, issue 11 point 3): log in, the fieldwork, paper entry, exports and closing the
fieldwork. Thin: read the form, check the CSRF token and the login, call `usecases.web_staff`, render.

Every page but the login needs a staff session (else a redirect to `/staff/login`); a respondent's session
is not one. Staff see the survey only in aggregate and the entry reports of paper files, never one
respondent's answers. A synthetic survey says so on every page.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from wijkloket.errors import WijkloketError
from wijkloket.i18n import fmt_number, render_error
from wijkloket.usecases import survey_entry, web_staff
from wijkloket.usecases.web_sessions import UNREACHABLE, current_survey, extend_session
from wijkloket.usecases.web_staff import Account, Download
from wijkloket.web import security
from wijkloket.web.render import render, request_lang

router = APIRouter(prefix="/staff", include_in_schema=False)
LOGIN_BUCKET = "staff_login"
KIND = "staff"
FormText = Annotated[str, Form()]
MAX_REJECTS_FIELD = 200_000  # characters of the rejects carried back in the download form


def _account(request: Request) -> Account | None:
    """The enabled account of this request's staff session (which is extended), or None."""
    session = security.current_session(request, KIND)
    if session is None:
        return None
    try:
        account_id = int(session.subject)
    except ValueError:
        return None
    acc = web_staff.active_account(security.backend(request), account_id)
    if acc is not None:
        extend_session(security.backend(request), session, security.config(request).session_minutes)
    return acc


def _to_login(request: Request) -> RedirectResponse:
    had_cookie = bool(request.cookies.get(security.SESSION_COOKIE))
    expired = had_cookie and security.current_session(request) is None
    return RedirectResponse("/staff/login" + ("?reason=expired" if expired else ""), status_code=303)


def _num(lang: str) -> Any:
    def num(value: Any, decimals: int = 0) -> str:
        if value is None or value != value:
            return "x"
        return fmt_number(float(value), lang, decimals)

    return num


def _page(request: Request, template: str, account: Account | None, title: str, active: str = "",
          status: int = 200, **ctx: Any) -> Response:
    survey = current_survey(security.backend(request))
    return render(request, "staff/" + template, status, account=account, title_key=title, active=active,
                  synthetic=bool(survey is not None and survey.synthetic), num=_num(request_lang(request)), **ctx)


def _download(d: Download) -> Response:
    return Response(d.content, media_type=d.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{d.file_name}"'})


# --- logging in and out ------------------------------------------------------------------------------


@router.get("/login", name="staff_login")
def login_page(request: Request, reason: str = "") -> Response:
    if _account(request) is not None:
        return RedirectResponse("/staff", status_code=303)
    notice = reason if reason in ("expired", "logged_out") else ""
    return _page(request, "login.html.j2", None, "staff.web.login.title", notice=notice, error=False,
                 username="")


@router.post("/login")
def login(request: Request, username: FormText = "", password: FormText = "", csrf: FormText = "") -> Response:
    security.check_csrf(request, {security.CSRF_FIELD: csrf})
    security.throttle(request, LOGIN_BUCKET)
    acc = web_staff.verify_login(security.backend(request), username[:200], password)
    if acc is None:
        return _page(request, "login.html.j2", None, "staff.web.login.title", status=401, notice="", error=True,
                     username=username[:200])
    security.forgive(request, LOGIN_BUCKET)
    response = RedirectResponse("/staff", status_code=303)
    security.start_session(request, response, KIND, None, str(acc.account_id))  # a new token: never the old one
    return response


@router.post("/logout", name="staff_logout")
def logout(request: Request, csrf: FormText = "") -> Response:
    security.check_csrf(request, {security.CSRF_FIELD: csrf})
    response = RedirectResponse("/staff/login?reason=logged_out", status_code=303)
    security.end_session(request, response)
    return response


# --- the pages ---------------------------------------------------------------------------------------


@router.get("", name="staff_overview")
def overview(request: Request) -> Response:
    acc = _account(request)
    if acc is None:
        return _to_login(request)
    view = web_staff.fieldwork(security.backend(request))
    return _page(request, "overview.html.j2", acc, "staff.web.overview.title", "overview", view=view,
                 total=view.published.iloc[-1].to_dict())


@router.get("/monitor", name="staff_monitor")
def monitor(request: Request) -> Response:
    acc = _account(request)
    if acc is None:
        return _to_login(request)
    view = web_staff.fieldwork(security.backend(request))
    return _page(request, "monitor.html.j2", acc, "staff.web.monitor.title", "monitor", view=view,
                 rows=view.published.to_dict("records"))


@router.get("/entry", name="staff_entry")
def entry_page(request: Request) -> Response:
    acc = _account(request)
    if acc is None:
        return _to_login(request)
    return _page(request, "entry.html.j2", acc, "staff.web.entry.title", "entry", error="", mode="paper")


@router.post("/entry")
def entry(request: Request, file: Annotated[UploadFile | None, File()] = None, mode: FormText = "paper",
          csrf: FormText = "") -> Response:
    acc = _account(request)
    if acc is None:
        return _to_login(request)
    security.check_csrf(request, {security.CSRF_FIELD: csrf})
    lang = request_lang(request)
    mode = mode if mode in ("paper", "phone") else "paper"
    if file is None or not file.filename:
        return _page(request, "entry.html.j2", acc, "staff.web.entry.title", "entry", status=400,
                     error=render_error(WijkloketError("error.staff_upload_none"), lang), mode=mode)
    try:
        rep = web_staff.enter_upload(security.backend(request), file.file.read(), file.filename, mode)
    except WijkloketError as exc:
        return _page(request, "entry.html.j2", acc, "staff.web.entry.title", "entry", status=400,
                     error=render_error(exc, lang), mode=mode)
    problems = [{**p, "text": survey_entry.problem_text(p, lang)} for p in rep.first_problems]
    carried = json.dumps([{k: p[k] for k in ("row", "reason", "column", "value", "problem")} for p in rep.rejected],
                         ensure_ascii=False, default=str)
    fits = len(carried) <= min(MAX_REJECTS_FIELD, security.config(request).max_body // 2)  # it is posted back
    return _page(request, "entry_done.html.j2", acc, "staff.web.entry.done_title", "entry", rep=rep,
                 problems=problems, rejects=carried if fits else "")


@router.post("/entry/rejects", name="staff_rejects")
def rejects(request: Request, rows: FormText = "", survey: FormText = "", csrf: FormText = "") -> Response:
    """The rejected rows of the entry just shown, as CSV (carried in the page's form: nothing is kept)."""
    acc = _account(request)
    if acc is None:
        return _to_login(request)
    security.check_csrf(request, {security.CSRF_FIELD: csrf})
    try:
        given = json.loads(rows) if len(rows) <= MAX_REJECTS_FIELD else []
    except ValueError:
        given = []
    keys = ("row", "reason", "column", "value", "problem")
    clean = [{k: p.get(k) for k in keys} for p in given if isinstance(p, dict)] if isinstance(given, list) else []
    clean = [p for p in clean if p["reason"] in web_staff.REJECT_REASONS and
             (p["problem"] is None or isinstance(p["problem"], dict) and "_key" in p["problem"])]
    return _download(web_staff.rejects_download(clean, survey, request_lang(request)))


@router.get("/exports", name="staff_exports")
def exports(request: Request) -> Response:
    acc = _account(request)
    if acc is None:
        return _to_login(request)
    return _page(request, "exports.html.j2", acc, "staff.web.exports.title", "exports",
                 items=web_staff.EXPORT_LIST, error="")


@router.get("/exports/{kind}.{fmt}", name="staff_export")
def export(request: Request, kind: str, fmt: str) -> Response:
    acc = _account(request)
    if acc is None:
        return _to_login(request)
    lang = request_lang(request)
    try:
        return _download(web_staff.export(security.backend(request), kind, fmt, lang))
    except WijkloketError as exc:
        if exc.code == UNREACHABLE:
            raise
        return _page(request, "exports.html.j2", acc, "staff.web.exports.title", "exports", status=400,
                     items=web_staff.EXPORT_LIST, error=render_error(exc, lang))


@router.get("/close", name="staff_close")
def close_page(request: Request) -> Response:
    acc = _account(request)
    if acc is None:
        return _to_login(request)
    view = web_staff.fieldwork(security.backend(request))
    return _page(request, "close.html.j2", acc, "staff.web.close.title", "close", view=view, step="ask",
                 unlink=False, done=None)


@router.post("/close")
def close(request: Request, unlink: FormText = "", step: FormText = "", csrf: FormText = "") -> Response:
    """Two steps: `confirm` shows what closing (and unlinking) means; `do` closes."""
    acc = _account(request)
    if acc is None:
        return _to_login(request)
    security.check_csrf(request, {security.CSRF_FIELD: csrf})
    backend = security.backend(request)
    wanted = unlink == "yes"
    done = web_staff.close_fieldwork(backend, wanted) if step == "do" else None
    view = web_staff.fieldwork(backend)
    return _page(request, "close.html.j2", acc, "staff.web.close.title", "close", view=view,
                 step="done" if done is not None else "confirm", unlink=wanted, done=done)
