"""Support in the neighbourhood and travel time to it (question 5): synthetic when the service points
are (a municipality's own list, the published polling-station list, or synthetic points)."""

from __future__ import annotations

import pandas as pd

from wijkloket.report.blocks import Block, Cell, Column, Figure, Heading, Paragraph, Row, Section, Table, total_last
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
    return total_last(rows)


def desk_by_group(data: ReportData, acc: AccessLike) -> Table:
    """Per district, for each target group: mean minutes to the desk and the share within the threshold."""
    t = acc.table
    groups = list(dict.fromkeys(t["group"]))
    within = data.tr("report.access_within", minutes=data.num(acc.threshold))
    columns = [Column("area", data.area_word(capital=True), "text")]
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
    columns = (Column("area", data.area_word(capital=True), "text"),
               *(Column(k, data.tr("kind." + k), "minutes", unit="min") for k in kinds))
    sel = t[t["level"].isin(["district", "gemeente"]) & (t["group"] == "population") & t["kind"].isin(kinds)]
    return Table(columns, _area_rows(sel, "kind", [(k, "minutes") for k in kinds]), synthetic=acc.synthetic)


def points_list(data: ReportData, acc: AccessLike) -> Paragraph:
    """The service points by kind and name (public buildings), and the file and publisher they come
    from; candidate sites in buildings already listed are named by that kind."""
    pts = acc.points
    src = next((s for s in data.inventory if s["kind"] == "points"), {"filename": "-", "publisher": "-"})
    items = []
    for kind in (*KINDS, "candidate"):
        names = list(pts.loc[pts["kind"] == kind, "name"])
        if not names:
            continue
        same = [k for k in KINDS if set(names) <= set(pts.loc[pts["kind"] == k, "name"])]
        items.append(data.tr("report.points_same_buildings", kind=data.tr("kind." + kind), n=len(names),
                             other=data.tr("kind." + same[0]).lower()) if kind == "candidate" and same else
                     data.tr("report.points_kind", kind=data.tr("kind." + kind), n=len(names), names=", ".join(names)))
    return Paragraph(data.tr("report.points_list", file=src["filename"], publisher=src["publisher"],
                             items="; ".join(items)), synthetic=acc.synthetic)


def _points_map(data: ReportData, acc: AccessLike) -> Figure:
    from wijkloket.report.maps import map_outlines, points_map, svg

    t = acc.table
    sel = t[(t["level"] == "wijk") & (t["group"] == "population") & (t["kind"] == "desk")
            & (t["indicator"] == "minutes")]
    geo = data.geometry
    assert geo is not None  # the section is left out without geometry
    areas = geo[geo["level"] == "wijk"].merge(sel[["area_code", "value"]], on="area_code", how="inner")
    chosen = data.locate.chosen if data.locate is not None else None
    synthetic = acc.synthetic or (data.locate is not None and data.locate.synthetic)
    image = svg(points_map(areas, acc.points, chosen,
                           data.tr("report.plan_map_legend", mode=data.tr("mode." + acc.mode)),
                           {k: data.tr("kind." + k) for k in set(acc.points["kind"])}, data.tr("report.plan_chosen"),
                           data.lang, outline=map_outlines(data), synthetic=synthetic))
    text = data.tr("report.plan_map")
    return Figure(image, text, text, synthetic=synthetic, wide=True)


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
    blocks += [Paragraph(intro, synthetic=acc.synthetic), points_list(data, acc),
               Heading(data.tr("report.access_desk_title")), desk_by_group(data, acc),
               Heading(data.tr("report.access_kinds_title")), by_kind(data, acc),
               figure]
    return Section("bereikbaarheid", data.tr("report.access_title"), tuple(blocks),
                   synthetic=acc.synthetic or figure.synthetic)
