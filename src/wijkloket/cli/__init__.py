"""The command line: parses input, calls the core, formats what it returns. Nothing else.

One module per group of commands (`workspace`, `add`, `fetch`, `analyse`, `plan`, `simulate`); `common`
holds what they share, `render` draws every terminal table, `helps` puts the help texts (from
`i18n/cli.toml`) in the user's language, and `errors` is the one place that turns errors into exit
codes.
"""

from __future__ import annotations

import functools
import sys
from typing import Any

import typer
import typer.main

from wijkloket.cli import add, analyse, fetch, forecast, plan, serve, simulate, staff, survey, underuse, workspace
from wijkloket.cli import compare as compare_cmd
from wijkloket.cli.errors import exit_codes
from wijkloket.cli.helps import LocalisedGroup, lang_callback

app = typer.Typer(cls=LocalisedGroup, callback=lang_callback, no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)
app.add_typer(workspace.app)
app.add_typer(add.app, name="add")
app.add_typer(fetch.app, name="fetch")
app.add_typer(analyse.app)
app.add_typer(compare_cmd.app)
app.add_typer(plan.app, name="plan")
app.add_typer(simulate.app)
app.add_typer(underuse.app)
app.add_typer(forecast.app)
app.add_typer(survey.app, name="survey")
app.add_typer(serve.app)
app.add_typer(staff.app, name="staff")


@functools.cache
def command() -> Any:
    """The click command tree of `app`, built once per process: `app()` has typer build it afresh on every
    call (~0.05 s), which runs of the command line inside one process (tests, batches) paid each time.
    `LocalisedGroup.main` fills in its help texts and range checks again on every run."""
    return typer.main.get_command(app)


def main() -> None:
    """Entry point: user mistakes become one clear message and exit code 2, a bug a short message with a
    crash log and exit code 1; never a traceback (see `cli.errors`)."""
    with exit_codes(sys.argv[1:]):
        command()()


__all__ = ["app", "main"]
