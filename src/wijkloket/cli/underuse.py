"""`wijkloket underuse`: which areas use the desk significantly less than expected, for which products.

The table shows, per area of one level, the index (100 = as expected) with its 95% interval for the top
products, for the whole log or one year; csv and xlsx write the tidy table (every level, year and product
unless filtered); `--funnel FILE.png` also writes the funnel plot."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from wijkloket.cli.common import (
    FormatOpt,
    LangOpt,
    LevelOpt,
    OutOpt,
    WorkspaceOpt,
    YearOpt,
    check_format,
    registry,
    resolve_lang,
    say,
    write_output,
)
from wijkloket.cli.render import Cell, Column, TableView, print_table
from wijkloket.errors import WijkloketError
from wijkloket.i18n import fmt_number, t
from wijkloket.usecases import open_workspace
from wijkloket.usecases.analysis import Analysis
from wijkloket.usecases.underuse import UnderuseResult

app = typer.Typer()

LEVELS = ("buurt", "wijk", "district", "all")
FORMATS = ("table", "csv", "xlsx")
SHOWN = {"visit": ("passport", "id_card", "driving_licence", "brp_extract", "declaration", "top"),
         "issuance": ("passport", "id_card", "driving_licence", "all")}
"""The products the terminal table shows per kind (the top products and the total)."""


@app.command()
def underuse(
    level: LevelOpt = "district",
    format: FormatOpt = "table",
    output: OutOpt = None,
    year: YearOpt = None,
    product: Annotated[str | None, typer.Option()] = None,
    min_count: Annotated[int, typer.Option("--min-count")] = 10,
    funnel: Annotated[Path | None, typer.Option("--funnel")] = None,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Areas that use the desk significantly less than expected for their residents' ages, per product."""
    from wijkloket.report.sections import underuse as section

    language = resolve_lang(lang, workspace)
    check_format(format, output, FORMATS)
    if level not in LEVELS:
        raise WijkloketError("error.unknown_level", level=level, known=", ".join(LEVELS))
    with open_workspace(workspace) as ws:
        res: UnderuseResult = Analysis(ws, registry()).underuse(min_count)
    table = _select(res.table, level, year, product, res.levels)
    tr = _tr(language)
    notes = [t("underuse.method", language, n=res.threshold),
             *section.caveats(tr, lambda v, d=0: fmt_number(v, language, d), res)]
    if write_output(format, output, language, n=len(table), csv=lambda: table,
                    xlsx=lambda p: section.write_xlsx(table, p, notes), gpkg=lambda p: []):
        if output is not None:
            for note in notes[1:]:
                say("underuse.cli_note", language, text=note)
    else:
        print_underuse(res, table, language, "district" if level == "all" else level, year)
        for note in notes[1:]:
            say("underuse.cli_note", language, text=note)
    if funnel is not None:
        shown = "wijk" if level == "all" else level
        panels = [p for p in section.FUNNEL_PANELS if product is None or p[1] == product]
        png = section.funnel_figure_png(res, language, tr, shown if shown in res.levels else section.funnel_level(res),
                                        year, panels)
        _write_png(funnel, png)
        say("underuse.funnel_written", language, file=str(funnel))


def _tr(lang: str) -> Callable[..., str]:
    return lambda key, **params: t(key, lang, **params)


def _select(table: pd.DataFrame, level: str, year: int | None, product: str | None, levels: list[str]) -> pd.DataFrame:
    """The rows asked for; an unknown level, year or product is an error that names the known ones."""
    if level != "all" and level not in levels:
        raise WijkloketError("error.unknown_level", level=level, known=", ".join([*levels, "all"]))
    if product is not None and product not in set(table["product"]):
        raise WijkloketError("error.underuse_unknown_product", product=product,
                             known=", ".join(dict.fromkeys(table["product"])))
    years = sorted({int(y) for y in table["year"].dropna()})
    if year is not None and year not in years:
        raise WijkloketError("error.underuse_unknown_year", year=year, known=", ".join(map(str, years)))
    sel = table if level == "all" else table[table["level"] == level]
    if year is not None:
        sel = sel[sel["year"] == year]
    if product is not None:
        sel = sel[sel["product"] == product]
    return sel.reset_index(drop=True)


def _write_png(path: Path, png: bytes) -> None:
    from wijkloket.report.exports import writing

    writing(path)  # a folder in the way or no permission: a user error; a full disk: the guard names the file
    path.write_bytes(png)


def _cell(row: pd.Series | None, lang: str) -> Cell:
    if row is None:
        return Cell("–")
    if row["suppressed"]:
        return Cell("x")
    text = (f"{fmt_number(row['ratio'], lang)} ({fmt_number(row['ci_low'], lang)}–"
            f"{fmt_number(row['ci_high'], lang)})")
    if row["flag"]:
        return Cell(text + " " + t("underuse.flag_mark", lang), "much_worse")
    return Cell(text)


def print_underuse(res: UnderuseResult, table: pd.DataFrame, lang: str, level: str, year: int | None) -> None:
    """Per kind: one row per area of `level`, one column per top product: index (interval), flagged ones
    marked."""
    from wijkloket.report.sections.underuse import KIND_KEYS

    years = res.years
    period = str(year) if year is not None else f"{min(years)}-{max(years)}"
    sel = table[(table["level"] == level) & (table["year"] == year if year is not None else table["year"].isna())]
    for kind in res.kinds:
        part = sel[sel["kind"] == kind]
        have = list(dict.fromkeys(part["product"]))
        products = [p for p in SHOWN[kind] if p in have] or have  # --product collect_document: that one
        if not products:
            continue
        rows: list[list[str | Cell]] = []
        for _code, grp in part.groupby("area_code", sort=False):
            by = {r["product"]: r for _, r in grp.iterrows()}
            rows.append([str(grp["area_name"].iloc[0]), *(_cell(by.get(p), lang) for p in products)])
        title = t("underuse.cli_title", lang, what=t(KIND_KEYS[kind], lang), level=t("level." + level, lang),
                  period=period)
        if res.synthetic:
            title += " — " + t("report.synthetic_short", lang).upper()
        columns = [Column(t("level." + level, lang).capitalize()),
                   *(Column(t("product." + p, lang), "right") for p in products)]
        print_table(TableView(title, columns, rows, lang=lang))
    say("underuse.cli_legend", lang, mark=t("underuse.flag_mark", lang), n=res.threshold, year=res.population_year)
