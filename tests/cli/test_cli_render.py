"""The table renderer shows every text literally and marks the total row and the tones."""

from __future__ import annotations

import io

from rich.console import Console

from wijkloket.cli.render import Cell, Column, TableView, print_table

MARKUP = ("[/]", "[bold]x", "[red]n", "[i]y", "[dim]z", "[bold]Titel[/]", "[link=x]l")


def _render(view: TableView, **console: object) -> str:
    out = io.StringIO()
    print_table(view, Console(file=out, width=160, **console))  # type: ignore[arg-type]
    return out.getvalue()


VIEW = TableView(
    "[bold]Titel[/]",
    [Column("[red]n"), Column("[/]", "right")],
    [["[/]", "[bold]x"], [Cell("[i]y", tone="worse", detail="[dim]z"), "[link=x]l"], ["Haarlem", "1"]],
    total_row=2,
)


def test_markup_in_cells_titles_and_headers_is_literal() -> None:
    text = _render(VIEW)
    for s in MARKUP:
        assert s in text, s


def test_total_row_is_bold_and_tones_are_coloured() -> None:
    text = _render(VIEW, force_terminal=True, color_system="standard")
    total = next(line for line in text.splitlines() if "Haarlem" in line)
    assert "\x1b[1m" in total
    worse = next(line for line in text.splitlines() if "[i]y" in line)
    assert "\x1b[31m" in worse  # red
    assert "\x1b[2" in next(line for line in text.splitlines() if "[dim]z" in line)  # dim detail line


def test_without_header_and_alignment() -> None:
    text = _render(TableView("", [Column(strong=True), Column("", "right")], [["label", "1"], ["l", "12345"]],
                             show_header=False))
    lines = [line for line in text.splitlines() if "label" in line or "12345" in line]
    assert lines[0].index("1 ") > lines[0].index("label")
    assert lines[0].rindex("1") == lines[1].rindex("5")  # right-aligned
