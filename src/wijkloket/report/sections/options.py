"""Options: cost and reach (question 6): one table of the same figures for every option, each with its
80% interval or the reason it does not apply; the tornado of cost per visit; residents per group; the
assumptions with their sources; the definitions; and the best place for an extra desk. Synthetic when
the service points are, or when the visit rate was taken from a synthetic desk log."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import pandas as pd

from wijkloket.i18n import assumption_label, fmt_plain
from wijkloket.report.blocks import (
    Block,
    BulletList,
    Cell,
    Column,
    Figure,
    Heading,
    Paragraph,
    Row,
    Section,
    Table,
    Term,
)
from wijkloket.report.context import LocateLike, OptionsLike, ReportData
from wijkloket.usecases.plan import GROUP_METRICS, headline_metrics


@runtime_checkable
class OptionsDetail(OptionsLike, Protocol):
    """What the section reads beyond `OptionsLike` (`OptionsResult` has it all)."""

    @property
    def tornado(self) -> pd.DataFrame: ...  # option, label, assumption, input_low, input_high, at_low, at_high, base
    @property
    def draws(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def distribution(self) -> str: ...


def _money(unit: str) -> bool:
    return unit.startswith("EUR")


def _value_text(data: ReportData, value: float, unit: str) -> str:
    return ("€ " if _money(unit) else "") + data.num(value)


def _cell(data: ReportData, r: Any) -> Cell:
    """A figure with its interval under it, or n.v.t. with the reason under it."""
    if not bool(r["applies"]):
        return Cell(not_applicable=True, note=str(r["reason"]))
    value, low, high = float(r["value"]), float(r["low"]), float(r["high"])
    note = "" if low == high == value else data.tr("plan.interval", low=_value_text(data, low, r["unit"]),
                                                     high=_value_text(data, high, r["unit"]))
    return Cell(value, note=note)


def options_table(data: ReportData, opts: OptionsLike, synthetic: bool) -> Table:
    metrics = headline_metrics(opts.groups)
    t = opts.table
    first = t.drop_duplicates("metric").set_index("metric")
    columns = (Column("option", data.tr("cli.opt_option"), "text"),
               *(Column(m, str(first.loc[m, "metric_label"]), "money" if _money(str(first.loc[m, "unit"])) else "count")
                 for m in metrics))
    rows = []
    for _, grp in t.groupby("option", sort=False):
        by = grp.set_index("metric")
        head = by.iloc[0]
        cells = [Cell(str(head["label"]), note=str(head["sites"] or "")), *(_cell(data, by.loc[m]) for m in metrics)]
        rows.append(Row(tuple(cells)))
    return Table(columns, tuple(rows), synthetic=synthetic)


def _groups(data: ReportData, opts: OptionsLike) -> list[str | Term]:
    """Per option, the residents of every group newly within the threshold and faster by N minutes."""
    t = opts.table
    sel = t[t["metric"].str.startswith(tuple(f"{m}_" for m in GROUP_METRICS)) & t["applies"]]
    items: list[str | Term] = []
    for _, grp in sel.groupby("option", sort=False):
        parts = [f"{r['metric_label']} {_value_text(data, r['value'], r['unit'])}" for r in grp.to_dict("records")]
        items.append(data.tr("plan.group_item", label=str(grp["label"].iloc[0]), items="; ".join(parts)))
    return items


def _definitions(data: ReportData, opts: OptionsLike) -> list[str | Term]:
    labels = opts.table.drop_duplicates("metric").set_index("metric")["metric_label"]
    out: list[str | Term] = []
    for m in dict.fromkeys(opts.table["metric"]):
        base = next((g for g in GROUP_METRICS if m.startswith(g + "_")), m)
        if base == m or m == f"{base}_population":
            out.append(data.tr("plan.define_item", label=str(labels[m]), text=data.tr("plan.define." + base)))
    return out


def _tornado(data: ReportData, opts: OptionsDetail, synthetic: bool) -> list[Block]:
    from wijkloket.report.charts import tornado
    from wijkloket.report.maps import svg

    blocks: list[Block] = []
    for _, bars in opts.tornado.groupby("option", sort=False):
        label = str(bars["label"].iloc[0])
        base = float(bars["base"].iloc[0])
        names = [f"{assumption_label(str(a).split('.')[-1], data.lang)[0]} ({fmt_plain(lo, data.lang)}–"
                 f"{fmt_plain(hi, data.lang)})"
                 for a, lo, hi in zip(bars["assumption"], bars["input_low"], bars["input_high"], strict=True)]
        image = svg(tornado(bars.assign(label=names), base, data.tr("plan.tornado_axis"), data.tr("plan.tornado_low"),
                            data.tr("plan.tornado_high"), data.lang, synthetic=synthetic))
        blocks.append(Figure(image, data.tr("plan.tornado_alt", label=label),
                             data.tr("plan.tornado_caption", label=label, base=data.num(base)), synthetic=synthetic))
    return blocks


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
    if not isinstance(opts, OptionsDetail):
        raise TypeError("the options section needs the tornado and the draws of an OptionsResult")
    loc = data.locate
    visit = data.desk.get("visit")
    # The visit rate behind the options comes from the desk log when there is one.
    synthetic = opts.synthetic or (visit is not None and visit.synthetic)
    blocks: list[Block] = [
        Paragraph(data.tr("plan.intro")),
        options_table(data, opts, synthetic),
        Paragraph(data.tr("plan.interval_text", draws=data.num(opts.draws), seed=opts.seed,
                          distribution=data.tr("plan.distribution." + opts.distribution)), style="legend"),
        *_tornado(data, opts, synthetic),
        Heading(data.tr("plan.heading_groups")),
        BulletList(tuple(_groups(data, opts)), synthetic=synthetic),
        Heading(data.tr("report.assumptions")),
        BulletList(tuple(Term(k, v) for k, v in opts.assumptions), synthetic=synthetic),
        Heading(data.tr("plan.heading_definitions")),
        BulletList(tuple(_definitions(data, opts))),
    ]
    if loc is not None:
        blocks += [Heading(data.tr("report.locate_title")), Paragraph(_locate_text(data, loc), synthetic=loc.synthetic)]
        synthetic = synthetic or loc.synthetic
    return Section("opties", data.tr("report.options_title"), tuple(blocks), synthetic=synthetic)
