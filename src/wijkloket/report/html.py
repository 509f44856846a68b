"""The HTML renderer: sections of blocks become one self-contained `report.html` (no external files,
images inline), Dutch by default. Everything from the inputs is escaped by Jinja's autoescape.

The page says which sections rest on synthetic data, not that the whole report does. Build the sections
with `wijkloket.report.sections.build`, or call `wijkloket.report.write_report` for both steps.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from jinja2 import Environment, PackageLoader

from wijkloket.i18n import fmt_number
from wijkloket.report.blocks import Block, Cell, Column, Figure, Section, Table
from wijkloket.report.context import ReportData
from wijkloket.report.formatting import cell_text

PARAGRAPH_CLASSES = {"normal": "", "caveat": "caveat", "legend": "legend", "synthetic_notice": "synthetic"}


@dataclass(frozen=True)
class FigureRow:
    """Figures that sit side by side (a grid); a renderer's layout, not a block."""

    figures: tuple[Figure, ...]
    kind: ClassVar[str] = "figures"


@dataclass(frozen=True)
class HeaderCell:
    label: str
    unit: str = ""
    colspan: int = 1
    rowspan: int = 1
    text: bool = False


def layout(blocks: Sequence[Block]) -> list[Block | FigureRow]:
    """The blocks in order, with each run of figures that are not wide gathered into one row."""
    out: list[Block | FigureRow] = []
    for block in blocks:
        if isinstance(block, Figure) and not block.wide:
            last = out[-1] if out else None
            if isinstance(last, FigureRow):
                out[-1] = FigureRow((*last.figures, block))
            else:
                out.append(FigureRow((block,)))
        else:
            out.append(block)
    return out


def header_rows(table: Table) -> list[list[HeaderCell]]:
    """The table head: one row, or two when columns are grouped (the group spans its columns, the
    ungrouped columns span both rows)."""
    def own(c: Column, rowspan: int = 1) -> HeaderCell:
        return HeaderCell(c.label, c.unit, rowspan=rowspan, text=c.kind in ("text", "code"))

    if not any(c.group for c in table.columns):
        return [[own(c) for c in table.columns]]
    top: list[HeaderCell] = []
    below: list[HeaderCell] = []
    previous = ""
    for c in table.columns:
        if not c.group:
            top.append(own(c, rowspan=2))
        elif c.group == previous:
            top[-1] = HeaderCell(c.group, colspan=top[-1].colspan + 1)
        else:
            top.append(HeaderCell(c.group))
        if c.group:
            below.append(own(c))
        previous = c.group
    return [top, below]


def cell_class(cell: Cell, column: Column) -> str:
    """CSS classes of a cell: its tone, `muted` (greyed), and `text` for columns read as text (aligned left)."""
    return " ".join(c for c in (cell.tone or "", "muted" if cell.muted else "",
                                "text" if column.kind in ("text", "code") else "") if c)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("wijkloket.report", "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.globals.update(layout=layout, header_rows=header_rows, cell_class=cell_class, zip=zip,
                       paragraph_classes=PARAGRAPH_CLASSES)
    env.filters["b64"] = lambda data: base64.b64encode(data).decode("ascii")
    return env


def page(sections: Sequence[Section], data: ReportData, template: str = "report.html.j2", **extra: Any) -> str:
    """The report as one HTML document: for the screen (`report.html.j2`) or for print (`print.html.j2`,
    which also takes the pdf renderer's `runs`)."""
    return _environment().get_template(template).render(
        **extra, lang=data.lang, sections=sections, synthetic_sections=[s for s in sections if s.synthetic],
        tr=data.tr, cell_text=lambda cell, column: cell_text(cell, column, data.lang),
        format_index=lambda value: fmt_number(value, data.lang, 0),
        gemeente=data.profile.gemeente_name, code=data.profile.gemeente, year=data.year,
        today=date.today().isoformat(),
    )


def render_html(sections: Sequence[Section], data: ReportData, out_dir: Path) -> Path:
    """Write `report.html` into `out_dir` and return its path."""
    from wijkloket.report.exports import writing

    writing(out_dir, folder=True)  # a file in the way, no permission: a user error naming the folder
    path = out_dir / "report.html"
    path.write_text(page(sections, data), "utf-8")
    return path

