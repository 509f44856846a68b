"""Sessions, CSRF, throttling, security headers and the body-size limit of the web door (issue 11, point 5).

- Sessions are server-side (`usecases.web_sessions`): the cookie `wl_session` holds a random token
  (HttpOnly, SameSite=Strict, Secure over https); the database keeps only its hash.
- Every form carries a CSRF token in a hidden field (`csrf_field()` in the templates): the session's own
  token, or, before there is a session (the code form, the staff login), an HMAC of a random value in the
  cookie `wl_pre` under the app's secret. `check_csrf` also refuses a POST whose Origin (or, without it,
  Referer) is another host. A failure is a 403 page and nothing is done.
- `throttle(request, bucket)` counts one attempt of this client in `bucket` and refuses (429 page saying
  how many minutes to wait) once `code_attempts` attempts were made within `throttle_minutes`. The client
  is known only by a keyed hash of its address (the key is derived from the server's secret, which lives in
  memory only). The server counts in the survey database, so that all its worker processes count together;
  an attempt's row is deleted once it has left the window.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wijkloket.usecases import web_sessions
from wijkloket.usecases.web_sessions import Session, WebBackend
from wijkloket.web.config import WebConfig

SESSION_COOKIE = "wl_session"
PRE_COOKIE = "wl_pre"
LANG_COOKIE = "wl_lang"
CSRF_FIELD = "csrf"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


class Forbidden(Exception):  # noqa: N818 - the page it becomes is "403 Forbidden"
    """A form without a valid CSRF token, or from another site: the app answers with the 403 page."""


class Throttled(Exception):  # noqa: N818
    """Too many attempts from this client: the app answers with the 429 page."""

    def __init__(self, minutes: int) -> None:
        super().__init__(minutes)
        self.minutes = minutes


def config(request: Request) -> WebConfig:
    cfg: WebConfig = request.app.state.config
    return cfg


def backend(request: Request) -> WebBackend:
    """The survey database and workspace of this process (opened when the app starts)."""
    found: WebBackend = request.app.state.backend
    return found


# --- sessions -------------------------------------------------------------------------------------------

def current_session(request: Request, kind: str | None = None) -> Session | None:
    """The session of this request's cookie (of `kind` when given), or None."""
    if not hasattr(request.state, "session"):
        token = request.cookies.get(SESSION_COOKIE, "")
        request.state.session = web_sessions.find_session(backend(request), token) if token else None
    found: Session | None = request.state.session
    if found is not None and kind is not None and found.kind != kind:
        return None
    return found


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def start_session(request: Request, response: Response, kind: str, survey_id: int | None, subject: str) -> Session:
    """A new session (a new token: never the one the browser had before) with its cookie on `response`."""
    old = current_session(request)
    if old is not None:
        web_sessions.end_session(backend(request), old)
    token, session = web_sessions.new_session(backend(request), kind, survey_id, subject,
                                              config(request).session_minutes)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request), path="/")
    request.state.session = session
    return session


def end_session(request: Request, response: Response) -> None:
    """End this request's session and clear its cookie."""
    found = current_session(request)
    if found is not None:
        web_sessions.end_session(backend(request), found)
    request.state.session = None
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))


# --- CSRF -----------------------------------------------------------------------------------------------

def _pre_token(request: Request) -> str:
    nonce: str = request.state.pre_nonce
    return hmac.new(config(request).secret.encode("ascii"), b"csrf|" + nonce.encode("ascii"),
                    hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token the forms of this page carry: the session's, or the one bound to the `wl_pre` cookie."""
    found = current_session(request)
    return found.csrf if found is not None else _pre_token(request)


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin", "")
    # Under `Referrer-Policy: no-referrer` browsers send `Origin: null` with every POST (Fetch standard,
    # "serializing a request origin") and no Referer: then the token (and the SameSite=Strict cookie it is
    # bound to) alone decides.
    given = request.headers.get("referer", "") if origin in ("", "null") else origin
    if not given:
        return True
    return urlsplit(given).netloc.lower() == request.headers.get("host", "").lower()


def check_csrf(request: Request, form: Mapping[str, Any]) -> None:
    """Raise `Forbidden` unless the form's token is this session's (or this browser's) and the request comes
    from this site."""
    given = form.get(CSRF_FIELD)
    if not isinstance(given, str) or not given or not _same_origin(request):
        raise Forbidden()
    if not hmac.compare_digest(given.encode("utf-8", "replace"), csrf_token(request).encode("ascii")):
        raise Forbidden()


# --- throttling -----------------------------------------------------------------------------------------

@dataclass
class Throttle:
    """Attempts per client per bucket in a sliding window, counted in the survey database of `backend`, so that
    all worker processes of the server count together."""

    limit: int
    window_s: float
    backend: WebBackend = field(repr=False)
    clock: Callable[[], float] = time.time  # wall-clock seconds: the same in every process
    _key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    def client(self, address: str) -> str:
        return hmac.new(self._key, address.encode("utf-8"), hashlib.sha256).hexdigest()

    def hit(self, bucket: str, address: str) -> int:
        """Count one attempt; returns 0 when allowed, else the whole minutes to wait (at least 1)."""
        now = self.clock()
        oldest = web_sessions.count_attempt(self.backend, bucket, self.client(address), self.limit, self.window_s,
                                            now)
        return 0 if oldest is None else max(1, math.ceil((oldest + self.window_s - now) / 60))

    def forgive(self, bucket: str, address: str) -> None:
        """Take back this client's last attempt (it succeeded)."""
        web_sessions.forgive_attempt(self.backend, bucket, self.client(address))

    def clients(self, bucket: str) -> set[str]:
        """The (hashed) clients with attempts in the window."""
        return web_sessions.attempt_clients(self.backend, bucket)


def throttle_key(secret: str) -> bytes:
    """The key of the clients' hashes: the same in every worker process (they share the secret)."""
    return hmac.new(secret.encode("utf-8"), b"throttle", hashlib.sha256).digest()


def _address(request: Request) -> str:
    return request.client.host if request.client else "-"


def throttle(request: Request, bucket: str) -> None:
    """Count an attempt of this client in `bucket`; raise `Throttled` when it has made too many."""
    throttler: Throttle = request.app.state.throttle
    minutes = throttler.hit(bucket, _address(request))
    if minutes:
        raise Throttled(minutes)


def forgive(request: Request, bucket: str) -> None:
    """The attempt succeeded: it does not count against the client (a shared address, e.g. a library)."""
    throttler: Throttle = request.app.state.throttle
    throttler.forgive(bucket, _address(request))


# --- middleware -----------------------------------------------------------------------------------------

SHARED_ASSETS = frozenset({"/dashboard/plotly.js", "/dashboard/plotly.css", "/dashboard/maplibre.css"})


def _cookie(name: str, value: str, secure: bool, max_age: int | None = None, httponly: bool = True) -> bytes:
    parts = [f"{name}={value}", "Path=/", "SameSite=strict"]
    parts += ["HttpOnly"] if httponly else []
    parts += ["Secure"] if secure else []
    parts += [f"Max-Age={max_age}"] if max_age is not None else []
    return "; ".join(parts).encode("latin-1")


class SecurityHeaders:
    """Security headers on every response; no caching except of the static files; the `wl_pre` cookie for
    forms shown before a session; `?lang=` remembered in the `wl_lang` cookie. A plain ASGI middleware (no
    extra task and stream per request, as Starlette's `BaseHTTPMiddleware` would have)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        nonce = request.cookies.get(PRE_COOKIE, "")
        fresh = not (16 <= len(nonce) <= 64 and nonce.isalnum())
        request.state.pre_nonce = secrets.token_hex(16) if fresh else nonce
        extra = _extra_headers(request, fresh)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                added = [(k.lower().encode(), v.encode()) for k, v in HEADERS.items() if k.lower().encode() not in have]
                own = [(k, v) for k, v in extra if k != b"cache-control" or k not in have]
                message = {**message, "headers": [*message.get("headers", []), *added, *own]}
            await send(message)

        await self.app(scope, receive, with_headers)


def _extra_headers(request: Request, fresh: bool) -> list[tuple[bytes, bytes]]:
    """Cache-Control and the cookies this middleware sets (the app itself never sets Cache-Control)."""
    path, secure = request.url.path, _secure(request)
    out: list[tuple[bytes, bytes]] = []
    if path in SHARED_ASSETS:  # the same for everyone (plotly's 4.8 MB bundle): cache it
        out.append((b"cache-control", b"public, max-age=86400"))
    elif not path.startswith("/static/"):
        out.append((b"cache-control", b"no-store"))
        if fresh and not path.startswith("/api/"):
            out.append((b"set-cookie", _cookie(PRE_COOKIE, request.state.pre_nonce, secure)))
    lang = request.query_params.get("lang")
    if lang in ("nl", "en") and request.cookies.get(LANG_COOKIE) != lang:
        out.append((b"set-cookie", _cookie(LANG_COOKIE, str(lang), secure, 365 * 24 * 3600, httponly=False)))
    return out


class _TooLarge(Exception):  # noqa: N818
    pass


class BodyLimit:
    """Refuse a request body over `max_body` bytes with 413, whether or not it says its length up front."""

    def __init__(self, app: ASGIApp, max_body: int, page: Callable[[], bytes]) -> None:
        self.app, self.max_body, self.page = app, max_body, page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_body:
            await self._refuse(send)
            return
        seen, started, exceeded = 0, False, False

        async def counted() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                exceeded = True
                raise _TooLarge()
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if exceeded:  # the app caught the exception (e.g. as a form it could not parse): answer 413 instead
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await self._refuse(send)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = self.page()
        headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                   (b"cache-control", b"no-store"), (b"connection", b"close"),
                   *((k.lower().encode(), v.encode()) for k, v in HEADERS.items())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
