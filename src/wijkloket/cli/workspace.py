"""`wijkloket init | sources | report | demo`: the workspace itself, what is in it, and the report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.progress import Progress

from wijkloket.cli.add import print_add
from wijkloket.cli.analyse import print_desk, print_profile
from wijkloket.cli.common import (
    FormatOpt,
    LangOpt,
    OutOpt,
    WorkspaceOpt,
    YearOpt,
    check_format,
    err,
    registry,
    resolve_lang,
    say,
    write_csv,
)
from wijkloket.cli.fetch import print_fetch, progress_lines
from wijkloket.cli.plan import say_locate
from wijkloket.cli.render import Cell, Column, TableView, print_table
from wijkloket.config import data_dir, load_settings
from wijkloket.i18n import dataset_label, fmt_number, t
from wijkloket.usecases import open_workspace
from wijkloket.usecases.demo import STEPS, DemoEvent, run_demo
from wijkloket.usecases.ingest import init_workspace
from wijkloket.usecases.inventory import inventory
from wijkloket.usecases.report import REPORT_FORMATS, write_report

app = typer.Typer()

GemeenteOpt = Annotated[str, typer.Option()]


@app.command()
def init(folder: Annotated[Path, typer.Argument()], gemeente: GemeenteOpt, lang: LangOpt = None) -> None:
    """Create a workspace: a settings file and an embedded DuckDB store."""
    language = resolve_lang(lang)
    init_workspace(folder, gemeente, language)
    say("cli.init_done", language, folder=str(folder), gemeente=gemeente.upper())


@app.command()
def sources(workspace: WorkspaceOpt = Path("."), format: FormatOpt = "table", output: OutOpt = None,
            lang: LangOpt = None) -> None:
    """The source inventory: which files, what they cover and which indicators they provide."""
    language = resolve_lang(lang, workspace)
    check_format(format, output, ("table", "csv"))
    with open_workspace(workspace) as ws:
        inv = inventory(ws, registry())
    if format == "csv":
        write_csv(_sources_frame(inv), output, language)
    elif not inv:
        say("cli.no_sources", language)
    else:
        for s in inv:
            _print_source(s, language)


def _sources_frame(inv: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame([{
        "source_id": s["source_id"], "kind": s["kind"], "dataset": s["dataset"], "publisher": s["publisher"],
        "year": s["year"], "file": s["filename"], "levels": s["levels"], "areas": s["n_areas"],
        "rows_read": s["rows_read"], "rows_accepted": s["rows_accepted"], "rows_rejected": s["rows_rejected"],
        "provides": " ".join(s["provides"]), "lacks": " ".join(f"{k}={v}" for k, v in s["lacks"].items()),
        "privacy": s["privacy"], "synthetic": s["synthetic"], "sha256": s["sha256"],
    } for s in inv])


def _print_source(s: dict[str, Any], lang: str) -> None:
    """One source as a two-column table: what it is, where it came from, and what it provides."""
    year = "" if s["year"] is None or s["year"] != s["year"] else str(int(s["year"]))
    rows: list[list[str | Cell]] = [
        [t("cli.field_file", lang), s["filename"]],
        [t("cli.field_publisher", lang), str(s["publisher"])],
        [t("cli.field_levels", lang), f"{s['levels']} ({fmt_number(s['n_areas'], lang)})"],
        [t("cli.field_rows", lang), t("cli.rows_short", lang, read=fmt_number(s["rows_read"], lang),
                                      accepted=fmt_number(s["rows_accepted"], lang),
                                      rejected=fmt_number(s["rows_rejected"], lang))],
        [t("cli.field_privacy", lang), t("privacy." + str(s["privacy"]), lang)
         + (" · " + t("report.synthetic_short", lang) if s["synthetic"] else "")],
        [t("cli.field_sha256", lang), str(s["sha256"])],
    ]
    if s["kind"].startswith("cbs_"):
        rows.append([t("cli.field_provides", lang), ", ".join(s["provides"]) or "-"])
        by_reason: dict[str, list[str]] = {}
        for ind, reason in s["lacks"].items():
            by_reason.setdefault(reason, []).append(ind)
        rows += [[t("cli.lacks", lang, reason=t("status." + reason, lang)), ", ".join(inds)]
                 for reason, inds in by_reason.items()]
    name = dataset_label(s["kind"], str(s["dataset"]), lang)
    title = " ".join(part for part in (f"[{s['source_id']}]", name, year) if part)
    print_table(TableView(title, [Column(strong=True), Column()], rows, show_header=False, lang=lang))


@app.command()
def report(
    output: Annotated[Path, typer.Option("-o", "--output")] = Path("out"),
    year: YearOpt = None,
    format: Annotated[str, typer.Option("--format")] = "html",
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
    min_base: Annotated[int | None, typer.Option("--min-base")] = None,
) -> None:
    """Write the report (report.html, works offline)."""
    language = resolve_lang(lang, workspace)
    check_format(format, output, REPORT_FORMATS, folder=True)
    with open_workspace(workspace) as ws, err.status(t("cli.writing_report", language)):
        base = min_base if min_base is not None else load_settings(workspace).min_base
        path = write_report(ws, registry(), output, language, year, fmt=format, min_base=base)
    say("cli.report_done", language, file=str(path))


@app.command()
def demo(folder: Annotated[Path, typer.Argument()] = Path("demo"), gemeente: GemeenteOpt = "GM0392",
         fetch: Annotated[str | None, typer.Option("--fetch")] = None, lang: LangOpt = None) -> None:
    """Everything in one go for the built-in data: workspace, sources, profile, desk use, a site, the report."""
    language = resolve_lang(lang)
    reg = registry()
    code = (fetch or gemeente).strip().upper()
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task(t("cli.demo_progress", language), total=STEPS)

        def show(event: DemoEvent) -> None:
            if event.kind == "fetched" and event.fetched is not None:
                print_fetch(event.fetched, language)
            elif event.kind == "added" and event.report is not None and event.path is not None:
                print_add(event.report, language, event.path)
            elif event.kind == "simulated":
                synth = event.simulated
                say("cli.simulated", language, visits=fmt_number(synth.n_visits, language),
                    issuances=fmt_number(synth.n_issuances, language), folder=str(event.path))
            elif event.kind == "step":
                progress.advance(task)

        result = run_demo(folder, code, language, reg, data_dir(), show, fetch=fetch is not None,
                          progress=progress_lines(progress, language))
    print_profile(result.profile.table, reg, language, "district", result.profile.year, result.profile.gemeente_name)
    use = result.usage
    print_desk(use, use.table[use.table["level"].isin(["district", "gemeente"])], language, "district")
    say_locate(result.located, language)
    if result.survey is not None:
        s = result.survey
        say("cli.demo_survey", language, name=s.name, invited=fmt_number(s.invited, language),
            entered=fmt_number(s.entered, language), weighted=fmt_number(s.weighted, language), folder=str(folder))
        if s.key_file is not None and s.trial_codes:
            say("cli.demo_trial", language, folder=str(folder), key_file=str(s.key_file),
                codes=", ".join(s.trial_codes))
    say("cli.report_done", language, file=str(result.report))
