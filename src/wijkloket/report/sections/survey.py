"""The needs survey (question 7): the response, the barriers per district and per age band and the preference
between the options, each with its 95% interval, the open answers as counted themes, and the items of the
methods appendix. Built from `ReportData.survey` (a `SurveyReport` of the use case: the `SurveyResults`, the
fieldwork table under disclosure control and the theme counts); no computation beyond choosing what to show.
Never any verbatim open answer: the section only sees theme counts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd

from wijkloket.report.blocks import Block, Cell, Column, Figure, Heading, Paragraph, Row, Section, Table
from wijkloket.report.context import ReportData

BARRIERS = "barriers"
PREFERENCE = "preference"
"""Question ids of the default questionnaire shown in the section (a questionnaire without them shows the rest)."""
AREA_LEVEL = "district"
AGE_LEVEL = "age_band"
"""The domain levels of the results table shown per area and per age group (`usecases.survey_results`)."""
TOTAL_LEVELS = ("total", "gemeente", "all", "overall")
MODES = ("web", "paper", "phone")
MODE_KEYS = {"web": "survey.report.mode_web", "paper": "survey.report.mode_paper",
             "phone": "survey.report.mode_phone"}
SECTION_ID = "behoeftepeiling"
VARIABLE_KEYS = {"district": "survey.report.var_district", "age_band": "survey.report.var_age_band",
                 "sex": "survey.report.var_sex", "stratum": "survey.report.var_stratum",
                 "area_code": "survey.report.var_wijk", "wijk": "survey.report.var_wijk"}


class SurveyLike(Protocol):
    """What the section reads: `results` (a `SurveyResults`: table, survey, questionnaire, weighting,
    fieldwork, r_indicator, synthetic), `fieldwork` (per stratum: stratum, gross, responded and a count per
    mode, NaN where suppressed) and `themes` (`survey.themes.count_themes`, or None without open answers)."""

    @property
    def results(self) -> Any: ...
    @property
    def fieldwork(self) -> pd.DataFrame: ...
    @property
    def themes(self) -> pd.DataFrame | None: ...


def _survey(data: ReportData) -> SurveyLike:
    """The survey of `data` (the section is only built when there is one)."""
    if data.survey is None:
        raise ValueError("the report has no survey")
    survey: SurveyLike = data.survey
    return survey


def _pct(data: ReportData, value: Any) -> str:
    return data.num(None if value is None or pd.isna(value) else float(value), 0)


def _label(question: Any, code: str, lang: str) -> str:
    for option in question.options:
        if option.code == code:
            return str(option.label.get(lang) or option.label.get("nl") or code)
    return code


def _is_total(level: Any) -> bool:
    return str(level) in TOTAL_LEVELS


def _estimate_cell(data: ReportData, r: Any) -> Cell:
    """An estimate in per cent with its interval under it; suppressed as x; an unreliable one says so beside
    its interval (a note, so that every renderer, the workbook's comments too, carries it)."""
    if bool(r.suppressed) or pd.isna(r.estimate):
        return Cell(suppressed=True)
    note = f"{_pct(data, r.ci_low)}–{_pct(data, r.ci_high)}"
    if not bool(r.reliable):
        note = data.tr("survey.report.unreliable_note", interval=note)
    return Cell(float(r.estimate), muted=not bool(r.reliable), note=note)


def _domains(table: pd.DataFrame, level: str) -> list[str]:
    sel = table[table["domain_level"].astype(str) == level]
    return list(dict.fromkeys(sel["domain"].astype(str)))


def estimates_table(data: ReportData, sub: pd.DataFrame, question: Any, level: str, first: str) -> Table:
    """Rows: the domains of `level` and the city last; columns: the question's answers (estimate in per cent,
    its 95% interval under it) and the respondents (n) who got the question."""
    codes = [o.code for o in question.options if o.code in set(sub["answer"].astype(str))]
    columns = (Column("domain", first, "text"),
               *(Column(c, _label(question, c, data.lang), "percent", "%", decimals=0) for c in codes),
               Column("n", data.tr("survey.report.col_n"), "count", data.tr("survey.report.unit_n")))
    rows = []
    levels = [(level, d) for d in _domains(sub, level)]
    totals = sub[sub["domain_level"].map(_is_total)]
    if not totals.empty:
        levels.append((str(totals["domain_level"].iloc[0]), str(totals["domain"].iloc[0])))
    for lvl, domain in levels:
        part = sub[(sub["domain_level"].astype(str) == lvl) & (sub["domain"].astype(str) == domain)]
        by = {str(r.answer): r for r in part.itertuples()}
        n = part["n"].max() if len(part) else None
        name = data.tr("survey.report.total") if _is_total(lvl) else domain
        cells = [Cell(name), *(_estimate_cell(data, by[c]) if c in by else Cell() for c in codes),
                 Cell(None if n is None or pd.isna(n) else float(n))]
        rows.append(Row(tuple(cells), emphasis=_is_total(lvl)))
    return Table(columns, tuple(rows), synthetic=_survey(data).results.synthetic)


def _figure(data: ReportData, sub: pd.DataFrame, question: Any, level: str, caption: str,
            skip: tuple[str, ...] = ()) -> Figure | None:
    from wijkloket.report.charts import intervals
    from wijkloket.report.maps import svg

    rows = _domains(sub, level)
    if not rows:
        return None
    city = data.tr("survey.report.total")
    frame = sub.assign(row=np.where(sub["domain_level"].map(_is_total), city, sub["domain"].astype(str)))
    frame = frame[(frame["domain_level"].astype(str) == level) | frame["domain_level"].map(_is_total)]
    frame = frame.assign(estimate=frame["estimate"].where(~frame["suppressed"].astype(bool)))
    codes = [o.code for o in question.options if o.code in set(frame["answer"].astype(str)) and o.code not in skip]
    panels = [(c, _label(question, c, data.lang)) for c in codes]
    synthetic = bool(_survey(data).results.synthetic)
    image = svg(intervals(frame, panels, [*rows, city], data.tr("survey.report.axis_percent"), data.lang,
                          data.tr("survey.report.unreliable_label"), synthetic=synthetic))
    return Figure(image, caption, caption, synthetic=synthetic, wide=True)


def _question_part(data: ReportData, qid: str, heading: str, caption: str, age_heading: str) -> list[Block]:
    res = _survey(data).results
    table = res.table
    if qid not in {q.id for q in res.questionnaire.questions}:
        return []
    question = res.questionnaire.question(qid)
    sub = table[table["question"].astype(str) == qid]
    if sub.empty:
        return []
    level = AREA_LEVEL
    area = data.tr("level." + level)
    exclusive = tuple(c for c in ("none", "no_preference") if c in question.codes())
    blocks: list[Block] = [Heading(heading)]
    summary = _summary(data, sub, question, level, exclusive)
    if summary:
        blocks.append(Paragraph(summary, synthetic=res.synthetic))
    figure = _figure(data, sub, question, level, caption, exclusive)
    blocks += [figure] if figure is not None else []
    blocks.append(estimates_table(data, sub, question, level, area[:1].upper() + area[1:]))
    if _domains(sub, AGE_LEVEL):
        blocks += [Heading(age_heading),
                   estimates_table(data, sub, question, AGE_LEVEL, data.tr("survey.report.col_age"))]
    blocks.append(Paragraph(data.tr("survey.report.table_legend"), style="legend"))
    return blocks


def _summary(data: ReportData, sub: pd.DataFrame, question: Any, level: str, skip: tuple[str, ...]) -> str:
    """One B1 sentence: the highest reliable published estimate of a domain, with its interval and the
    city's figure for the same answer."""
    ok = sub[(sub["domain_level"].astype(str) == level) & ~sub["suppressed"].astype(bool)
             & sub["reliable"].astype(bool) & ~sub["answer"].astype(str).isin(skip) & sub["estimate"].notna()]
    if ok.empty:
        return ""
    top = ok.loc[ok["estimate"].astype(float).idxmax()]
    city = sub[sub["domain_level"].map(_is_total) & (sub["answer"] == top["answer"])]
    city_text = _pct(data, city["estimate"].iloc[0]) if len(city) and not bool(city["suppressed"].iloc[0]) else "x"
    return data.tr("survey.report.summary", domain=str(top["domain"]),
                   answer=_label(question, str(top["answer"]), data.lang), estimate=_pct(data, top["estimate"]),
                   low=_pct(data, top["ci_low"]), high=_pct(data, top["ci_high"]), city=city_text)


def _count(value: Any) -> Cell:
    if value is None or pd.isna(value):
        return Cell(suppressed=True)
    return Cell(float(value))


def response_table(data: ReportData, fieldwork: pd.DataFrame, level: str) -> Table:
    """Per stratum: invited (gross), responded, the response in per cent (recomputed from the counts), and
    the respondents per mode; suppressed counts as x; the total last."""
    modes = [m for m in MODES if m in fieldwork.columns]
    area = data.tr("level." + level) if level in ("district", "wijk") else level
    columns = (Column("stratum", area[:1].upper() + area[1:], "text"),
               Column("gross", data.tr("survey.report.col_gross"), "count", data.tr("survey.report.unit_n")),
               Column("responded", data.tr("survey.report.col_responded"), "count",
                      data.tr("survey.report.unit_n")),
               Column("rate", data.tr("survey.report.col_rate"), "percent", "%"),
               *(Column(m, data.tr(MODE_KEYS[m]), "count", data.tr("survey.report.unit_n"),
                        group=data.tr("survey.report.col_mode")) for m in modes))
    rows = []
    for r in fieldwork.itertuples():
        gross, responded = float(r.gross), r.responded
        rate = None if pd.isna(responded) or not gross else 100 * float(responded) / gross
        total = _is_total(r.stratum)
        cells = [Cell(data.tr("survey.report.total") if total else str(r.stratum)), Cell(gross), _count(responded),
                 Cell(suppressed=True) if rate is None else Cell(rate), *(_count(getattr(r, m)) for m in modes)]
        rows.append(Row(tuple(cells), emphasis=total))
    rows.sort(key=lambda row: row.emphasis)
    return Table(columns, tuple(rows), synthetic=_survey(data).results.synthetic)


def _response_part(data: ReportData) -> list[Block]:
    res = _survey(data).results
    fw = _survey(data).fieldwork
    total = fw[fw["stratum"].map(_is_total)]
    gross = float(total["gross"].iloc[0]) if len(total) else float(fw["gross"].sum())
    net = float(total["responded"].iloc[0]) if len(total) else float(fw["responded"].sum())
    blocks: list[Block] = [
        Paragraph(data.tr("survey.report.intro", gross=data.num(gross), net=data.num(net),
                          rate=data.num(100 * net / gross if gross else None, 0)), synthetic=res.synthetic),
        Heading(data.tr("survey.report.response_heading")),
        response_table(data, fw, str(res.survey.stratum_level)),
    ]
    r = res.r_indicator or {}
    if r.get("r") is not None:
        blocks.append(Paragraph(data.tr("survey.report.r_indicator", r=data.num(r["r"], 2),
                                        low=data.num(r.get("ci_low"), 2), high=data.num(r.get("ci_high"), 2)),
                                style="legend"))
    return blocks


def themes_table(data: ReportData, themes: pd.DataFrame, labels: Mapping[str, str]) -> Table:
    """Rows: the themes and the respondents who wrote anything; columns: the districts and the city."""
    domains = list(dict.fromkeys(themes["domain"].astype(str)))
    columns = (Column("theme", data.tr("survey.report.col_theme"), "text"),
               *(Column(d, data.tr("survey.report.total") if d == "total" else d, "count",
                        data.tr("survey.report.unit_respondents")) for d in domains))
    rows = []
    for theme, grp in themes.groupby("theme", sort=False):
        by = grp.set_index(grp["domain"].astype(str))
        rows.append(Row((Cell(labels.get(str(theme), str(theme))), *(_count(by.loc[d, "count"]) for d in domains))))
    first = themes.drop_duplicates("domain").set_index(themes.drop_duplicates("domain")["domain"].astype(str))
    rows.append(Row((Cell(data.tr("survey.report.themes_respondents")),
                     *(_count(first.loc[d, "respondents"]) for d in domains)), emphasis=True))
    return Table(columns, tuple(rows), synthetic=_survey(data).results.synthetic)


def _themes_part(data: ReportData) -> list[Block]:
    themes = _survey(data).themes
    if themes is None or themes.empty:
        return []
    from wijkloket.survey.themes import default_themes

    labels = {th.id: th.label.get(data.lang, th.label["nl"]) for th in default_themes()}
    return [Heading(data.tr("survey.report.themes_heading")), themes_table(data, themes, labels),
            Paragraph(data.tr("survey.report.themes_legend"), style="legend")]


def survey_section(data: ReportData) -> Section | None:
    """The survey section, or None when the workspace has no survey with results."""
    if data.survey is None:
        return None
    res = _survey(data).results
    area = data.tr("level." + AREA_LEVEL)
    blocks: list[Block] = []
    if res.synthetic:
        blocks.append(Paragraph(data.tr("survey.report.synthetic"), style="synthetic_notice"))
    blocks += _response_part(data)
    blocks += _question_part(data, BARRIERS, data.tr("survey.report.barriers_heading", area=area),
                             data.tr("survey.report.barriers_figure", area=area),
                             data.tr("survey.report.barriers_age_heading"))
    blocks += _question_part(data, PREFERENCE, data.tr("survey.report.preference_heading"),
                             data.tr("survey.report.preference_figure", area=area),
                             data.tr("survey.report.preference_age_heading"))
    blocks += _themes_part(data)
    blocks.append(Paragraph(data.tr("survey.report.caveat"), style="caveat"))
    return Section(SECTION_ID, data.tr("survey.report.title"), tuple(blocks), synthetic=bool(res.synthetic))


def survey_methods(data: ReportData) -> list[str]:
    """The survey's items of the methods appendix: design, response by mode, weighting steps, trimming,
    design effect, estimates and the questionnaire version; empty without a survey."""
    if data.survey is None:
        return []
    res = _survey(data).results
    rec, w = res.survey, dict(res.weighting or {})
    fw = _survey(data).fieldwork
    total = fw[fw["stratum"].map(_is_total)]
    row = total.iloc[0] if len(total) else fw.sum(numeric_only=True)
    modes = ", ".join(f"{data.tr(MODE_KEYS[m])} {data.num(row[m]) if not pd.isna(row[m]) else 'x'}"
                      for m in MODES if m in fw.columns)
    level = data.tr("levels." + str(rec.stratum_level)) if rec.stratum_level in ("district", "wijk") \
        else str(rec.stratum_level)
    items = [data.tr("survey.report.method_design", level=level, strata=len(fw) - len(total),
                     gross=data.num(float(row["gross"])), seed=rec.seed),
             data.tr("survey.report.method_response", modes=modes or "-"),
             data.tr("survey.report.method_weighting", margins=_margins(data, w.get("margin_spec") or w.get("margins")),
                     iterations=w.get("iterations", "-"))]
    items.append(_trimming(data, w))
    adjust = [a for a in w.get("reconciliation") or [] if isinstance(a, Mapping) and a.get("adjustment")]
    if adjust:
        items.append(data.tr("survey.report.method_reconcile", margins=", ".join(str(a.get("margin")) for a in adjust)))
    if w.get("deff") is not None:
        items.append(data.tr("survey.report.method_deff", deff=data.num(float(w["deff"]), 2),
                             n_eff=data.num(float(w.get("n_eff") or 0)), n=data.num(float(row["responded"]))))
    items += [data.tr("survey.report.method_estimates"),
              data.tr("survey.report.method_r_indicator"),
              data.tr("survey.report.method_questionnaire", id=res.questionnaire.id,
                      version=rec.questionnaire_version),
              data.tr("survey.report.method_themes")]
    if rec.unlinked:
        items.append(data.tr("survey.report.method_unlinked"))
    return items


def _margins(data: ReportData, value: Any) -> str:
    """Margins as readers name them: `district*age_band,sex` as "stadsdeel x leeftijdsgroep, geslacht"."""
    if isinstance(value, str):
        value = [part.split("*") for part in value.split(",") if part]
    if not isinstance(value, list | tuple):
        return "-"
    names = [[v] if isinstance(v, str) else list(v) for v in value]
    return ", ".join(" x ".join(data.tr(VARIABLE_KEYS[v]) if v in VARIABLE_KEYS else str(v) for v in m)
                     for m in names)


def _trimming(data: ReportData, w: Mapping[str, Any]) -> str:
    bounds, trim = w.get("bounds"), w.get("trim")
    if bounds:
        return data.tr("survey.report.method_bounds", low=data.num(float(bounds[0]), 2),
                       high=data.num(float(bounds[1]), 2), bounded=w.get("bounded", 0))
    if trim:
        return data.tr("survey.report.method_trim", trim=data.num(float(trim), 1), bounded=w.get("bounded", 0))
    return data.tr("survey.report.method_no_trim")
