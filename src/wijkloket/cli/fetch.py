"""`wijkloket fetch cbs`: the Kerncijfers and the Wijk- en buurtkaart of a municipality from the internet,
written as files and (in a workspace) added; a progress bar while fetching, a summary afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import Progress, TaskID

from wijkloket.cli.add import print_add
from wijkloket.cli.common import LangOpt, YearOpt, err, registry, resolve_lang, say
from wijkloket.cli.helps import lang_callback
from wijkloket.i18n import fmt_number, t
from wijkloket.report.formatting import visible
from wijkloket.usecases.fetch import FetchedFile, FetchResult, fetch_cbs

app = typer.Typer(no_args_is_help=True, callback=lang_callback)

KIND_KEYS = {"kerncijfers": "fetch_cbs.kerncijfers", "kaart": "fetch_cbs.kaart"}
SHOWN_KEYS = 10  # unknown keys named in the summary; all of them are in the file and its DataProperties


def progress_lines(bar: Progress, lang: str) -> Callable[[str, int, int | None], None]:
    """The fetch client's progress (what, records done, total if known) as one line per thing in `bar`."""
    tasks: dict[str, TaskID] = {}

    def show(what: str, done: int, total: int | None) -> None:
        if what not in tasks:
            # `what` names a table of the server's: shown literally, never read as Rich markup.
            tasks[what] = bar.add_task(escape(visible(t("fetch_cbs.progress", lang, what=what))), total=total)
        bar.update(tasks[what], completed=done, total=total)

    return show


@contextmanager
def progress_bar(lang: str) -> Iterator[Callable[[str, int, int | None], None]]:
    """A Rich progress bar on standard error while fetching, gone when done."""
    with Progress(console=err, transient=True) as bar:
        yield progress_lines(bar, lang)


def _say_schema(f: FetchedFile, lang: str) -> None:
    s = f.schema
    if s.unknown:
        shown = ", ".join(s.unknown[:SHOWN_KEYS]) + (" …" if len(s.unknown) > SHOWN_KEYS else "")
        say("fetch_cbs.unknown_keys", lang, n=fmt_number(len(s.unknown), lang), keys=shown, file=f.path.name)
    if s.missing:
        say("fetch_cbs.missing_variables", lang, n=fmt_number(len(s.missing), lang), variables=", ".join(s.missing))


def print_fetch(result: FetchResult, lang: str) -> None:
    """What the fetch did: per file its rows and pages and how its keys meet the registry; requests and cache."""
    for f in result.files:
        say("fetch_cbs.written", lang, kind=t(KIND_KEYS[f.kind], lang), file=str(f.path),
            rows=fmt_number(f.rows, lang), pages=fmt_number(f.pages, lang), keys=fmt_number(f.schema.keys, lang),
            mapped=fmt_number(len(f.schema.mapped), lang))
        _say_schema(f, lang)
    stats = result.stats
    say("fetch_cbs.stats", lang, table=result.table_id, modified=result.modified or "-",
        requests=fmt_number(stats.get("requests", 0), lang), from_cache=fmt_number(stats.get("from_cache", 0), lang),
        retries=fmt_number(stats.get("retries", 0), lang))
    if result.codes_missing:
        say("fetch_cbs.codes_missing", lang, n=fmt_number(len(result.codes_missing), lang),
            codes=", ".join(result.codes_missing[:SHOWN_KEYS]))
    if result.kaart_skipped:
        say("fetch_cbs.kaart_skipped", lang, year=result.year)
    for report, path in result.added:
        print_add(report, lang, path)
    if not result.added:
        say("fetch_cbs.not_added", lang, files=" ".join(str(f.path) for f in result.files))


@app.command("cbs")
def fetch_cbs_command(
    gemeente: Annotated[str | None, typer.Option()] = None,
    year: YearOpt = None,
    level: Annotated[str, typer.Option()] = "wijk",
    add: Annotated[bool, typer.Option("--add/--no-add")] = True,
    offline: Annotated[bool, typer.Option("--offline")] = False,
    output: Annotated[Path | None, typer.Option("-o", "--output")] = None,
    workspace: Annotated[Path | None, typer.Option("--workspace", "-w")] = None,
    lang: LangOpt = None,
) -> None:
    """Fetch the CBS Kerncijfers and Wijk- en buurtkaart of a municipality and year; add them to the workspace."""
    ws = workspace if workspace is not None else (None if output is not None else Path("."))
    language = resolve_lang(lang, ws)
    with progress_bar(language) as show:
        result = fetch_cbs(ws, gemeente, year, level, output, add and ws is not None, offline, show,
                           registry=registry())
    print_fetch(result, language)
