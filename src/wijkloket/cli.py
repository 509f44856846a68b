"""The command line: parses input, calls the core, formats what it returns. Nothing else."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from wijkloket import core
from wijkloket.config import data_dir, load_settings
from wijkloket.errors import InputFileError, WijkloketError
from wijkloket.i18n import check_lang, decimals_for, fmt_number, render_error, t, unit_label
from wijkloket.indicators.profile import ALL_LEVELS
from wijkloket.indicators.registry import Registry, load_registry
from wijkloket.store.workspace import Workspace

app = typer.Typer(
    help="wijkloket: dienstverlening in de wijk, onderbouwd met cijfers. "
    "Begin met 'wijkloket demo MAP' of 'wijkloket init MAP --gemeente GM0392'.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
add_app = typer.Typer(help="Voeg een bron toe aan de werkmap.", no_args_is_help=True)
app.add_typer(add_app, name="add")

err = Console(stderr=True)


def _out() -> Console:
    """Standard output; tables keep their full width when written to a file or a pipe."""
    return Console(width=None if sys.stdout.isatty() else 240)

WorkspaceOpt = Annotated[Path, typer.Option("--workspace", "-w",
                                            help="De werkmap (standaard: de huidige map).")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="Taal van de uitvoer: nl of en.")]
FORMATS = ("table", "csv", "xlsx", "gpkg")


def _lang(lang: str | None, workspace: Path | None = None) -> str:
    if lang:
        return check_lang(lang)
    if workspace is not None:
        try:
            return load_settings(workspace).lang
        except WijkloketError:
            return "nl"
    return "nl"


def _emit_csv(frame: pd.DataFrame, output: Path | None, lang: str) -> None:
    """Tidy CSV to a file (and say so) or to standard output."""
    from wijkloket.report import exports

    if output:
        exports.write_csv(frame, output)
        _say("cli.written", lang, file=str(output), n=len(frame))
    else:
        frame.to_csv(sys.stdout, index=False)


def _registry() -> Registry:
    return load_registry()


def _say(key: str, lang: str, **params: object) -> None:
    _out().print(escape(t(key, lang, **params)), highlight=False, soft_wrap=True)


def _print_add(report: core.AddReport, lang: str, path: Path) -> None:
    _say(f"cli.add_{report.outcome.status}", lang, file=path.name, dataset=report.dataset,
         year=report.year if report.year is not None else "-")
    reasons = ", ".join(f"{t('reason.' + k, lang)}: {fmt_number(v, lang)}"
                        for k, v in report.rejected_by_reason.items())
    _say("cli.rows", lang, read=fmt_number(report.rows_read, lang),
         accepted=fmt_number(report.rows_accepted, lang),
         rejected=fmt_number(report.rows_rejected, lang), reasons=reasons or "-")
    for w in report.warnings:
        kind, _, detail = w.partition(":")
        _say(f"cli.warn_{kind}", lang, detail=detail)


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="Map voor de nieuwe werkmap.")],
    gemeente: Annotated[str, typer.Option(help="CBS-gemeentecode, bijvoorbeeld GM0392.")],
    lang: LangOpt = None,
) -> None:
    """Maak een werkmap: instellingenbestand en ingebouwde DuckDB-database."""
    language = _lang(lang)
    core.init_workspace(folder, gemeente, language)
    _say("cli.init_done", language, folder=str(folder), gemeente=gemeente.upper())


@add_app.command("cbs")
def add_cbs(
    file: Annotated[Path, typer.Argument(help="CBS-bestand: Wijk- en buurtkaart (.gpkg, "
                                         ".geojson), Kerncijfers (OData-CSV) of StatLine-CSV.")],
    year: Annotated[int | None, typer.Option(help="Gegevensjaar, als het niet in het bestand "
                                             "of de naam staat.")] = None,
    layer: Annotated[str | None, typer.Option(help="Laag in een GeoPackage.")] = None,
    encoding: Annotated[str | None, typer.Option(help="Tekstcodering, bijv. cp1252.")] = None,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Voeg een CBS-bestand toe (zelfde bestand opnieuw: verandert niets)."""
    language = _lang(lang, workspace)
    with Workspace(workspace) as ws, err.status(t("cli.reading", language, file=file.name)):
        report = core.add_cbs(ws, file, _registry(), year=year, layer=layer, encoding=encoding)
    _print_add(report, language, file)


@add_app.command("districts")
def add_districts(
    file: Annotated[Path, typer.Argument(help="CSV met kolommen area_code,district.")],
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Voeg de indeling in stadsdelen toe (CSV: area_code,district)."""
    language = _lang(lang, workspace)
    with Workspace(workspace) as ws:
        report = core.add_districts(ws, file)
    _print_add(report, language, file)


@add_app.command("postcodes")
def add_postcodes(
    file: Annotated[Path, typer.Argument(help="Postcodetabel: CBS pc6hnr (PC6;Huisnummer;Buurt20xx;...) of "
                                         "CSV postcode,area_code.")],
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Voeg een tabel postcode -> buurt/wijk toe (een nieuwere vervangt de oude)."""
    language = _lang(lang, workspace)
    with Workspace(workspace) as ws, err.status(t("cli.reading", language, file=file.name)):
        report = core.add_postcodes(ws, file)
    _print_add(report, language, file)


@add_app.command("points")
def add_points(
    file: Annotated[Path, typer.Argument(help="Servicepunten: CSV (name,kind,lon,lat of x,y), GeoJSON of GeoPackage.")],
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Voeg servicepunten toe: balies, IDO-punten, buurthuizen, wijkteams, mobiele haltes, kandidaten."""
    language = _lang(lang, workspace)
    with Workspace(workspace) as ws:
        report, outside = core.add_points(ws, file)
    _print_add(report, language, file)
    if outside:
        _say("cli.points_outside", language, n=len(outside), names=", ".join(outside[:10]))


@add_app.command("network")
def add_network(
    file: Annotated[Path, typer.Argument(help="Wegennet: OpenStreetMap XML (.osm) of GraphML (.graphml).")],
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Voeg een wegennet toe; reistijden gaan dan over het netwerk in plaats van hemelsbreed."""
    language = _lang(lang, workspace)
    with Workspace(workspace) as ws, err.status(t("cli.reading", language, file=file.name)):
        report = core.add_network(ws, file)
    _print_add(report, language, file)


def _add_log(kind: str, file: Path, mapping: Path, sheet: str | None, max_rejected: float, workspace: Path,
             lang: str | None) -> None:
    language = _lang(lang, workspace)
    with Workspace(workspace) as ws, err.status(t("cli.reading", language, file=file.name)):
        rep = core.add_log(ws, file, mapping, kind, sheet, max_rejected)
    _print_add(rep.add, language, file)
    if rep.period:
        _say("cli.log_period", language, start=rep.period[0], end=rep.period[1])
    if rep.columns_dropped:
        _say("cli.log_dropped", language, columns=", ".join(rep.columns_dropped))
    for col in rep.bsn_columns:
        _say("cli.log_bsn", language, column=col)
    if rep.unknown_products:
        from wijkloket.sources.logs import synonyms

        _say("cli.log_unknown_products", language,
             products=", ".join(f"'{k}' ({fmt_number(v, language)})" for k, v in rep.unknown_products.items()),
             known=", ".join(synonyms()["meta"]["canonical_products"]), mapping=str(mapping),
             example=next(iter(rep.unknown_products)))
    for p in rep.first_problems:
        _say("cli.log_problem", language, row=p["row"], column=p["column"], value=p["value"],
             reason=t("reason." + p["reason"], language))
    for o in rep.overlaps:
        _say("cli.log_overlap", language, file=o["file"], start=o["from"], end=o["to"],
             duplicates=fmt_number(rep.add.rejected_by_reason.get("duplicate_existing", 0), language))
    if rep.rejected_file:
        _say("cli.log_rejected_file", language, file=str(rep.rejected_file))
    if rep.synthetic:
        _say("cli.log_synthetic", language)


SheetOpt = Annotated[str | None, typer.Option("--sheet", help="Werkblad in een Excel-bestand.")]
MaxRejOpt = Annotated[float, typer.Option("--max-rejected", help="Breek af (niets opgeslagen) als meer dan dit "
                                          "percentage van de rijen wordt afgewezen (dubbele niet meegeteld).")]
MappingOpt = Annotated[Path, typer.Option("--mapping", "-m", help="Mappingbestand (TOML) dat zegt welke kolom "
                                          "wat is.")]


@add_app.command("visits")
def add_visits(
    file: Annotated[Path, typer.Argument(help="Afsprakenexport (CSV of XLSX).")],
    mapping: MappingOpt,
    sheet: SheetOpt = None,
    max_rejected: MaxRejOpt = 2.0,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Voeg een afsprakenlog van de balie toe (identificerende kolommen worden nooit opgeslagen)."""
    _add_log("visit", file, mapping, sheet, max_rejected, workspace, lang)


@add_app.command("issuances")
def add_issuances(
    file: Annotated[Path, typer.Argument(help="Lijst verstrekte documenten (CSV of XLSX).")],
    mapping: MappingOpt,
    sheet: SheetOpt = None,
    max_rejected: MaxRejOpt = 2.0,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Voeg een lijst verstrekte paspoorten, ID-kaarten en rijbewijzen toe."""
    _add_log("issuance", file, mapping, sheet, max_rejected, workspace, lang)


def _desk_command(kind: str, level: str, format: str, output: Path | None, min_count: int, year: int | None,
                  workspace: Path, lang: str | None) -> None:
    from wijkloket.report import exports

    language = _lang(lang, workspace)
    if format not in FORMATS:
        raise WijkloketError("error.unknown_format", format=format, known=", ".join(FORMATS))
    if level not in ("buurt", "wijk", "district", "gemeente", "all"):
        raise WijkloketError("error.unknown_level", level=level, known=", ".join(ALL_LEVELS) + ", all")
    with Workspace(workspace, read_only=True) as ws:
        result = core.desk_use(ws, kind, min_count)
        table = result.table
        if year is not None:
            table = table[table["year"] == year]
        if level != "all":
            table = table[table["level"].isin([level, "gemeente"])]
        frame = table.assign(synthetic=result.synthetic, population_year=result.population_year)
        if format == "csv":
            _emit_csv(frame, output, language)
            return
        if format in ("xlsx", "gpkg") and output is None:
            raise WijkloketError("error.output_needed", format=format)
        if format == "xlsx":
            assert output is not None
            exports.write_desk_xlsx(frame, output)
            _say("cli.written", language, file=str(output), n=len(frame))
            return
        if format == "gpkg":
            assert output is not None
            layers = exports.write_desk_gpkg(frame, ws.geometry(result.population_year), ws.districts(), output,
                                             result.population_year)
            _say("cli.written_layers", language, file=str(output), layers=", ".join(layers))
            return
    _print_desk(result, table, language, level if level != "all" else "district")


def _print_desk(result: core.DeskResult, table: pd.DataFrame, lang: str, level: str) -> None:
    from wijkloket.indicators.desk import TOTAL

    total = TOTAL[result.kind]
    noun = "visits" if result.kind == "visit" else "issuances"
    sel = table[(table["product"] == total) & table["age_band"].isna()]
    years = sorted(sel["year"].unique())
    title = t(f"cli.desk_title_{result.kind}", lang, level=t("level." + level, lang),
              years=f"{years[0]}-{years[-1]}" if years else "-")
    if result.synthetic:
        title += " — " + t("report.synthetic_short", lang).upper()
    _out().print(escape(title), style="bold", soft_wrap=True)
    rich = Table()
    rich.add_column(t("level." + level, lang).capitalize())
    for y in years:
        rich.add_column(str(y), justify="right")
    indicator = "once_every_n_years" if result.kind == "visit" else f"{noun}_per_1000"
    for (lv, _code), grp in sel[sel["indicator"] == indicator].groupby(["level", "area_code"], sort=False):
        by = grp.set_index("year")
        cells = []
        for y in years:
            if y not in by.index:
                cells.append("–")
                continue
            r = by.loc[y]
            cells.append("x" if r["suppressed"] else fmt_number(r["value"], lang, 1))
        name = str(grp["area_name"].iloc[0])
        rich.add_row(f"[bold]{name}[/]" if lv == "gemeente" else name, *cells)
    _out().print(rich)
    _say(f"cli.desk_legend_{result.kind}", lang, n=result.threshold, year=result.population_year)
    _say("cli.desk_allocation", lang, split=fmt_number(100 * result.share_split, lang, 1),
         pc4=fmt_number(100 * result.share_pc4, lang, 1))
    if result.unmatched:
        _say("cli.desk_unmatched", lang, n=fmt_number(result.unmatched, lang))


LevelOpt = Annotated[str, typer.Option(help="buurt, wijk, district, gemeente of all.")]
FormatOpt = Annotated[str, typer.Option("--format", help="table, csv, xlsx of gpkg.")]
OutOpt = Annotated[Path | None, typer.Option("-o", "--output", help="Uitvoerbestand.")]
MinCountOpt = Annotated[int, typer.Option("--min-count", help="Aantallen onder deze drempel worden "
                                          "onderdrukt (met aanvullende onderdrukking).")]
YearOpt = Annotated[int | None, typer.Option(help="Alleen dit jaar.")]


@app.command()
def usage(
    level: LevelOpt = "district",
    format: FormatOpt = "table",
    output: OutOpt = None,
    min_count: MinCountOpt = 10,
    year: YearOpt = None,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Baliegebruik per gebied: bezoeken per 1000 inwoners en 'eens in de N jaar' (vraag 2)."""
    _desk_command("visit", level, format, output, min_count, year, workspace, lang)


@app.command()
def issuances(
    level: LevelOpt = "district",
    format: FormatOpt = "table",
    output: OutOpt = None,
    min_count: MinCountOpt = 10,
    year: YearOpt = None,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Verstrekte paspoorten, ID-kaarten en rijbewijzen naar herkomst per gebied (vraag 3)."""
    _desk_command("issuance", level, format, output, min_count, year, workspace, lang)


@app.command()
def access(
    level: LevelOpt = "district",
    mode: Annotated[str, typer.Option(help="walk, bike, car of transit.")] = "bike",
    minutes: Annotated[float | None, typer.Option("--minutes", help="Drempel in minuten (standaard per "
                                                  "vervoerwijze, zie data/access.toml).")] = None,
    group: Annotated[list[str] | None, typer.Option(help="Doelgroep(en), bijv. share_age_65_plus.")] = None,
    grid: Annotated[float | None, typer.Option(help="Spreid inwoners over een raster van zoveel meter.")] = None,
    format: FormatOpt = "table",
    output: OutOpt = None,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Afstand en reistijd per doelgroep tot het dichtstbijzijnde punt van elke soort (vraag 5)."""
    from wijkloket.report import exports

    language = _lang(lang, workspace)
    if format not in FORMATS:
        raise WijkloketError("error.unknown_format", format=format, known=", ".join(FORMATS))
    with Workspace(workspace) as ws:
        res = core.accessibility(ws, _registry(), mode, minutes, group, grid)
        table = res.table if level == "all" else res.table[res.table["level"].isin([level, "gemeente"])]
        frame = table.assign(mode=res.mode, threshold_minutes=res.threshold, method=res.method,
                             synthetic=res.synthetic)
        if format == "csv":
            _emit_csv(frame, output, language)
            return
        if format in ("xlsx", "gpkg") and output is None:
            raise WijkloketError("error.output_needed", format=format)
        if format == "xlsx":
            assert output is not None
            exports.write_access_xlsx(frame, output)
            _say("cli.written", language, file=str(output), n=len(frame))
            return
        if format == "gpkg":
            assert output is not None
            layers = exports.write_access_gpkg(res.table, res, ws.geometry(latest_year_of(ws)), ws.districts(),
                                               output)
            _say("cli.written_layers", language, file=str(output), layers=", ".join(layers))
            return
    _print_access(res, table, language, level if level != "all" else "district")


def latest_year_of(ws: Workspace) -> int:
    return core.latest_year(ws)


def _print_access(res: core.AccessResult, table: pd.DataFrame, lang: str, level: str) -> None:
    kinds = [k for k in ("desk", "library_ido", "community_centre", "social_team", "mobile_stop")
             if k in set(table["kind"])]
    sel = table[(table["group"] == "population") & table["kind"].isin(kinds)]
    title = t("cli.access_title", lang, level=t("level." + level, lang), mode=t("mode." + res.mode, lang),
              minutes=fmt_number(res.threshold, lang))
    if res.synthetic:
        title += " — " + t("report.synthetic_short", lang).upper()
    _out().print(escape(title), style="bold", soft_wrap=True)
    rich = Table()
    rich.add_column(t("level." + level, lang).capitalize())
    for k in kinds:
        rich.add_column(f"{t('kind.' + k, lang)}\n{t('cli.access_cols', lang)}", justify="right")
    for (_lv, _code), grp in sel.groupby(["level", "area_code"], sort=False):
        by = grp.set_index(["kind", "indicator"])["value"]
        cells = [f"{fmt_number(by.get((k, 'minutes')), lang, 0)} / {fmt_number(by.get((k, 'share_within')), lang, 0)}%"
                 for k in kinds]
        rich.add_row(str(grp["area_name"].iloc[0]), *cells)
    _out().print(rich)
    _say("cli.access_legend", lang, method=t("method." + res.method, lang),
         detour=fmt_number(res.settings.detour_factor, lang, 1),
         speed=fmt_number(res.settings.speeds[res.mode], lang, 1))


plan_app = typer.Typer(help="Opties, kosten en optimale locaties (vraag 6).", no_args_is_help=True)
app.add_typer(plan_app, name="plan")


@plan_app.command("options")
def plan_options(
    scenarios: Annotated[Path | None, typer.Option(help="Scenariobestand (TOML); standaard de ingebouwde "
                                                   "opties (data/scenarios.toml).")] = None,
    format: FormatOpt = "table",
    output: OutOpt = None,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Kosten en bereik per optie: wijkloket, mobiel loket, huisbezoek, extra IDO-uren, zichtbaarheid."""

    language = _lang(lang, workspace)
    with Workspace(workspace) as ws:
        res = core.plan_options(ws, _registry(), scenarios, language)
    frame = res.table.assign(synthetic=res.synthetic)
    if format == "csv":
        _emit_csv(frame, output, language)
        return
    if format == "xlsx":
        if output is None:
            raise WijkloketError("error.output_needed", format=format)
        with pd.ExcelWriter(output, engine="openpyxl") as xl:
            frame.to_excel(xl, sheet_name="opties", index=False)
            pd.DataFrame(res.assumptions, columns=["aanname", "waarde"]).to_excel(xl, sheet_name="aannames",
                                                                                  index=False)
        _say("cli.written", language, file=str(output), n=len(frame))
        return
    if format != "table":
        raise WijkloketError("error.unknown_format", format=format, known="table, csv, xlsx")
    title = t("cli.options_title", language) + (" — " + t("report.synthetic_short", language).upper()
                                                  if res.synthetic else "")
    _out().print(escape(title), style="bold", soft_wrap=True)
    target = next((g for g in res.groups if g != "population"), "population")
    rich = Table()
    for col in ("option", "cost", "visits", "per_visit", "within", "reached", "per_reached", "hours"):
        rich.add_column(t("cli.opt_" + col, language, group=_registry().get(target).short(language)),
                        justify="left" if col == "option" else "right")
    for r in frame.to_dict("records"):
        rich.add_row(
            str(r["label"]) + (f"\n[dim]{r['sites']}[/]" if r.get("sites") else ""),
            "€ " + fmt_number(r["annual_cost"], language), fmt_number(r["visits_served"], language),
            "€ " + fmt_number(r["cost_per_visit"], language),
            fmt_number(r.get(f"newly_within_{target}"), language),
            fmt_number(r.get(f"reached_{target}"), language),
            "€ " + fmt_number(r.get("cost_per_target_reached"), language),
            fmt_number(r["travel_hours_saved"], language))
    _out().print(rich)
    _say("cli.options_assumptions", language, items="; ".join(f"{k} = {v}" for k, v in res.assumptions))
    for r in frame.to_dict("records"):
        _say("cli.options_option_assumptions", language, label=r["label"], items=r["assumptions"])


@plan_app.command("locate")
def plan_locate(
    add: Annotated[int, typer.Option("--add", help="Aantal nieuwe locaties.")] = 1,
    objective: Annotated[str, typer.Option(help="pmedian (minste reistijd) of mclp (meeste mensen binnen de "
                                           "drempel).")] = "pmedian",
    weight: Annotated[str, typer.Option(help="Weeg inwoners met een indicator, bijv. share_age_65_plus.")] =
        "population",
    mode: Annotated[str, typer.Option(help="walk, bike, car of transit.")] = "bike",
    minutes: Annotated[float | None, typer.Option("--minutes", help="Drempel in minuten.")] = None,
    time_limit: Annotated[float, typer.Option(help="Maximale rekentijd in seconden; daarna de beste "
                                              "oplossing met haar gat.")] = 60.0,
    capacity: Annotated[bool, typer.Option("--capacity", help="Houd rekening met capacity_per_week van de "
                                           "locaties (bezoeken per week).")] = False,
    format: FormatOpt = "table",
    output: OutOpt = None,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Kies de beste nieuwe locaties tussen de kandidaten, bestaande balies vast (exact, HiGHS)."""
    language = _lang(lang, workspace)
    with Workspace(workspace) as ws:
        out = core.plan_locate(ws, _registry(), add, objective, weight, mode, minutes, time_limit, capacity)
        geometry = ws.geometry(core.latest_year(ws))
    r = out.result
    if format == "gpkg":
        from wijkloket.report import exports

        if output is None:
            raise WijkloketError("error.output_needed", format=format)
        layers = exports.write_locate_gpkg(out, geometry, output)
        _say("cli.written_layers", language, file=str(output), layers=", ".join(layers))
        return
    if format == "csv":
        frame = pd.concat([out.before.assign(state="now"), out.after.assign(state="with_new_sites")])
        frame = frame.assign(objective=out.objective, weight=out.weight, sites="; ".join(out.chosen["name"]),
                             objective_value=r.objective, bound=r.bound, gap=r.gap, status=r.status,
                             synthetic=out.synthetic)
        frame.to_csv(output or sys.stdout, index=False)
        return
    _say("cli.locate_result", language, sites=", ".join(out.chosen["name"]) or "-",
         objective=out.objective, status=r.status, value=fmt_number(r.objective, language, 1),
         bound=fmt_number(r.bound, language, 1), gap=fmt_number(100 * r.gap, language, 2),
         seconds=fmt_number(r.seconds, language, 1))
    rich = Table()
    for c in ("area", "now", "new"):
        rich.add_column(t("cli.locate_" + c, language, minutes=fmt_number(out.threshold, language)),
                        justify="left" if c == "area" else "right")
    b = out.before.set_index("area")
    for area, row in out.after.set_index("area").iterrows():
        rich.add_row(str(area),
                     f"{fmt_number(b.loc[area, 'mean_minutes'], language, 1)} min / "
                     f"{fmt_number(b.loc[area, 'share_within'], language, 0)}%",
                     f"{fmt_number(row['mean_minutes'], language, 1)} min / "
                     f"{fmt_number(row['share_within'], language, 0)}%")
    _out().print(rich)
    if out.synthetic:
        _say("cli.log_synthetic", language)


@plan_app.command("pmedian")
def plan_pmedian(
    orlib: Annotated[Path, typer.Option("--orlib", help="OR-Library p-median-bestand (pmedN.txt).")],
    time_limit: Annotated[float | None, typer.Option(help="Maximale rekentijd in seconden.")] = None,
) -> None:
    """Los een standaard OR-Library p-median-instantie op en druk JSON af (objective, bound, gap, seconds)."""
    import json

    from wijkloket.plan.locate import solve_pmedian
    from wijkloket.plan.orlib import read_orlib

    dist, p = read_orlib(orlib)
    r = solve_pmedian(dist, p, time_limit=time_limit)
    print(json.dumps({"instance": orlib.name, "n": int(dist.shape[0]), "p": p, "objective": r.objective,
                      "bound": r.bound, "gap": r.gap, "seconds": round(r.seconds, 3), "status": r.status,
                      "method": r.method}))


@app.command()
def simulate(
    gemeente: Annotated[str, typer.Option(help="CBS-gemeentecode.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Map voor de synthetische bestanden.")],
    years: Annotated[str, typer.Option(help="Periode, bijvoorbeeld 2019-2025.")] = "2019-2025",
    seed: Annotated[int, typer.Option(help="Startwaarde van het toeval (zelfde seed = zelfde bestanden).")] = 7,
    cbs: Annotated[list[Path] | None, typer.Option(help="CBS-bestand(en) met inwoners per gebied "
                                                  "(standaard de werkmap of de gedeelde CBS-gegevens).")] = None,
    workspace: Annotated[Path | None, typer.Option("--workspace", "-w", help="Werkmap met CBS-gegevens.")] = None,
    lang: LangOpt = None,
) -> None:
    """Maak realistische, als synthetisch gemarkeerde exports: afsprakenlog, verstrekkingen, postcodetabel."""
    from wijkloket.config import check_gemeente_code

    language = _lang(lang, workspace)
    gm = check_gemeente_code(gemeente)
    m = re.fullmatch(r"\s*(\d{4})\s*-\s*(\d{4})\s*", years)
    if not m or int(m.group(1)) > int(m.group(2)):
        raise WijkloketError("error.bad_years", years=years)
    data = data_dir() / "cbs"
    files = cbs or [data / "wijkenbuurten2024_wijken_haarlem_haarlemmermeer.gpkg",
                    data / "kwb2024_gemeente_wijk_basis.csv"]
    ws = Workspace(workspace, read_only=True) if workspace is not None else None
    points_file = None
    try:
        areas, name = core.simulation_areas(gm, _registry(), files, ws)
        if ws is not None and ws.gemeente == gm and ws.geometry(core.latest_year(ws)) is not None:
            points_file = core.simulate_points(ws, output, seed)
    finally:
        if ws is not None:
            ws.close()
    with err.status(t("cli.simulating", language)):
        res = core.simulate_exports(areas, gm, name, (int(m.group(1)), int(m.group(2))), seed, output)
    _say("cli.simulated", language, visits=fmt_number(res.n_visits, language),
         issuances=fmt_number(res.n_issuances, language), folder=str(output))
    for f in (res.visits_csv, res.visits_mapping, res.issuances_xlsx, res.issuances_mapping, res.postcodes_csv,
              res.readme, points_file):
        if f is not None:
            _say("cli.simulated_file", language, file=str(f))


@app.command()
def sources(
    workspace: WorkspaceOpt = Path("."),
    format: Annotated[str, typer.Option("--format", help="table of csv.")] = "table",
    output: Annotated[Path | None, typer.Option("-o", "--output")] = None,
    lang: LangOpt = None,
) -> None:
    """De broninventaris: welke bestanden, wat ze dekken en welke indicatoren ze leveren."""
    import pandas as pd

    language = _lang(lang, workspace)
    registry = _registry()
    with Workspace(workspace, read_only=True) as ws:
        inv = core.inventory(ws, registry)
    if format == "csv":
        records = []
        for s in inv:
            records.append({
                "source_id": s["source_id"], "kind": s["kind"], "dataset": s["dataset"],
                "publisher": s["publisher"], "year": s["year"], "file": s["filename"],
                "levels": s["levels"], "areas": s["n_areas"], "rows_read": s["rows_read"],
                "rows_accepted": s["rows_accepted"], "rows_rejected": s["rows_rejected"],
                "provides": " ".join(s["provides"]),
                "lacks": " ".join(f"{k}={v}" for k, v in s["lacks"].items()),
                "privacy": s["privacy"], "synthetic": s["synthetic"], "sha256": s["sha256"],
            })
        frame = pd.DataFrame(records)
        if output:
            frame.to_csv(output, index=False)
        else:
            frame.to_csv(sys.stdout, index=False)
        return
    if format != "table":
        raise WijkloketError("error.unknown_format", format=format, known="table, csv")
    if not inv:
        _say("cli.no_sources", language)
        return
    for s in inv:
        year_text = "" if s["year"] is None or s["year"] != s["year"] else str(int(s["year"]))
        table = Table(title=f"[{s['source_id']}] {s['dataset']} {year_text}",
                      show_header=False, title_justify="left")
        table.add_column(style="bold")
        table.add_column()
        rows = [
            (t("cli.field_file", language), s["filename"]),
            (t("cli.field_publisher", language), str(s["publisher"])),
            (t("cli.field_levels", language), f"{s['levels']} ({fmt_number(s['n_areas'], language)})"),
            (t("cli.field_rows", language),
             t("cli.rows_short", language, read=fmt_number(s["rows_read"], language),
               accepted=fmt_number(s["rows_accepted"], language),
               rejected=fmt_number(s["rows_rejected"], language))),
            (t("cli.field_privacy", language), t("privacy." + str(s["privacy"]), language)
             + (" · " + t("report.synthetic_short", language) if s["synthetic"] else "")),
            (t("cli.field_sha256", language), str(s["sha256"])),
        ]
        if s["kind"].startswith("cbs_"):
            rows.append((t("cli.field_provides", language), ", ".join(s["provides"]) or "-"))
            by_reason: dict[str, list[str]] = {}
            for ind, reason in s["lacks"].items():
                by_reason.setdefault(reason, []).append(ind)
            for reason, inds in by_reason.items():
                rows.append((t("cli.lacks", language, reason=t("status." + reason, language)),
                             ", ".join(inds)))
        for label, value in rows:
            table.add_row(label, value)
        _out().print(table)


def _levels(level: str) -> tuple[str, ...]:
    if level == "all":
        return ALL_LEVELS
    if level not in ALL_LEVELS:
        raise WijkloketError("error.unknown_level", level=level, known=", ".join(ALL_LEVELS)
                             + ", all")
    return (level, "gemeente")


@app.command()
def profile(
    level: Annotated[str, typer.Option(help="buurt, wijk, district, gemeente of all.")] =
        "district",
    format: Annotated[str, typer.Option("--format", help="table, csv, xlsx of gpkg.")] =
        "table",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Uitvoerbestand.")] =
        None,
    year: Annotated[int | None, typer.Option(help="Gegevensjaar (standaard het nieuwste).")] =
        None,
    indicator: Annotated[list[str] | None, typer.Option(
        help="Alleen deze indicator(en); herhaal de optie voor meer.")] = None,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Doelgroepen per gebied, met index ten opzichte van de stad (vraag 4)."""
    from wijkloket.report import exports

    language = _lang(lang, workspace)
    if format not in FORMATS:
        raise WijkloketError("error.unknown_format", format=format, known=", ".join(FORMATS))
    levels = _levels(level)
    registry = _registry()
    with Workspace(workspace, read_only=True) as ws:
        result = core.district_profile(ws, registry, year, levels, indicator)
        synthetic = any(bool(s) for s in ws.sources()["synthetic"])
        table = result.table
        if level != "all" and level != "gemeente":
            table = table[table["level"].isin([level, "gemeente"])]
        if format == "csv":
            _emit_csv(exports.tidy(table, result.year, synthetic), output, language)
            return
        if format in ("xlsx", "gpkg") and output is None:
            raise WijkloketError("error.output_needed", format=format)
        if format == "xlsx":
            assert output is not None
            exports.write_xlsx(table, output, registry, result.year, language, synthetic)
            _say("cli.written", language, file=str(output), n=len(table))
            return
        if format == "gpkg":
            assert output is not None
            layers = exports.write_gpkg(table, ws.geometry(result.year), ws.districts(), output,
                                        result.year)
            _say("cli.written_layers", language, file=str(output), layers=", ".join(layers))
            return
    _print_profile(table, registry, language, level if level != "all" else "district",
                   result.year, result.gemeente_name)


def _print_profile(table: pd.DataFrame, registry: Registry, lang: str, level: str, year: int,
                   gemeente_name: str) -> None:
    have = set(table.loc[table["value"].notna(), "indicator"])
    inds = [i for i in registry.indicators.values() if i.id in have]
    rich = Table(title=t("cli.profile_title", lang, level=t("level." + level, lang), year=year,
                         gemeente=gemeente_name), title_justify="left")
    rich.add_column(t("level." + level, lang).capitalize())
    for i in inds:
        rich.add_column(f"{i.short(lang)}\n({unit_label(i.unit, lang)})", justify="right")
    rows = table[table["level"].isin([level, "gemeente"])]
    for (lv, _code), grp in rows.groupby(["level", "area_code"], sort=False):
        by = grp.set_index("indicator")
        cells = []
        for i in inds:
            if i.id not in by.index:
                cells.append("–")
                continue
            r = by.loc[i.id]
            text = fmt_number(r["value"], lang, decimals_for(i.unit))
            idx = r["index_city"]
            if lv != "gemeente" and i.kind != "count" and idx == idx:
                dev = (idx - 100) * (1 if i.concern == "high" else -1)
                style = "bold red" if dev >= 20 else "red" if dev >= 10 else \
                    "bold blue" if dev <= -20 else "blue" if dev <= -10 else ""
                text = f"[{style}]{text}[/]" if style else text
            if r["low_coverage"]:
                text += "*"
            cells.append(text)
        name = str(grp["area_name"].iloc[0])
        rich.add_row(f"[bold]{name}[/]" if lv == "gemeente" else name, *cells)
    _out().print(rich)
    _say("cli.profile_legend", lang)


@app.command()
def report(
    output: Annotated[Path, typer.Option("-o", "--output", help="Map voor report.html.")] =
        Path("out"),
    year: Annotated[int | None, typer.Option(help="Gegevensjaar (standaard het nieuwste).")] =
        None,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Schrijf het rapport (report.html, werkt offline), Nederlands of --lang en."""
    language = _lang(lang, workspace)
    with Workspace(workspace, read_only=True) as ws, \
            err.status(t("cli.writing_report", language)):
        path = core.write_report(ws, _registry(), output, language, year)
    _say("cli.report_done", language, file=str(path))


@app.command()
def demo(
    folder: Annotated[Path, typer.Argument(help="Map voor de demo-werkmap.")] = Path("demo"),
    gemeente: Annotated[str, typer.Option(help="CBS-gemeentecode.")] = "GM0392",
    lang: LangOpt = None,
) -> None:
    """Alles in één keer voor de ingebouwde gegevens: werkmap, bronnen, profiel en rapport."""
    import shutil

    from rich.progress import Progress

    language = _lang(lang)
    data = data_dir()
    cbs_files = [data / "cbs" / "wijkenbuurten2024_wijken_haarlem_haarlemmermeer.gpkg",
                 data / "cbs" / "kwb2024_gemeente_wijk_basis.csv"]
    district_file = data / "haarlem" / "stadsdelen_2024.csv"
    if not all(p.exists() for p in cbs_files):
        raise WijkloketError("error.demo_data_missing", folder=str(data))
    if (folder / "wijkloket.toml").exists():
        shutil.rmtree(folder)
    registry = _registry()
    core.init_workspace(folder, gemeente, language)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task(t("cli.demo_progress", language), total=7)  # CBS x2, districts, synth, logs
        with Workspace(folder) as ws:
            for f in cbs_files:
                _print_add(core.add_cbs(ws, f, registry), language, f)
                progress.advance(task)
            if gemeente == "GM0392" and district_file.exists():
                _print_add(core.add_districts(ws, district_file), language, district_file)
            progress.advance(task)
            # Desk logs do not exist as open data: the demo makes calibrated synthetic exports
            # and reads them through the same import path a municipality would use.
            areas, name = core.simulation_areas(gemeente, registry, cbs_files, ws)
            synth = core.simulate_exports(areas, gemeente, name, (2019, 2025), 7, folder / "synthetisch")
            _say("cli.simulated", language, visits=fmt_number(synth.n_visits, language),
                 issuances=fmt_number(synth.n_issuances, language), folder=str(folder / "synthetisch"))
            progress.advance(task)
            _print_add(core.add_postcodes(ws, synth.postcodes_csv), language, synth.postcodes_csv)
            progress.advance(task)
            for kind, data_file, mapping_file in (("visit", synth.visits_csv, synth.visits_mapping),
                                                  ("issuance", synth.issuances_xlsx, synth.issuances_mapping)):
                rep = core.add_log(ws, data_file, mapping_file, kind)
                _print_add(rep.add, language, data_file)
                progress.advance(task)
            # No open list of service points exists either: synthetic ones, labelled as such.
            points_file = core.simulate_points(ws, folder / "synthetisch")
            _print_add(core.add_points(ws, points_file)[0], language, points_file)
            path = core.write_report(ws, registry, folder / "out", language)
            progress.advance(task)
    with Workspace(folder, read_only=True) as ws:
        result = core.district_profile(ws, registry)
        usage = core.desk_use(ws, "visit")
        located = core.plan_locate(ws, registry, 1)
    _print_profile(result.table, registry, language, "district", result.year,
                   result.gemeente_name)
    _print_desk(usage, usage.table[usage.table["level"].isin(["district", "gemeente"])], language, "district")
    r = located.result
    _say("cli.locate_result", language, sites=", ".join(located.chosen["name"]) or "-", objective=located.objective,
         status=r.status, value=fmt_number(r.objective, language, 1), bound=fmt_number(r.bound, language, 1),
         gap=fmt_number(100 * r.gap, language, 2), seconds=fmt_number(r.seconds, language, 1))
    _say("cli.report_done", language, file=str(path))


def main() -> None:
    """Entry point: user mistakes become one clear message and exit code 2, no traceback."""
    try:
        app()
    except WijkloketError as exc:
        lang = "en" if "--lang" in sys.argv and "en" in sys.argv else "nl"
        err.print(f"[bold red]{t('cli.error', lang)}[/] {escape(render_error(exc, lang))}", highlight=False,
                  soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)


__all__ = ["app", "main", "InputFileError"]
