"""The JSON API (`/api`, issue 11 point 4), described at `/api/openapi.json`: the district profile, desk use,
the options and the needs survey, as the report publishes them. Counts under the disclosure threshold are
`null` with `suppressed: true`; every response says whether synthetic input went into it.

Read-only; the figures come from the same `usecases.web_dashboard.Dashboard` as the dashboard's pages.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from wijkloket.errors import WijkloketError
from wijkloket.i18n import render_error, t
from wijkloket.web import render as rendering
from wijkloket.web.dashboard import dashboard

router = APIRouter(prefix="/api", tags=["api"], default_response_class=JSONResponse)
Level = Literal["buurt", "wijk", "district", "gemeente"]
Lang = Literal["nl", "en"]


class ApiError(BaseModel):
    error: str
    message: str


class ProfileRow(BaseModel):
    level: str
    area_code: str
    area_name: str
    district: str | None
    indicator: str
    value: float | None
    index_city: float | None  # the city = 100
    low_coverage: bool  # the figure rests on less than 90% of its base


class ProfileOut(BaseModel):
    gemeente: str
    year: int
    synthetic: bool
    rows: list[ProfileRow]


class DeskRow(BaseModel):
    level: str
    area_code: str
    area_name: str
    year: int | None
    product: str
    age_band: str | None
    indicator: str
    value: float | None
    suppressed: bool


class DeskOut(BaseModel):
    kind: str
    years: list[int]
    population_year: int
    threshold: int  # counts under this are suppressed
    synthetic: bool
    rows: list[DeskRow]


class OptionRow(BaseModel):
    option: str
    label: str
    metric: str
    metric_label: str
    unit: str
    value: float | None
    low: float | None  # 80% interval
    high: float | None
    applies: bool
    reason: str
    synthetic: bool


class Assumption(BaseModel):
    name: str
    text: str


class OptionsOut(BaseModel):
    synthetic: bool
    threshold_minutes: float
    draws: int
    seed: int
    rows: list[OptionRow]
    assumptions: list[Assumption]


class FieldworkRow(BaseModel):
    stratum: str
    gross: int
    responded: int | None  # null: suppressed
    web: int | None
    paper: int | None
    phone: int | None


class FieldworkOut(BaseModel):
    survey: str
    closed: bool  # the fieldwork is closed
    synthetic: bool
    rows: list[FieldworkRow]  # the last row is the total ("total")


class ResultRow(BaseModel):
    question: str
    answer: str
    domain_level: str
    domain: str
    estimate: float | None  # per cent for a share; null: suppressed
    ci_low: float | None  # 95% interval
    ci_high: float | None
    n: int | None
    reliable: bool
    suppressed: bool


class ResultsOut(BaseModel):
    survey: str
    by: str | None
    synthetic: bool
    rows: list[ResultRow]


ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ApiError}, 503: {"model": ApiError}}


def _num(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def _int(value: Any) -> int | None:
    f = _num(value)
    return None if f is None else int(round(f))


def _text(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value) else str(value)


def _error(status: int, key: str, lang: str) -> JSONResponse:
    return JSONResponse({"error": key, "message": t(key, lang)}, status_code=status)


def _failed(exc: WijkloketError, lang: str, status: int = 503) -> JSONResponse:
    return JSONResponse({"error": exc.code, "message": render_error(exc, lang)}, status_code=status)


@router.get("/profile", response_model=ProfileOut, responses=ERRORS)
def profile(request: Request, level: Level | None = None, lang: Lang | None = None) -> Any:
    """The district profile: every indicator per area (all levels, or `level`), with its index (city = 100)."""
    language = lang or rendering.request_lang(request)
    try:
        data = dashboard(request).data(language)
    except WijkloketError as exc:
        return _failed(exc, language)
    tab = data.table if level is None else data.table[data.table["level"] == level]
    rows = [ProfileRow(level=str(r.level), area_code=str(r.area_code), area_name=str(r.area_name),
                       district=_text(r.district), indicator=str(r.indicator), value=_num(r.value),
                       index_city=_num(r.index_city), low_coverage=bool(r.low_coverage)) for r in tab.itertuples()]
    return ProfileOut(gemeente=data.profile.gemeente, year=int(data.year), synthetic=False, rows=rows)


@router.get("/desk/{kind}", response_model=DeskOut, responses=ERRORS)
def desk(request: Request, kind: Literal["visit", "issuance"], level: Level | None = None,
         year: int | None = Query(None, ge=1900, le=2200), lang: Lang | None = None) -> Any:
    """Desk visits (`visit`) or issued documents (`issuance`) by the residents' area, per year and product;
    counts under the threshold (and what would give them away) suppressed."""
    language = lang or rendering.request_lang(request)
    try:
        res = dashboard(request).data(language).desk.get(kind)
    except WijkloketError as exc:
        return _failed(exc, language)
    if res is None:
        return _error(404, "web.dash.api.no_log", language)
    tab = res.table
    tab = tab if level is None else tab[tab["level"] == level]
    tab = tab if year is None else tab[tab["year"] == year]
    rows = [DeskRow(level=str(r.level), area_code=str(r.area_code), area_name=str(r.area_name), year=_int(r.year),
                    product=str(r.product), age_band=_text(r.age_band), indicator=str(r.indicator),
                    value=None if bool(r.suppressed) else _num(r.value), suppressed=bool(r.suppressed))
            for r in tab.itertuples()]
    return DeskOut(kind=kind, years=[int(y) for y in res.years], population_year=int(res.population_year),
                   threshold=int(res.threshold), synthetic=bool(res.synthetic), rows=rows)


@router.get("/options", response_model=OptionsOut, responses=ERRORS)
def options(request: Request, lang: Lang | None = None) -> Any:
    """The options with their cost and reach under the scenario's assumptions, each with its 80% interval."""
    language = lang or rendering.request_lang(request)
    try:
        res = dashboard(request).data(language).options
    except WijkloketError as exc:
        return _failed(exc, language)
    if res is None:
        return _error(404, "web.dash.api.no_options", language)
    rows = [OptionRow(option=str(r.option), label=str(r.label), metric=str(r.metric), metric_label=str(r.metric_label),
                      unit=str(r.unit), value=_num(r.value), low=_num(r.low), high=_num(r.high),
                      applies=bool(r.applies), reason=str(r.reason or ""), synthetic=bool(r.synthetic))
            for r in res.table.itertuples()]
    extra: Any = res  # an OptionsResult: also its threshold, draws and seed
    return OptionsOut(synthetic=bool(res.synthetic), threshold_minutes=float(extra.threshold),
                      draws=int(extra.draws), seed=int(extra.seed), rows=rows,
                      assumptions=[Assumption(name=str(k), text=str(v)) for k, v in res.assumptions])


@router.get("/survey/fieldwork", response_model=FieldworkOut, responses=ERRORS)
def fieldwork(request: Request, lang: Lang | None = None) -> Any:
    """The newest survey's response per stratum and mode, small counts suppressed; the total last."""
    from wijkloket.usecases.report import published_fieldwork

    language = lang or rendering.request_lang(request)
    try:
        mon = dashboard(request).fieldwork()
    except WijkloketError as exc:
        return _failed(exc, language)
    if mon is None:
        return _error(404, "web.dash.api.no_survey", language)
    fw = published_fieldwork(mon.table)
    rows = [FieldworkRow(stratum=str(r.stratum), gross=int(r.gross), responded=_int(r.responded), web=_int(r.web),
                         paper=_int(r.paper), phone=_int(r.phone)) for r in fw.itertuples()]
    return FieldworkOut(survey=str(mon.survey.name), closed=mon.survey.closed_at is not None,
                        synthetic=bool(mon.synthetic), rows=rows)


@router.get("/survey/results", response_model=ResultsOut, responses={**ERRORS, 409: {"model": ApiError}})
def survey_results(request: Request, by: Literal["district", "age_band", "sex"] | None = None,
                   lang: Lang | None = None) -> Any:
    """The newest survey's weighted estimates overall and per `by`, each with its 95% interval; estimates
    on too few respondents suppressed."""
    language = lang or rendering.request_lang(request)
    try:
        res = dashboard(request).survey_results(by)
    except WijkloketError as exc:
        if exc.code == "error.survey_none":
            return _error(404, "web.dash.api.no_survey", language)
        if exc.code in ("error.survey_not_weighted", "error.survey_no_responses", "error.survey_weights_stale"):
            return _failed(exc, language, 409)
        return _failed(exc, language)
    rows = []
    for r in res.table.itertuples():
        hidden = bool(r.suppressed)
        rows.append(ResultRow(question=str(r.question), answer=str(r.answer), domain_level=str(r.domain_level),
                              domain=str(r.domain), estimate=None if hidden else _num(r.estimate),
                              ci_low=None if hidden else _num(r.ci_low), ci_high=None if hidden else _num(r.ci_high),
                              n=_int(r.n), reliable=bool(r.reliable), suppressed=hidden))
    return ResultsOut(survey=str(res.survey.name), by=by, synthetic=bool(res.synthetic), rows=rows)
