"""The key message: which districts stand out on the groups that may face barriers. Areas with fewer
residents than the report's minimum base (`ReportData.min_base`, default 1,000) are left out of the
comparison, and the message says which: a percentage of 125 residents (Schiphol) says little."""

from __future__ import annotations

import pandas as pd

from wijkloket.i18n import decimals_for, t_plural, unit_label
from wijkloket.indicators.findings import concern_counts, stand_out
from wijkloket.indicators.registry import Indicator
from wijkloket.report.blocks import Block, BulletList, Paragraph, Section
from wijkloket.report.context import ReportData
from wijkloket.report.sections.decision import decision_blocks


def missing_key_indicators(data: ReportData, have: list[Indicator]) -> tuple[list[str], list[str]]:
    """Key indicators without figures: those CBS has not published yet for the year, and those no source
    in the workspace holds. An indicator superseded by one with figures is left out."""
    have_ids = {i.id for i in have}
    unpublished: list[str] = []
    absent: list[str] = []
    for ind in data.registry.indicators.values():
        if not ind.key or ind.id in have_ids or (ind.superseded_by in have_ids):
            continue
        reasons = {s.get("lacks", {}).get(ind.id) for s in data.inventory}
        (unpublished if "not_available" in reasons else absent).append(ind.label(data.lang))
    return unpublished, absent


def small_areas(data: ReportData) -> pd.DataFrame:
    """The district rows' areas with fewer than `data.min_base` residents (CBS population; an area
    without a population figure is kept): `area_code` and `area_name`, smallest first."""
    t = data.table
    pop = t[(t["level"] == "district") & (t["indicator"] == "population")]
    return pop[pop["value"] < data.min_base].sort_values("value")[["area_code", "area_name"]]


def _left_out(data: ReportData, small: pd.DataFrame) -> list[Block]:
    if small.empty:
        return []
    return [Paragraph(t_plural("report.small_areas_left_out", len(small), data.lang,
                               min_base=data.num(data.min_base), names=", ".join(small["area_name"])),
                      style="caveat")]


def key_message(data: ReportData) -> Section:
    inds = data.indicators_with_data(key_only=True)
    small = small_areas(data)
    table = data.table[~((data.table["level"] == "district") & data.table["area_code"].isin(small["area_code"]))]
    findings = stand_out(table, inds)
    labels = {i.id: i.label(data.lang) for i in inds}
    units = {i.id: i.unit for i in inds}
    items = []
    for area, fs in concern_counts(findings).items():
        parts = [
            data.tr("report.finding_part", indicator=labels[f.indicator],
                    value=data.num(f.value, decimals_for(units[f.indicator])),
                    unit=unit_label(units[f.indicator], data.lang), index=data.num(f.index_city))
            for f in fs
        ]
        items.append(t_plural("report.finding_area", len(fs), data.lang, area=area, parts="; ".join(parts)))
    blocks: list[Block] = [Paragraph(t_plural("report.key_intro", len(inds), data.lang,
                                              areas=data.area_word(plural=True),
                                              gemeente=data.profile.gemeente_name, year=data.year))]
    blocks.append(BulletList(tuple(items)) if items else Paragraph(data.tr("report.no_findings")))
    blocks += _left_out(data, small)
    lower = sorted({f"{f.area_name} ({labels[f.indicator]})" for f in findings if not f.concern})
    if lower:
        blocks.append(Paragraph(data.tr("report.lower_findings", list=", ".join(lower))))
    blocks += decision_blocks(data, set(small["area_code"]))
    unpublished, absent = missing_key_indicators(data, inds)
    for key, missing in (("report.missing_unpublished", unpublished), ("report.missing_absent", absent)):
        if missing:
            blocks.append(Paragraph(data.tr(key, year=data.year, list=", ".join(missing)), style="caveat"))
    return Section("kernboodschap", data.tr("report.key_title"), tuple(blocks))

