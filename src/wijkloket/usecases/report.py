"""The report a council committee reads (question 8): every section from one `Analysis`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from wijkloket.errors import WijkloketError
from wijkloket.indicators.registry import Registry
from wijkloket.store.workspace import Workspace
from wijkloket.usecases.analysis import Analysis

if TYPE_CHECKING:
    from wijkloket.report.context import ReportData


def report_data(an: Analysis, lang: str, year: int | None = None, min_base: int | None = None) -> ReportData:
    """Everything the report shows, each result computed once: the profile, the inventory, desk use
    and issuances when there is a log, accessibility when there are service points, and the options
    and the best extra site when there are candidate sites. `min_base`: residents below which an area is
    left out of the key message (None: `DEFAULT_MIN_BASE`, 1,000)."""
    from wijkloket.report.context import DEFAULT_MIN_BASE, ReportData

    prof = an.profile(year)
    srcs = an.inventory()
    kinds = {s["kind"] for s in srcs}
    desk = {kind: an.desk(kind) for kind in ("visit", "issuance") if kind in kinds}
    access = options = locate = None
    if "points" in kinds:
        access = an.access()
        if (access.points["kind"] == "candidate").any():
            options = an.options(None, lang)
            locate = an.locate(1)
    return ReportData(lang=lang, registry=an.registry, profile=prof, inventory=srcs,
                      geometry=prof.geometry, districts=prof.districts, desk=desk,
                      access=access, options=options, locate=locate,
                      underuse=an.underuse() if desk else None,
                      forecast=_forecast(an) if "issuance" in kinds else None,
                      min_base=DEFAULT_MIN_BASE if min_base is None else min_base)


def _forecast(an: Analysis) -> Any:
    """The demand forecast, or None when the issuance list is too short for one (the section is left out)."""
    try:
        return an.forecast()
    except WijkloketError as exc:
        if exc.code == "error.forecast_history_short":
            return None
        raise


REPORT_FORMATS = ("html", "pdf", "xlsx")


def write_report(ws: Workspace, registry: Registry, out_dir: Path, lang: str, year: int | None = None,
                 analysis: Analysis | None = None, fmt: str = "html", min_base: int | None = None) -> Path:
    """Write `out_dir/report.html` (or `.pdf`, `.xlsx`: the same sections) and return its path."""
    from wijkloket import report

    render = {"html": report.write_report, "pdf": report.write_pdf, "xlsx": report.write_workbook}[fmt]
    an = analysis or Analysis(ws, registry)
    return render(report_data(an, lang, year, min_base), out_dir)
