"""Workbooks of `survey monitor` and `survey results` (xlsxwriter, formatted as the report's workbooks):
figures stay raw numbers with a number format, suppressed figures are `x`, unreliable estimates are grey,
and synthetic results say so under the title."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from wijkloket.i18n import t
from wijkloket.report.workbook import MAX_WIDTH, _close, _Formats, _open
from wijkloket.usecases.survey_results import answer_label

GREY = "#8c8c8c"
MONITOR_HEADERS = {"stratum": "survey.monitor.stratum", "gross": "survey.monitor.gross",
                   "responded": "survey.monitor.responded", "complete": "survey.monitor.complete",
                   "partial": "survey.monitor.partial", "response_rate": "survey.monitor.response_rate",
                   "web": "survey.monitor.web", "paper": "survey.monitor.paper", "phone": "survey.monitor.phone"}
MONITOR_KEYS = tuple(MONITOR_HEADERS)
RESULT_KEYS = ("question", "answer", "domain", "estimate", "ci_low", "ci_high", "se", "n", "deff", "cv", "reliable")
RESULT_HEADERS = {"question": "survey.results.question", "answer": "survey.results.answer",
                  "domain": "survey.results.domain", "estimate": "survey.results.estimate",
                  "ci_low": "survey.results.ci_low", "ci_high": "survey.results.ci_high", "se": "survey.results.se",
                  "n": "survey.results.n", "deff": "survey.results.deff", "cv": "survey.results.cv",
                  "reliable": "survey.results.reliable"}


def _book(path: Path, title: str, sheet_name: str, headers: list[str], rows: list[list[Any]],
          grey: list[bool], notes: list[str], synthetic: bool, lang: str) -> None:
    book = _open(path)
    fmt = _Formats(book)
    sheet = book.add_worksheet(sheet_name[:31])
    sheet.write_string(0, 0, title, fmt.get(bold=True))
    at = 1
    if synthetic:
        sheet.write_string(at, 0, t("report.synthetic_short", lang).upper() + ": " + t("workbook.synthetic", lang),
                           fmt.get(bold=True, colour="#b2182b"))
        at += 1
    for j, h in enumerate(headers):
        sheet.write_string(at, j, h, fmt.get(bold=True, wrap=True))
    header = at
    for i, (row, is_grey) in enumerate(zip(rows, grey, strict=True), start=header + 1):
        colour = GREY if is_grey else None
        for j, value in enumerate(row):
            if isinstance(value, bool) or isinstance(value, str):
                sheet.write_string(i, j, str(value), fmt.get(colour=colour))
            elif value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
                sheet.write_string(i, j, "x", fmt.get(colour=colour))
            else:
                sheet.write_number(i, j, float(value), fmt.get("0.0" if isinstance(value, float) else "#,##0",
                                                               colour=colour))
    last = header + len(rows)
    sheet.freeze_panes(header + 1, 0)
    sheet.autofilter(header, 0, max(last, header + 1), len(headers) - 1)
    for k, note in enumerate(notes, start=last + 2):
        sheet.write_string(k, 0, note, fmt.get(italic=True))
    for j, h in enumerate(headers):
        width = max([len(h), *(len(str(r[j])) for r in rows[:500])]) + 2
        sheet.set_column(j, j, min(width, MAX_WIDTH))
    _close(book, path)


def write_monitor_xlsx(res: Any, path: Path, lang: str) -> None:
    """`usecases.survey_fieldwork.Monitor` as one sheet: a row per stratum and the total."""
    rows = [[r[k] for k in MONITOR_KEYS] for r in res.table.to_dict("records")]
    rows.append([t("survey.monitor.total", lang), *(res.total[k] for k in MONITOR_KEYS[1:])])
    r = res.r_indicator
    note = t("survey.monitor.r_indicator", lang, r=f"{r['r']:.3f}", low=f"{r['ci_low']:.3f}",
             high=f"{r['ci_high']:.3f}")
    _book(path, t("survey.monitor.title", lang, name=res.survey.name), t("survey.monitor.sheet", lang),
          [t(MONITOR_HEADERS[k], lang) for k in MONITOR_KEYS], rows, [False] * len(rows), [note],
          res.synthetic, lang)


def write_results_xlsx(res: Any, path: Path, lang: str) -> None:
    """`usecases.survey_results.SurveyResults` as one sheet; unreliable rows grey, suppressed figures x."""
    rows, grey = [], []
    for r in res.table.to_dict("records"):
        domain = t("survey.results.total", lang) if r["domain_level"] == "total" else str(r["domain"])
        row = {**r, "answer": answer_label(res, r["question"], r["answer"], lang), "domain": domain,
               "reliable": t("survey.results.yes" if r["reliable"] else "survey.results.no", lang)}
        rows.append([row[k] for k in RESULT_KEYS])
        grey.append(not r["reliable"])
    headers = [t(RESULT_HEADERS[k], lang) for k in RESULT_KEYS]
    notes = [t("survey.results.grey", lang),
             t("survey.results.source", lang, name=res.survey.name, version=res.survey.questionnaire_version,
               margins=res.weighting.get("margin_spec", "-"))]
    _book(path, t("survey.results.title", lang, name=res.survey.name), t("survey.results.sheet", lang), headers,
          rows, grey, notes, res.synthetic, lang)
