"""`wijkloket plan options | locate | pmedian`: what the options cost and reach, and where new sites go."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from wijkloket.cli.common import (
    FormatOpt,
    LangOpt,
    ModeOpt,
    OutOpt,
    WorkspaceOpt,
    need_output,
    output_lang,
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
from wijkloket.usecases.plan import LocateOutcome, OptionsResult, headline_metrics, solve_orlib

app = typer.Typer(no_args_is_help=True, callback=lang_callback)

TimeLimitOpt = Annotated[float | None, typer.Option()]
OPTIONS_FORMATS = ("table", "csv", "xlsx")  # no gpkg: the options have no geometry (plan locate writes sites)
LOCATE_FORMATS = ("table", "csv", "xlsx", "gpkg")


@app.command("options")
def plan_options(
    scenarios: Annotated[Path | None, typer.Option()] = None,
    draws: Annotated[int | None, typer.Option("--draws")] = None,
    seed: Annotated[int | None, typer.Option("--seed")] = None,
    format: FormatOpt = "table",
    output: OutOpt = None,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Cost and reach per option, with 80% intervals; every assumption printed with its source."""
    language = output_lang(lang, workspace, format, output, OPTIONS_FORMATS)
    reg = registry()
    with open_workspace(workspace) as ws:
        res = Analysis(ws, reg).options(scenarios, language, draws, seed)
    if format == "csv":
        write_csv(res.table, output, language)
        return
    if format == "xlsx":
        from wijkloket.report import exports

        path = need_output(format, output)
        exports.write_options_xlsx(res, path, language)
        say("cli.written", language, file=str(path), n=len(res.table))
        return
    _print_options(res, language)
    say("plan.interval_text", language, draws=fmt_number(res.draws, language),
        distribution=t("plan.distribution." + res.distribution, language), seed=res.seed)
    say("plan.mc_seconds", language, draws=fmt_number(res.draws, language),
        seconds=fmt_number(res.seconds, language, 2))
    say("plan.assumptions_heading", language)
    for name, text in res.assumptions:
        say("plan.assumption_line", language, name=name, text=text)


def _cell(r: dict[str, Any], lang: str) -> Cell:
    """A figure with its 80% interval on a second line, or n.v.t. with the reason."""
    if not r["applies"]:
        return Cell(t("plan.not_applicable", lang), detail=str(r["reason"]))

    def text(v: float) -> str:
        return ("€ " if str(r["unit"]).startswith("EUR") else "") + fmt_number(v, lang)

    same = r["low"] == r["high"] == r["value"]
    interval = "" if same else t("plan.interval", lang, low=text(r["low"]), high=text(r["high"]))
    return Cell(text(r["value"]), detail=interval)


def _print_options(res: OptionsResult, lang: str) -> None:
    metrics = headline_metrics(res.groups)
    labels = res.table.drop_duplicates("metric").set_index("metric")["metric_label"]
    columns = [Column(t("cli.opt_option", lang), "left"), *(Column(str(labels[m]), "right") for m in metrics)]
    rows: list[list[str | Cell]] = []
    for _, grp in res.table.groupby("option", sort=False):
        by = {r["metric"]: r for r in grp.to_dict("records")}
        head = grp.iloc[0]
        rows.append([Cell(str(head["label"]), detail=str(head["sites"] or "")), *(_cell(by[m], lang) for m in metrics)])
    title = t("cli.options_title", lang) + (" — " + t("report.synthetic_short", lang).upper() if res.synthetic else "")
    print_table(TableView(title, columns, rows, lang=lang))


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
    language = output_lang(lang, workspace, format, output, LOCATE_FORMATS)
    with open_workspace(workspace) as ws:
        out = Analysis(ws, registry()).locate(add, objective, weight, mode, minutes, time_limit, capacity)
    from wijkloket.report import exports

    if format == "gpkg":
        path = need_output(format, output)
        layers = exports.write_locate_gpkg(out, out.geometry, path)
        say("cli.written_layers", language, file=str(path), layers=", ".join(layers))
    elif format == "xlsx":
        path = need_output(format, output)
        exports.write_locate_xlsx(out, path, language, objective_unit(out.objective, capacity, language))
        say("cli.written", language, file=str(path), n=len(out.before))
    elif format == "csv":
        write_csv(_locate_frame(out, objective_unit(out.objective, capacity, "en")), output, language)
    else:
        say_locate(out, language, capacity)
        _print_locate(out, language)
        if out.synthetic:
            say("cli.log_synthetic", language)


def objective_unit(objective: str, capacity: bool, lang: str) -> str:
    """The unit of the objective value: the weighted travel minutes summed over residents (p-median;
    over the visits per week with `--capacity`), or the residents within the threshold (MCLP)."""
    if objective == "mclp":
        return t("terminal.unit_mclp", lang)
    return t("terminal.unit_pmedian_capacity" if capacity else "terminal.unit_pmedian", lang)


def _locate_frame(out: LocateOutcome, unit: str) -> pd.DataFrame:
    r = out.result
    frame = pd.concat([out.before.assign(state="now"), out.after.assign(state="with_new_sites")])
    return frame.assign(objective=out.objective, weight=out.weight, sites="; ".join(out.chosen["name"]),
                        objective_value=r.objective, bound=r.bound, objective_unit=unit, gap=r.gap, status=r.status,
                        synthetic=out.synthetic)


def say_locate(out: LocateOutcome, lang: str, capacity: bool = False) -> None:
    """The chosen sites and how good the solution is: objective (with its unit), bound, gap, time."""
    r = out.result
    say("cli.locate_result", lang, sites=", ".join(out.chosen["name"]) or "-", objective=out.objective,
        status=r.status, value=fmt_number(r.objective, lang, 1), bound=fmt_number(r.bound, lang, 1),
        unit=objective_unit(out.objective, capacity, lang), gap=fmt_number(100 * r.gap, lang, 2),
        seconds=fmt_number(r.seconds, lang, 1))


def _print_locate(out: LocateOutcome, lang: str) -> None:
    def reach(row: pd.Series) -> str:
        return f"{fmt_number(row['mean_minutes'], lang, 1)} min / {fmt_number(row['share_within'], lang, 0)}%"

    columns = [Column(t("cli.locate_" + c, lang, minutes=fmt_number(out.threshold, lang)),
                      "left" if c == "area" else "right") for c in ("area", "now", "new")]
    before = out.before.set_index(["level", "area"])
    rows: list[list[str | Cell]] = [[str(area), reach(before.loc[(level, area)]), reach(row)]
                                    for (level, area), row in out.after.set_index(["level", "area"]).iterrows()]
    levels = list(out.after["level"])
    total = levels.index("gemeente") if "gemeente" in levels else None
    print_table(TableView("", columns, rows, total, lang=lang))


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
