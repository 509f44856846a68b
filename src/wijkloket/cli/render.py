"""The one renderer for terminal tables.

A command describes its table neutrally (a title, columns with their alignment, rows of formatted
strings, which row is the total) and `print_table` draws it with Rich. Every text is put in a
`rich.text.Text` with its control characters made visible (`cli.common.literal`), so a name or value from
the data is shown literally, never read as Rich markup or obeyed as a terminal escape sequence.

Every table fits the console's width (the terminal, or `COLUMNS`): names wrap, figures never do, and
when the figures do not fit side by side the trailing columns are left out with a note that names them
and says how to get them. The total row (the municipality) is always the last row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from wijkloket.cli.common import literal, out, visible
from wijkloket.i18n import t

Align = Literal["left", "right"]
# How a value compares with the city, in the direction of more potential barriers (see the profile legend).
Tone = Literal["", "worse", "much_worse", "better", "much_better"]
TONE_STYLES: dict[str, str] = {"": "", "worse": "red", "much_worse": "bold red", "better": "blue",
                               "much_better": "bold blue"}


@dataclass(frozen=True)
class Column:
    header: str = ""
    align: Align = "left"
    strong: bool = False  # a column of labels, shown bold


@dataclass(frozen=True)
class Cell:
    """A cell with more than its text: a tone (shown in colour) and a dimmed second line."""

    text: str
    tone: Tone = ""
    detail: str = ""


@dataclass(frozen=True)
class TableView:
    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[str | Cell]]
    total_row: int | None = None  # index in `rows` of the total (the gemeente), shown bold and last
    show_header: bool = True
    lang: str = "nl"  # of the note on left-out columns


def _text(cell: str | Cell) -> Text:
    if isinstance(cell, str):
        return literal(cell)
    text = literal(cell.text, style=TONE_STYLES[cell.tone])
    if cell.detail:
        text.append("\n" + visible(cell.detail), style="dim")
    return text


def _measure(console: Console, view: TableView, j: int) -> tuple[int, int]:
    """The (least, natural) width of column `j`: the least is its longest figure (figures never wrap)
    or, for a column of names, its longest word, and at least the longest word of its header; the
    natural width shows every line unwrapped."""
    col = view.columns[j]
    texts = [_text(r[j]) for r in view.rows] + ([literal(col.header)] if view.show_header else [])
    sizes = [Measurement.get(console, console.options, x) for x in texts]
    body = sizes[:len(view.rows)]
    least = max((m.maximum if col.align == "right" else m.minimum for m in body), default=0)
    if view.show_header:
        least = max(least, sizes[-1].minimum)
    return least, max((m.maximum for m in sizes), default=0)


def layout(view: TableView, width: int, console: Console) -> list[int | None]:
    """The content width of each column that is shown, None to let Rich size it: as many leading
    columns as fit in `width` (at least two; the second folds its words if even they do not fit) at
    their least width, each with three characters of padding and rule and the table one more; the room
    left goes to the columns that would wrap, one character at a time."""
    sizes = [_measure(console, view, j) for j in range(len(view.columns))]
    if sum(n for _, n in sizes) + 3 * len(sizes) + 1 <= width:
        return [None] * len(sizes)
    n = len(sizes)
    while n > 2 and sum(least for least, _ in sizes[:n]) + 3 * n + 1 > width:
        n -= 1
    widths = [least for least, _ in sizes[:n]]
    room = width - (sum(widths) + 3 * n + 1)
    if room < 0:  # even two columns do not fit: the last one folds its long words (a file name, a hash)
        widths[-1] = max(8, widths[-1] + room)
    while room > 0 and any(w < nat for w, (_, nat) in zip(widths, sizes, strict=False)):
        for j, (_, natural) in enumerate(sizes[:n]):
            if room > 0 and widths[j] < natural:
                widths[j] += 1
                room -= 1
    return list(widths)


def _ordered(view: TableView) -> tuple[list[Sequence[str | Cell]], int | None]:
    """The rows with the total moved to the end."""
    rows = list(view.rows)
    if view.total_row is None:
        return rows, None
    total = rows.pop(view.total_row)
    return [*rows, total], len(rows)


def print_table(view: TableView, console: Console | None = None) -> None:
    """Print the title (bold, wrapped, never cut off) and the table on `console` (default: standard
    output), as many columns as fit its width, the total row last."""
    console = console or out()
    if view.title:
        console.print(literal(view.title, style="bold", overflow="fold"))
    widths = layout(view, console.width, console)
    n = len(widths)
    rows, total_row = _ordered(view)
    table = Table(show_header=view.show_header)
    for col, width in zip(view.columns, widths, strict=False):
        table.add_column(literal(col.header), justify=col.align, style="bold" if col.strong else None, width=width,
                         overflow="fold")
    for i, row in enumerate(rows):
        table.add_row(*(_text(c) for c in row[:n]), style="bold" if i == total_row else None)
    console.print(table)
    if n < len(view.columns):
        dropped = ", ".join(" ".join(c.header.split()) for c in view.columns[n:])
        console.print(literal(t("terminal.dropped", view.lang, width=console.width, columns=dropped), overflow="fold"))
