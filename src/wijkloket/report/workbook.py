"""The Excel renderer: sections of blocks become one `report.xlsx` (xlsxwriter), Dutch by default.

One sheet per report table, then "Bronnen" (the sources table), "Aannames" (the assumptions of the
options) and "Toelichting" (the texts of every section, in order). Figures stay raw, unrounded numbers
with a number format that shows them as the report does; suppressed cells are the text `x` with a
comment saying what `x` means. Every text from the inputs is written with `write_string` and the
workbook does not turn strings into formulas, numbers or links, so `=HYPERLINK(...)` in an area name
stays text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from wijkloket.errors import InputFileError
from wijkloket.i18n import t
from wijkloket.report.blocks import (
    BulletList,
    Cell,
    Column,
    Figure,
    Heading,
    Note,
    Paragraph,
    Section,
    Table,
    Term,
    Tone,
)
from wijkloket.report.context import ReportData
from wijkloket.report.formatting import DEFAULT_DECIMALS, SUPPRESSED, cell_text

SHEET_NAME_MAX = 31
FORBIDDEN_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
TONE_COLOURS: dict[Tone, str] = {"hi2": "#f4a582", "hi1": "#fddbc7", "lo1": "#d1e5f0", "lo2": "#92c5de"}
"""The report's index colours (the HTML stylesheet)."""
MAX_WIDTH = 60
HEADER_WIDTH = 24
SOURCES_SECTION = "bronnen"
OPTIONS_SECTION = "opties"
DISTRICT_SECTION = "stadsdelen"

# Texts only the workbook shows; kept here until they move into the report catalogue (report.toml).


def _text(key: str, lang: str) -> str:
    return t(f"workbook.{key}", lang)


def sheet_name(title: str, taken: set[str]) -> str:
    """`title` as a valid, unused sheet name: Excel's forbidden characters (`[]:*?/\\`) become `-`, no
    leading or trailing apostrophe, at most 31 characters, unique without regard to case (as Excel
    compares them); `taken` holds the used names in lower case and gets the new one."""
    name = FORBIDDEN_IN_SHEET_NAME.sub("-", title).strip().strip("'").strip() or "Blad"
    if name.lower() == "history":  # reserved by Excel
        name += " (1)"
    base, n = name[:SHEET_NAME_MAX].rstrip(), 1
    name = base
    while name.lower() in taken:
        n += 1
        suffix = f" ({n})"
        name = base[:SHEET_NAME_MAX - len(suffix)].rstrip() + suffix
    taken.add(name.lower())
    return name


def header_text(column: Column) -> str:
    """A column's header: its group, label and unit, e.g. `Rijen: aanvaard` or `65-plussers (%)`."""
    label = f"{column.group}: {column.label}" if column.group else column.label
    return f"{label} ({column.unit})" if column.unit else label


def number_format(column: Column) -> str | None:
    """The Excel number format that shows a column's raw values as the report does (None for text):
    `#,##0` for counts, `0.0` for percentages, `"€ "#,##0` for money, `0` for years."""
    if column.kind == "year":
        return "0"
    if column.kind not in DEFAULT_DECIMALS:
        return None
    decimals = column.decimals if column.decimals is not None else DEFAULT_DECIMALS[column.kind]
    fraction = "." + "0" * decimals if decimals > 0 else ""
    if column.kind == "percent":
        return "0" + fraction
    if column.kind == "money":
        return '"€ "#,##0' + fraction
    return "#,##0" + fraction


class _Formats:
    """xlsxwriter formats, made once per combination (a workbook caps the number of formats)."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.book = book
        self.cache: dict[tuple[Any, ...], Format] = {}

    def get(self, num_format: str | None = None, tone: Tone | None = None, bold: bool = False,
            wrap: bool = False, italic: bool = False, colour: str | None = None) -> Format:
        key = (num_format, tone, bold, wrap, italic, colour)
        if key not in self.cache:
            props: dict[str, Any] = {"valign": "top"}
            if num_format:
                props["num_format"] = num_format
            if tone:
                props["bg_color"] = TONE_COLOURS[tone]
            if bold:
                props["bold"] = True
            if wrap:
                props["text_wrap"] = True
            if italic:
                props["italic"] = True
            if colour:
                props["font_color"] = colour
            self.cache[key] = self.book.add_format(props)
        return self.cache[key]


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _comment(cell: Cell, lang: str) -> str:
    parts = [cell.note] if cell.note else []
    if cell.suppressed:
        parts.append(_text("suppressed", lang))
    if cell.flag:
        parts.append(_text("flag", lang))
    return "\n".join(parts)


def write_table(sheet: Worksheet, table: Table, title: str, data: ReportData, fmt: _Formats) -> tuple[int, int]:
    """Write `title`, the synthetic line if any, the header row and the rows of `table` from the top of
    `sheet`; freeze the header, set an autofilter, fit the widths. Returns the rows (first, last) of the
    data in the sheet, 0-based."""
    lang = data.lang
    row = 0
    sheet.write_string(row, 0, title, fmt.get(bold=True))
    row += 1
    if table.synthetic:
        stamp = data.tr("report.synthetic_short").upper()
        sheet.write_string(row, 0, f"{stamp}: {_text('synthetic', lang)}", fmt.get(bold=True, colour="#b2182b"))
        row += 1
    header = row
    # A long header wraps; the values decide the width.
    widths = [min(len(header_text(c)), HEADER_WIDTH) for c in table.columns]
    for j, column in enumerate(table.columns):
        sheet.write_string(header, j, header_text(column), fmt.get(bold=True, wrap=True))
    formats = [number_format(c) for c in table.columns]
    seen = {"suppressed": False, "flag": False, "missing": False}
    for i, r in enumerate(table.rows):
        at = header + 1 + i
        for j, (cell, column) in enumerate(zip(r.cells, table.columns, strict=True)):
            bold = r.emphasis or (table.row_headers and j == 0)
            style = fmt.get(formats[j], cell.tone, bold)
            value = cell.value
            if cell.suppressed:
                sheet.write_string(at, j, SUPPRESSED, fmt.get(None, cell.tone, bold))
            elif value is None or (isinstance(value, float) and value != value):
                sheet.write_blank(at, j, None, style)
                seen["missing"] = True
            elif formats[j] is not None and _is_number(value):
                sheet.write_number(at, j, float(value), style)
            else:
                sheet.write_string(at, j, str(value), fmt.get(None, cell.tone, bold))
            seen["suppressed"] |= cell.suppressed
            seen["flag"] |= cell.flag
            if comment := _comment(cell, lang):
                sheet.write_comment(at, j, comment)
            widths[j] = max(widths[j], len(cell_text(cell, column, lang)) + (2 if cell.flag else 0))
    last = header + len(table.rows)
    sheet.freeze_panes(header + 1, 1 if table.row_headers else 0)
    sheet.autofilter(header, 0, last, len(table.columns) - 1)
    foot = last + 2
    for key in ("suppressed", "flag", "missing"):
        if seen[key]:
            sheet.write_string(foot, 0, _text(key, lang), fmt.get(italic=True))
            foot += 1
    for j, width in enumerate(widths):
        sheet.set_column(j, j, min(width + 2, MAX_WIDTH))
    return header + 1, last


def _table_titles(section: Section) -> list[tuple[str, Table]]:
    """Each table of `section` with its title: the section title, and the heading before the table
    when the section holds more than one."""
    tables = section.of_kind(Table)
    out: list[tuple[str, Table]] = []
    heading = ""
    for block in section.blocks:
        if isinstance(block, Heading):
            heading = block.text
        elif isinstance(block, Table):
            many = len(tables) > 1
            label = heading or str(len(out) + 1)
            out.append((f"{section.title} – {label}" if many else section.title, block))
    return out


def _population_chart(book: xlsxwriter.Workbook, sheet: Worksheet, name: str, table: Table, first: int,
                      last: int) -> None:
    """A bar chart of the districts' population beside the district table (the city total left out)."""
    keys = [c.key for c in table.columns]
    if "population" not in keys:
        return
    districts = [i for i, r in enumerate(table.rows) if not r.emphasis]
    if not districts or districts != list(range(len(districts))):
        return
    col = keys.index("population")
    end = first + len(districts) - 1
    chart = book.add_chart({"type": "bar"})
    chart.add_series({"name": [name, first - 1, col], "categories": [name, first, 0, end, 0],
                      "values": [name, first, col, end, col]})
    chart.set_legend({"none": True})
    chart.set_title({"name": header_text(table.columns[col])})
    sheet.insert_chart(last + 5, 0, chart)


def _assumptions(sections: Sequence[Section]) -> list[Term]:
    """The assumption rows of the options section: its lists made only of terms."""
    for section in sections:
        if section.id == OPTIONS_SECTION:
            for lst in section.of_kind(BulletList):
                if lst.items and all(isinstance(i, Term) for i in lst.items):
                    return [i for i in lst.items if isinstance(i, Term)]
    return []


def _write_assumptions(sheet: Worksheet, sections: Sequence[Section], data: ReportData, fmt: _Formats) -> None:
    lang = data.lang
    terms = _assumptions(sections)
    sheet.write_string(0, 0, _text("assumption", lang), fmt.get(bold=True))
    sheet.write_string(0, 1, _text("assumption_value", lang), fmt.get(bold=True))
    sheet.freeze_panes(1, 0)
    if not terms:
        sheet.write_string(1, 0, _text("no_assumptions", lang), fmt.get(italic=True))
        sheet.set_column(0, 0, len(_text("no_assumptions", lang)) + 2)
        return
    for i, term in enumerate(terms, start=1):
        sheet.write_string(i, 0, term.term)
        sheet.write_string(i, 1, term.text, fmt.get(wrap=True))
    sheet.autofilter(0, 0, len(terms), 1)
    sheet.set_column(0, 0, min(max(len(t.term) for t in terms) + 2, MAX_WIDTH))
    sheet.set_column(1, 1, min(max(len(t.text) for t in terms) + 2, 100))


def _texts(section: Section, lang: str) -> list[tuple[str, bool]]:
    """The section's texts in order, each with whether it is a heading."""
    out: list[tuple[str, bool]] = [(section.title, True)]
    for block in section.blocks:
        if isinstance(block, Heading):
            out.append((block.text, True))
        elif isinstance(block, Paragraph | Note):
            out.append((block.text, False))
        elif isinstance(block, BulletList):
            out += [(f"• {i.term} = {i.text}" if isinstance(i, Term) else f"• {i}", False) for i in block.items]
        elif isinstance(block, Figure) and block.caption:
            out.append((f"{_text('figure', lang)}: {block.caption}", False))
    return out


def _write_notes(sheet: Worksheet, sections: Sequence[Section], data: ReportData, fmt: _Formats) -> None:
    lang = data.lang
    sheet.write_string(0, 0, _text("section", lang), fmt.get(bold=True))
    sheet.write_string(0, 1, _text("text", lang), fmt.get(bold=True))
    sheet.freeze_panes(1, 0)
    row = 0
    for section in sections:
        for text, heading in _texts(section, lang):
            row += 1
            sheet.write_string(row, 0, section.title)
            sheet.write_string(row, 1, text, fmt.get(bold=heading, wrap=True))
    sheet.autofilter(0, 0, max(row, 1), 1)
    sheet.set_column(0, 0, min(max([len(s.title) for s in sections] + [10]) + 2, MAX_WIDTH))
    sheet.set_column(1, 1, 100)


def render_workbook(sections: Sequence[Section], data: ReportData, out_dir: Path) -> Path:
    """Write `report.xlsx` into `out_dir` and return its path: a sheet per report table, then the
    sources, the assumptions and the section texts. Raises `InputFileError` when `out_dir` cannot be
    written."""
    path = out_dir / "report.xlsx"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputFileError("error.output_unwritable", file=str(path), detail=exc.strerror) from None
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False,
                                           "strings_to_urls": False})
    fmt = _Formats(book)
    taken: set[str] = set()
    # The fixed sheets' names first, so that no table takes them.
    fixed = [sheet_name(title, taken) for title in (data.tr("report.sources_title"), data.tr("report.assumptions"),
                                                     _text("notes_sheet", data.lang))]
    sources: tuple[str, Table] | None = None
    for section in sections:
        for title, table in _table_titles(section):
            if section.id == SOURCES_SECTION:
                sources = (title, table)
                continue
            name = sheet_name(title, taken)
            sheet = book.add_worksheet(name)
            first, last = write_table(sheet, table, title, data, fmt)
            if section.id == DISTRICT_SECTION:
                _population_chart(book, sheet, name, table, first, last)
    sheet = book.add_worksheet(fixed[0])
    if sources is not None:
        write_table(sheet, sources[1], sources[0], data, fmt)
    _write_assumptions(book.add_worksheet(fixed[1]), sections, data, fmt)
    _write_notes(book.add_worksheet(fixed[2]), sections, data, fmt)
    try:
        book.close()
    except (FileCreateError, OSError) as exc:
        detail = getattr(exc, "strerror", None) or str(exc)
        raise InputFileError("error.output_unwritable", file=str(path), detail=detail) from None
    return path
