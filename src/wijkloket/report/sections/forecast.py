"""Demand in the coming years ("Vraag de komende jaren", issue 8 point 4): expected applications per
district and the counter hours they need, from the issuance list; synthetic exactly when the list (or
the postcode table it was linked with) is. Also the forecast's Excel workbooks (no computation here:
the figures come from the use case, `usecases.forecast.ForecastResult`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from wijkloket.i18n import t
from wijkloket.report.blocks import (
    Block,
    BulletList,
    Cell,
    Column,
    ColumnKind,
    Figure,
    Heading,
    Note,
    Paragraph,
    Row,
    Section,
    Table,
)

PRODUCTS = ["passport", "id_card", "driving_licence"]


def _period_label(data_lang: str, period: str, months: int) -> str:
    """A year as a column heading, marked when the forecast covers only part of it."""
    return period if months >= 12 else t("forecast.partial_year", data_lang, year=period)


def _year_table(res: Any, lang: str, value: str, kind: ColumnKind, decimals: int, area: str) -> Table:
    """Per district (or wijk without a district file; `area` is its column header) and for the city
    (last, emphasised), per year: `value` of `by_period`."""
    frame = res.by_period("district", "year")
    months = frame.drop_duplicates("period").set_index("period")["months"]
    periods = list(months.index)
    columns = (Column("area", area, "text"),
               *(Column(p, _period_label(lang, p, int(months[p])), kind, decimals=decimals) for p in periods))
    rows, city = [], None
    for (level, _code), grp in frame.groupby(["level", "area_code"], sort=False):
        by = grp.set_index("period")[value]
        row = Row((Cell(str(grp["area_name"].iloc[0])), *(Cell(float(by[p])) for p in periods)),
                  emphasis=level == "gemeente")
        if level == "gemeente":
            city = row
        else:
            rows.append(row)
    return Table(columns, (*rows, *([city] if city else [])), synthetic=res.synthetic)


def _chart(res: Any, lang: str) -> Figure:
    from wijkloket.report.charts import forecast
    from wijkloket.report.maps import svg

    city = res.table[res.table["level"] == "gemeente"]
    image = svg(forecast(res.history, city, PRODUCTS, {p: t("product." + p, lang) for p in PRODUCTS},
                         t("forecast.axis_per_month", lang),
                         (t("forecast.legend_issued", lang), t("forecast.legend_expected", lang),
                          t("forecast.legend_interval", lang)), lang, synthetic=res.synthetic))
    text = t("forecast.chart", lang, gemeente=res.gemeente_name, first=res.history_first, last=res.last_month)
    return Figure(image, text, text, synthetic=res.synthetic, wide=True)


def _intro(res: Any, lang: str, num: Any) -> Paragraph:
    city = res.by_period("gemeente", "year")
    full = city[city["months"] == 12]
    peak = (full if len(full) else city).sort_values("applications").iloc[-1]
    hist = res.history.assign(year=res.history["month"].str[:4]).groupby("year")["issued"].sum()
    return Paragraph(t("forecast.report_intro", lang, gemeente=res.gemeente_name, first=res.first_month,
                       last=res.last_month, peak_year=peak["period"], peak=num(peak["applications"]),
                       hours=num(peak["hours_per_week"]), last_year=hist.index[-1], issued=num(hist.iloc[-1]),
                       minutes=num(res.minutes)), synthetic=res.synthetic)


def _estimates(res: Any, lang: str, num: Any) -> BulletList:
    """Per product what the list showed: the renewal timing, the possession scales, the busiest month."""
    items = []
    for m in res.models:
        key = "forecast.report_model_item" if m.scale_minors == m.scale_minors else "forecast.report_model_item_adults"
        items.append(t(key, lang, product=t("product." + m.product, lang), early=num(100 * m.early_share),
                       early_months=m.early_months, late=num(m.late_mean), offset=num(m.mean_offset, 1),
                       adults=num(m.scale_adults, 2), minors=num(m.scale_minors, 2),
                       peak_month=t("forecast.month_" + str(1 + max(range(12), key=lambda i: m.season[i])), lang),
                       peak_factor=num(max(m.season), 2)))
    return BulletList(tuple(items), synthetic=res.synthetic)


def demand(data: Any) -> Section | None:
    """The section, or None without a forecast (no issuance list)."""
    res = data.forecast
    if res is None:
        return None
    lang = data.lang
    blocks: list[Block] = [Paragraph(t("forecast.report_synthetic", lang), style="synthetic_notice")] \
        if res.synthetic else []
    blocks += [_intro(res, lang, data.num), _chart(res, lang),
               Heading(t("forecast.report_hours_heading", lang, minutes=data.num(res.minutes))),
               _year_table(res, lang, "hours_per_week", "number", 1, data.area_word(capital=True)),
               Paragraph(t("forecast.report_hours_legend" if res.minutes_assumed else "forecast.report_hours_given",
                           lang, minutes=data.num(res.minutes)), style="legend"),
               Heading(t("forecast.report_applications_heading", lang, area=data.area_word())),
               _year_table(res, lang, "applications", "count", 0, data.area_word(capital=True)),
               Heading(t("forecast.report_model_heading", lang)), _estimates(res, lang, data.num)]
    blocks += [Note(text, synthetic=res.synthetic) for text in res.note_texts(lang)]
    return Section("vraag", t("forecast.report_title", lang), tuple(blocks), synthetic=res.synthetic)


def _write(path: Path, sheets: list[tuple[str, pd.DataFrame]]) -> None:
    from wijkloket.report.exports import write_frames_xlsx

    write_frames_xlsx(path, sheets)  # text stays text (never a formula), as in every workbook


def write_forecast_xlsx(res: Any, table: pd.DataFrame, path: Path, lang: str) -> None:
    """The notes, the counter hours per district and month, the forecast rows asked for, and the backtest."""
    notes = pd.DataFrame({t("forecast.sheet_note", lang): res.note_texts(lang)})
    sheets = [(t("forecast.sheet_notes", lang), notes), (t("forecast.sheet_hours", lang), res.hours),
              (t("forecast.sheet_forecast", lang), table)]
    if res.backtest is not None:
        sheets.append((t("forecast.sheet_backtest", lang), res.backtest.summary))
    _write(path, sheets)


def write_backtest_xlsx(bt: Any, path: Path, lang: str) -> None:
    """The backtest's summary (MAPE per district and product) and its months."""
    _write(path, [(t("forecast.sheet_backtest", lang), bt.summary), (t("forecast.sheet_backtest_months", lang),
                                                                     bt.detail)])
