"""`wijkloket profile | usage | issuances | access`: figures per area, as a table, CSV, Excel or GeoPackage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from wijkloket.cli.common import (
    FormatOpt,
    LangOpt,
    LevelOpt,
    ModeOpt,
    OutOpt,
    WorkspaceOpt,
    YearOpt,
    check_format,
    check_level,
    registry,
    resolve_lang,
    say,
    write_output,
)
from wijkloket.cli.render import Cell, Column, TableView, Tone, print_table
from wijkloket.errors import WorkspaceError
from wijkloket.i18n import decimals_for, fmt_number, t, unit_label
from wijkloket.indicators.findings import concern_band
from wijkloket.indicators.profile import ALL_LEVELS
from wijkloket.indicators.registry import Indicator, Registry
from wijkloket.usecases import open_workspace
from wijkloket.usecases.access import AccessResult
from wijkloket.usecases.analysis import Analysis
from wijkloket.usecases.desk import DeskResult, desk_use
from wijkloket.usecases.profile import district_profile

app = typer.Typer()

MinCountOpt = Annotated[int, typer.Option("--min-count")]
MinutesOpt = Annotated[float | None, typer.Option("--minutes")]


def _shown_level(level: str) -> str:
    """The level a table shows: `all` writes every level to a file but shows districts on screen."""
    return "district" if level == "all" else level


def _named(level: str, districts: pd.DataFrame | None) -> str:
    """The level the rows of `level` are called by: `wijk` for district rows without a district file
    (each wijk is then its own district)."""
    return "wijk" if level == "district" and districts is None else level


@app.command()
def profile(
    level: LevelOpt = "district",
    format: FormatOpt = "table",
    output: OutOpt = None,
    year: YearOpt = None,
    indicator: Annotated[list[str] | None, typer.Option()] = None,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Target groups per area, with an index relative to the city."""
    from wijkloket.report import exports

    language = resolve_lang(lang, workspace)
    check_format(format, output)
    check_level(level)
    reg = registry()
    with open_workspace(workspace) as ws:
        result = district_profile(ws, reg, year, ALL_LEVELS if level == "all" else (level, "gemeente"), indicator)
        if level == "buurt" and not (result.table["level"] == "buurt").any():
            raise WorkspaceError("error.no_buurten", folder=str(workspace), year=result.year,
                                 levels=", ".join(t("level." + lv, language) for lv in ALL_LEVELS
                                                 if lv in set(ws.areas(result.year)["level"])))
        synthetic = result.synthetic
        table = result.table
        if level not in ("all", "gemeente"):
            table = table[table["level"].isin([level, "gemeente"])]
        if write_output(format, output, language, n=len(table),
                        csv=lambda: exports.tidy(table, result.year, synthetic),
                        xlsx=lambda p: exports.write_profile_xlsx(table, p, reg, result.year, language),
                        gpkg=lambda p: exports.write_gpkg(table, result.geometry, result.districts, p,
                                                          result.year)):
            return
    shown = _shown_level(level)
    print_profile(table, reg, language, shown, result.year, result.gemeente_name,
                  label_level="wijk" if shown == "district" and not result.districts_from_file else shown)
    for key, params in result.notes:
        if key == "note.indeling_changed":  # other years of the workspace have another wijk indeling
            say(key, language, **params)


def _tone(index_city: float, ind: Indicator) -> Tone:
    """Index points from the city in the direction of more potential barriers: 10+ and 20+ are marked."""
    tones: dict[int, Tone] = {2: "much_worse", 1: "worse", -1: "better", -2: "much_better", 0: ""}
    return tones[concern_band(index_city, ind.concern)]


def _profile_cell(by: pd.DataFrame, ind: Indicator, is_total: bool, lang: str) -> Cell:
    if ind.id not in by.index:
        return Cell("–")
    r = by.loc[ind.id]
    text = fmt_number(r["value"], lang, decimals_for(ind.unit)) + ("*" if r["low_coverage"] else "")
    if r.get("estimate") and r["value"] == r["value"]:  # an estimate (e.g. spread from PC4): marked ≈
        text = "≈" + text
    idx = r["index_city"]
    marked = not is_total and ind.kind != "count" and idx == idx  # idx == idx: not NaN
    return Cell(text, _tone(idx, ind) if marked else "")


def print_profile(table: pd.DataFrame, reg: Registry, lang: str, level: str, year: int, gemeente_name: str,
                  label_level: str | None = None) -> None:
    """The rows of `level` and the city; `label_level` names them (`wijk` for the district rows of a
    workspace without a district file, where each wijk is its own district)."""
    label_level = label_level or level
    have = set(table.loc[table["value"].notna(), "indicator"])
    inds = [i for i in reg.indicators.values() if i.id in have]
    columns = [Column(t("level." + label_level, lang).capitalize()),
               *(Column(f"{i.short(lang)}\n({unit_label(i.unit, lang)})", "right") for i in inds)]
    rows: list[list[str | Cell]] = []
    total_row = None
    for (lv, _code), grp in table[table["level"].isin([level, "gemeente"])].groupby(["level", "area_code"],
                                                                                    sort=False):
        by = grp.set_index("indicator")
        if lv == "gemeente":
            total_row = len(rows)
        rows.append([str(grp["area_name"].iloc[0]), *(_profile_cell(by, i, lv == "gemeente", lang) for i in inds)])
    title = t("cli.profile_title", lang, level=t("level." + label_level, lang), year=year, gemeente=gemeente_name)
    print_table(TableView(title, columns, rows, total_row, lang=lang))
    say("cli.profile_legend", lang)
    shown = table[table["indicator"].isin([i.id for i in inds])]
    for method in sorted(set(shown.get("estimate", pd.Series(dtype=str))) - {""}):
        say("cli.profile_estimate", lang, method=method)


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
    """Desk use per area: visits per 1000 inhabitants and 'once every N years'."""
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
    """Issued passports, ID cards and driving licences by where their holders live."""
    _desk_command("issuance", level, format, output, min_count, year, workspace, lang)


def _desk_command(kind: str, level: str, format: str, output: Path | None, min_count: int, year: int | None,
                  workspace: Path, lang: str | None) -> None:
    from wijkloket.report import exports

    language = resolve_lang(lang, workspace)
    check_format(format, output)
    check_level(level)
    with open_workspace(workspace) as ws:
        result = desk_use(ws, kind, min_count)
        table = result.table
        if year is not None:
            table = table[table["year"] == year]
        if level != "all":
            table = table[table["level"].isin([level, "gemeente"])]
        frame = table.assign(synthetic=result.synthetic, population_year=result.population_year)
        if write_output(format, output, language, n=len(frame), csv=lambda: frame,
                        xlsx=lambda p: exports.write_desk_xlsx(frame, result, p, language),
                        gpkg=lambda p: exports.write_desk_gpkg(frame, result.geometry, result.districts, p,
                                                               result.population_year)):
            return
    print_desk(result, table, language, _shown_level(level))


def _desk_cell(by: pd.DataFrame, year: int, lang: str) -> str:
    if year not in by.index:
        return "–"
    r = by.loc[year]
    return "x" if r["suppressed"] else fmt_number(r["value"], lang, 1)


def print_desk(result: DeskResult, table: pd.DataFrame, lang: str, level: str) -> None:
    """Per area and year: 'once every N years' for visits, issued documents per 1000 for issuances."""
    from wijkloket.indicators.desk import TOTAL

    sel = table[(table["product"] == TOTAL[result.kind]) & table["age_band"].isna()]
    years = sorted(sel["year"].unique())
    indicator = "once_every_n_years" if result.kind == "visit" else "issuances_per_1000"
    rows: list[list[str | Cell]] = []
    total_row = None
    for (lv, _code), grp in sel[sel["indicator"] == indicator].groupby(["level", "area_code"], sort=False):
        by = grp.set_index("year")
        if lv == "gemeente":
            total_row = len(rows)
        rows.append([str(grp["area_name"].iloc[0]), *(_desk_cell(by, y, lang) for y in years)])
    named = t("level." + _named(level, result.districts), lang)
    title = t(f"cli.desk_title_{result.kind}", lang, level=named,
              years=f"{years[0]}-{years[-1]}" if years else "-")
    if result.synthetic:
        title += " — " + t("report.synthetic_short", lang).upper()
    columns = [Column(named.capitalize()), *(Column(str(y), "right") for y in years)]
    print_table(TableView(title, columns, rows, total_row, lang=lang))
    say(f"cli.desk_legend_{result.kind}", lang, n=result.threshold, year=result.population_year)
    say("cli.desk_allocation", lang, split=fmt_number(100 * result.share_split, lang, 1),
        pc4=fmt_number(100 * result.share_pc4, lang, 1))
    if result.unmatched:
        say("cli.desk_unmatched", lang, n=fmt_number(result.unmatched, lang))


@app.command()
def access(
    level: LevelOpt = "district",
    mode: ModeOpt = "bike",
    minutes: MinutesOpt = None,
    group: Annotated[list[str] | None, typer.Option()] = None,
    grid: Annotated[float | None, typer.Option()] = None,
    format: FormatOpt = "table",
    output: OutOpt = None,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Distance and travel time per target group to the nearest point of each kind."""
    from wijkloket.report import exports

    language = resolve_lang(lang, workspace)
    check_format(format, output)
    check_level(level)
    reg = registry()
    with open_workspace(workspace) as ws:
        analysis = Analysis(ws, reg)
        res = analysis.access(mode, minutes, group, grid)
        table = res.table if level == "all" else res.table[res.table["level"].isin([level, "gemeente"])]
        frame = table.assign(mode=res.mode, threshold_minutes=res.threshold, method=res.method,
                             synthetic=res.synthetic)
        if write_output(format, output, language, n=len(frame), csv=lambda: frame,
                        xlsx=lambda p: exports.write_access_xlsx(frame, res, reg, analysis.profile().year, p,
                                                                 language),
                        gpkg=lambda p: exports.write_access_gpkg(res.table, res, res.geometry, res.districts, p)):
            return
    print_access(res, table, language, _shown_level(level))


ACCESS_KINDS = ("desk", "library_ido", "community_centre", "social_team", "mobile_stop")


def print_access(res: AccessResult, table: pd.DataFrame, lang: str, level: str) -> None:
    """Per area and kind of point: mean minutes per resident / share within the threshold."""
    kinds = [k for k in ACCESS_KINDS if k in set(table["kind"])]
    sel = table[(table["group"] == "population") & table["kind"].isin(kinds)]
    rows: list[list[str | Cell]] = []
    total_row = None
    for (lv, _code), grp in sel.groupby(["level", "area_code"], sort=False):
        by = grp.set_index(["kind", "indicator"])["value"]
        if lv == "gemeente":
            total_row = len(rows)
        rows.append([str(grp["area_name"].iloc[0]),
                     *(f"{fmt_number(by.get((k, 'minutes')), lang, 0)} / "
                       f"{fmt_number(by.get((k, 'share_within')), lang, 0)}%" for k in kinds)])
    named = t("level." + _named(level, res.districts), lang)
    title = t("cli.access_title", lang, level=named, mode=t("mode." + res.mode, lang),
              minutes=fmt_number(res.threshold, lang))
    if res.synthetic:
        title += " — " + t("report.synthetic_short", lang).upper()
    columns = [Column(named.capitalize()),
               *(Column(f"{t('kind.' + k, lang)}\n{t('cli.access_cols', lang)}", "right") for k in kinds)]
    print_table(TableView(title, columns, rows, total_row, lang=lang))
    say("cli.access_legend", lang, method=t("method." + res.method, lang),
        detour=fmt_number(res.settings.detour_factor, lang, 1),
        speed=fmt_number(res.settings.speeds[res.mode], lang, 1))
