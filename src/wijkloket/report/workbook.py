"""The Excel renderer: sections of blocks become one `report.xlsx` (xlsxwriter), Dutch by default.

One sheet per report table, then "Bronnen" (the sources table), "Aannames" (the assumptions of the
options) and "Toelichting" (the texts of every section, in order). Figures stay raw, unrounded numbers
with a number format that shows them as the report does; suppressed cells are the text `x` with a
comment saying what `x` means. Every text from the inputs is written with `write_string` and the
workbook does not turn strings into formulas, numbers or links, so `=HYPERLINK(...)` in an area name
stays text.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from wijkloket.i18n import t
from wijkloket.report.blocks import (
    BulletList,
    Cell,
    Column,
    Figure,
    Heading,
    Note,
    Paragraph,
    Row,
    Section,
    Table,
    Term,
    Tone,
    indexed_cell,
)
from wijkloket.report.context import ReportData
from wijkloket.report.formatting import DEFAULT_DECIMALS, cell_text

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


MUTED = "#5b6673"  # greyed cells (a survey estimate that is not reliable), as in the report


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


def write_table(sheet: Worksheet, table: Table, title: str, lang: str, fmt: _Formats) -> tuple[int, int]:
    """Write `title`, the synthetic line if any, the header row and the rows of `table` from the top of
    `sheet`; freeze the header, set an autofilter, fit the widths. Returns the rows (first, last) of the
    data in the sheet, 0-based."""
    row = 0
    sheet.write_string(row, 0, title, fmt.get(bold=True))
    row += 1
    if table.synthetic:
        stamp = t("report.synthetic_short", lang).upper()
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
            style = fmt.get(formats[j], cell.tone, bold, italic=cell.muted, colour=MUTED if cell.muted else None)
            value = cell.value
            if cell.suppressed or cell.not_applicable:
                sheet.write_string(at, j, cell_text(cell, column, lang), fmt.get(None, cell.tone, bold))
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


@dataclass(frozen=True)
class Chart:
    """A native Excel chart of a sheet's table: one series per column in `keys`, the first column as
    categories, over the table's rows but the city total (which would dwarf the areas)."""

    kind: Literal["bar", "column", "line"]
    keys: tuple[str, ...]
    title: str = ""


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: its title (above the table), the table, a chart of it if any, and the
    sheet's name (made valid; default the title)."""

    title: str
    table: Table
    chart: Chart | None = None
    name: str = ""


DESK_SECTIONS = {"baliegebruik": "visit", "verstrekkingen": "issuance"}
CHARTS = {DISTRICT_SECTION: Chart("bar", ("population",)), "baliegebruik": Chart("bar", ("visits_per_1000",)),
          "verstrekkingen": Chart("bar", ("issuances_per_1000",)), OPTIONS_SECTION: Chart("bar", ("annual_cost",))}
"""The native chart beside each report table that has a chart in the report (the district table's
population, the desk tables' rates as in their maps, the options' cost)."""


def add_chart(book: xlsxwriter.Workbook, sheet: Worksheet, name: str, table: Table, first: int, last: int,
              spec: Chart) -> bool:
    """Insert the chart `spec` of `table` (written in `sheet` `name`, data rows `first`..`last`) below the
    table; False when there is nothing to draw (no such column, no rows besides the total)."""
    keys = [c.key for c in table.columns]
    cols = [keys.index(k) for k in spec.keys if k in keys]
    body = [i for i, r in enumerate(table.rows) if not r.emphasis]
    if not cols or not body or body != list(range(body[0], body[-1] + 1)):
        return False
    start, end = first + body[0], first + body[-1]
    chart = book.add_chart({"type": spec.kind})
    for col in cols:
        chart.add_series({"name": [name, first - 1, col], "categories": [name, start, 0, end, 0],
                          "values": [name, start, col, end, col]})
    if len(cols) == 1:
        chart.set_legend({"none": True})
    chart.set_title({"name": spec.title or header_text(table.columns[cols[0]])})
    if spec.kind == "bar":  # Excel draws bars bottom-up; keep the table's order
        chart.set_y_axis({"reverse": True})
    chart.set_size({"width": 640, "height": max(288, 24 * len(body) + 96) if spec.kind == "bar" else 320})
    sheet.insert_chart(last + 5, 0, chart)
    return True


def trend_table(res: Any, lang: str) -> Table:
    """The city's counts per year and product of a desk result (what the report's trend chart shows)."""
    noun = "visits" if res.kind == "visit" else "issuances"
    t_ = res.table
    city = t_[(t_["level"] == "gemeente") & (t_["indicator"] == noun) & t_["age_band"].isna()
              & ~t_["product"].isin(["top", "all"])]
    products = list(dict.fromkeys(city["product"]))
    columns = (Column("year", t("export.year", lang), "year"),
               *(Column(p, t("product." + p, lang), "count") for p in products))
    rows = []
    for year, grp in city.groupby("year", sort=True):
        by = grp.set_index("product")
        rows.append(Row((Cell(int(year)), *(indexed_cell(by, p) for p in products))))
    return Table(columns, tuple(rows), synthetic=bool(res.synthetic))


def _write_trend(book: xlsxwriter.Workbook, fmt: _Formats, taken: set[str], title: str, res: Any, lang: str) -> None:
    """A sheet with the city's counts per year and product and their line chart (the report's trend)."""
    table = trend_table(res, lang)
    if not table.rows:
        return
    name = sheet_name(title, taken)
    sheet = book.add_worksheet(name)
    first, last = write_table(sheet, table, title, lang, fmt)
    add_chart(book, sheet, name, table, first, last, Chart("line", tuple(c.key for c in table.columns[1:]), title))


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


XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
"""xlsxwriter's options for every workbook wijkloket writes: a string stays a text cell, whatever it starts
with (`=HYPERLINK(...)`, `+31`, `-3`, `@`), never a formula, number or link (OWASP, CSV injection)."""


def _open(path: Path) -> xlsxwriter.Workbook:
    """A workbook that never turns a string into a formula, number or link, its folder checked and made
    (`report.exports.writing`). It is built in memory and written by `_close`."""
    from wijkloket.report.exports import writing

    writing(path)
    return xlsxwriter.Workbook(io.BytesIO(), XLSX_OPTIONS)


def _close(book: xlsxwriter.Workbook, path: Path) -> None:
    """Write the workbook to `path` in one go; an OSError (disk full, no permission) goes to the guard with
    its file named. (Zipped in memory first: a zip file left open by a failed write would print the
    interpreter's traceback when it is collected.)"""
    book.close()
    path.write_bytes(book.filename.getvalue())


def render_workbook(sections: Sequence[Section], data: ReportData, out_dir: Path) -> Path:
    """Write `report.xlsx` into `out_dir` and return its path: a sheet per report table, then the
    sources, the assumptions and the section texts. Raises `InputFileError` when `out_dir` cannot be
    written (`report.exports.check_output`)."""
    path = out_dir / "report.xlsx"
    book = _open(path)
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
            first, last = write_table(sheet, table, title, data.lang, fmt)
            if section.id in CHARTS:
                add_chart(book, sheet, name, table, first, last, CHARTS[section.id])
        desk = data.desk.get(DESK_SECTIONS.get(section.id, ""))
        if desk is not None:
            _write_trend(book, fmt, taken, f"{section.title} – {t('export.trend', data.lang)}", desk, data.lang)
    sheet = book.add_worksheet(fixed[0])
    if sources is not None:
        write_table(sheet, sources[1], sources[0], data.lang, fmt)
    _write_assumptions(book.add_worksheet(fixed[1]), sections, data, fmt)
    _write_notes(book.add_worksheet(fixed[2]), sections, data, fmt)
    _close(book, path)
    return path


def write_book(path: Path, sheets: Sequence[Sheet], notes: Sequence[tuple[str, str]], lang: str) -> Path:
    """A workbook for people from a command's result, formatted as the report's (headers with units,
    number formats on raw values, `x` with a note, frozen header, filter, widths, charts): a sheet per
    table, then "Toelichting" with `notes` as (subject, text) rows: what the sheets show, their sources
    and year, and which rest on synthetic data. Returns `path`."""
    book = _open(path)
    fmt = _Formats(book)
    taken: set[str] = set()
    notes_name = sheet_name(_text("notes_sheet", lang), taken)
    for spec in sheets:
        name = sheet_name(spec.name or spec.title, taken)
        sheet = book.add_worksheet(name)
        first, last = write_table(sheet, spec.table, spec.title, lang, fmt)
        if spec.chart is not None:
            add_chart(book, sheet, name, spec.table, first, last, spec.chart)
    sheet = book.add_worksheet(notes_name)
    sheet.write_string(0, 0, t("export.subject", lang), fmt.get(bold=True))
    sheet.write_string(0, 1, _text("text", lang), fmt.get(bold=True))
    sheet.freeze_panes(1, 0)
    for i, (subject, text) in enumerate(notes, start=1):
        sheet.write_string(i, 0, subject, fmt.get(bold=True))
        sheet.write_string(i, 1, text, fmt.get(wrap=True))
    sheet.autofilter(0, 0, max(len(notes), 1), 1)
    sheet.set_column(0, 0, min(max([len(s) for s, _ in notes] + [12]) + 2, MAX_WIDTH))
    sheet.set_column(1, 1, 100)
    _close(book, path)
    return path
