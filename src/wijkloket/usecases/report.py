"""The report a council committee reads (question 8): every section from one `Analysis`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from wijkloket.errors import WijkloketError
from wijkloket.indicators.registry import Registry
from wijkloket.store.workspace import Workspace
from wijkloket.usecases.analysis import Analysis

if TYPE_CHECKING:
    from wijkloket.report.context import ReportData


def report_data(an: Analysis, lang: str, year: int | None = None, min_base: int | None = None,
                with_survey: bool = True) -> ReportData:
    """Everything the report shows, each result computed once: the profile, the inventory, desk use
    and issuances when there is a log, accessibility when there are service points, and the options
    and the best extra site when there are candidate sites. `min_base`: residents below which an area is
    left out of the key message (None: `DEFAULT_MIN_BASE`, 1,000). `with_survey=False` leaves the survey out
    (the dashboard reads it afresh on its own page, since it changes during the fieldwork)."""
    from wijkloket.report.context import DEFAULT_MIN_BASE, ReportData

    prof = an.profile(year)
    srcs = an.inventory()
    kinds = {s["kind"] for s in srcs}
    desk = {kind: an.desk(kind) for kind in ("visit", "issuance") if kind in kinds}
    access = options = locate = None
    if "points" in kinds:
        access = an.access()
        if (access.points["kind"] == "candidate").any():
            options = an.options(None, lang)
            locate = an.locate(1)
    return ReportData(lang=lang, registry=an.registry, profile=prof, inventory=srcs,
                      geometry=prof.geometry, districts=prof.districts, desk=desk,
                      access=access, options=options, locate=locate,
                      underuse=an.underuse() if desk else None,
                      forecast=_forecast(an) if "issuance" in kinds else None,
                      survey=survey_report(an.ws.folder, an.ws.gemeente) if with_survey else None,
                      min_base=DEFAULT_MIN_BASE if min_base is None else min_base)


def _forecast(an: Analysis) -> Any:
    """The demand forecast, or None when the issuance list is too short for one (the section is left out)."""
    try:
        return an.forecast()
    except WijkloketError as exc:
        if exc.code == "error.forecast_history_short":
            return None
        raise


@dataclass
class SurveyReport:
    """What the report's survey section shows (`report.sections.survey.SurveyLike`): the survey's results,
    the fieldwork per stratum with a total row under disclosure control, and the open answers as themes."""

    results: Any  # usecases.survey_results.SurveyResults
    fieldwork: pd.DataFrame  # stratum, gross, responded, web, paper, phone (NaN: suppressed); stratum "total" last
    themes: pd.DataFrame | None  # survey.themes.count_themes per stratum; None without open questions


def published_fieldwork(table: pd.DataFrame, modes: tuple[str, ...] = ("web", "paper", "phone"),
                        min_count: int = 10) -> pd.DataFrame:
    """Respondents per stratum and mode (with their totals) under disclosure control: counts of 1 to
    `min_count` - 1 and enough others that none can be worked out (`indicators.disclosure`); the gross
    sample is a design figure and always shown."""
    from wijkloket.indicators.disclosure import suppress_table

    counts = table.set_index("stratum")[list(modes)].astype(float)
    res = suppress_table(counts, threshold=min_count)
    out = res.table.assign(responded=res.row_totals).reset_index()
    out.insert(1, "gross", table["gross"].to_numpy(dtype=float))
    total = {"stratum": "total", "gross": float(table["gross"].sum()),
             "responded": res.grand_total if res.grand_total is not None else float("nan"),
             **{m: res.col_totals[m] for m in modes}}
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)[["stratum", "gross", "responded", *modes]]


def survey_report(folder: Path, gemeente: str) -> SurveyReport | None:
    """The newest survey of the workspace with its results, or None when there is none (no survey
    database, no survey, or not weighted yet)."""
    import os

    from wijkloket.store.survey_db import DB_FILE, ENV_URL, SurveyStore, survey_db_url
    from wijkloket.survey.themes import count_themes
    from wijkloket.usecases.survey_results import results

    if not os.environ.get(ENV_URL, "").strip() and not (Path(folder) / DB_FILE).exists():
        return None
    try:
        res = results(Path(folder), gemeente, by="district", also=("age_band",))
    except WijkloketError as exc:
        if exc.code in ("error.survey_none", "error.survey_not_weighted", "error.survey_no_responses"):
            return None
        raise
    with SurveyStore(survey_db_url(Path(folder))) as db:
        responses = db.responses(res.survey.survey_id)
        answers = db.answers(res.survey.survey_id)
    open_ids = [q.id for q in res.questionnaire.questions if q.type == "open"]
    themes = None
    if open_ids:
        texts = answers[answers["question_id"].isin(open_ids)].merge(
            responses[["response_id", "stratum"]], on="response_id")
        texts = texts.rename(columns={"response_id": "respondent", "value": "text"})
        themes = count_themes(texts, by="stratum", domains=list(res.fieldwork["stratum"].astype(str)))
    return SurveyReport(res, published_fieldwork(res.fieldwork), themes)


REPORT_FORMATS = ("html", "pdf", "xlsx")


def write_report(ws: Workspace, registry: Registry, out_dir: Path, lang: str, year: int | None = None,
                 analysis: Analysis | None = None, fmt: str = "html", min_base: int | None = None) -> Path:
    """Write `out_dir/report.html` (or `.pdf`, `.xlsx`: the same sections) and return its path."""
    from wijkloket import report

    render = {"html": report.write_report, "pdf": report.write_pdf, "xlsx": report.write_workbook}[fmt]
    an = analysis or Analysis(ws, registry)
    return render(report_data(an, lang, year, min_base), out_dir)
