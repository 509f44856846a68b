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


def write_pdf(data: ReportData, out_dir: Path) -> Path:
    """Build every section from `data` and write `out_dir/report.pdf` (A4, WeasyPrint); returns its path."""
    from wijkloket.report.pdf import render_pdf
    from wijkloket.report.sections import build

    return render_pdf(build(data), data, out_dir)


def write_workbook(data: ReportData, out_dir: Path) -> Path:
    """Build every section from `data` and write `out_dir/report.xlsx`; returns its path."""
    from wijkloket.report.sections import build
    from wijkloket.report.workbook import render_workbook

    return render_workbook(build(data), data, out_dir)
