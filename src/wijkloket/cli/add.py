"""`wijkloket add ...`: one command per kind of source file; each reads, checks and stores the file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wijkloket.cli.common import LangOpt, WorkspaceOpt, err, literal, registry, resolve_lang, say
from wijkloket.cli.helps import lang_callback
from wijkloket.i18n import dataset_label, fmt_number, t
from wijkloket.usecases import ingest, open_workspace

app = typer.Typer(no_args_is_help=True, callback=lang_callback)

FileArg = Annotated[Path, typer.Argument()]
MappingOpt = Annotated[Path, typer.Option("--mapping", "-m")]
SheetOpt = Annotated[str | None, typer.Option("--sheet")]
MaxRejectedOpt = Annotated[float, typer.Option("--max-rejected")]
ReplaceOpt = Annotated[bool, typer.Option("--replace")]


def print_add(report: ingest.AddReport, lang: str, path: Path) -> None:
    """What adding a file did: added, unchanged or replaced; rows read, accepted, rejected; warnings."""
    say(f"cli.add_{report.outcome.status}", lang, file=path.name,
        dataset=dataset_label(report.kind, report.dataset, lang), year=report.year if report.year is not None else "-")
    reasons = ", ".join(f"{t('reason.' + k, lang)}: {fmt_number(v, lang)}"
                        for k, v in report.rejected_by_reason.items())
    say("cli.rows", lang, read=fmt_number(report.rows_read, lang), accepted=fmt_number(report.rows_accepted, lang),
        rejected=fmt_number(report.rows_rejected, lang), reasons=reasons or "-")
    for w in report.warnings:
        kind, _, detail = w.partition(":")
        say(f"cli.warn_{kind}", lang, detail=detail)


@app.command("cbs")
def add_cbs(
    file: FileArg,
    year: Annotated[int | None, typer.Option()] = None,
    layer: Annotated[str | None, typer.Option()] = None,
    encoding: Annotated[str | None, typer.Option()] = None,
    crosswalk: Annotated[Path | None, typer.Option()] = None,
    replace: ReplaceOpt = False,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Add a CBS file; the same file again changes nothing, a newer release replaces the old one."""
    language = resolve_lang(lang, workspace)
    with open_workspace(workspace, write=True) as ws, err.status(literal(t("cli.reading", language, file=file.name))):
        report = ingest.add_cbs(ws, file, registry(), year=year, layer=layer, encoding=encoding,
                                crosswalk=crosswalk, replace=replace)
    print_add(report, language, file)


@app.command("districts")
def add_districts(file: FileArg, workspace: WorkspaceOpt = Path("."), lang: LangOpt = None) -> None:
    """Add the division of the municipality into districts (stadsdelen)."""
    language = resolve_lang(lang, workspace)
    with open_workspace(workspace, write=True) as ws:
        report = ingest.add_districts(ws, file)
    print_add(report, language, file)


@app.command("postcodes")
def add_postcodes(file: FileArg, replace: ReplaceOpt = False, workspace: WorkspaceOpt = Path("."),
                  lang: LangOpt = None) -> None:
    """Add a postcode -> buurt/wijk table; a newer one replaces the old one."""
    language = resolve_lang(lang, workspace)
    with open_workspace(workspace, write=True) as ws, err.status(literal(t("cli.reading", language, file=file.name))):
        report = ingest.add_postcodes(ws, file, replace=replace)
    print_add(report, language, file)


@app.command("visits")
def add_visits(file: FileArg, mapping: MappingOpt, sheet: SheetOpt = None, max_rejected: MaxRejectedOpt = 2.0,
               workspace: WorkspaceOpt = Path("."), lang: LangOpt = None) -> None:
    """Add an appointment log of the desk; identifying columns are never stored."""
    _add_log("visit", file, mapping, sheet, max_rejected, workspace, lang)


@app.command("issuances")
def add_issuances(file: FileArg, mapping: MappingOpt, sheet: SheetOpt = None, max_rejected: MaxRejectedOpt = 2.0,
                  workspace: WorkspaceOpt = Path("."), lang: LangOpt = None) -> None:
    """Add a list of issued passports, ID cards and driving licences."""
    _add_log("issuance", file, mapping, sheet, max_rejected, workspace, lang)


@app.command("points")
def add_points(file: FileArg, rules: Annotated[Path | None, typer.Option("--rules")] = None,
               workspace: WorkspaceOpt = Path("."), lang: LangOpt = None) -> None:
    """Add service points: desks, IDO points, community centres, social teams, mobile stops, candidates."""
    language = resolve_lang(lang, workspace)
    with open_workspace(workspace, write=True) as ws:
        report = ingest.add_points(ws, file, rules)
    print_add(report.add, language, file)
    say("cli.points_kinds", language, kinds=", ".join(f"{t('kind.' + k, language)} {fmt_number(n, language)}"
                                                      for k, n in report.kinds.items()))
    if report.rules is not None:
        say("cli.points_rules", language, rules=report.rules)
    for reason, names in report.skipped.items():
        say("cli.points_skipped", language, reason=t("reason." + reason, language), n=fmt_number(len(names), language),
            names=", ".join(names[:12]) + (", …" if len(names) > 12 else ""))
    if report.outside:
        say("cli.points_outside", language, n=len(report.outside), names=", ".join(report.outside[:10]))


@app.command("network")
def add_network(file: FileArg, workspace: WorkspaceOpt = Path("."), lang: LangOpt = None) -> None:
    """Add a road network; travel times then follow it instead of straight lines."""
    language = resolve_lang(lang, workspace)
    with open_workspace(workspace, write=True) as ws, err.status(literal(t("cli.reading", language, file=file.name))):
        report = ingest.add_network(ws, file)
    print_add(report, language, file)


def _add_log(kind: str, file: Path, mapping: Path, sheet: str | None, max_rejected: float, workspace: Path,
             lang: str | None) -> None:
    language = resolve_lang(lang, workspace)
    with open_workspace(workspace, write=True) as ws, err.status(literal(t("cli.reading", language, file=file.name))):
        report = ingest.add_log(ws, file, mapping, kind, sheet, max_rejected)
    print_add(report.add, language, file)
    _print_log_report(report, language, mapping)


def _print_log_report(rep: ingest.LogReport, lang: str, mapping: Path) -> None:
    """What a desk log import found beyond the row counts: period, dropped columns, problems, overlaps."""
    if rep.period:
        say("cli.log_period", lang, start=rep.period[0], end=rep.period[1])
    if rep.columns_dropped:
        say("cli.log_dropped", lang, columns=", ".join(rep.columns_dropped))
    for col in rep.bsn_columns:
        say("cli.log_bsn", lang, column=col)
    if rep.unknown_products:
        say("cli.log_unknown_products", lang,
            products=", ".join(f"'{k}' ({fmt_number(v, lang)})" for k, v in rep.unknown_products.items()),
            known=", ".join(rep.known_products), mapping=str(mapping),
            example=next(iter(rep.unknown_products)))
    for p in rep.first_problems:
        say("cli.log_problem", lang, row=p["row"], column=p["column"], value=p["value"],
            reason=t("reason." + p["reason"], lang))
    for o in rep.overlaps:
        say("cli.log_overlap", lang, file=o["file"], start=o["from"], end=o["to"],
            duplicates=fmt_number(rep.add.rejected_by_reason.get("duplicate_existing", 0), lang))
    if rep.rejected_file:
        say("cli.log_rejected_file", lang, file=str(rep.rejected_file))
    if rep.synthetic:
        say("cli.log_synthetic", lang)
