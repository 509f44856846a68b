"""`wijkloket survey draw FRAME -o DIR`: the stratified draw and the invitation codes (thin: parse, call
`usecases.survey_draw`, print per stratum what was drawn and where the merge file and the key are)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wijkloket.cli.common import LangOpt, WorkspaceOpt, resolve_lang, say
from wijkloket.cli.render import Cell, Column, TableView, print_table
from wijkloket.errors import WijkloketError
from wijkloket.usecases.survey_draw import DesignChoice, DrawResult, draw_sample


def _oversample(items: list[str]) -> dict[str, float]:
    from wijkloket.cli.survey import _oversample as parse

    return parse(items)


def survey_draw(
    frame: Annotated[Path, typer.Argument()],
    output: Annotated[Path, typer.Option("-o", "--output")],
    mapping: Annotated[Path | None, typer.Option("--mapping")] = None,
    seed: Annotated[int, typer.Option("--seed")] = 11,
    name: Annotated[str | None, typer.Option("--name")] = None,
    questionnaire: Annotated[Path | None, typer.Option("--questionnaire")] = None,
    by: Annotated[str | None, typer.Option("--by")] = None,
    moe: Annotated[float | None, typer.Option("--moe")] = None,
    response: Annotated[float | None, typer.Option("--response")] = None,
    deff: Annotated[float | None, typer.Option("--deff")] = None,
    allocation: Annotated[str | None, typer.Option("--allocation")] = None,
    total: Annotated[int | None, typer.Option("--total")] = None,
    oversample: Annotated[list[str] | None, typer.Option("--oversample")] = None,
    design: Annotated[Path | None, typer.Option("--design")] = None,
    key: Annotated[Path | None, typer.Option("--key")] = None,
    drop_identifying: Annotated[bool, typer.Option("--drop-identifying")] = False,
    workspace: WorkspaceOpt = Path("."),
    lang: LangOpt = None,
) -> None:
    """Stratified draw from a sampling frame with invitation codes; the merge file goes to DIR, once."""
    language = resolve_lang(lang, workspace)
    given = [f"--{n}" for n, v in (("moe", moe), ("response", response), ("deff", deff),
                                   ("allocation", allocation), ("total", total), ("oversample", oversample))
             if v is not None]
    if design is not None and given:
        raise WijkloketError("error.draw_design_and_options", options=", ".join(given))
    base = DesignChoice()
    choice = DesignChoice(moe if moe is not None else base.moe, response if response is not None else base.response,
                          deff if deff is not None else base.deff, allocation or base.allocation, total,
                          _oversample(oversample or []), design)
    res = draw_sample(workspace, frame, output, mapping_path=mapping, seed=seed, name=name,
                      questionnaire_path=questionnaire, by=by, choice=choice, key_file=key,
                      drop_identifying=drop_identifying)
    _print(res, choice, language)


def _print(res: DrawResult, choice: DesignChoice, lang: str) -> None:
    from wijkloket.i18n import fmt_number, t

    if res.synthetic:
        say("survey.draw.synthetic", lang)
    cols = (Column(t("survey.draw.stratum", lang), strong=True),
            *(Column(t(k, lang), "right") for k in ("survey.draw.frame_count", "survey.draw.sample",
                                                    "survey.draw.inclusion")))
    rows: list[list[str | Cell]] = [
        [str(r.stratum), fmt_number(r.frame_count, lang), fmt_number(r.sample, lang) + (" *" if r.whole else ""),
         fmt_number(100 * r.inclusion_prob, lang, 2)] for r in res.strata.itertuples()]
    n, big_n = int(res.strata["sample"].sum()), int(res.strata["frame_count"].sum())
    rows.append([t("survey.draw.total", lang), fmt_number(big_n, lang), fmt_number(n, lang),
                 fmt_number(100 * n / big_n if big_n else 0.0, lang, 2)])
    title = t("survey.draw.title", lang, level=t("level." + res.level, lang), name=res.survey.name)
    print_table(TableView(title, cols, rows, total_row=len(rows) - 1, lang=lang))
    if res.strata["whole"].any():
        say("survey.draw.whole", lang)
    _print_frame(res, lang)
    if choice.design_file is not None:
        say("survey.draw.design_file", lang, file=str(choice.design_file))
    else:
        say("survey.draw.design_frame", lang, moe=fmt_number(choice.moe, lang, 1),
            response=fmt_number(choice.response, lang, 0), deff=fmt_number(choice.deff, lang, 2),
            allocation=choice.allocation)
    say("survey.draw.stored", lang, name=res.survey.name, version=res.survey.questionnaire_version,
        seed=res.survey.seed, n=fmt_number(n, lang))
    say("survey.draw.merge", lang, file=str(res.merge_file))
    say("survey.draw.key", lang, file=str(res.key_file))


def _print_frame(res: DrawResult, lang: str) -> None:
    from wijkloket.i18n import fmt_number, t

    say("survey.draw.rows", lang, read=fmt_number(res.rows_read, lang), accepted=fmt_number(res.accepted, lang),
        rejected=fmt_number(sum(res.rejected.values()), lang), excluded=fmt_number(sum(res.excluded.values()), lang))
    for reason, count in {**res.rejected, **res.excluded}.items():
        say("survey.draw.reason_line", lang, reason=t("reason.frame_" + reason, lang), n=fmt_number(count, lang),
            rows=", ".join(map(str, res.first_rows.get(reason, []))))
    split = sum(v for k, v in res.lookups.items() if k.endswith("_split"))
    if split:
        say("survey.draw.split", lang, n=fmt_number(split, lang))
    pc4 = sum(v for k, v in res.lookups.items() if k.startswith("pc4"))
    if pc4:
        say("survey.draw.pc4", lang, n=fmt_number(pc4, lang))
    if res.dropped:
        say("survey.draw.dropped", lang, columns=", ".join(res.dropped))
    if res.language_defaulted:
        say("survey.draw.language", lang, n=fmt_number(res.language_defaulted, lang))
