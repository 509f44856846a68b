"""Help texts in the user's language.

Commands are declared without help texts; the texts live in `i18n/cli.toml` under `[cli.help]`:
`command.<key>` for a command (`<key>` is its path joined by `_`, e.g. `plan_locate`; the app itself
is `app`), `<key>.<parameter>` for a parameter of one command, and `option.<parameter>` for a
parameter shared by many. Typer builds a fresh click command tree each time the app runs;
`LocalisedGroup.main` fills that tree in before click parses anything, in the language decided at
start-up: `--lang en|nl` on the command line, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`; a
value starting with `en` is English), else Dutch.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import typer
from rich.markup import escape
from typer.core import TyperArgument, TyperGroup, TyperOption

from wijkloket.cli.common import LangOpt
from wijkloket.cli.ranges import check_ranges
from wijkloket.i18n import DEFAULT_LANG, LANGUAGES, catalogue, check_lang, t

LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def argv_lang(argv: Sequence[str]) -> str | None:
    """The last valid `--lang X` or `--lang=X` in `argv`, if any."""
    found = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        else:
            continue
        if value in LANGUAGES:
            found = value
    return found


def locale_lang(environ: Mapping[str, str]) -> str:
    """English when the first locale variable that is set starts with `en`, else Dutch (POSIX order)."""
    for name in LOCALE_VARIABLES:
        value = environ.get(name)
        if value:
            return "en" if value.lower().startswith("en") else DEFAULT_LANG
    return DEFAULT_LANG


def help_language(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    return argv_lang(argv) or locale_lang(environ)


def _help(key: str, lang: str) -> str:
    # Help is rendered as Rich markup by Typer: escape it so a bracket in a text shows as written.
    return escape(t(key, lang))


def _param_key(command_key: str, name: str) -> str:
    own = f"cli.help.{command_key}.{name}"
    return own if own in catalogue() else f"cli.help.option.{name}"


def localise(command: Any, lang: str, path: tuple[str, ...] = ()) -> None:
    """Fill in the help of `command`, its parameters (with `--help`) and its sub-commands in `lang`.

    A text missing from the catalogue is a KeyError: the tests walk the whole tree in both languages."""
    key = "_".join(path) or "app"
    command.help = _help(f"cli.help.command.{key}", lang)
    for param in command.params:
        if isinstance(param, TyperOption | TyperArgument):
            param.help = _help(_param_key(key, str(param.name)), lang)
    help_option = command.get_help_option(typer.Context(command))
    if help_option is not None:
        help_option.help = _help("cli.help.option.help", lang)
    for name, sub in getattr(command, "commands", {}).items():
        localise(sub, lang, (*path, name))


class LocalisedGroup(TyperGroup):
    """The root group: localises the command tree before running it."""

    def main(self, args: Sequence[str] | None = None, *rest: Any, **extra: Any) -> Any:
        localise(self, help_language(sys.argv[1:] if args is None else args, os.environ))
        check_ranges(self)
        return super().main(args, *rest, **extra)


def _lang_defaults(command: Any, lang: str) -> dict[str, Any]:
    return {name: {"lang": lang, **_lang_defaults(sub, lang)}
            for name, sub in getattr(command, "commands", {}).items()}


def lang_callback(ctx: typer.Context, lang: LangOpt = None) -> None:
    """A group's `--lang`: the language of its help and the default `--lang` of every command under it."""
    if lang is not None:
        ctx.default_map = _lang_defaults(ctx.command, check_lang(lang))
