"""`wijkloket survey enter | close`: paper and phone answers into the survey database, and closing fieldwork."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from wijkloket.cli.common import LangOpt, SurveyOpt, WorkspaceOpt, err, literal, resolve_lang, say
from wijkloket.cli.render import Column, TableView, print_table
from wijkloket.i18n import fmt_number, t
from wijkloket.usecases import survey_entry

ModeOpt = Annotated[str, typer.Option("--mode")]
KeyOpt = Annotated[Path | None, typer.Option("--key")]
RejectsOpt = Annotated[Path | None, typer.Option("--rejects")]


def survey_enter(file: Annotated[Path, typer.Argument()], mode: ModeOpt = "paper", survey: SurveyOpt = None,
                 key: KeyOpt = None, rejects: RejectsOpt = None, workspace: WorkspaceOpt = Path("."),
                 lang: LangOpt = None) -> None:
    """Enter paper or phone answers from a CSV or Excel file; every row is accepted or rejected with its reason."""
    language = resolve_lang(lang, workspace)
    with err.status(literal(t("cli.reading", language, file=file.name))):
        rep = survey_entry.enter(workspace, None, file, mode, survey, key)
    if rep.already_entered:
        say("survey.entry.already", language, file=rep.file, survey=rep.survey)
        return
    _print_entry(rep, language)
    if rejects is not None and rep.rejected:
        from wijkloket.report import exports

        exports.write_csv(survey_entry.rejects_frame(rep.rejected, language), rejects)
        say("survey.entry.rejects_written", language, file=str(rejects), n=len(rep.rejected))


def _print_entry(rep: survey_entry.EntryReport, lang: str) -> None:
    say("survey.entry.done", lang, file=rep.file, survey=rep.survey, read=fmt_number(rep.rows_read, lang),
        accepted=fmt_number(rep.accepted, lang), partial=fmt_number(rep.partial, lang),
        rejected=fmt_number(rep.rows_rejected, lang))
    rows: list[list[Any]] = [[t("survey.entry.accepted_" + m, lang), fmt_number(n, lang)]
                             for m, n in sorted(rep.by_mode.items())]
    rows += [[t("survey.reject." + r, lang), fmt_number(n, lang)] for r, n in rep.rejected_by_reason.items()]
    if rows:
        cols = (Column(t("survey.entry.outcome", lang), strong=True), Column(t("survey.entry.rows", lang), "right"))
        print_table(TableView(t("survey.entry.title", lang, survey=rep.survey), cols, rows, lang=lang))
    for p in rep.first_problems:
        say("survey.entry.problem", lang, row=p["row"], column=p["column"], reason=survey_entry.problem_text(p, lang))
    if len(rep.rejected) > len(rep.first_problems):
        say("survey.entry.more_problems", lang, n=len(rep.rejected) - len(rep.first_problems))
    if rep.synthetic:
        say("survey.entry.synthetic", lang)


def survey_close(unlink: Annotated[bool, typer.Option("--unlink")] = False, survey: SurveyOpt = None,
                 workspace: WorkspaceOpt = Path("."), lang: LangOpt = None) -> None:
    """Close the fieldwork of the survey; with --unlink, break the link between answers and codes for good."""
    language = resolve_lang(lang, workspace)
    rep = survey_entry.close(workspace, None, survey, unlink)
    say("survey.close.already" if rep.was_closed else "survey.close.done", language, survey=rep.survey,
        date=rep.closed_at, n=fmt_number(rep.responses, language))
    if unlink:
        say("survey.close.unlinked", language, n=fmt_number(rep.unlinked, language))
