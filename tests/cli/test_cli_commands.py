"""Every command of the command tree: a help text and a help line per parameter, in Dutch and English,
the help language chosen at start-up, and a place in the README."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.main import get_command

from wijkloket.cli import app, main
from wijkloket.cli.helps import argv_lang, help_language, locale_lang, localise
from wijkloket.i18n import LANGUAGES

Cli = Callable[..., tuple[int, str, str]]
README = Path(__file__).parents[2] / "README.md"
LEAVES = {
    "init", "sources", "report", "demo", "add cbs", "add districts", "add postcodes", "add visits",
    "add issuances", "add points", "add network", "profile", "usage", "issuances", "access", "plan options",
    "plan locate", "plan pmedian", "simulate", "underuse", "forecast", "survey new", "survey check", "survey design",
    "survey draw", "survey enter", "survey close", "survey monitor", "survey weight", "survey results",
    "staff add", "staff list", "staff disable", "serve", "fetch cbs", "compare",
}
HELP_LINE = {"nl": "Toon deze hulp en stop.", "en": "Show this help and exit."}


def _walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _walk(sub, (*path, name))


def _tree(lang: str) -> list[tuple[tuple[str, ...], Any]]:
    root = get_command(app)
    localise(root, lang)
    return list(_walk(root))


@pytest.fixture
def no_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


def test_the_tree_holds_every_command() -> None:
    leaves = {" ".join(p) for p, c in _tree("nl") if not getattr(c, "commands", None)}
    assert leaves == LEAVES


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_command_and_parameter_has_help(lang: str) -> None:
    for path, command in _tree(lang):
        assert command.help and command.help.strip(), path
        params = [*command.params, command.get_help_option(typer.Context(command))]
        for param in params:
            assert param.help and param.help.strip(), (path, param.name)


def test_dutch_and_english_help_differ() -> None:
    nl, en = _tree("nl"), _tree("en")
    for (path, c_nl), (_, c_en) in zip(nl, en, strict=True):
        assert c_nl.help != c_en.help, path


@pytest.mark.parametrize("path", [(), ("add",), ("plan",), *(tuple(p.split()) for p in sorted(LEAVES))])
def test_help_output_follows_lang(path: tuple[str, ...], cli: Cli, no_locale: None) -> None:
    code_nl, out_nl, _ = cli(*path, "--help")
    code_en, out_en, _ = cli(*path, "--help", "--lang", "en")
    assert code_nl == code_en == 0
    assert "Usage" in out_nl and HELP_LINE["nl"] in out_nl and HELP_LINE["en"] not in out_nl
    assert HELP_LINE["en"] in out_en and HELP_LINE["nl"] not in out_en
    assert out_nl != out_en


def test_help_language_from_the_locale(cli: Cli, monkeypatch: pytest.MonkeyPatch, no_locale: None) -> None:
    assert HELP_LINE["nl"] in cli("--help")[1]
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert HELP_LINE["en"] in cli("plan", "locate", "--help")[1]
    assert HELP_LINE["nl"] in cli("plan", "locate", "--help", "--lang", "nl")[1]  # --lang wins
    monkeypatch.setenv("LC_ALL", "nl_NL.UTF-8")  # LC_ALL wins over LANG
    assert HELP_LINE["nl"] in cli("add", "--help")[1]


def test_help_language_rules() -> None:
    assert argv_lang(["sources", "--lang", "en"]) == "en"
    assert argv_lang(["--lang=en", "sources", "--lang", "nl"]) == "nl"  # the last one, as click does
    assert argv_lang(["--lang", "fr"]) is None and argv_lang(["--lang"]) is None
    assert argv_lang(["add", "cbs", "--", "--lang", "en"]) is None  # a file name after --, not an option
    assert locale_lang({}) == "nl" and locale_lang({"LANG": "C.UTF-8"}) == "nl"
    assert locale_lang({"LANG": "en_GB.UTF-8"}) == "en"
    assert locale_lang({"LC_MESSAGES": "en_US", "LANG": "nl_NL.UTF-8"}) == "en"
    assert locale_lang({"LC_ALL": "nl_NL", "LC_MESSAGES": "en_US"}) == "nl"
    assert locale_lang({"LC_ALL": "", "LANG": "en_US"}) == "en"  # empty means unset
    assert help_language(["--lang", "nl"], {"LANG": "en_US"}) == "nl"


def test_group_lang_is_the_default_of_its_commands(cli: Cli, tmp_path: Path) -> None:
    code, out, err = cli("--lang", "en", "init", tmp_path / "ws", "--gemeente", "GM0392")
    assert code == 0, err
    assert out.startswith("Workspace ")
    code, _, err = cli("--lang", "fr", "init", tmp_path / "ws2", "--gemeente", "GM0392")
    assert code == 2 and "'fr'" in err


def test_entry_point_is_main() -> None:
    (script,) = [ep for ep in entry_points(group="console_scripts") if ep.name == "wijkloket"]
    assert script.value == "wijkloket.cli:main"
    assert script.load() is main


def test_every_command_is_in_the_readme() -> None:
    text = README.read_text("utf-8")
    missing = sorted(c for c in LEAVES if not re.search(rf"wijkloket {re.escape(c)}(?![\w-])", text))
    assert missing == []
