"""`wijkloket staff add | list | disable`: the accounts of the staff pages of `wijkloket serve`.

The password is asked twice with a hidden prompt, or read from the first line of standard input with
`--password-stdin` (for scripts); it is never echoed, printed or stored (only its Argon2id hash is).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from wijkloket.cli.common import LangOpt, WorkspaceOpt, resolve_lang, say
from wijkloket.cli.helps import lang_callback
from wijkloket.cli.render import Column, TableView, print_table
from wijkloket.errors import WijkloketError
from wijkloket.i18n import t
from wijkloket.usecases import web_staff

app = typer.Typer(no_args_is_help=True, callback=lang_callback)


def _password(from_stdin: bool, lang: str) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = typer.prompt(t("staff.cli.password", lang, n=web_staff.MIN_PASSWORD), hide_input=True,
                         prompt_suffix=" ", err=True)
    second = typer.prompt(t("staff.cli.password_again", lang), hide_input=True, prompt_suffix=" ", err=True)
    if first != second:
        raise WijkloketError("error.staff_password_mismatch")
    return str(first)


@app.command("add")
def staff_add(name: Annotated[str, typer.Argument()],
              password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
              workspace: WorkspaceOpt = Path("."), lang: LangOpt = None) -> None:
    """Make a staff account; the password is asked twice (hidden) or read from standard input."""
    language = resolve_lang(lang, workspace)
    web_staff.check_username(name)  # before the password is asked
    acc = web_staff.create_account(workspace, name, _password(password_stdin, language))
    say("staff.cli.added", language, username=acc.username)


@app.command("list")
def staff_list(workspace: WorkspaceOpt = Path("."), lang: LangOpt = None) -> None:
    """The staff accounts: name, the day it was made, and whether it is disabled."""
    language = resolve_lang(lang, workspace)
    accounts = web_staff.list_accounts(workspace)
    if not accounts:
        say("staff.cli.none", language)
        return
    cols = (Column(t("staff.cli.col_username", language), strong=True), Column(t("staff.cli.col_created", language)),
            Column(t("staff.cli.col_state", language)))
    rows = [[a.username, a.created_on, t("staff.cli.disabled" if a.disabled else "staff.cli.active", language)]
            for a in accounts]
    print_table(TableView(t("staff.cli.title", language, n=len(accounts)), cols, rows, lang=language))


@app.command("disable")
def staff_disable(name: Annotated[str, typer.Argument()], workspace: WorkspaceOpt = Path("."),
                  lang: LangOpt = None) -> None:
    """Disable a staff account: it can no longer log in (its open sessions end at the next page)."""
    language = resolve_lang(lang, workspace)
    acc = web_staff.disable_account(workspace, name)
    say("staff.cli.disabled_done", language, username=acc.username)
