"""`wijkloket forecast`: expected applications per area, product and month, and the counter hours they need."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from wijkloket.cli.common import (
    FormatOpt,
    LangOpt,
    LevelOpt,
    OutOpt,
    WorkspaceOpt,
    check_format,
    check_level,
    resolve_lang,
    say,
    write_output,
)
from wijkloket.cli.render import Cell, Column, TableView, print_table
from wijkloket.i18n import fmt_number, t
from wijkloket.usecases import open_workspace
from wijkloket.usecases.forecast import ForecastResult, check_months, run_backtest
from wijkloket.usecases.forecast import forecast as forecast_use_case

app = typer.Typer()

FORMATS = ("table", "csv", "xlsx")
PRODUCTS = ("passport", "id_card", "driving_licence")
MonthsOpt = Annotated[int, typer.Option("--months")]
MinutesOpt = Annotated[float | None, typer.Option("--minutes-per-appointment")]
BacktestOpt = Annotated[str | None, typer.Option("--backtest")]


@app.command()
def forecast(
    months: MonthsOpt = 36,
    format: FormatOpt = "table",
    output: OutOpt = None,
    level: LevelOpt = "district",
    minutes_per_appointment: MinutesOpt = None,
    backtest: BacktestOpt = None,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Expected applications per area, product and month from the issuance list."""
    language = resolve_lang(lang, workspace)
    check_format(format, output, FORMATS)
    check_level(level)
    check_months(months)
    if backtest is not None:
        _backtest(workspace, backtest, format, output, language)
        return
    with open_workspace(workspace) as ws:
        result = forecast_use_case(ws, months, minutes_per_appointment)
    table = result.at_level("district" if level == "all" and format == "table" else level)
    note = result.history_note(language)
    if write_output(format, output, language, n=len(table), csv=lambda: table.assign(note=note),
                    xlsx=lambda p: _xlsx(result, table, p, language), gpkg=lambda p: []):
        return
    print_forecast(result, "district" if level == "all" else level, language)


def _xlsx(result: ForecastResult, table: pd.DataFrame, path: Path, lang: str) -> None:
    from wijkloket.report.sections.forecast import write_forecast_xlsx

    write_forecast_xlsx(result, table, path, lang)


def _period(result: ForecastResult) -> str:
    return "month" if result.months <= 12 else "quarter" if result.months <= 48 else "year"


def period_label(key: str, lang: str) -> str:
    if "-Q" in key:
        return t("forecast.quarter", lang, year=key[:4], q=key[-1])
    return key


def print_forecast(result: ForecastResult, level: str, lang: str) -> None:
    """Per area of `level` and the city, per month, quarter or year: expected applications (all three
    products), then the counter hours per week they need; then the notes."""
    period = _period(result)
    frame = result.by_period(level, period)
    periods = list(dict.fromkeys(frame["period"]))
    stamp = " — " + t("report.synthetic_short", lang).upper() if result.synthetic else ""
    for value, key, decimals in (("applications", "forecast.cli_title", 0), ("hours_per_week", "forecast.cli_hours",
                                                                              1)):
        rows: list[list[str | Cell]] = []
        total_row = None
        for (lv, _code), grp in frame.groupby(["level", "area_code"], sort=False):
            by = grp.set_index("period")[value]
            if lv == "gemeente":
                total_row = len(rows)
            rows.append([str(grp["area_name"].iloc[0]), *(fmt_number(by.get(p), lang, decimals) for p in periods)])
        if total_row is not None:  # the city last, as in the other tables
            rows.append(rows.pop(total_row))
            total_row = len(rows) - 1
        title = t(key, lang, level=t("level." + level, lang), first=result.first_month, last=result.last_month,
                  minutes=fmt_number(result.minutes, lang, 0 if float(result.minutes).is_integer() else 1)) + stamp
        columns = [Column(t("level." + level, lang).capitalize()),
                   *(Column(period_label(p, lang), "right") for p in periods)]
        print_table(TableView(title, columns, rows, total_row, lang=lang))
    for text in result.note_texts(lang):
        say("forecast.cli_note", lang, text=text)


def _backtest(workspace: Path, cut: str, format: str, output: Path | None, lang: str) -> None:
    with open_workspace(workspace) as ws:
        bt = run_backtest(ws, cut)
    if write_output(format, output, lang, n=len(bt.detail), csv=lambda: bt.detail,
                    xlsx=lambda p: _backtest_xlsx(bt, p, lang), gpkg=lambda p: []):
        return
    s = bt.summary
    rows: list[list[str | Cell]] = []
    total_row = None
    for (lv, _code), grp in s.groupby(["level", "area_code"], sort=False):
        by = grp.set_index("product")
        cells: list[str | Cell] = [str(grp["area_name"].iloc[0]), fmt_number(by.loc["all", "mape"], lang, 1),
                                   fmt_number(by.loc["all", "bias"], lang, 1)]
        cells += [Cell(fmt_number(by.loc[p, "mape"], lang, 1), detail=t(
            "forecast.cli_backtest_cover", lang, pct=fmt_number(by.loc[p, "coverage"], lang, 0))) for p in PRODUCTS]
        if lv == "gemeente":
            total_row = len(rows)
        rows.append(cells)
    if total_row is not None:
        rows.append(rows.pop(total_row))
        total_row = len(rows) - 1
    columns = [Column(t("level.district", lang).capitalize()), Column(t("forecast.cli_mape_all", lang), "right"),
               Column(t("forecast.cli_bias_all", lang), "right"),
               *(Column(t("product." + p, lang) + "\n" + t("forecast.cli_mape", lang), "right") for p in PRODUCTS)]
    print_table(TableView(t("forecast.cli_backtest_title", lang, cut=bt.cut, last=bt.last), columns, rows, total_row,
                          lang=lang))
    say("forecast.cli_backtest_legend", lang, mape=fmt_number(bt.overall(), lang, 1))


def _backtest_xlsx(bt: object, path: Path, lang: str) -> None:
    from wijkloket.report.sections.forecast import write_backtest_xlsx

    write_backtest_xlsx(bt, path, lang)
