"""`wijkloket survey new | check | design`: the needs survey's questionnaire as a TOML file, and its sample design."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wijkloket.cli.common import (
    FormatOpt,
    LangOpt,
    OutOpt,
    WorkspaceOpt,
    output_lang,
    registry,
    resolve_lang,
    say,
    write_output,
)
from wijkloket.cli.helps import lang_callback
from wijkloket.cli.render import Cell, Column, TableView, print_table
from wijkloket.cli.survey_analysis import survey_monitor, survey_results, survey_weight
from wijkloket.cli.survey_draw import survey_draw
from wijkloket.cli.survey_fieldwork import survey_close, survey_enter
from wijkloket.errors import WijkloketError
from wijkloket.usecases import open_workspace
from wijkloket.usecases.analysis import Analysis
from wijkloket.usecases.survey import check_questionnaire, new_questionnaire
from wijkloket.usecases.survey_design import DesignResult, sample_design

DESIGN_FORMATS = ("table", "csv", "xlsx")

app = typer.Typer(no_args_is_help=True, callback=lang_callback)
app.command("draw")(survey_draw)


@app.command("new")
def survey_new(name: Annotated[Path, typer.Argument()], lang: LangOpt = None) -> None:
    """Write the default questionnaire to NAME/vragenlijst.toml (or to NAME when it ends in .toml)."""
    language = resolve_lang(lang)
    res = new_questionnaire(name)
    q = res.questionnaire
    say("survey.written", language, file=str(res.path), n=len(q.questions), version=q.version)


@app.command("check")
def survey_check(file: Annotated[Path, typer.Argument()], lang: LangOpt = None) -> None:
    """Check a questionnaire file; every mistake is named with its question and field (exit code 2)."""
    language = resolve_lang(lang)
    q = check_questionnaire(file)
    routed = sum(1 for x in q.questions if x.show_if is not None)
    say("survey.check_ok", language, file=str(file), n=len(q.questions), routed=routed, version=q.version,
        languages=", ".join(q.languages))


def _oversample(items: list[str]) -> dict[str, float]:
    """`--oversample NAME=FACTOR` (repeatable) as a mapping."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, factor = item.rpartition("=")
        try:
            out[name] = float(factor)
        except ValueError:
            sep = ""
        if not sep or not name:
            raise WijkloketError("error.survey_oversample_form", value=item)
    return out


@app.command("design")
def survey_design(
    moe: Annotated[float, typer.Option("--moe")] = 5.0,
    response: Annotated[float, typer.Option("--response")] = 30.0,
    by: Annotated[str, typer.Option("--by")] = "district",
    deff: Annotated[float, typer.Option("--deff")] = 1.0,
    allocation: Annotated[str, typer.Option("--allocation")] = "per_stratum",
    total: Annotated[int | None, typer.Option("--total")] = None,
    oversample: Annotated[list[str] | None, typer.Option("--oversample")] = None,
    format: FormatOpt = "table",
    output: OutOpt = None,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Sample size per stratum for a 95% margin of error, the expected response and a design effect."""
    language = output_lang(lang, workspace, format, output, DESIGN_FORMATS)
    if by not in ("district", "wijk"):
        raise WijkloketError("error.survey_by", value=by)
    extra = _oversample(oversample or [])
    with open_workspace(workspace) as ws:
        res = sample_design(Analysis(ws, registry()), by, moe, response, deff, allocation, total, extra)
    from wijkloket.report import exports

    if not write_output(format, output, language, n=len(res.table) + 1, csv=lambda: res.table,
                        xlsx=lambda path: exports.write_design_xlsx(res, path, language)):
        _print_design(res, language, moe, response, deff)


def _print_design(res: DesignResult, lang: str, moe: float, response: float, deff: float) -> None:
    from wijkloket.i18n import fmt_number, t

    cols = (Column(t("survey.design.stratum", lang), strong=True),
            *(Column(t(k, lang), "right") for k in ("survey.design.population", "survey.design.net_sample",
                                                    "survey.design.gross_sample", "survey.design.moe")))
    rows: list[list[str | Cell]] = [
        [str(r.stratum), fmt_number(r.population, lang), fmt_number(r.net_sample, lang),
         fmt_number(r.gross_sample, lang) + (" *" if r.capped else ""), fmt_number(r.moe_achieved, lang, 1)]
        for r in res.table.itertuples()]
    sums = res.table[["population", "net_sample", "gross_sample"]].sum()
    rows.append([t("survey.design.total", lang), *(fmt_number(float(v), lang) for v in sums), ""])
    title = t("survey.design.title", lang, level=t("level." + res.level, lang), year=res.year)
    print_table(TableView(title, cols, rows, total_row=len(rows) - 1, lang=lang))
    say("survey.design.legend", lang, moe=fmt_number(moe, lang, 1), response=fmt_number(response, lang, 0),
        deff=fmt_number(deff, lang, 2), year=res.year)


app.command("enter")(survey_enter)
app.command("close")(survey_close)
app.command("monitor")(survey_monitor)
app.command("weight")(survey_weight)
app.command("results")(survey_results)
