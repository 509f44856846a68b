"""Terminal tables fit `COLUMNS`: no line of a command's output is wider, columns that do not fit are
named in a note that says how to get them, and the municipality's total row is the last row."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from wijkloket.cli import app
from wijkloket.cli.render import Column, TableView, layout, print_table

COMMANDS = [("profile",), ("usage",), ("issuances",), ("access",), ("plan", "options", "--draws", "200"),
            ("plan", "locate"), ("sources",), ("underuse",), ("forecast",)]


def _run(args: tuple[str, ...], columns: int, ws: Path) -> str:
    result = CliRunner().invoke(app, [*args, "-w", str(ws)], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("columns", [60, 80, 200])
@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_no_line_is_wider_than_columns(args: tuple[str, ...], columns: int, demo_ws: Path) -> None:
    text = _run(args, columns, demo_ws)
    widest = max(text.splitlines(), key=len)
    assert len(widest) <= columns, widest


def test_a_narrow_terminal_names_what_it_leaves_out(demo_ws: Path) -> None:
    narrow, wide = _run(("profile",), 60, demo_ws), _run(("profile",), 200, demo_ws)
    assert "Niet getoond" in narrow and "--format csv" in narrow
    assert "Buiten Europa" in " ".join(narrow.split("Niet getoond")[1].split())
    assert "Niet getoond" not in wide


@pytest.mark.parametrize("args", [("profile",), ("usage",), ("access",), ("plan", "locate")], ids=" ".join)
def test_the_total_row_is_last(args: tuple[str, ...], demo_ws: Path) -> None:
    rows = [line for line in _run(args, 200, demo_ws).splitlines() if line.startswith("│")]
    assert rows[-1].split("│")[1].strip() == "Haarlem"


def _console(width: int) -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, width=width), buf


def test_layout_by_hand() -> None:
    # Names of 4 and 9 characters (longest word 5: "Zuid-"... no: "Zuid-West" has no space), figures of 5.
    view = TableView("", [Column("Naam"), Column("A", "right"), Column("B", "right"), Column("C", "right")],
                     [["Oud", "1.000", "2.000", "3.000"], ["Zuid-West", "10", "20", "30"]], total_row=0)
    console, buf = _console(40)
    # Natural: 9 + 5 + 5 + 5 = 24 plus 3 per column and 1 = 37 <= 40: Rich sizes it.
    assert layout(view, 40, console) == [None] * 4
    # At 30: least widths 9, 5, 5, 5; three columns need 9+5+5 + 3*3 + 1 = 29 <= 30, four need 37.
    assert layout(view, 30, console) == [9, 5, 5]
    print_table(view, _console(30)[0])
    console, buf = _console(30)
    print_table(view, console)
    lines = buf.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 30
    body = [line for line in lines if line.startswith("│")]
    assert body[-1].split("│")[1].strip() == "Oud"  # the total moved last
    assert "C" in buf.getvalue().split("Niet getoond")[1]
