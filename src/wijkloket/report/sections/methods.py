"""Methods and caveats: how the figures are made, the notes the computations left, the licence."""

from __future__ import annotations

from wijkloket.report.blocks import BulletList, Note, Section
from wijkloket.report.context import ReportData
from wijkloket.report.sections.survey import survey_methods

METHODS = ("aggregation", "sentinels", "rounding", "coverage", "districts", "index")


def methods(data: ReportData) -> Section:
    items = [data.tr(f"report.method_{k}") for k in METHODS if k != "districts" or data.districts is not None]
    if data.districts is None:
        items.append(data.tr("report.method_no_districts"))
    for key, params in data.profile.notes:
        items.append(data.tr(key, **{k: data.num(v) if isinstance(v, int | float) else v for k, v in params.items()}))
    items += [f"{ind.label(data.lang)}: {ind.weight_note}" for ind in data.indicators_with_data() if ind.weight_note]
    items += survey_methods(data)
    return Section("methode", data.tr("report.methods_title"),
                   (BulletList(tuple(items)), Note(data.tr("report.licence"))))
