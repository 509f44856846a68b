"""The PDF renderer: the same sections of blocks as the HTML report, laid out for print with WeasyPrint.

A4 with a title page, a table of contents with page numbers, a running header (the report's title, which
names the municipality) and "pagina N van M" in the footer. The blocks are written by the HTML
renderer's own macros (`templates/blocks.html.j2`), so both formats show the same texts and figures;
`templates/print.html.j2` arranges them and `templates/print.css` lays them out (paged media, CSS GCPM).
Images are data URIs, so nothing is fetched. WeasyPrint writes `/Lang` and the title from `<html lang>`
and `<title>`, and with `pdf_tags` the alternative texts of the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from wijkloket.i18n import t
from wijkloket.report.blocks import Section
from wijkloket.report.context import ReportData
from wijkloket.report.html import page


# The footer's page label, per language; the counters are CSS (`counter(page)`, `counter(pages)`).
# Kept here, not in i18n/report.toml, only until the catalogue gains a key for it.
def page_css(lang: str) -> str:
    """The footer's "pagina N van M" in `lang` as a CSS rule (the only text the stylesheet shows)."""
    before, between = t("report.page_before", lang), t("report.page_between", lang)
    return (f'@page {{ @bottom-right {{ content: "{before}" counter(page) "{between}" counter(pages); }} }}\n'
            '@page title { @bottom-right { content: none; } }\n')


def print_document(sections: Sequence[Section], data: ReportData) -> str:
    """The report as one HTML document for print (title page, contents, sections)."""
    return page(sections, data, "print.html.j2")


def render_pdf(sections: Sequence[Section], data: ReportData, out_dir: Path) -> Path:
    """Write `report.pdf` (A4) into `out_dir` and return its path."""
    from weasyprint import CSS, HTML  # imported here: WeasyPrint loads Pango, which other formats do not need

    css = resources.files("wijkloket.report").joinpath("templates/print.css").read_text("utf-8")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "report.pdf"
    HTML(string=print_document(sections, data)).write_pdf(
        path, stylesheets=[CSS(string=css + page_css(data.lang))], pdf_tags=True)
    return path
