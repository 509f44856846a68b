"""What the commands share: their common options, the output language, and writing messages and files.

Options carry no help text here: every help line lives in `i18n/cli.toml` under `[cli.help]` and is
filled in, in the user's language, by `wijkloket.cli.helps`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console, OverflowMethod
from rich.text import Text

from wijkloket.config import data_dir, load_settings
from wijkloket.errors import WijkloketError
from wijkloket.i18n import DEFAULT_LANG, check_lang, t
from wijkloket.indicators.profile import ALL_LEVELS
from wijkloket.indicators.registry import Registry, load_registry
from wijkloket.report.formatting import visible

err = Console(stderr=True)

WorkspaceOpt = Annotated[Path, typer.Option("--workspace", "-w")]
LangOpt = Annotated[str | None, typer.Option("--lang")]
FormatOpt = Annotated[str, typer.Option("--format")]
OutOpt = Annotated[Path | None, typer.Option("-o", "--output")]
LevelOpt = Annotated[str, typer.Option()]
YearOpt = Annotated[int | None, typer.Option()]
ModeOpt = Annotated[str, typer.Option()]
SurveyOpt = Annotated[str | None, typer.Option("--survey")]

FORMATS = ("table", "csv", "xlsx", "gpkg")
FILE_FORMATS = ("xlsx", "gpkg")  # need -o; table and csv can go to standard output
LEVELS = (*ALL_LEVELS, "all")


def out() -> Console:
    """Standard output, as wide as the terminal or `COLUMNS`; 240 characters when written to a file or a
    pipe without `COLUMNS`."""
    sized = sys.stdout.isatty() or os.environ.get("COLUMNS", "").isdigit()
    return Console(width=None if sized else 240)


def resolve_lang(lang: str | None, workspace: Path | None = None) -> str:
    """The output language: `--lang`, else the workspace's setting, else Dutch."""
    if lang:
        return check_lang(lang)
    if workspace is not None:
        try:
            return load_settings(workspace).lang
        except WijkloketError:
            return DEFAULT_LANG
    return DEFAULT_LANG


def registry() -> Registry:
    return load_registry()


def builtin_cbs_files() -> list[Path]:
    """The CBS files shipped in the shared data folder (Haarlem and Haarlemmermeer, 2024)."""
    from wijkloket.usecases.demo import CBS_FILES

    return [data_dir() / f for f in CBS_FILES]


def literal(text: str, style: str = "", overflow: OverflowMethod | None = None) -> Text:
    """`text` for the terminal exactly as it is: never read as Rich markup, control characters visible."""
    return Text(visible(text), style=style, overflow=overflow)


def say(key: str, lang: str, **params: object) -> None:
    """One message from the catalogue on standard output, shown literally, wrapped to the width."""
    out().print(literal(t(key, lang, **params), overflow="fold"))


def check_format(format: str, output: Path | None, known: tuple[str, ...] = FORMATS, folder: bool = False) -> None:
    """A known format, with an output file (a folder with `folder`) if it writes one, and one that can be
    written (`report.exports.check_output`); checked before any work is done."""
    from wijkloket.report.exports import check_output

    if format not in known:
        raise WijkloketError("error.unknown_format", format=format, known=", ".join(known))
    if format in FILE_FORMATS:
        need_output(format, output)
    if output is not None:
        check_output(output, folder)


def output_lang(lang: str | None, workspace: Path, format: str, output: Path | None,
                known: tuple[str, ...] = FORMATS) -> str:
    """The opening of a command with `--format` and `-o`: its output language (`resolve_lang`), with the
    format and output file checked (`check_format`) before any work is done."""
    language = resolve_lang(lang, workspace)
    check_format(format, output, known)
    return language


def check_level(level: str) -> None:
    if level not in LEVELS:
        raise WijkloketError("error.unknown_level", level=level, known=", ".join(LEVELS))


def need_output(format: str, output: Path | None) -> Path:
    """The output file a format that writes a file needs."""
    if output is None:
        raise WijkloketError("error.output_needed", format=format)
    return output


def write_csv(frame: pd.DataFrame, output: Path | None, lang: str) -> None:
    """Tidy CSV (formula-safe, see `report.exports`) to a file (and say so) or to standard output."""
    from wijkloket.report import exports

    exports.write_csv(frame, output)
    if output:
        say("cli.written", lang, file=str(output), n=len(frame))


def write_output(format: str, output: Path | None, lang: str, *, n: int, csv: Callable[[], pd.DataFrame],
                 xlsx: Callable[[Path], object], gpkg: Callable[[Path], list[str]] | None = None) -> bool:
    """Write a result as csv, xlsx (`n` rows) or gpkg and say so; False for `table`, which the caller prints.
    `gpkg` None: the command has no geometry (its `check_format` leaves gpkg out)."""
    if format == "table":
        return False
    if format == "csv":
        write_csv(csv(), output, lang)
        return True
    path = need_output(format, output)
    if format == "xlsx":
        xlsx(path)
        say("cli.written", lang, file=str(path), n=n)
    elif gpkg is not None:
        say("cli.written_layers", lang, file=str(path), layers=", ".join(gpkg(path)))
    return True
