"""`wijkloket compare`: two CBS years of the workspace side by side, across a change of indeling only
with an area crosswalk."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from wijkloket.cli.common import LangOpt, OutOpt, WorkspaceOpt, check_format, registry, resolve_lang, say, write_output
from wijkloket.cli.render import Column, TableView, print_table
from wijkloket.i18n import decimals_for, fmt_number, t
from wijkloket.usecases import open_workspace
from wijkloket.usecases.vintages import compare_years, read_crosswalk

app = typer.Typer()


def _cell(value: float, decimals: int, lang: str) -> str:
    return "-" if pd.isna(value) else fmt_number(float(value), lang, decimals)


@app.command()
def compare(
    from_year: Annotated[int, typer.Option("--from")],
    to_year: Annotated[int, typer.Option("--to")],
    crosswalk: Annotated[Path | None, typer.Option()] = None,
    indicator: Annotated[list[str] | None, typer.Option()] = None,
    format: Annotated[str, typer.Option("--format")] = "table",
    output: OutOpt = None,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Two CBS years side by side."""
    language = resolve_lang(lang, workspace)
    check_format(format, output, ("table", "csv"))
    reg = registry()
    cw = read_crosswalk(crosswalk) if crosswalk is not None else None
    with open_workspace(workspace) as ws:
        table, changes = compare_years(ws, reg, from_year, to_year, cw, indicator or None)
        names = ws.areas(to_year)["name"].fillna("").to_dict()
    table = table[table["value_a"].notna() | table["value_b"].notna()]
    if write_output(format, output, language, n=len(table), xlsx=lambda p: None,
                    csv=lambda: table.assign(year_a=from_year, year_b=to_year)):
        return
    inds = [reg.get(i) for i in dict.fromkeys(table["indicator"])]
    columns = [Column(t("cli.compare_area", language)),
               *(Column(f"{i.short(language)}\n{from_year} → {to_year}", "right") for i in inds)]
    rows: list[list[str]] = []
    for code, grp in table.groupby("area_code", sort=False):
        by = grp.set_index("indicator")
        cells = [f"{_cell(by.loc[i.id, 'value_a'], decimals_for(i.unit), language)} → "
                 f"{_cell(by.loc[i.id, 'value_b'], decimals_for(i.unit), language)}" if i.id in by.index else "-"
                 for i in inds]
        rows.append([str(names.get(code) or code), *cells])
    print_table(TableView(t("cli.compare_title", language, a=from_year, b=to_year), columns, rows, lang=language))
    for c in changes:
        say("note.indeling_changed", language, level=c.level, year_a=c.year_a, year_b=c.year_b, n_a=c.n_a,
            n_b=c.n_b, common=c.common)
        if cw is None:
            say("cli.compare_gemeente_only", language)
