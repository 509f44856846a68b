"""What the dashboard and the JSON API show (issue 11, point 4): the report's own data and sections, over the
workspace opened read-only, computed once per process and language; the options recomputed with an
adviser's assumption; the survey's fieldwork and results, read afresh on every call (they change while the
fieldwork runs).

Nothing is computed here that the report does not compute: the figures come from `report_data` (one
`Analysis`), the pages from the report's section builders, the options from `plan_options` with one
assumption of the scenario changed, the survey from `survey_report` and `survey_fieldwork.monitor`.
"""

from __future__ import annotations

import math
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from wijkloket.areas.levels import finest_level
from wijkloket.errors import WijkloketError, WorkspaceError
from wijkloket.i18n import assumption_label, decimals_for, t, unit_label
from wijkloket.indicators.registry import Indicator, Registry, load_registry
from wijkloket.plan.scenarios import FIELDS, GLOBALS, Range, Scenario, Spec
from wijkloket.report.blocks import Cell, Column, Figure, Section, Table
from wijkloket.report.context import ReportData
from wijkloket.store.workspace import Workspace
from wijkloket.usecases import plan as uc_plan
from wijkloket.usecases.analysis import Analysis

PAGES: dict[str, tuple[str, ...]] = {
    "overview": ("key_message", "district_table"),
    "maps": ("maps",),
    "desk": ("desk_use", "issuances", "underuse_section"),
    "options": ("options",),
}
"""The report's section builders (`report.sections`, by function name) each dashboard page shows."""

EXPLORE_GLOBALS = ("threshold_minutes", "faster_by_minutes", "central_share", "beta_per_minute",
                   "appointments_per_hour", "open_weeks")
"""The shared assumptions an adviser may change (the visit rate is left out: with a desk log, the log's
rate is used whatever the scenario says)."""
DEFINITIONS = {"threshold_minutes": Spec(1, 240, ranged=False), "faster_by_minutes": Spec(1, 240, ranged=False)}
EXPLORE_CACHE = 16  # recomputed option sets kept per process (each takes a few seconds)
SURVEY_SECONDS = 120.0
"""How long the survey's fieldwork and results are kept before they are read again: responses keep coming in
during the fieldwork, and the results change when the survey is weighted again."""


# --- the explorer: one scenario with an adviser's assumptions ---------------------------------------------------


@dataclass(frozen=True)
class Assumption:
    """One number of the options model an adviser may change: `key` is the form field (`central_share`,
    `district_desk.annual_cost`), `scale` turns the model's value into the shown one (100 for a share)."""

    key: str
    option: str | None  # the option's id; None for a shared assumption
    field: str
    label: str
    unit: str
    value: float  # the scenario's most likely value, in the model's unit
    spec: Spec
    scale: float = 1.0

    @property
    def shown(self) -> float:
        return self.value * self.scale


def assumptions(sc: Scenario, lang: str) -> list[Assumption]:
    """The numbers of `sc` an adviser may change, shared ones first, then per option in scenario order."""
    def make(key: str, option: str | None, name: str, value: float, spec: Spec) -> Assumption:
        label, unit = assumption_label(name, lang)
        return Assumption(key, option, name, label[:1].upper() + label[1:], unit, value, spec,
                          100.0 if unit == "%" else 1.0)

    out = [make(k, None, k, sc.threshold if k == "threshold_minutes" else sc.faster_by, DEFINITIONS[k])
           for k in DEFINITIONS]
    out += [make(k, None, k, sc.assumptions[k].mode, GLOBALS[k]) for k in EXPLORE_GLOBALS
            if k in sc.assumptions]
    for o in sc.options:
        out += [make(f"{o.id}.{f}", o.id, f, r.mode, FIELDS[o.kind][f]) for f, r in o.values.items()]
    return out


def parse_number(text: str) -> float | None:
    """A number as an adviser types it: `0,4` or `0.4`, `400000`, `400.000` or `400,000`; None when it is
    none (or not finite)."""
    s = text.strip().replace(" ", "").replace("\u00a0", "").replace("€", "").replace("%", "")
    if not s:
        return None
    if "," in s and "." in s:
        s = s.replace(".", "").replace(",", ".") if s.rfind(",") > s.rfind(".") else s.replace(",", "")
    elif s.count(",") + s.count(".") > 1:
        s = s.replace(",", "").replace(".", "")  # thousands separators only: 1.234.567
    elif re.fullmatch(r"[1-9]\d{0,2}[.,]\d{3}", s):
        s = s.replace(",", "").replace(".", "")  # 400.000 or 400,000: a thousands separator
    else:
        s = s.replace(",", ".")
    try:
        value = float(s)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_overrides(params: Mapping[str, str], known: list[Assumption], lang: str
                   ) -> tuple[dict[str, float], dict[str, str]]:
    """The changed assumptions of a form (`key` -> shown value) in the model's unit, and an error text per
    field that is not a number within its bounds. A field left empty or at the scenario's value is no change."""
    changed: dict[str, float] = {}
    errors: dict[str, str] = {}
    for a in known:
        raw = params.get(a.key, "")
        if not str(raw).strip():
            continue
        value = parse_number(str(raw))
        if value is None:
            errors[a.key] = t("web.dash.explore.not_a_number", lang, label=a.label)
            continue
        model = value / a.scale
        if not a.spec.low <= model <= a.spec.high:
            high = a.spec.high * a.scale
            errors[a.key] = t("web.dash.explore.out_of_range", lang, label=a.label, low=f"{a.spec.low * a.scale:g}",
                              high=f"{high:g}" if math.isfinite(high) else "∞")
            continue
        if not math.isclose(model, a.value, rel_tol=1e-9, abs_tol=1e-12):
            changed[a.key] = model
    return changed, errors


def _moved(r: Range, value: float, spec: Spec) -> Range:
    """`r` with its most likely value at `value`: the range is scaled with it (the same relative
    uncertainty), within the field's bounds; a fixed number or a zero mode becomes `value` itself."""
    if r.fixed or r.mode == 0:
        return replace(r, low=value, mode=value, high=value)
    factor = value / r.mode
    low, high = max(spec.low, r.low * factor), min(spec.high, r.high * factor)
    return replace(r, low=min(low, value), mode=value, high=max(high, value))


def scenario_with(sc: Scenario, changes: Mapping[str, float]) -> Scenario:
    """The scenario `sc` with the assumptions in `changes` (keys as `assumptions` names them, values in the
    model's unit) moved; unknown keys are an error."""
    known = {a.key: a for a in assumptions(sc, "nl")}
    unknown = sorted(set(changes) - set(known))
    if unknown:
        raise WijkloketError("error.scenario_assumption", file=sc.file, field=", ".join(unknown),
                             known=", ".join(known))
    shared = dict(sc.assumptions)
    for k in EXPLORE_GLOBALS:
        if k in changes and k in shared:
            shared[k] = _moved(shared[k], changes[k], GLOBALS[k])
    options = []
    for o in sc.options:
        values = {f: _moved(r, changes[f"{o.id}.{f}"], FIELDS[o.kind][f]) if f"{o.id}.{f}" in changes else r
                  for f, r in o.values.items()}
        options.append(replace(o, values=values))
    return replace(sc, assumptions=shared, options=options,
                   threshold=changes.get("threshold_minutes", sc.threshold),
                   faster_by=changes.get("faster_by_minutes", sc.faster_by))


# --- the workspace's figures, once per process ------------------------------------------------------------------


@dataclass(frozen=True)
class MapChoice:
    indicator: str
    label: str


@dataclass
class MapData:
    """One indicator per area of the map level, for an interactive map: the areas as GeoJSON in WGS84
    (`area_code`, `area_name` in each feature's properties) and the values (None: no figure)."""

    indicator: str
    label: str
    unit: str
    decimals: int
    level: str
    geojson: dict[str, Any]
    codes: list[str]
    names: list[str]
    values: list[float | None]
    concern: str
    year: int
    synthetic: bool = False  # CBS figures: never synthetic


@dataclass
class FieldworkOnly:
    """A survey in fieldwork without weights yet: what `report.sections.survey.response_table` reads."""

    results: Any
    fieldwork: pd.DataFrame
    themes: None = None


@dataclass
class SurveyPage:
    """The survey page: the report's survey section when the survey is weighted, else its response so far
    (`weighted` False, `name` the survey's name); None for both when the workspace has no survey."""

    section: Section | None
    weighted: bool
    name: str = ""


class Dashboard:
    """The figures of the workspace in `folder` for the dashboard and the API. The workspace is opened
    read-only on first use and stays open; every result is computed once (`Analysis`) and kept, per
    language where it holds texts. Safe to share between the threads of one process (one lock)."""

    def __init__(self, folder: Path, registry: Registry | None = None) -> None:
        self.folder = Path(folder)
        self._registry = registry
        self._lock = threading.RLock()
        self._ws: Workspace | None = None
        self._an: Analysis | None = None
        self._data: dict[str, ReportData] = {}
        self._sections: dict[tuple[str, str], Section | None] = {}
        self._fresh: dict[tuple[str, ...], tuple[float, Any]] = {}
        self._explored: OrderedDict[tuple[str, tuple[tuple[str, float], ...]], uc_plan.OptionsResult] = OrderedDict()

    def _recent(self, key: tuple[str, ...], compute: Callable[[], Any]) -> Any:
        """`compute()`, kept for `SURVEY_SECONDS`."""
        with self._lock:
            found = self._fresh.get(key)
            if found is None or time.monotonic() - found[0] > SURVEY_SECONDS:
                found = (time.monotonic(), compute())
                self._fresh[key] = found
            return found[1]

    def close(self) -> None:
        with self._lock:
            if self._ws is not None:
                self._ws.close()
            self._ws = self._an = None

    def analysis(self) -> Analysis:
        with self._lock:
            if self._an is None:
                self._ws = Workspace(self.folder, read_only=True)
                self._an = Analysis(self._ws, self._registry or load_registry())
            return self._an

    def data(self, lang: str) -> ReportData:
        """The report's data in `lang` (computed on first use)."""
        from wijkloket.usecases.report import report_data

        with self._lock:
            if lang not in self._data:
                self._data[lang] = report_data(self.analysis(), lang, with_survey=False)
            return self._data[lang]

    def section(self, lang: str, builder: str) -> Section | None:
        """The report section of the builder named `builder` (`report.sections`), or None when the workspace
        has nothing for it."""
        from wijkloket.report import sections

        with self._lock:
            if (lang, builder) not in self._sections:
                build: Callable[[ReportData], Section | None] = getattr(sections, builder)
                self._sections[(lang, builder)] = build(self.data(lang))
            return self._sections[(lang, builder)]

    def page(self, lang: str, page: str) -> list[Section]:
        """The sections of a dashboard page (`PAGES`) that have something to show."""
        return [s for b in PAGES[page] if (s := self.section(lang, b)) is not None]

    def overview(self, lang: str, index: bool = False) -> list[Section]:
        """The overview page; with `index`, the district table shows each figure's index (city = 100)."""
        sections = self.page(lang, "overview")
        if not index:
            return sections
        return [replace(s, blocks=tuple(index_table(b, t("web.dash.index_unit", lang)) if isinstance(b, Table)
                                        else b for b in s.blocks)) if s.id == "stadsdelen" else s
                for s in sections]

    # --- maps ---------------------------------------------------------------------------------------------------

    def _map_frame(self, lang: str) -> tuple[str, Any, pd.DataFrame] | None:
        """The map level, its areas and the profile rows at that level (as the report's maps section)."""
        data = self.data(lang)
        geo = data.geometry
        if geo is None or len(geo) == 0:
            return None
        table = data.table
        level = finest_level(set(table["level"]) & set(geo["level"]))
        rows = table[table["level"] == level]
        areas = geo[(geo["level"] == level) & geo["area_code"].isin(set(rows["area_code"]))]
        return (level, areas, rows) if len(areas) else None

    def map_choices(self, lang: str) -> list[MapChoice]:
        """The indicators the report maps (its key indicators with figures at the map level), in order."""
        frame = self._map_frame(lang)
        if frame is None:
            return []
        rows = frame[2]
        have = set(rows.loc[rows["value"].notna(), "indicator"])
        return [MapChoice(i.id, i.label(lang)) for i in self.data(lang).indicators_with_data(key_only=True)
                if i.id in have]

    def map_figure(self, lang: str, indicator: str) -> Figure | None:
        """The report's map of `indicator` (server-rendered SVG), or None when it has none."""
        choice = next((c for c in self.map_choices(lang) if c.indicator == indicator), None)
        section = self.section(lang, "maps")
        if choice is None or section is None:
            return None
        return next((f for f in section.of_kind(Figure) if f.alt == choice.label), None)

    def map_data(self, lang: str, indicator: str) -> MapData | None:
        """The figures behind the map of `indicator` with the areas' shapes (WGS84), or None."""
        frame = self._map_frame(lang)
        if frame is None or indicator not in {c.indicator for c in self.map_choices(lang)}:
            return None
        level, areas, rows = frame
        ind: Indicator = self.data(lang).registry.get(indicator)
        shapes = areas[["area_code", "geometry"]].to_crs(4326)
        shapes = shapes.assign(geometry=shapes.geometry.simplify(0.00002, preserve_topology=True))
        names = rows.drop_duplicates("area_code").set_index("area_code")["area_name"]
        shapes = shapes.assign(area_name=shapes["area_code"].map(names).fillna("").astype(str))
        by = rows[rows["indicator"] == indicator].set_index("area_code")["value"]
        codes = [str(c) for c in shapes["area_code"]]
        values = [None if c not in by.index or pd.isna(by[c]) else round(float(by[c]), 4) for c in codes]
        geojson = shapes.__geo_interface__
        _round_coordinates(geojson)
        return MapData(indicator, ind.label(lang), unit_label(ind.unit, lang), decimals_for(ind.unit), level,
                       geojson, codes, [str(n) for n in shapes["area_name"]], values, ind.concern,
                       self.data(lang).year)

    # --- the options explorer -----------------------------------------------------------------------------------

    def scenario(self) -> Scenario:
        return uc_plan.scenario_assumptions(None)

    def explore(self, lang: str, changes: Mapping[str, float]) -> uc_plan.OptionsResult | None:
        """The options with the assumptions `changes` (`assumptions` keys, model units), or None when the
        workspace has no candidate sites. The same as `plan_options` on `scenario_with(...)`."""
        data = self.data(lang)
        if data.options is None:
            return None
        if not changes:
            return data.options  # type: ignore[return-value]
        key = (lang, tuple(sorted(changes.items())))
        with self._lock:
            if key in self._explored:
                self._explored.move_to_end(key)
                return self._explored[key]
            an = self.analysis()
            sc = scenario_with(self.scenario(), changes)
            res = uc_plan.plan_options(an.registry, an.profile(), an.access(sc.mode, sc.threshold), an.desk_if_any(),
                                       sc, lang)
            self._explored[key] = res
            while len(self._explored) > EXPLORE_CACHE:
                self._explored.popitem(last=False)
            return res

    def options_section(self, lang: str, changes: Mapping[str, float]) -> Section | None:
        """The report's options section for the options with `changes`."""
        from wijkloket.report.sections import options

        if not changes:
            return self.section(lang, "options")
        key = ("options_section", lang, *(f"{k}={v!r}" for k, v in sorted(changes.items())))
        with self._lock:
            if key not in self._fresh:  # kept as long as its options (`explore`): the same key
                res = self.explore(lang, changes)
                self._fresh[key] = (math.inf, None if res is None else options(replace(self.data(lang), options=res)))
                for old in [k for k in self._fresh if k[0] == "options_section"][:-EXPLORE_CACHE]:
                    del self._fresh[old]
            section: Section | None = self._fresh[key][1]
            return section

    # --- the survey (read afresh: it changes during the fieldwork) ------------------------------------------------

    def survey_page(self, lang: str) -> SurveyPage:
        from wijkloket.report.sections.survey import survey_section
        from wijkloket.usecases.report import survey_report

        data = self.data(lang)
        try:
            report = self._recent(("survey_report",), lambda: survey_report(self.folder, data.profile.gemeente))
        except WijkloketError as exc:
            if exc.code != "error.survey_weights_stale":
                raise
            report = None  # answers came in after the weighting: the response so far, until weighted again
        if report is not None:
            return SurveyPage(survey_section(replace(data, survey=report)), True, str(report.results.survey.name))
        mon = self.fieldwork()
        if mon is None:
            return SurveyPage(None, False)
        return SurveyPage(_fieldwork_section(data, mon), False, str(mon.survey.name))

    def fieldwork(self) -> Any:
        """The newest survey's fieldwork (`survey_fieldwork.Monitor`), or None without a survey."""
        from wijkloket.store.survey_db import DB_FILE, ENV_URL
        from wijkloket.usecases.survey_fieldwork import monitor

        if not os.environ.get(ENV_URL, "").strip() and not (self.folder / DB_FILE).exists():
            return None
        def read() -> Any:
            try:
                return monitor(self.folder, self.data("nl").profile.gemeente)
            except WijkloketError as exc:
                if exc.code == "error.survey_none":
                    return None
                raise

        return self._recent(("fieldwork",), read)

    def survey_results(self, by: str | None) -> Any:
        """The newest survey's estimates overall and per `by` (`survey_results.SurveyResults`)."""
        from wijkloket.usecases.survey_results import results

        if self.fieldwork() is None:
            from wijkloket.store.survey_db import ENV_URL

            raise WorkspaceError("error.survey_none", gemeente=self.data("nl").profile.gemeente, env=ENV_URL)
        return self._recent(("results", str(by)), lambda: results(self.folder, self.data("nl").profile.gemeente, by=by))


def index_table(table: Table, unit: str) -> Table:
    """The district table with each figure replaced by its index against the city (the city's row: 100), as
    the report's cells carry it; tones and flags kept, the first column (the area) as it is."""
    columns = (table.columns[0], *(Column(c.key, c.label, "number", unit, 0, c.group) for c in table.columns[1:]))
    rows = []
    for row in table.rows:
        cells = [row.cells[0]]
        for cell in row.cells[1:]:
            value = 100.0 if row.emphasis and cell.value is not None else cell.index
            cells.append(Cell(value, tone=cell.tone, flag=cell.flag, suppressed=cell.suppressed))
        rows.append(replace(row, cells=tuple(cells)))
    return replace(table, columns=columns, rows=tuple(rows))


def _fieldwork_section(data: ReportData, mon: Any) -> Section:
    """The response per stratum so far (under disclosure control), as the report's survey section shows it."""
    from wijkloket.report.blocks import Paragraph
    from wijkloket.report.sections.survey import SECTION_ID, response_table
    from wijkloket.usecases.report import published_fieldwork

    fw = published_fieldwork(mon.table)
    shown = replace(data, survey=FieldworkOnly(results=mon, fieldwork=fw))
    blocks = (Paragraph(data.tr("web.dash.survey.not_weighted", name=str(mon.survey.name))),
              response_table(shown, fw, str(mon.survey.stratum_level)))
    return Section(SECTION_ID, data.tr("survey.report.title"), blocks, synthetic=bool(mon.synthetic))


def _round_coordinates(geojson: dict[str, Any], digits: int = 5) -> None:
    """Coordinates in degrees to `digits` decimals (5: about a metre), in place: a smaller page."""
    def walk(c: Any) -> Any:
        if isinstance(c, list | tuple):
            if c and isinstance(c[0], int | float):
                return [round(float(v), digits) for v in c]
            return [walk(x) for x in c]
        return c

    for feature in geojson.get("features", []):
        feature.pop("bbox", None)
        geometry = feature.get("geometry") or {}
        geometry["coordinates"] = walk(geometry.get("coordinates", []))
    geojson.pop("bbox", None)
