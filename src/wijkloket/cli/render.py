"""The one renderer for terminal tables.

A command describes its table neutrally (a title, columns with their alignment, rows of formatted
strings, which row is the total) and `print_table` draws it with Rich. Every text is put in a
`rich.text.Text`, so a name or value from the data is shown literally, never read as Rich markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.console import Console
from rich.table import Table
from rich.text import Text

from wijkloket.cli.common import out

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
    total_row: int | None = None  # index in `rows` of the total (the gemeente), shown bold
    show_header: bool = True


def _text(cell: str | Cell) -> Text:
    if isinstance(cell, str):
        return Text(cell)
    text = Text(cell.text, style=TONE_STYLES[cell.tone])
    if cell.detail:
        text.append("\n" + cell.detail, style="dim")
    return text


def print_table(view: TableView, console: Console | None = None) -> None:
    """Print the title (bold, never cut off) and the table on `console` (default: standard output)."""
    console = console or out()
    if view.title:
        console.print(Text(view.title, style="bold"), soft_wrap=True)
    table = Table(show_header=view.show_header)
    for col in view.columns:
        table.add_column(Text(col.header), justify=col.align, style="bold" if col.strong else None)
    for i, row in enumerate(view.rows):
        table.add_row(*(_text(c) for c in row), style="bold" if i == view.total_row else None)
    console.print(table)
