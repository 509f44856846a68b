"""What the decision needs, for the key message: where travel to the desk is worst for which group,
which areas use the desk significantly less than expected, and what each option costs per visit
served with its interval. Each part is marked synthetic when its input is."""

from __future__ import annotations

from wijkloket.report.blocks import Block, BulletList, Paragraph
from wijkloket.report.context import ReportData


def travel_blocks(data: ReportData) -> list[Block]:
    """Per group: the district with the longest mean travel time to the nearest desk."""
    acc = data.access
    if acc is None:
        return []
    t = acc.table
    sel = t[(t["level"] == "district") & (t["kind"] == "desk")]
    if sel.empty:
        return []
    items = []
    for group, grp in sel.groupby("group", sort=False):
        by = grp.pivot_table(index="area_name", columns="indicator", values="value", aggfunc="first")
        if "minutes" not in by or by["minutes"].isna().all():
            continue
        worst = by["minutes"].idxmax()
        items.append(data.tr("report.decision_travel_item", group=data.registry.get(str(group)).short(data.lang),
                             district=worst, minutes=data.num(by.loc[worst, "minutes"]),
                             share=data.num(by.loc[worst].get("share_within")), threshold=data.num(acc.threshold)))
    if not items:
        return []
    intro = marked(data, data.tr("report.decision_travel", mode=data.tr("mode." + acc.mode)), acc.synthetic)
    return [Paragraph(intro, synthetic=acc.synthetic), BulletList(tuple(items), synthetic=acc.synthetic)]


def marked(data: ReportData, text: str, synthetic: bool) -> str:
    """`text`, with "(synthetisch)" after it when it rests on synthetic data."""
    return f"{text} ({data.tr('report.synthetic_short')})" if synthetic else text


def decision_blocks(data: ReportData) -> list[Block]:
    """All parts that have data, in the order a committee weighs them."""
    out: list[Block] = []
    for part in (underuse_blocks, travel_blocks, options_blocks):
        out += part(data)
    return out


def underuse_blocks(data: ReportData) -> list[Block]:
    return []


def options_blocks(data: ReportData) -> list[Block]:
    return []


__all__ = ["decision_blocks", "options_blocks", "travel_blocks", "underuse_blocks"]
