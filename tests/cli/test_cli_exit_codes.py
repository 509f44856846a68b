"""The error path of the command line: a user error is one message on stderr and exit code 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from wijkloket.cli import workspace
from wijkloket.cli.errors import exit_codes
from wijkloket.errors import WijkloketError
from wijkloket.i18n import catalogue

Cli = Callable[..., tuple[int, str, str]]


def _one_message(result: tuple[int, str, str], prefix: str) -> str:
    code, out, err = result
    assert code == 2, (code, out, err)
    assert out == ""
    assert "Traceback" not in err
    assert err.startswith(prefix + " ") and err.count(prefix) == 1, err
    return err


@pytest.mark.parametrize(("lang", "prefix", "text"), [
    (None, "Fout:", "Onbekend formaat 'pdf'"),
    ("nl", "Fout:", "Onbekend formaat 'pdf'"),
    ("en", "Error:", "'pdf'"),
])
def test_user_error_in_the_cli(cli: Cli, tmp_path: Path, lang: str | None, prefix: str, text: str) -> None:
    args = ("--lang", lang) if lang else ()
    err = _one_message(cli("profile", "--format", "pdf", "-w", tmp_path, *args), prefix)
    assert text in err
    if lang == "en":
        assert "Onbekend" not in err


@pytest.mark.parametrize(("lang", "prefix"), [("nl", "Fout:"), ("en", "Error:")])
def test_user_error_from_the_core(cli: Cli, tmp_path: Path, lang: str, prefix: str) -> None:
    err = _one_message(cli("sources", "-w", tmp_path / "nowhere", "--lang", lang), prefix)
    assert "nowhere" in err


def test_message_missing_from_the_catalogue_shows_its_code(cli: Cli, monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:
    monkeypatch.delitem(catalogue(), "error.bad_years")
    err = _one_message(cli("simulate", "--gemeente", "GM0392", "--years", "2025-2019", "-o", tmp_path), "Fout:")
    assert "error.bad_years (years=2025-2019)" in err


def test_unknown_code_and_markup_are_shown_literally(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc, exit_codes(["--lang", "en"]):
        raise WijkloketError("error.no_such_message", file="[bold]a.csv[/]")
    assert exc.value.code == 2
    assert capsys.readouterr().err == "Error: error.no_such_message (file=[bold]a.csv[/])\n"


def test_ctrl_c_is_130(cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def interrupted(*_: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(workspace, "resolve_lang", interrupted)
    assert cli("init", tmp_path / "ws", "--gemeente", "GM0392")[0] == 130
    with pytest.raises(SystemExit) as exc, exit_codes([]):
        raise KeyboardInterrupt
    assert exc.value.code == 130


def test_a_bug_keeps_its_traceback_with_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    # without WIJKLOKET_DEBUG a bug is exit code 1 and a log: tests/hardening/test_guard.py
    monkeypatch.setenv("WIJKLOKET_DEBUG", "1")
    with pytest.raises(ZeroDivisionError), exit_codes([]):
        1 / 0  # noqa: B018


@pytest.mark.parametrize(("args", "text"), [
    (("access", "--level", "stad"), "'stad'"),
    (("usage", "--level", "stad"), "'stad'"),
    (("plan", "options", "--format", "gpkg"), "table, csv, xlsx"),
    (("plan", "locate", "--format", "pdf"), "table, csv, xlsx, gpkg"),
    (("sources", "--format", "xlsx"), "table, csv"),
    (("usage", "--format", "gpkg"), "-o"),
])
def test_options_are_checked_before_any_work(cli: Cli, tmp_path: Path, args: tuple[str, ...], text: str) -> None:
    # The workspace does not exist: a bad option is reported first, without opening it.
    err = _one_message(cli(*args, "-w", tmp_path / "nowhere", "--lang", "en"), "Error:")
    assert text in err and "nowhere" not in err
