"""Every `--format` that a command's `--help` lists works on the demo workspace: the file it writes is
readable by an independent reader (csv by pandas, xlsx by openpyxl, gpkg by pyogrio, html/pdf by their
magic), and `table` prints. The formats are read from the help text itself, so help and code agree."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from wijkloket.i18n import t

Cli = Callable[..., tuple[int, str, str]]
COMMANDS = {"profile": ("profile",), "usage": ("usage",), "issuances": ("issuances",), "access": ("access",),
            "plan_options": ("plan", "options", "--draws", "200"), "plan_locate": ("plan", "locate"),
            "underuse": ("underuse",), "forecast": ("forecast",), "sources": ("sources",),
            "report": ("report",)}


def help_formats(key: str, lang: str = "nl") -> list[str]:
    """The formats the help line of `key` lists ('table, csv, xlsx of gpkg.' -> four)."""
    own = f"cli.help.{key}.format"
    try:
        text = t(own, lang)
    except KeyError:
        text = t("cli.help.option.format", lang)
    words = re.split(r",\s*|\s+of\s+|\s+or\s+", re.sub(r"\([^)]*\)", "", text).strip().rstrip("."))
    return [w.split()[0] for w in words if w.strip()]


CASES = [(key, fmt) for key in COMMANDS for fmt in help_formats(key)]


def test_the_help_lists_what_the_code_knows() -> None:
    assert help_formats("profile") == ["table", "csv", "xlsx", "gpkg"]
    assert help_formats("plan_locate") == ["table", "csv", "xlsx", "gpkg"]
    assert help_formats("plan_options") == ["table", "csv", "xlsx"]
    assert help_formats("report") == ["html", "pdf", "xlsx"]
    assert help_formats("plan_locate", "en") == help_formats("plan_locate")


def _check(fmt: str, path: Path) -> None:
    if fmt == "csv":
        assert len(pd.read_csv(path)) > 0
    elif fmt == "xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path)
        assert book.sheetnames and book[book.sheetnames[0]].max_row > 1
    elif fmt == "gpkg":
        import pyogrio

        layers = pyogrio.list_layers(path)
        assert len(layers) > 0
        assert pyogrio.read_info(path, layer=str(layers[0][0]))["features"] > 0
    elif fmt == "html":
        assert "<html" in path.read_text("utf-8")[:500].lower()
    elif fmt == "pdf":
        assert path.read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize(("key", "fmt"), CASES)
def test_every_listed_format_works(key: str, fmt: str, demo_ws: Path, cli: Cli, tmp_path: Path) -> None:
    args = COMMANDS[key]
    if key == "report":
        code, out, err = cli(*args, "--format", fmt, "-o", tmp_path, "-w", demo_ws)
        assert code == 0, err
        _check(fmt, tmp_path / f"report.{fmt}")
        return
    if fmt == "table":
        code, out, err = cli(*args, "-w", demo_ws)
        assert code == 0, err
        assert "┃" in out or "│" in out
        return
    path = tmp_path / f"out.{fmt}"
    code, out, err = cli(*args, "--format", fmt, "-o", path, "-w", demo_ws)
    assert code == 0, err
    assert path.exists(), out
    _check(fmt, path)
