"""The PDF renderer: the same sections of blocks as the HTML report, laid out for print with WeasyPrint.

A4 with a title page, a table of contents with page numbers, a running header (the report's title, which
names the municipality) and "pagina N van M" in the footer. The blocks are written by the HTML
renderer's own macros (`templates/blocks.html.j2`), so both formats show the same texts and figures;
`templates/print.html.j2` arranges them and `templates/print.css` lays them out (paged media, CSS GCPM).
A table too wide for a portrait page gets a landscape page of its own (`@page wide`), with the heading and
text just before it and the note just after it. Images are data URIs, so nothing is fetched. WeasyPrint
writes `/Lang` and the title from `<html lang>` and `<title>`, and with `pdf_tags` the alternative texts of
the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from wijkloket.i18n import t
from wijkloket.report.blocks import Block, Paragraph, Section, Table
from wijkloket.report.context import ReportData
from wijkloket.report.formatting import NUMERIC_KINDS, cell_text
from wijkloket.report.html import FigureRow, layout, page

if TYPE_CHECKING:
    from weasyprint import Document

# How many characters of table text (7.5pt DejaVu Sans, about 1.5 mm a character, with each cell's
# padding counted as two) fit across the content width of a portrait A4 page (210 - 2 x 16 mm).
PORTRAIT_CHARS = 115
# A text cell or a note may wrap: it asks for this many characters at most before it wraps.
WRAP_CHARS = {"cell": 20, "note": 14}


def page_css(lang: str) -> str:
    """The footer's "pagina N van M" in `lang` as a CSS rule (the only text the stylesheet shows)."""
    before, between = t("report.page_before", lang), t("report.page_between", lang)
    return (f'@page {{ @bottom-right {{ content: "{before}" counter(page) "{between}" counter(pages); }} }}\n'
            '@page title { @bottom-right { content: none; } }\n')


def _longest_word(text: str) -> int:
    return max((len(w) for w in text.split()), default=0)


def table_chars(table: Table, lang: str) -> int:
    """The width a table asks for, in characters: per column the widest of its head's longest word, its
    figures (never broken) and its texts and notes up to `WRAP_CHARS`, plus two for the padding."""
    total = 0
    for i, column in enumerate(table.columns):
        need = _longest_word(f"{column.label} {column.unit}")
        for row in table.rows:
            cell = row.cells[i]
            text = cell_text(cell, column, lang)
            wraps = column.kind not in NUMERIC_KINDS and " " in text
            need = max(need, min(len(text), WRAP_CHARS["cell"]) if wraps else len(text),
                       min(len(cell.note), WRAP_CHARS["note"]), _longest_word(cell.note))
        total += need + 2
    return total


def is_wide(table: Table, lang: str) -> bool:
    """Whether `table` needs a landscape page to keep its columns readable."""
    return table_chars(table, lang) > PORTRAIT_CHARS


@dataclass(frozen=True)
class Run:
    """Consecutive blocks of a section that share a page orientation."""

    blocks: tuple[Block | FigureRow, ...]
    landscape: bool = False


def _leads_in(x: Block | FigureRow) -> bool:
    return x.kind == "heading" or (isinstance(x, Paragraph) and x.style == "normal")


def _follows(x: Block | FigureRow) -> bool:
    return x.kind == "note" or (isinstance(x, Paragraph) and x.style in ("legend", "caveat"))


def runs(section: Section, lang: str) -> list[Run]:
    """The section's blocks (`html.layout`) cut into portrait and landscape runs: each wide table with
    the headings and plain paragraphs just before it and the notes and legends just after it."""
    blocks = layout(section.blocks)
    wide = [i for i, x in enumerate(blocks) if isinstance(x, Table) and is_wide(x, lang)]
    spans: list[tuple[int, int]] = []
    for i in wide:
        start, stop = i, i + 1
        floor = spans[-1][1] if spans else 0
        while start > floor and _leads_in(blocks[start - 1]):
            start -= 1
        while stop < len(blocks) and _follows(blocks[stop]):
            stop += 1
        spans.append((start, stop))
    out: list[Run] = []
    at = 0
    for start, stop in spans:
        if start > at:
            out.append(Run(tuple(blocks[at:start])))
        out.append(Run(tuple(blocks[start:stop]), landscape=True))
        at = stop
    if at < len(blocks) or not out:
        out.append(Run(tuple(blocks[at:])))
    return out


def print_document(sections: Sequence[Section], data: ReportData) -> str:
    """The report as one HTML document for print (title page, contents, sections)."""
    return page(sections, data, "print.html.j2", runs=lambda s: runs(s, data.lang))


def render_document(sections: Sequence[Section], data: ReportData) -> Document:
    """The report laid out in pages by WeasyPrint (its `Document`: pages and their boxes)."""
    from weasyprint import CSS, HTML  # imported here: WeasyPrint loads Pango, which other formats do not need

    css = resources.files("wijkloket.report").joinpath("templates/print.css").read_text("utf-8")
    return HTML(string=print_document(sections, data)).render(
        stylesheets=[CSS(string=css + page_css(data.lang))], pdf_tags=True)


def render_pdf(sections: Sequence[Section], data: ReportData, out_dir: Path) -> Path:
    """Write `report.pdf` (A4, a landscape page for each wide table) into `out_dir` and return its path."""
    from wijkloket.report.exports import writing

    writing(out_dir, folder=True)  # a file in the way, no permission: a user error naming the folder
    path = out_dir / "report.pdf"
    render_document(sections, data).write_pdf(path, pdf_tags=True)
    return path
