"""What the decision needs, for the key message: where travel to the desk is worst for which group,
which areas use the desk significantly less than expected, and what each option costs per visit
served with its interval. Each part is marked synthetic when its input is."""

from __future__ import annotations

from collections.abc import Set

from wijkloket.report.blocks import Block, BulletList, Paragraph
from wijkloket.report.context import ReportData


def travel_blocks(data: ReportData, leave_out: Set[str] = frozenset()) -> list[Block]:
    """Per group: the district with the longest mean travel time to the nearest desk, among the districts
    not in `leave_out` (area codes: those below the key message's minimum base)."""
    acc = data.access
    if acc is None:
        return []
    t = acc.table
    sel = t[(t["level"] == "district") & (t["kind"] == "desk") & ~t["area_code"].isin(leave_out)]
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
    if not synthetic:
        return text
    mark = f" ({data.tr('report.synthetic_short')})"
    return text[:-1] + mark + ":" if text.endswith(":") else text + mark


def decision_blocks(data: ReportData, leave_out: Set[str] = frozenset()) -> list[Block]:
    """All parts that have data, in the order a committee weighs them; the travel times leave out the
    districts of `leave_out` (too few residents). The under-use index needs no such rule: its interval
    is wide where the counts are small."""
    return [*underuse_blocks(data), *travel_blocks(data, leave_out), *options_blocks(data)]


UNDERUSE_LEVELS = ("district", "wijk", "buurt")
MAX_AREAS = 8  # per level in the key message; the under-use section lists them all


def underuse_blocks(data: ReportData) -> list[Block]:
    """The areas whose visits are significantly below what their residents' ages predict, over the
    whole log, per level: the products and the index with its 95% interval, lowest first."""
    res = getattr(data, "underuse", None)
    if res is None or res.table.empty:
        return []
    t = res.table
    sel = t[(t["kind"] == "visit") & t["year"].isna() & t["flag"].fillna(False).astype(bool)
            & (t["product"] != "top")]
    items = []
    for level in UNDERUSE_LEVELS:
        if level == "district" and data.districts is None:
            continue  # each wijk is its own district: the same areas again under another name
        lv = sel[sel["level"] == level]
        if lv.empty:
            continue
        order = lv.groupby("area_name")["ratio"].min().sort_values().index[:MAX_AREAS]
        for area in order:
            rows = lv[lv["area_name"] == area].sort_values("ratio")
            parts = "; ".join(data.tr("report.decision_underuse_part", product=data.tr("product." + str(r.product)),
                                      ratio=data.num(r.ratio), low=data.num(r.ci_low), high=data.num(r.ci_high))
                              for r in rows.itertuples())
            items.append(data.tr("report.decision_underuse_item", level=data.tr("level." + level), area=area,
                                 parts=parts))
    if not items:
        return [Paragraph(marked(data, data.tr("report.decision_underuse_none"), res.synthetic),
                          synthetic=res.synthetic)]
    intro = marked(data, data.tr("report.decision_underuse", first=min(res.years), last=max(res.years)),
                   res.synthetic)
    return [Paragraph(intro, synthetic=res.synthetic), BulletList(tuple(items), synthetic=res.synthetic)]


def options_blocks(data: ReportData) -> list[Block]:
    """Per option: its annual cost and its cost per visit served, each with the 80% interval."""
    opts = data.options
    if opts is None:
        return []
    t = opts.table
    items = []
    for _option, grp in t.groupby("option", sort=False):
        by = grp.set_index("metric")
        if "annual_cost" not in by.index:
            continue
        cost = by.loc["annual_cost"]
        per = by.loc["cost_per_visit"] if "cost_per_visit" in by.index else None
        if per is not None and bool(per["applies"]):
            items.append(data.tr("report.decision_option_item", option=str(grp["label"].iloc[0]),
                                 cost=data.num(cost["value"]), per_visit=data.num(per["value"]),
                                 low=data.num(per["low"]), high=data.num(per["high"])))
        else:
            items.append(data.tr("report.decision_option_item_na", option=str(grp["label"].iloc[0]),
                                 cost=data.num(cost["value"]), low=data.num(cost["low"]),
                                 high=data.num(cost["high"])))
    if not items:
        return []
    intro = marked(data, data.tr("report.decision_options"), opts.synthetic)
    return [Paragraph(intro, synthetic=opts.synthetic), BulletList(tuple(items), synthetic=opts.synthetic)]


__all__ = ["decision_blocks", "options_blocks", "travel_blocks", "underuse_blocks"]
