"""The district profile: the districts compared with the city (a table), and maps of the key groups.

Both rest on CBS figures only, so they are never synthetic.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from wijkloket.areas.levels import finest_level
from wijkloket.i18n import decimals_for, unit_label
from wijkloket.indicators.findings import concern_band
from wijkloket.indicators.registry import Indicator
from wijkloket.report.blocks import Cell, Column, ColumnKind, Figure, Paragraph, Row, Section, Swatch, Table, Tone
from wijkloket.report.context import ReportData

UNIT_KINDS: dict[str, ColumnKind] = {"aantal": "count", "%": "percent"}
SWATCHES = (Swatch("hi2", "≥ +20"), Swatch("hi1", "+10…+20"), Swatch("lo1", "−10…−20"), Swatch("lo2", "≤ −20"))


def tone(index: float, concern: str) -> Tone | None:
    """The colour of a value by its index against the city (= 100), turned so that `hi` always points
    to more potential barriers (for a `low` concern, a lower value is the worrying one)."""
    tones: dict[int, Tone | None] = {2: "hi2", 1: "hi1", -1: "lo1", -2: "lo2", 0: None}
    return tones[concern_band(index, concern)]


def indicator_column(ind: Indicator, lang: str) -> Column:
    return Column(ind.id, ind.label(lang), UNIT_KINDS.get(ind.unit, "number"), unit_label(ind.unit, lang),
                  decimals_for(ind.unit))


def _cell(r: pd.Series, ind: Indicator, city: bool) -> Cell:
    index = float(r["index_city"])
    return Cell(float(r["value"]), tone=None if city or not ind.key else tone(index, ind.concern),
                index=None if index != index else index, flag=bool(r["low_coverage"]))


def district_table(data: ReportData) -> Section | None:
    inds = [i for i in data.indicators_with_data() if i.kind != "count" or i.id == "population"]
    rows = data.table[data.table["level"].isin(["district", "gemeente"])]
    if rows.empty:
        return None
    body = []
    for (level, _code), grp in rows.groupby(["level", "area_code"], sort=False):
        by = grp.set_index("indicator")
        cells = [Cell(str(grp["area_name"].iloc[0]))]
        cells += [_cell(by.loc[i.id], i, level == "gemeente") if i.id in by.index else Cell() for i in inds]
        body.append(Row(tuple(cells), emphasis=level == "gemeente"))
    columns = (Column("area", data.area_word(capital=True), "text"), *(indicator_column(i, data.lang) for i in inds))
    return Section("stadsdelen", data.tr("report.table_title", areas=data.area_word(plural=True, capital=True)), (
        Paragraph(data.tr("report.table_intro", area=data.area_word())),
        Table(columns, tuple(body)),
        Paragraph(data.tr("report.legend"), style="legend", swatches=SWATCHES),
    ))


def _map_level(table: pd.DataFrame, geometry: Any) -> str:
    """Buurten when both the figures and the shapes go down to them, else wijken."""
    return finest_level(set(table["level"]) & set(geometry["level"]))


def maps(data: ReportData) -> Section | None:
    from wijkloket.report.maps import choropleth, map_outlines, quantity_of_unit, svg

    geo = data.geometry
    if geo is None or len(geo) == 0:
        return None
    t = data.table
    level = _map_level(t, geo)
    areas = geo[geo["level"] == level]
    areas = areas[areas["area_code"].isin(set(t.loc[t["level"] == level, "area_code"]))]
    if areas.empty:
        return None
    outline = map_outlines(data)
    figures = []
    for ind in data.indicators_with_data(key_only=True):
        series = t[(t["level"] == level) & (t["indicator"] == ind.id)].set_index("area_code")["value"]
        if series.notna().sum() == 0:
            continue
        label = ind.label(data.lang)
        image = svg(choropleth(areas, series, label, unit_label(ind.unit, data.lang), data.lang,
                               decimals_for(ind.unit), quantity_of_unit(ind.unit), outline=outline,
                               cmap="YlOrRd" if ind.concern == "high" else "YlGnBu",
                               footnote=data.tr("report.map_source", year=data.year)))
        caption = data.tr("report.map_caption" if data.districts is not None else "report.map_caption_plain",
                          indicator=label, level=data.tr("level." + level))
        figures.append(Figure(image, label, caption, synthetic=False))
    if not figures:
        return None
    return Section("kaarten", data.tr("report.maps_title"), tuple(figures))
