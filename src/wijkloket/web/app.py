"""The web app: `create_app(config)` (issue 11). The one place that turns errors into HTTP responses.

Routes live per resource: `respondent` (`/`), `staff` (`/staff`), `dashboard` (`/dashboard`) and `api`
(`/api`, described at `/api/openapi.json`; no interactive docs). Static files (the bundled NL Design System
CSS) are served from `/static`. Every response carries the security headers; bodies over `max_body` are
refused; unknown pages get a Dutch 404 page and a failure a 500 page without a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from wijkloket.errors import WijkloketError
from wijkloket.i18n import render_error, t
from wijkloket.usecases import web_sessions
from wijkloket.web import api, dashboard, respondent, security, staff
from wijkloket.web import render as rendering
from wijkloket.web.config import WebConfig

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("wijkloket.web")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def error_page(request: Request, status: int, title_key: str, message: str, fix: str = "") -> Response:
    """The page for an error (JSON under `/api`)."""
    response: Response
    if _wants_json(request):
        response = JSONResponse({"error": title_key, "message": message}, status_code=status)
    else:
        response = rendering.render(request, "errors/error.html.j2", status, title_key=title_key, message=message,
                                    fix=fix)
    # also when the failure handler answers outside the middleware that sets them
    response.headers.update({**security.HEADERS, "Cache-Control": "no-store"})
    return response


def _lang(request: Request) -> str:
    return rendering.request_lang(request)


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return error_page(request, 404, "web.error.not_found", t("web.error.not_found_text", _lang(request)))
        if exc.status_code == 405:
            return error_page(request, 405, "web.error.method", t("web.error.method_text", _lang(request)))
        return error_page(request, exc.status_code, "web.error.bad_request",
                          t("web.error.bad_request_text", _lang(request)))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if _wants_json(request):
            return JSONResponse({"error": "invalid", "detail": exc.errors()}, status_code=422)
        return error_page(request, 400, "web.error.bad_request", t("web.error.bad_request_text", _lang(request)))

    @app.exception_handler(security.Forbidden)
    async def forbidden(request: Request, exc: security.Forbidden) -> Response:
        return error_page(request, 403, "web.error.forbidden", t("web.error.forbidden_text", _lang(request)))

    @app.exception_handler(security.Throttled)
    async def throttled(request: Request, exc: security.Throttled) -> Response:
        response = error_page(request, 429, "web.error.throttled",
                              t("web.error.throttled_text", _lang(request), n=exc.minutes))
        response.headers["Retry-After"] = str(60 * exc.minutes)
        return response

    @app.exception_handler(WijkloketError)
    async def user_error(request: Request, exc: WijkloketError) -> Response:
        if exc.code == web_sessions.UNREACHABLE:
            log.warning("survey database unreachable")
            return error_page(request, 503, "web.error.unavailable", t("web.error.unavailable_text", _lang(request)))
        return error_page(request, 400, "web.error.bad_request", render_error(exc, _lang(request)))

    @app.exception_handler(Exception)
    async def failure(request: Request, exc: Exception) -> Response:
        log.error("page failed: %s", type(exc).__name__)  # no request details: they could identify someone
        return error_page(request, 500, "web.error.server", t("web.error.server_text", _lang(request)))


def _too_large_page(config: WebConfig) -> bytes:
    html = rendering.environment().get_template("errors/error.html.j2").render(
        t=lambda key, **p: t(key, config.lang, **p), lang=config.lang, other_lang="en" if config.lang == "nl" else "nl",
        lang_switch="/", municipality="", title_key="web.error.too_large",
        message=t("web.error.too_large_text", config.lang), fix="")
    return html.encode("utf-8")


def create_app(config: WebConfig) -> FastAPI:
    """The app over `config.workspace` and its survey database (opened now; a `WorkspaceError` naming the
    database when it cannot be reached)."""
    backend = web_sessions.open_backend(config.workspace, config.survey_db_url, config.key_file)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        backend.close()

    app = FastAPI(title="wijkloket", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
                  lifespan=lifespan, default_response_class=HTMLResponse)
    app.state.config = config
    app.state.backend = backend
    app.state.throttle = security.Throttle(config.code_attempts, 60.0 * config.throttle_minutes, backend,
                                           _key=security.throttle_key(config.secret))
    _install_handlers(app)
    app.add_middleware(security.SecurityHeaders)
    page = _too_large_page(config)
    app.add_middleware(security.BodyLimit, max_body=config.max_body, page=lambda: page)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (respondent, staff, dashboard, api):  # each router carries its own prefix
        app.include_router(module.router)
    return app


def app_from_environ() -> FastAPI:
    """The app factory `wijkloket serve` gives uvicorn (one call per worker process): the settings come
    from the environment (`WebConfig.to_environ`). The dashboard's figures are computed in the background at
    once, so that the first visitor does not wait for them."""
    app = create_app(WebConfig.from_environ())
    dashboard.warm_up(app)
    return app
