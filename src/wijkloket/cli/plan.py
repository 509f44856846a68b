"""`wijkloket plan options | locate | pmedian`: what the options cost and reach, and where new sites go."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from wijkloket.cli.common import (
    FormatOpt,
    LangOpt,
    ModeOpt,
    OutOpt,
    WorkspaceOpt,
    check_format,
    need_output,
    registry,
    resolve_lang,
    say,
    write_csv,
)
from wijkloket.cli.helps import lang_callback
from wijkloket.cli.render import Cell, Column, TableView, print_table
from wijkloket.i18n import fmt_number, t
from wijkloket.usecases import open_workspace
from wijkloket.usecases.analysis import Analysis
from wijkloket.usecases.plan import LocateOutcome, solve_orlib

app = typer.Typer(no_args_is_help=True, callback=lang_callback)

TimeLimitOpt = Annotated[float | None, typer.Option()]
OPTION_COLUMNS = ("option", "cost", "visits", "per_visit", "within", "reached", "per_reached", "hours")


@app.command("options")
def plan_options(
    scenarios: Annotated[Path | None, typer.Option()] = None,
    format: FormatOpt = "table",
    output: OutOpt = None,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Cost and reach per option, every assumption printed."""
    language = resolve_lang(lang, workspace)
    check_format(format, output, ("table", "csv", "xlsx"))
    reg = registry()
    with open_workspace(workspace) as ws:
        res = Analysis(ws, reg).options(scenarios, language)
    frame = res.table.assign(synthetic=res.synthetic)
    if format == "csv":
        write_csv(frame, output, language)
        return
    if format == "xlsx":
        from wijkloket.report import exports

        path = need_output(format, output)
        exports.write_options_xlsx(frame, res.assumptions, path)
        say("cli.written", language, file=str(path), n=len(frame))
        return
    target = next((g for g in res.groups if g != "population"), "population")
    _print_options(frame, target, reg.get(target).short(language), res.synthetic, language)
    say("cli.options_assumptions", language, items="; ".join(f"{k} = {v}" for k, v in res.assumptions))
    for r in frame.to_dict("records"):
        say("cli.options_option_assumptions", language, label=r["label"], items=r["assumptions"])


def _print_options(frame: pd.DataFrame, target: str, target_label: str, synthetic: bool, lang: str) -> None:
    def euro(value: float | None) -> str:
        return "€ " + fmt_number(value, lang)

    columns = [Column(t("cli.opt_" + c, lang, group=target_label), "left" if c == "option" else "right")
               for c in OPTION_COLUMNS]
    rows: list[list[str | Cell]] = [
        [Cell(str(r["label"]), detail=str(r["sites"]) if r.get("sites") else ""),
         euro(r["annual_cost"]), fmt_number(r["visits_served"], lang), euro(r["cost_per_visit"]),
         fmt_number(r.get(f"newly_within_{target}"), lang), fmt_number(r.get(f"reached_{target}"), lang),
         euro(r.get("cost_per_target_reached")), fmt_number(r["travel_hours_saved"], lang)]
        for r in frame.to_dict("records")]
    title = t("cli.options_title", lang) + (" — " + t("report.synthetic_short", lang).upper() if synthetic else "")
    print_table(TableView(title, columns, rows))


@app.command("locate")
def plan_locate(
    add: Annotated[int, typer.Option("--add")] = 1,
    objective: Annotated[str, typer.Option()] = "pmedian",
    weight: Annotated[str, typer.Option()] = "population",
    mode: ModeOpt = "bike",
    minutes: Annotated[float | None, typer.Option("--minutes")] = None,
    time_limit: Annotated[float, typer.Option()] = 60.0,
    capacity: Annotated[bool, typer.Option("--capacity")] = False,
    format: FormatOpt = "table",
    output: OutOpt = None,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """The best new sites among the candidates, existing desks fixed (exact, HiGHS)."""
    language = resolve_lang(lang, workspace)
    check_format(format, output, ("table", "csv", "gpkg"))
    with open_workspace(workspace) as ws:
        out = Analysis(ws, registry()).locate(add, objective, weight, mode, minutes, time_limit, capacity)
    if format == "gpkg":
        from wijkloket.report import exports

        path = need_output(format, output)
        layers = exports.write_locate_gpkg(out, out.geometry, path)
        say("cli.written_layers", language, file=str(path), layers=", ".join(layers))
    elif format == "csv":
        write_csv(_locate_frame(out), output, language)
    else:
        say_locate(out, language)
        _print_locate(out, language)
        if out.synthetic:
            say("cli.log_synthetic", language)


def _locate_frame(out: LocateOutcome) -> pd.DataFrame:
    r = out.result
    frame = pd.concat([out.before.assign(state="now"), out.after.assign(state="with_new_sites")])
    return frame.assign(objective=out.objective, weight=out.weight, sites="; ".join(out.chosen["name"]),
                        objective_value=r.objective, bound=r.bound, gap=r.gap, status=r.status,
                        synthetic=out.synthetic)


def say_locate(out: LocateOutcome, lang: str) -> None:
    """The chosen sites and how good the solution is: objective, bound, gap, time."""
    r = out.result
    say("cli.locate_result", lang, sites=", ".join(out.chosen["name"]) or "-", objective=out.objective,
        status=r.status, value=fmt_number(r.objective, lang, 1), bound=fmt_number(r.bound, lang, 1),
        gap=fmt_number(100 * r.gap, lang, 2), seconds=fmt_number(r.seconds, lang, 1))


def _print_locate(out: LocateOutcome, lang: str) -> None:
    def reach(row: pd.Series) -> str:
        return f"{fmt_number(row['mean_minutes'], lang, 1)} min / {fmt_number(row['share_within'], lang, 0)}%"

    columns = [Column(t("cli.locate_" + c, lang, minutes=fmt_number(out.threshold, lang)),
                      "left" if c == "area" else "right") for c in ("area", "now", "new")]
    before = out.before.set_index("area")
    rows: list[list[str | Cell]] = [[str(area), reach(before.loc[area]), reach(row)]
                                    for area, row in out.after.set_index("area").iterrows()]
    print_table(TableView("", columns, rows))


@app.command("pmedian")
def plan_pmedian(
    orlib: Annotated[Path, typer.Option("--orlib")],
    time_limit: TimeLimitOpt = None,
    lang: LangOpt = None,
) -> None:
    """Solve a standard OR-Library p-median instance and print JSON."""
    import json

    resolve_lang(lang)  # --lang only sets the language of help and error messages here
    print(json.dumps(solve_orlib(orlib, time_limit)))
