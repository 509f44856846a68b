"""`wijkloket survey monitor | weight | results`: fieldwork, weighting and estimates of the needs survey."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from wijkloket.cli.common import (
    FormatOpt,
    LangOpt,
    OutOpt,
    SurveyOpt,
    WorkspaceOpt,
    output_lang,
    say,
    write_output,
)
from wijkloket.cli.render import Cell, Column, TableView, print_table
from wijkloket.config import load_settings
from wijkloket.errors import WijkloketError
from wijkloket.i18n import fmt_number, t
from wijkloket.usecases.survey_fieldwork import FIELDWORK_COLUMNS, Monitor, monitor
from wijkloket.usecases.survey_results import TOTAL, SurveyResults, answer_label, results, results_frame
from wijkloket.usecases.survey_weighting import DEFAULT_MARGINS, WeightResult, weight

MONITOR_FORMATS = ("table", "csv", "xlsx")
WEIGHT_FORMATS = ("table", "csv")
RESULTS_FORMATS = ("table", "csv", "xlsx")
MONITOR_LABELS = {"stratum": "survey.monitor.stratum", "gross": "survey.monitor.gross",
                  "responded": "survey.monitor.responded", "complete": "survey.monitor.complete",
                  "partial": "survey.monitor.partial", "response_rate": "survey.monitor.response_rate",
                  "web": "survey.monitor.web", "paper": "survey.monitor.paper", "phone": "survey.monitor.phone"}

WEIGHT_LABELS = ("survey.weight.margin", "survey.weight.cell", "survey.weight.population", "survey.weight.weighted",
                 "survey.weight.respondents")
RESULT_LABELS = ("survey.results.question", "survey.results.answer", "survey.results.domain",
                 "survey.results.estimate", "survey.results.interval", "survey.results.n", "survey.results.deff",
                 "survey.results.reliable")


def _start(lang: str | None, workspace: Path, format: str, output: Path | None,
           known: tuple[str, ...]) -> tuple[str, str]:
    """The output language (the format checked first, see `output_lang`) and the workspace's municipality."""
    return output_lang(lang, workspace, format, output, known), load_settings(workspace).gemeente


def _stamp(synthetic: bool, lang: str) -> str:
    return " — " + t("report.synthetic_short", lang).upper() if synthetic else ""


def survey_monitor(
    reminders: Annotated[Path | None, typer.Option("--reminders")] = None,
    key: Annotated[Path | None, typer.Option("--key")] = None,
    survey: SurveyOpt = None,
    format: FormatOpt = "table",
    output: OutOpt = None,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Response per stratum and mode, the R-indicator, and optionally the reminder list."""
    language, gemeente = _start(lang, workspace, format, output, MONITOR_FORMATS)
    res = monitor(workspace, gemeente, survey, key, reminders)
    from wijkloket.report import survey_exports

    if not write_output(format, output, language, n=len(res.table),
                        csv=lambda: res.table.assign(synthetic=res.synthetic),
                        xlsx=lambda path: survey_exports.write_monitor_xlsx(res, path, language)):
        _print_monitor(res, language)
    if res.reminders is not None:
        say("survey.monitor.reminders", language, file=str(res.reminders), n=res.n_reminders)


def _print_monitor(res: Monitor, lang: str) -> None:
    cols = [Column(t(MONITOR_LABELS[c], lang), "left" if c == "stratum" else "right", strong=c == "stratum")
            for c in FIELDWORK_COLUMNS]

    def cells(row: dict[str, object]) -> list[str | Cell]:
        return [str(row["stratum"]), *(fmt_number(float(row[c]), lang, 1 if c == "response_rate" else 0)  # type: ignore[arg-type]
                                       for c in FIELDWORK_COLUMNS[1:])]

    rows = [cells(r) for r in res.table.to_dict("records")]
    rows.append(cells({"stratum": t("survey.monitor.total", lang), **res.total}))
    title = t("survey.monitor.title", lang, name=res.survey.name) + _stamp(res.synthetic, lang)
    print_table(TableView(title, cols, rows, total_row=len(rows) - 1, lang=lang))
    r = res.r_indicator
    say("survey.monitor.r_indicator", lang, r=fmt_number(r["r"], lang, 3), low=fmt_number(r["ci_low"], lang, 3),
        high=fmt_number(r["ci_high"], lang, 3))


def _bounds(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    low, sep, high = text.partition(",")
    try:
        return float(low), float(high)
    except ValueError:
        raise WijkloketError("error.survey_bounds_form", value=text) from None


def survey_weight(
    margins: Annotated[str, typer.Option("--margins")] = DEFAULT_MARGINS,
    source: Annotated[str, typer.Option("--from")] = "frame",
    bounds: Annotated[str | None, typer.Option("--bounds")] = None,
    trim: Annotated[float | None, typer.Option("--trim")] = None,
    survey: SurveyOpt = None,
    format: FormatOpt = "table",
    output: OutOpt = None,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Design weights raked to the margins, with bounds or trimming; saved with the survey."""
    language, gemeente = _start(lang, workspace, format, output, WEIGHT_FORMATS)
    res = weight(workspace, gemeente, survey, margins, source, _bounds(bounds), trim)
    if not write_output(format, output, language, n=len(res.weights),
                        csv=lambda: res.weights.assign(synthetic=res.synthetic), xlsx=lambda path: None):
        _print_weight(res, language)


def _print_weight(res: WeightResult, lang: str) -> None:
    rep = res.report
    source = (t("survey.weight.source_cbs", lang, year=rep["cbs_year"]) if rep["source"] == "cbs"
              else t("survey.weight.source_frame", lang))
    cols = [Column(t(k, lang), "left" if k in WEIGHT_LABELS[:2] else "right") for k in WEIGHT_LABELS]
    rows: list[list[str | Cell]] = [
        [r.margin, r.cell, fmt_number(r.population, lang, 0), fmt_number(r.weighted, lang, 0),
         fmt_number(r.respondents, lang)] for r in res.margins.itertuples()]
    title = t("survey.weight.title", lang, name=res.survey.name, margins=rep["margin_spec"], source=source)
    print_table(TableView(title + _stamp(res.synthetic, lang), cols, rows, lang=lang))
    say("survey.weight.summary", lang, iterations=rep["iterations"], deviation=f"{rep['max_deviation']:.1e}",
        n=rep["n"], deff=fmt_number(rep["deff"], lang, 2), n_eff=fmt_number(rep["n_eff"], lang, 0),
        design_deff=fmt_number(rep["design_deff"], lang, 2), low=fmt_number(rep["weight_min"], lang, 1),
        high=fmt_number(rep["weight_max"], lang, 1), mean=fmt_number(rep["weight_mean"], lang, 1))
    none = t("survey.weight.none", lang)
    say("survey.weight.limits", lang, bounds=" – ".join(fmt_number(b, lang, 2) for b in rep["bounds"]) if rep["bounds"]
        else none, trim=fmt_number(rep["trim"], lang, 1) if rep["trim"] else none, bounded=rep["bounded"])
    for adj in rep["reconciliation"][1:]:
        if adj["adjustment"]:
            say("survey.weight.reconciled", lang, margin=adj["margin"],
                adjustment=fmt_number(adj["adjustment"], lang, 1), pct=fmt_number(adj["adjustment_pct"], lang, 2))
    say("survey.weight.saved", lang)


def survey_results(
    by: Annotated[str | None, typer.Option("--by")] = None,
    survey: SurveyOpt = None,
    format: FormatOpt = "table",
    output: OutOpt = None,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Weighted estimates with 95% intervals per question and answer, in total or per group."""
    language, gemeente = _start(lang, workspace, format, output, RESULTS_FORMATS)
    res = results(workspace, gemeente, survey, by)
    from wijkloket.report import survey_exports

    if not write_output(format, output, language, n=len(res.table),
                        csv=lambda: results_frame(res),
                        xlsx=lambda path: survey_exports.write_results_xlsx(res, path, language)):
        _print_results(res, language)


def _print_results(res: SurveyResults, lang: str) -> None:
    cols = [Column(t(k, lang), "left" if k in RESULT_LABELS[:3] else "right") for k in RESULT_LABELS]
    rows: list[list[str | Cell]] = []
    for r in res.table.itertuples():
        decimals = 1
        domain = t("survey.results.total", lang) if r.domain_level == TOTAL else str(r.domain)
        if r.suppressed:
            figures = ["x", "x"]
        else:
            mark = "" if r.reliable else " ~"
            figures = [fmt_number(r.estimate, lang, decimals) + mark,
                       f"{fmt_number(r.ci_low, lang, decimals)} – {fmt_number(r.ci_high, lang, decimals)}"]
        n = "x" if pd.isna(r.n) else fmt_number(float(r.n), lang)
        deff = "" if r.suppressed else fmt_number(r.deff, lang, 2)
        reliable = t("survey.results.yes" if r.reliable else "survey.results.no", lang)
        rows.append([r.question, answer_label(res, r.question, r.answer, lang), domain, *figures, n, deff, reliable])
    title = t("survey.results.title", lang, name=res.survey.name) + _stamp(res.synthetic, lang)
    print_table(TableView(title, cols, rows, lang=lang))
    say("survey.results.legend", lang)
