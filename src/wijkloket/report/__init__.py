"""Rendering only: neutral blocks (`blocks`), the sections made of them (`sections`), and renderers: the
HTML report, Excel, CSV, GeoPackage, maps, charts. No computation."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wijkloket.report.context import ReportData


def write_report(data: ReportData, out_dir: Path) -> Path:
    """Build every section from `data` and write `out_dir/report.html`; returns its path.

    Imported lazily so that `wijkloket.report.exports` does not pull in matplotlib and the templates."""
    from wijkloket.report.html import render_html
    from wijkloket.report.sections import build

    return render_html(build(data), data, out_dir)
