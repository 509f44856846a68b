"""Use of the desk (question 2) and documents issued by origin (question 3), from the municipality's own
exports: synthetic exactly when those exports (or the postcode table they were linked with) are."""

from __future__ import annotations

import pandas as pd

from wijkloket.report.blocks import (
    Block,
    Cell,
    Column,
    Figure,
    Heading,
    Note,
    Paragraph,
    Row,
    Section,
    Table,
    indexed_cell,
    total_last,
)
from wijkloket.report.context import DeskLike, ReportData

TOP_PRODUCTS = ["passport", "id_card", "driving_licence"]
VISIT_ONLY_PRODUCTS = ["brp_extract", "declaration", "collect_document", "collect_licence"]
INDICATORS = {"visit": ["visits", "visits_per_1000", "once_every_n_years", "representation_index"],
              "issuance": ["issuances", "issuances_per_1000", "representation_index"]}
COUNTS = ("visits", "issuances")
LABELS = {("issuance", "representation_index"): "desk.representation_index_issuance"}
"""Column labels that differ by kind: the issuance table compares shares of issued documents, not visits."""


def _total(kind: str) -> str:
    """The product total a kind reports on: top products for visits, all documents for issuances."""
    return "top" if kind == "visit" else "all"


def _noun(kind: str) -> str:
    return "visits" if kind == "visit" else "issuances"


def desk_table(data: ReportData, res: DeskLike, year: int) -> Table:
    """Per district and for the city, the year's figures for the product total; suppressed cells as such."""
    t = res.table
    indicators = INDICATORS[res.kind]
    sel = t[(t["year"] == year) & (t["product"] == _total(res.kind)) & t["age_band"].isna()
            & t["level"].isin(["district", "gemeente"]) & t["indicator"].isin(indicators)]
    columns = (Column("area", data.area_word(capital=True), "text"),
               *(Column(i, data.tr(LABELS.get((res.kind, i), "desk." + i)), "count" if i in COUNTS else "number")
                 for i in indicators))
    rows = []
    for (level, _code), grp in sel.groupby(["level", "area_code"], sort=False):
        by = grp.set_index("indicator")
        cells = [Cell(str(grp["area_name"].iloc[0])), *(indexed_cell(by, i) for i in indicators)]
        rows.append(Row(tuple(cells), emphasis=level == "gemeente"))
    return Table(columns, total_last(rows), synthetic=res.synthetic)


def _trend(data: ReportData, res: DeskLike, city: pd.DataFrame) -> Figure:
    from wijkloket.report.charts import trend
    from wijkloket.report.maps import svg

    noun = _noun(res.kind)
    products = TOP_PRODUCTS + (VISIT_ONLY_PRODUCTS if res.kind == "visit" else [])
    image = svg(trend(city[city["indicator"] == noun], products, {p: data.tr("product." + p) for p in products},
                      data.tr(f"report.axis_{noun}"), data.lang, synthetic=res.synthetic))
    text = data.tr("report.trend_" + res.kind)
    return Figure(image, text, text, synthetic=res.synthetic)


def _map(data: ReportData, res: DeskLike, year: int) -> Figure | None:
    from wijkloket.report.maps import choropleth, map_outlines, svg

    if data.geometry is None:
        return None
    t = res.table
    indicator = f"{_noun(res.kind)}_per_1000"
    sel = t[(t["year"] == year) & (t["product"] == _total(res.kind)) & t["age_band"].isna()
            & (t["indicator"] == indicator) & t["level"].isin(["wijk", "buurt"])]
    if sel.empty:
        return None
    areas = data.geometry[data.geometry["level"] == str(sel["level"].iloc[0])]
    title = data.tr(f"report.map_{res.kind}", year=year)
    image = svg(choropleth(areas, sel.set_index("area_code")["value"], title, data.tr(f"desk.{indicator}"), data.lang,
                           1, "rate", outline=map_outlines(data), cmap="Blues",
                           footnote=data.tr("report.map_suppressed"), synthetic=res.synthetic))
    return Figure(image, title, title, synthetic=res.synthetic)


def _ages(data: ReportData, res: DeskLike, city: pd.DataFrame, year: int) -> Figure | None:
    from wijkloket.report.charts import bars
    from wijkloket.report.maps import svg

    sel = city[(city["indicator"] == "visits_per_1000") & city["age_band"].notna() & (city["year"] == year)]
    if sel.empty or sel["value"].isna().all():
        return None
    image = svg(bars(sel.set_index("age_band")["value"], data.tr("report.axis_per_1000"), data.tr("report.axis_age"),
                     data.lang, synthetic=res.synthetic))
    text = data.tr("report.age_chart", year=year)
    return Figure(image, text, text, synthetic=res.synthetic)


def _intro(data: ReportData, res: DeskLike, city: pd.DataFrame, year: int) -> Paragraph:
    indicator = "once_every_n_years" if res.kind == "visit" else "issuances_per_1000"
    value = city[(city["indicator"] == indicator) & (city["product"] == _total(res.kind))
                 & city["age_band"].isna()].set_index("year")["value"]
    return Paragraph(data.tr(f"report.{res.kind}_intro", first=min(res.years), last=year,
                             value=data.num(value.get(year), 1), pop_year=res.population_year, n=res.threshold),
                     synthetic=res.synthetic)


def _section(data: ReportData, kind: str) -> Section | None:
    res = data.desk.get(kind)
    if res is None:
        return None
    year = max(res.years)
    city = res.table[res.table["level"] == "gemeente"]
    synthetic = res.synthetic
    blocks: list[Block] = [Paragraph(data.tr("report.desk_synthetic"), style="synthetic_notice")] if synthetic else []
    blocks += [_intro(data, res, city, year),
               Heading(data.tr("report.desk_table", area=data.area_word(), year=year)),
               desk_table(data, res, year),
               Paragraph(data.tr("report.desk_legend", n=res.threshold), style="legend")]
    figures = [_trend(data, res, city), _map(data, res, year),
               _ages(data, res, city, year) if kind == "visit" else None]
    blocks += [f for f in figures if f is not None]
    blocks.append(Note(data.tr("cli.desk_allocation", split=data.num(100 * res.share_split, 1),
                               pc4=data.num(100 * res.share_pc4, 1)), synthetic=synthetic))
    if res.unmatched:
        blocks.append(Paragraph(data.tr("cli.desk_unmatched", n=data.num(res.unmatched)), style="caveat",
                                synthetic=synthetic))
    return Section("baliegebruik" if kind == "visit" else "verstrekkingen", data.tr(f"report.{kind}_title"),
                   tuple(blocks), synthetic=synthetic)


def desk_use(data: ReportData) -> Section | None:
    return _section(data, "visit")


def issuances(data: ReportData) -> Section | None:
    return _section(data, "issuance")
