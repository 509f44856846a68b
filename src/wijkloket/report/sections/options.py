"""Options with their cost and reach, and the best place for an extra desk (question 6). Synthetic when
the service points are, or when the visit rate was taken from a synthetic desk log."""

from __future__ import annotations

from typing import Any

from wijkloket.report.blocks import (
    Block,
    BulletList,
    Cell,
    Column,
    ColumnKind,
    Heading,
    Paragraph,
    Row,
    Section,
    Table,
    Term,
)
from wijkloket.report.context import LocateLike, OptionsLike, ReportData

# (column key, catalogue suffix, kind, options-table field); {target} is the target group's id
COLUMNS: tuple[tuple[str, str, ColumnKind, str], ...] = (
    ("cost", "cost", "money", "annual_cost"),
    ("visits", "visits", "count", "visits_served"),
    ("per_visit", "per_visit", "money", "cost_per_visit"),
    ("within", "within", "count", "newly_within_{target}"),
    ("reached", "reached", "count", "reached_{target}"),
    ("per_reached", "per_reached", "money", "cost_per_target_reached"),
    ("hours", "hours", "count", "travel_hours_saved"),
)


def _number(v: Any) -> float | None:
    return None if v is None or v != v else float(v)


def options_table(data: ReportData, opts: OptionsLike, synthetic: bool) -> Table:
    target = next((g for g in opts.groups if g != "population"), "population")
    group = data.registry.get(target).short(data.lang)
    columns = (Column("option", data.tr("cli.opt_option"), "text"),
               *(Column(key, data.tr("cli.opt_" + suffix, group=group), kind) for key, suffix, kind, _ in COLUMNS))
    rows = []
    for r in opts.table.to_dict("records"):
        cells = [Cell(str(r["label"]), note=str(r.get("sites") or ""))]
        cells += [Cell(_number(r.get(field.format(target=target)))) for _, _, _, field in COLUMNS]
        rows.append(Row(tuple(cells)))
    return Table(columns, tuple(rows), synthetic=synthetic)


def _locate_text(data: ReportData, loc: LocateLike) -> str:
    before = loc.before.set_index("level").loc["gemeente", "mean_minutes"]
    after = loc.after.set_index("level").loc["gemeente", "mean_minutes"]
    return data.tr("report.locate_text", sites=", ".join(loc.chosen["name"]) or "-", before=data.num(before, 1),
                   after=data.num(after, 1), gap=data.num(100 * loc.result.gap, 2),
                   seconds=data.num(loc.result.seconds, 1))


def options(data: ReportData) -> Section | None:
    opts = data.options
    if opts is None:
        return None
    loc = data.locate
    visit = data.desk.get("visit")
    # The visit rate behind the options comes from the desk log when there is one.
    synthetic = opts.synthetic or (visit is not None and visit.synthetic)
    assumptions: list[str | Term] = [Term(k, v) for k, v in opts.assumptions]
    assumptions += [f"{r['label']}: {r['assumptions']}" for r in opts.table.to_dict("records")]
    blocks: list[Block] = [
        Paragraph(data.tr("report.options_intro")),
        options_table(data, opts, synthetic),
        Heading(data.tr("report.assumptions")),
        BulletList(tuple(assumptions), synthetic=synthetic),
    ]
    if loc is not None:
        blocks += [Heading(data.tr("report.locate_title")), Paragraph(_locate_text(data, loc), synthetic=loc.synthetic)]
        synthetic = synthetic or loc.synthetic
    return Section("opties", data.tr("report.options_title"), tuple(blocks), synthetic=synthetic)
