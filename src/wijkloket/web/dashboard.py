"""The dashboard (`/dashboard`, issue 11 point 4): the report's sections as pages that work without
JavaScript. The district comparison, a map per indicator (the report's SVG; where JavaScript runs also an
interactive plotly `choroplethmap` on a white background without tiles, from `kaart.json`), desk use with
the under-use funnel, the options with an explorer (a GET form: change an assumption, see the options
recomputed) and the survey results. Every figure carries the report's synthetic marking.

The figures come from `usecases.web_dashboard.Dashboard` (one per app, the workspace opened read-only);
the blocks are rendered with the report's own macros (`report/templates/blocks.html.j2`).
"""

from __future__ import annotations

import base64
import math
import re
import threading
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader
from markupsafe import Markup

from wijkloket.errors import WijkloketError
from wijkloket.i18n import fmt_number, render_error
from wijkloket.report.blocks import Section
from wijkloket.report.formatting import cell_text
from wijkloket.report.html import PARAGRAPH_CLASSES, cell_class, header_rows, layout
from wijkloket.usecases import web_dashboard as uc
from wijkloket.web import render as rendering
from wijkloket.web import security

router = APIRouter(prefix="/dashboard", include_in_schema=False)
TEMPLATES = Path(__file__).parent / "templates" / "dashboard"
NAV = (("dashboard_overview", "web.dash.nav.overview"), ("dashboard_map", "web.dash.nav.map"),
       ("dashboard_desk", "web.dash.nav.desk"), ("dashboard_options", "web.dash.nav.options"),
       ("dashboard_survey", "web.dash.nav.survey"))
_create = threading.Lock()


def dashboard(request: Request) -> uc.Dashboard:
    """The app's one `Dashboard` (made on first use, over the workspace of the app's settings)."""
    state = request.app.state
    with _create:
        if getattr(state, "dashboard", None) is None:
            state.dashboard = uc.Dashboard(security.config(request).workspace)
    found: uc.Dashboard = state.dashboard
    return found


def warm_up(app: Any) -> threading.Thread:
    """Compute the dashboard's figures in the background for the app's language, so that the first visitor
    does not wait for them (about a minute on the demo workspace); a failure shows on the pages themselves."""
    config = app.state.config

    def work() -> None:
        with _create:
            if getattr(app.state, "dashboard", None) is None:
                app.state.dashboard = uc.Dashboard(config.workspace)
        try:
            app.state.dashboard.data(config.lang)
        except WijkloketError:
            pass  # the pages say what is missing

    thread = threading.Thread(target=work, name="dashboard-warm-up", daemon=True)
    thread.start()
    return thread


@lru_cache(maxsize=1)
def _blocks_env() -> Environment:
    """The report's block macros, for fragments of a dashboard page (autoescape on, as in the report)."""
    loader = ChoiceLoader([FileSystemLoader(TEMPLATES), PackageLoader("wijkloket.report", "templates")])
    env = Environment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(layout=layout, header_rows=header_rows, cell_class=cell_class, zip=zip,
                       paragraph_classes=PARAGRAPH_CLASSES)
    env.filters["b64"] = lambda data: base64.b64encode(data).decode("ascii")
    return env


def sections_html(sections: Sequence[Section], data: Any) -> Markup:
    """The sections as the report shows them (a heading per section, then its blocks), as HTML."""
    html = _blocks_env().get_template("_sections.html.j2").render(
        sections=sections, tr=data.tr, cell_text=lambda cell, column: cell_text(cell, column, data.lang),
        format_index=lambda value: fmt_number(value, data.lang, 0))
    return Markup(html)  # noqa: S704 - rendered with autoescape from the report's own blocks


def _page(request: Request, template: str, title_key: str, sections: Sequence[Section], lang: str,
          **ctx: Any) -> HTMLResponse:
    data = dashboard(request).data(lang)
    route = request.scope.get("route")
    return rendering.render(request, f"dashboard/{template}", title_key=title_key, nav=NAV,
                            current=getattr(route, "name", ""),
                            content=sections_html(sections, data),
                            synthetic_sections=[s for s in sections if s.synthetic], **ctx)


def _unavailable(request: Request, exc: WijkloketError, lang: str) -> HTMLResponse:
    """A workspace the dashboard cannot show (no CBS data yet, no workspace): a clear page, not a failure."""
    return rendering.render(request, "dashboard/unavailable.html.j2", 503, title_key="web.dash.unavailable",
                            message=render_error(exc, lang), nav=NAV, current="")


@router.get("", name="dashboard_overview")
def overview(request: Request, toon: str = "") -> Response:
    """The districts compared with the city: the report's table with its figures, or (`?toon=index`) with
    their index (city = 100)."""
    lang = rendering.request_lang(request)
    try:
        sections = dashboard(request).overview(lang, index=toon == "index")
    except WijkloketError as exc:
        return _unavailable(request, exc, lang)
    return _page(request, "page.html.j2", "web.dash.title.overview", sections, lang,
                 intro_key="web.dash.intro.overview", views=[("", "web.dash.view_values"),
                                                            ("index", "web.dash.view_index")], view=toon)


@router.get("/kaart", name="dashboard_map")
def map_page(request: Request, indicator: str = "") -> Response:
    lang = rendering.request_lang(request)
    try:
        dash = dashboard(request)
        choices = dash.map_choices(lang)
    except WijkloketError as exc:
        return _unavailable(request, exc, lang)
    chosen = indicator if indicator in {c.indicator for c in choices} else (choices[0].indicator if choices else "")
    figure = dash.map_figure(lang, chosen) if chosen else None
    sections = [Section("kaart", next(c.label for c in choices if c.indicator == chosen), (figure,))] \
        if figure is not None else []
    status = 404 if indicator and indicator != chosen else 200
    response = _page(request, "map.html.j2", "web.dash.title.map", sections, lang, choices=choices, chosen=chosen,
                     unknown=status == 404, data_url=f"/dashboard/kaart.json?indicator={chosen}&lang={lang}",
                     maplibre_id=plotly_styles()[1])
    response.status_code = status
    # maplibre (inside plotly.js) draws in a web worker it makes from its own code as a blob: allowed on this page
    response.headers["Content-Security-Policy"] = security.CSP + "; worker-src 'self' blob:"
    return response


@router.get("/kaart.json", name="dashboard_map_data")
def map_data(request: Request, indicator: str = "") -> Response:
    """The interactive map of `indicator` as a plotly figure (data and layout; no tiles, no other host)."""
    lang = rendering.request_lang(request)
    try:
        found = dashboard(request).map_data(lang, indicator)
    except WijkloketError:
        found = None
    if found is None:
        return JSONResponse({"error": "web.dash.map_unknown"}, status_code=404)
    return JSONResponse(plotly_figure(found, lang))


def plotly_figure(m: uc.MapData, lang: str) -> dict[str, Any]:
    """A plotly `choroplethmap` of `m`: a white background (a style without any source, so nothing is
    fetched), hover texts written as the report writes numbers, missing figures left grey."""
    from wijkloket.i18n import t

    xs = [x for f in m.geojson["features"] for x in _lons(f["geometry"]["coordinates"])]
    ys = [y for f in m.geojson["features"] for y in _lats(f["geometry"]["coordinates"])]
    texts = [f"{name}: {'–' if v is None else fmt_number(v, lang, m.decimals)} {m.unit}".rstrip()
             for name, v in zip(m.names, m.values, strict=True)]
    span = max(max(xs) - min(xs), 1.6 * (max(ys) - min(ys)), 1e-3)
    zoom = max(0.0, min(14.0, math.log2(360.0 / span) - 0.6))
    trace = {"type": "choroplethmap", "geojson": m.geojson, "featureidkey": "properties.area_code",
             "locations": m.codes, "z": m.values, "text": texts, "hoverinfo": "text",
             "colorscale": "YlOrRd" if m.concern == "high" else "YlGnBu", "reversescale": True,
             "marker": {"line": {"width": 1,
                                                                                             "color": "#555"}},
             "colorbar": {"title": {"text": m.unit}}}
    title = m.label + (f" ({t('report.synthetic_short', lang)})" if m.synthetic else "")
    layout_ = {"map": {"style": {"version": 8, "sources": {}, "layers": [
        {"id": "white", "type": "background", "paint": {"background-color": "#ffffff"}}]},
        "center": {"lon": (max(xs) + min(xs)) / 2, "lat": (max(ys) + min(ys)) / 2}, "zoom": zoom},
        "paper_bgcolor": "#ffffff", "margin": {"l": 0, "r": 0, "t": 40, "b": 0}, "height": 520,
        "title": {"text": title}}
    return {"data": [trace], "layout": layout_, "config": {"displaylogo": False, "responsive": True}}


def _lons(coords: Any) -> list[float]:
    return [coords[0]] if isinstance(coords[0], int | float) else [x for c in coords for x in _lons(c)]


def _lats(coords: Any) -> list[float]:
    return [coords[1]] if isinstance(coords[0], int | float) else [y for c in coords for y in _lats(c)]


def _plotly_path() -> Path:
    return Path(str(resources.files("plotly").joinpath("package_data/plotly.min.js")))


@router.get("/plotly.js", name="dashboard_plotly")
def plotly_js() -> Response:
    """plotly.js as the installed plotly package ships it (not copied into this package)."""
    return FileResponse(_plotly_path(), media_type="text/javascript")


_PAIR = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[A-Za-z_$][\w$]*)\s*:\s*"""
                   r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*([,}])""")
MAPLIBRE_MARK = "var e=document.createElement(\"style\");e.id=\""


@lru_cache(maxsize=1)
def plotly_styles() -> tuple[str, str, str]:
    """The style rules plotly.js would otherwise add as inline `<style>` (which the CSP refuses), read from
    the installed bundle: (plotly's own rules, the id of the maplibre style element, maplibre's rules). A
    page that links them under those ids keeps plotly from adding its own. Empty when the bundle differs."""
    text = _plotly_path().read_text("utf-8")
    rules, at = [], text.find('{"X,X div":')
    while at >= 0:
        m = _PAIR.match(text, at + 1)
        if m is None:
            break
        selector = m.group(1).strip("\"'").replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        rules.append(f"{selector}{{{m.group(2)[1:-1]}}}")
        at = -1 if m.group(3) == "}" else m.end() - 1
    start = text.find(MAPLIBRE_MARK)
    ident = css = ""
    if start >= 0:
        ident = text[start + len(MAPLIBRE_MARK):text.index('"', start + len(MAPLIBRE_MARK))]
        body = text.index("textContent='", start) + len("textContent='")
        end = body
        while text[end] != "'":
            end += 2 if text[end] == "\\" else 1
        css = text[body:end].replace("\\'", "'").replace("\\\\", "\\")
    return "\n".join(rules), ident, css


@router.get("/plotly.css", name="dashboard_plotly_css")
def plotly_css() -> Response:
    return Response(plotly_styles()[0], media_type="text/css")


@router.get("/maplibre.css", name="dashboard_maplibre_css")
def maplibre_css() -> Response:
    return Response(plotly_styles()[2], media_type="text/css")


@router.get("/balie", name="dashboard_desk")
def desk_page(request: Request) -> Response:
    lang = rendering.request_lang(request)
    try:
        sections = dashboard(request).page(lang, "desk")
    except WijkloketError as exc:
        return _unavailable(request, exc, lang)
    return _page(request, "page.html.j2", "web.dash.title.desk", sections, lang,
                 intro_key="web.dash.intro.desk" if sections else "web.dash.none.desk")


@router.get("/opties", name="dashboard_options")
def options_page(request: Request) -> Response:
    lang = rendering.request_lang(request)
    try:
        dash = dashboard(request)
        dash.data(lang)
    except WijkloketError as exc:
        return _unavailable(request, exc, lang)
    known = uc.assumptions(dash.scenario(), lang)
    params = {k: v for k, v in request.query_params.items() if k != "lang"}
    changes, errors = uc.read_overrides(params, known, lang)
    section = dash.options_section(lang, {} if errors else changes)
    groups = _groups(known, dash.scenario(), lang)
    return _page(request, "options.html.j2", "web.dash.title.options", [section] if section else [], lang,
                 groups=groups, given=params, errors=errors,
                 changed=[] if errors else [a for a in known if a.key in changes],
                 changes=changes, shown=lambda v: _plain(v, lang), field_id=_field_id,
                 option_labels={o.id: o.label(lang) for o in dash.scenario().options})


def _field_id(key: str) -> str:
    return "f-" + key.replace(".", "--")


def _plain(value: float, lang: str) -> str:
    """A number as an adviser types it back: no thousands separator, the language's decimal sign."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "nl" else text


def _groups(known: list[uc.Assumption], sc: Any, lang: str) -> list[tuple[str, list[uc.Assumption]]]:
    """The form's fieldsets: the shared assumptions, then one per option (its label as the legend)."""
    from wijkloket.i18n import t

    labels = {o.id: o.label(lang) for o in sc.options}
    out = [(t("web.dash.explore.shared", lang), [a for a in known if a.option is None])]
    out += [(labels[o], [a for a in known if a.option == o]) for o in labels]
    return [(legend, items) for legend, items in out if items]


@router.get("/peiling", name="dashboard_survey")
def survey_page(request: Request) -> Response:
    lang = rendering.request_lang(request)
    try:
        page = dashboard(request).survey_page(lang)
    except WijkloketError as exc:
        return _unavailable(request, exc, lang)
    sections = [page.section] if page.section is not None else []
    intro = "web.dash.intro.survey" if page.weighted else ("web.dash.none.survey_weights" if page.section
                                                            else "web.dash.none.survey")
    return _page(request, "page.html.j2", "web.dash.title.survey", sections, lang, intro_key=intro)
