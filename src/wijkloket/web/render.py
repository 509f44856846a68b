"""Pages rendered on the server: one Jinja2 environment over `web/templates/` (autoescape on), and the
request's language.

Templates get `t(key, **params)` (the catalogue text in the request's language), `csrf_field()` (the hidden
input every form carries), `url_for(name, **params)` (a route's path), `lang`, `other_lang`,
`lang_switch` (this page's URL in the other language) and `municipality`. The language is `?lang=` when
given, else the `wl_lang` cookie, else the page's default (the letter language of a respondent's unit),
else the app's.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from wijkloket.i18n import LANGUAGES, t
from wijkloket.web import security

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    return env


def request_lang(request: Request, default: str | None = None) -> str:
    """`?lang=`, else the `wl_lang` cookie, else `default`, else the app's language."""
    for given in (request.query_params.get("lang"), request.cookies.get(security.LANG_COOKIE), default):
        if given in LANGUAGES:
            return str(given)
    return security.config(request).lang


def _switch_url(request: Request, other: str) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "code")]
    return f"{request.url.path}?{urlencode([*params, ('lang', other)])}"


def page_context(request: Request, lang: str) -> dict[str, Any]:
    """What every template can use."""
    other = "en" if lang == "nl" else "nl"

    def text(key: str, **params: Any) -> str:
        return t(key, lang, **params)

    def csrf_field() -> Markup:
        return Markup('<input type="hidden" name="{}" value="{}">').format(
            security.CSRF_FIELD, escape(security.csrf_token(request)))

    def url_for(name: str, **params: Any) -> str:
        return str(request.app.url_path_for(name, **params))

    state = getattr(request.app.state, "backend", None)
    return {"request": request, "t": text, "csrf_field": csrf_field, "url_for": url_for, "lang": lang,
            "other_lang": other, "lang_switch": _switch_url(request, other),
            "municipality": state.municipality if state is not None else ""}


def render(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    """The page `template` (a path under `web/templates/`) in the request's language; `default_lang` in
    `ctx` (a respondent's letter language) is used when the request names none."""
    lang = request_lang(request, ctx.pop("default_lang", None))
    html = environment().get_template(template).render(**page_context(request, lang), **ctx)
    return HTMLResponse(html, status_code=status)
