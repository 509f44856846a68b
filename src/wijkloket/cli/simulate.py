"""`wijkloket simulate`: calibrated synthetic desk exports, for demonstrations and tests."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from wijkloket.cli.common import LangOpt, builtin_cbs_files, err, registry, resolve_lang, say
from wijkloket.config import check_gemeente_code
from wijkloket.errors import WijkloketError
from wijkloket.i18n import fmt_number, t
from wijkloket.usecases.simulate import simulate_all

app = typer.Typer()


def _years(text: str) -> tuple[int, int]:
    """`2019-2025` as (2019, 2025)."""
    m = re.fullmatch(r"\s*(\d{4})\s*-\s*(\d{4})\s*", text)
    if not m or int(m.group(1)) > int(m.group(2)):
        raise WijkloketError("error.bad_years", years=text)
    return int(m.group(1)), int(m.group(2))


@app.command()
def simulate(
    gemeente: Annotated[str, typer.Option()],
    output: Annotated[Path, typer.Option("-o", "--output")],
    years: Annotated[str, typer.Option()] = "2019-2025",
    seed: Annotated[int, typer.Option()] = 7,
    cbs: Annotated[list[Path] | None, typer.Option()] = None,
    workspace: Annotated[Path | None, typer.Option("--workspace", "-w")] = None,
    lang: LangOpt = None,
) -> None:
    """Realistic exports marked as synthetic: appointment log, issuances, postcode table, service points."""
    language = resolve_lang(lang, workspace)
    gm = check_gemeente_code(gemeente)
    period = _years(years)
    with err.status(t("cli.simulating", language)):
        out = simulate_all(gm, period, seed, output, registry(), cbs or builtin_cbs_files(), workspace)
    res, points_file = out.exports, out.points
    say("cli.simulated", language, visits=fmt_number(res.n_visits, language),
        issuances=fmt_number(res.n_issuances, language), folder=str(output))
    for f in (res.visits_csv, res.visits_mapping, res.issuances_xlsx, res.issuances_mapping, res.postcodes_csv,
              res.readme, points_file, *(out.frame or ())):
        if f is not None:
            say("cli.simulated_file", language, file=str(f))
    if res.planted_csv is not None:
        say("cli.simulated_planted", language, file=str(res.planted_csv))
    for name, value, source in out.assumptions:
        say("cli.simulated_assumption", language, name=name, value=value, source=source)
