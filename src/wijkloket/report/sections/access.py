"""Support in the neighbourhood and travel time to it (question 5): synthetic when the service points
are (there is no open list of them)."""

from __future__ import annotations

import pandas as pd

from wijkloket.report.blocks import Block, Cell, Column, Figure, Heading, Paragraph, Row, Section, Table
from wijkloket.report.context import AccessLike, ReportData

KINDS = ("desk", "library_ido", "community_centre", "social_team", "mobile_stop")


def _area_rows(frame: pd.DataFrame, key: str, cells: list[tuple[str, str]]) -> tuple[Row, ...]:
    """One row per district and for the city (emphasised): the area's name, then for each `(k, indicator)`
    in `cells` the value of the row where column `key` is k."""
    rows = []
    for (level, _code), grp in frame.groupby(["level", "area_code"], sort=False):
        by = grp.set_index([key, "indicator"])["value"]
        values = [by.get(pair) for pair in cells]
        row = [Cell(str(grp["area_name"].iloc[0]))] + [Cell(None if v is None else float(v)) for v in values]
        rows.append(Row(tuple(row), emphasis=level == "gemeente"))
    return tuple(rows)


def desk_by_group(data: ReportData, acc: AccessLike) -> Table:
    """Per district, for each target group: mean minutes to the desk and the share within the threshold."""
    t = acc.table
    groups = list(dict.fromkeys(t["group"]))
    within = data.tr("report.access_within", minutes=data.num(acc.threshold))
    columns = [Column("area", data.tr("report.district"), "text")]
    cells: list[tuple[str, str]] = []
    for g in groups:
        label = data.registry.get(g).short(data.lang)
        columns += [Column(f"{g}_minutes", data.tr("report.access_minutes"), "minutes", group=label),
                    Column(f"{g}_share_within", within, "percent", decimals=0, group=label)]
        cells += [(g, "minutes"), (g, "share_within")]
    sel = t[t["level"].isin(["district", "gemeente"]) & (t["kind"] == "desk")]
    return Table(tuple(columns), _area_rows(sel, "group", cells), synthetic=acc.synthetic)


def by_kind(data: ReportData, acc: AccessLike) -> Table:
    """Per district, all residents: mean minutes to the nearest point of each kind."""
    t = acc.table
    kinds = [k for k in KINDS if k in set(t["kind"])]
    columns = (Column("area", data.tr("report.district"), "text"),
               *(Column(k, data.tr("kind." + k), "minutes", unit="min") for k in kinds))
    sel = t[t["level"].isin(["district", "gemeente"]) & (t["group"] == "population") & t["kind"].isin(kinds)]
    return Table(columns, _area_rows(sel, "kind", [(k, "minutes") for k in kinds]), synthetic=acc.synthetic)


def _points_map(data: ReportData, acc: AccessLike) -> Figure:
    from wijkloket.report.maps import points_map_png

    t = acc.table
    sel = t[(t["level"] == "wijk") & (t["group"] == "population") & (t["kind"] == "desk")
            & (t["indicator"] == "minutes")]
    geo = data.geometry
    assert geo is not None  # the section is left out without geometry
    areas = geo[geo["level"] == "wijk"].merge(sel[["area_code", "value"]], on="area_code", how="inner")
    chosen = data.locate.chosen if data.locate is not None else None
    synthetic = acc.synthetic or (data.locate is not None and data.locate.synthetic)
    png = points_map_png(areas, acc.points, chosen, data.tr("report.plan_map_legend", mode=data.tr("mode." + acc.mode)),
                         {k: data.tr("kind." + k) for k in set(acc.points["kind"])}, data.tr("report.plan_chosen"),
                         data.tr("report.synthetic_short").upper() if synthetic else "")
    text = data.tr("report.plan_map")
    return Figure(png, text, text, synthetic=synthetic, wide=True)


def access(data: ReportData) -> Section | None:
    acc = data.access
    if acc is None or data.geometry is None:
        return None
    intro = data.tr("report.access_intro", mode=data.tr("mode." + acc.mode), minutes=data.num(acc.threshold),
                    method=data.tr("method." + acc.method), detour=data.num(acc.settings.detour_factor, 1),
                    speed=data.num(acc.settings.speeds[acc.mode], 1))
    figure = _points_map(data, acc)
    blocks: list[Block] = [Paragraph(data.tr("report.points_synthetic"), style="synthetic_notice")] \
        if acc.synthetic else []
    blocks += [Paragraph(intro, synthetic=acc.synthetic),
               Heading(data.tr("report.access_desk_title")), desk_by_group(data, acc),
               Heading(data.tr("report.access_kinds_title")), by_kind(data, acc),
               figure]
    return Section("bereikbaarheid", data.tr("report.access_title"), tuple(blocks),
                   synthetic=acc.synthetic or figure.synthetic)
