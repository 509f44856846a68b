"""The sources: every file in the workspace, what it covers and which key figures it lacks. A listing of
the inputs, so never synthetic itself; a synthetic file says so in its row."""

from __future__ import annotations

from typing import Any

import pandas as pd

from wijkloket.i18n import dataset_label
from wijkloket.report.blocks import Cell, Column, Paragraph, Row, Section, Table
from wijkloket.report.context import ReportData


def _lacking(data: ReportData, src: dict[str, Any]) -> str:
    """The key indicators the source lacks, grouped by reason ("nog niet gepubliceerd door CBS: ...")."""
    by_reason: dict[str, list[str]] = {}
    for ind_id, reason in src.get("lacks", {}).items():
        ind = data.registry.indicators[ind_id]
        if ind.key and reason != "not_in_file":
            by_reason.setdefault(reason, []).append(ind.short(data.lang))
    return "; ".join(f"{data.tr('status.' + r)}: {', '.join(v)}" for r, v in by_reason.items())


def _row(data: ReportData, src: dict[str, Any]) -> Row:
    status = data.tr("privacy." + str(src["privacy"]))
    if src["synthetic"]:
        status += " · " + data.tr("report.synthetic_short")
    return Row((
        Cell(dataset_label(str(src["kind"]), str(src["dataset"]), data.lang), note=str(src["filename"])),
        Cell(str(src["publisher"])),
        Cell(None if pd.isna(src["year"]) else int(src["year"])),
        Cell(str(src["levels"])),
        Cell(int(src["rows_accepted"])),
        Cell(int(src["rows_rejected"])),
        Cell(len(src.get("provides", []))),
        Cell(_lacking(data, src) or None),
        Cell(status),
        Cell(str(src["sha256"])[:12]),
    ))


def sources(data: ReportData) -> Section:
    rows_group = data.tr("report.src_rows")
    columns = (
        Column("dataset", data.tr("report.src_dataset"), "text"),
        Column("publisher", data.tr("report.src_publisher"), "text"),
        Column("year", data.tr("report.src_year"), "year"),
        Column("levels", data.tr("report.src_levels"), "text"),
        Column("rows_accepted", data.tr("report.src_accepted"), "count", group=rows_group),
        Column("rows_rejected", data.tr("report.src_rejected"), "count", group=rows_group),
        Column("provides", data.tr("report.src_provides"), "count"),
        Column("lacks", data.tr("report.src_lacks"), "text"),
        Column("privacy", data.tr("report.src_privacy"), "text"),
        Column("sha256", data.tr("report.src_sha"), "code"),
    )
    table = Table(columns, tuple(_row(data, s) for s in data.inventory), row_headers=False)
    return Section("bronnen", data.tr("report.sources_title"), (Paragraph(data.tr("report.sources_intro")), table))
