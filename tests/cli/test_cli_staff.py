"""`wijkloket staff add | list | disable` through the command line: the password from standard input or a
hidden prompt asked twice, Argon2id with the stated parameters, clear errors with exit code 2."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from wijkloket.config import SETTINGS_FILE, Settings
from wijkloket.store.survey_db import survey_db_url

Cli = Callable[..., tuple[int, str, str]]
PASSWORD = "lange zin als wachtwoord"


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / SETTINGS_FILE).write_text(Settings(gemeente="GM9999", name="test").to_toml(), "utf-8")
    monkeypatch.delenv("WIJKLOKET_SURVEY_DB", raising=False)
    return folder


def _stdin(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(value))


def _hashes(folder: Path) -> list[tuple[str, str, bool]]:
    if not (folder / "enquete.sqlite").exists():  # nothing was ever written
        return []
    engine = create_engine(survey_db_url(folder))
    with engine.connect() as con:
        rows = con.execute(text("SELECT username, password_hash, disabled FROM staff_accounts ORDER BY 1")).all()
    engine.dispose()
    return [(r[0], r[1], bool(r[2])) for r in rows]


def test_add_with_password_stdin_list_and_disable(cli: Cli, ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, PASSWORD + "\n")
    code, out, err = cli("staff", "add", "balie-noord", "--password-stdin", "-w", ws)
    assert code == 0, err
    assert "Medewerkersaccount 'balie-noord' gemaakt." in out and PASSWORD not in out + err
    [(name, digest, disabled)] = _hashes(ws)
    # Argon2id, RFC 9106's second recommended option: 64 MiB, 3 passes, 4 lanes
    assert (name, disabled) == ("balie-noord", False) and digest.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in digest and PASSWORD.encode() not in (ws / "enquete.sqlite").read_bytes()
    code, out, _ = cli("staff", "list", "-w", ws, "--lang", "en")
    assert code == 0 and "balie-noord" in out and "active" in out and "$argon2" not in out
    code, out, _ = cli("staff", "disable", "balie-noord", "-w", ws)
    assert code == 0 and "uitgeschakeld" in out
    assert _hashes(ws)[0][2] is True
    code, out, _ = cli("staff", "list", "-w", ws)
    assert "uitgeschakeld" in out


def test_the_prompt_asks_twice_and_refuses_a_mismatch(cli: Cli, ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import typer

    asked: list[dict[str, object]] = []
    answers = iter([PASSWORD, PASSWORD + "!"])

    def prompt(text: str, **kw: object) -> str:
        asked.append({"text": text, **kw})
        return next(answers)

    monkeypatch.setattr(typer, "prompt", prompt)
    code, out, err = cli("staff", "add", "balie", "-w", ws)
    assert code == 2 and "niet gelijk" in err and "Traceback" not in out + err
    assert [a["hide_input"] for a in asked] == [True, True] and "minstens 12 tekens" in str(asked[0]["text"])
    assert _hashes(ws) == []
    answers = iter([PASSWORD, PASSWORD])
    code, out, err = cli("staff", "add", "balie", "-w", ws)
    assert code == 0, err
    assert [n for n, _, _ in _hashes(ws)] == ["balie"]


@pytest.mark.parametrize(("name", "password", "message"), [
    ("balie", "geheim-123", "te kort: 10 tekens, minstens 12"),
    ("Jan Jansen!", PASSWORD, "kan geen gebruikersnaam zijn"),
])
def test_bad_names_and_short_passwords_exit_2(cli: Cli, ws: Path, monkeypatch: pytest.MonkeyPatch, name: str,
                                              password: str, message: str) -> None:
    _stdin(monkeypatch, password + "\n")
    code, out, err = cli("staff", "add", name, "--password-stdin", "-w", ws)
    assert code == 2 and message in err and password not in out + err
    assert _hashes(ws) == []


def test_a_taken_name_and_an_unknown_name(cli: Cli, ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, PASSWORD + "\n")
    assert cli("staff", "add", "balie", "--password-stdin", "-w", ws)[0] == 0
    _stdin(monkeypatch, PASSWORD + "\n")
    code, _, err = cli("staff", "add", "BALIE", "--password-stdin", "-w", ws)
    assert code == 2 and "al een medewerkersaccount 'balie'" in err
    code, _, err = cli("staff", "disable", "niemand", "-w", ws, "--lang", "en")
    assert code == 2 and "no staff account 'niemand' (1 account known)" in err
    code, out, _ = cli("staff", "list", "-w", ws)
    assert code == 0 and out.count("balie") == 1
