"""`wijkloket survey enter | close` through the command line: messages, the rejects file, exit codes."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from fixtures.survey.backends import KEY, SURVEY, codes, frame_counts, units

from wijkloket.config import SETTINGS_FILE, Settings
from wijkloket.store.survey_db import SurveyStore, survey_db_url

Cli = Callable[..., tuple[int, str, str]]
GM = "GM9999"


@pytest.fixture
def ws(tmp_path: Path, fixtures: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace with the default SQLite survey database holding a survey of 6 units."""
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / SETTINGS_FILE).write_text(Settings(gemeente=GM, name="test").to_toml(), "utf-8")
    monkeypatch.delenv("WIJKLOKET_SURVEY_DB", raising=False)
    monkeypatch.delenv("WIJKLOKET_SURVEY_KEY", raising=False)
    (tmp_path / "sleutel.key").write_text(KEY.hex() + "\n", "ascii")
    text = (fixtures / "survey" / "mini.toml").read_text("utf-8")
    with SurveyStore(survey_db_url(folder)) as db:
        db.create_survey(SURVEY, GM, text, "mini-v1", "district", 5, False, units(3, 3), frame_counts())
    return folder


def test_enter_prints_counts_reasons_and_writes_rejects(cli: Cli, ws: Path, fixtures: Path, tmp_path: Path) -> None:
    rejects = tmp_path / "afgewezen.csv"
    code, out, err = cli("survey", "enter", fixtures / "survey" / "papier.csv", "--key", tmp_path / "sleutel.key",
                         "--rejects", rejects, "-w", ws)
    assert code == 0, err
    assert "8 rijen gelezen, 3 opgeslagen (waarvan 1 gedeeltelijk ingevuld), 5 afgewezen" in out
    assert "code met een typfout" in out and "rij 7, kolom 'ease'" in out and "'7' ligt niet tussen 1 en 5" in out
    with rejects.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["row"], r["reason"]) for r in rows] == [("3", "bad_code"), ("4", "unknown_code"), ("5", "code_used"),
                                                      ("7", "bad_answer"), ("8", "bad_mode")]
    written = rejects.read_text("utf-8") + out
    for c in codes(6):  # no code is ever printed or written, in any spelling
        assert c not in written and c.replace("-", "") not in written.upper().replace("-", "")
    code, out, _ = cli("survey", "enter", fixtures / "survey" / "papier.csv", "--key", tmp_path / "sleutel.key",
                       "-w", ws, "--lang", "en")
    assert code == 0 and "was already entered into survey 'peiling-test'; nothing changed" in out


def test_file_level_error_exits_2_without_traceback(cli: Cli, ws: Path, tmp_path: Path) -> None:
    bad = tmp_path / "met-naam.csv"
    bad.write_text("code;naam;contact\nBEZP-SWJH-4YTK;Jan Jansen;yes\n", "utf-8")
    code, out, err = cli("survey", "enter", bad, "--key", tmp_path / "sleutel.key", "-w", ws)
    assert code == 2 and "Traceback" not in out + err
    assert "naam" in err and "niets opgeslagen" in err
    assert "Jan Jansen" not in out + err


def test_missing_key_names_the_file(cli: Cli, ws: Path, fixtures: Path, tmp_path: Path) -> None:
    code, out, err = cli("survey", "enter", fixtures / "survey" / "papier.csv", "--key", tmp_path / "geen.key",
                         "-w", ws)
    assert code == 2 and "geen.key" in err and "Traceback" not in out + err


def test_bad_mode_option(cli: Cli, ws: Path, fixtures: Path, tmp_path: Path) -> None:
    code, _, err = cli("survey", "enter", fixtures / "survey" / "papier.csv", "--mode", "fax", "-w", ws)
    assert code == 2 and "fax" in err


def test_close_then_enter_is_refused(cli: Cli, ws: Path, fixtures: Path, tmp_path: Path) -> None:
    code, out, err = cli("survey", "close", "--unlink", "-w", ws)
    assert code == 0, err
    assert "gesloten" in out and "kan niet worden teruggedraaid" in out
    code, out, err = cli("survey", "enter", fixtures / "survey" / "papier.csv", "--key", tmp_path / "sleutel.key",
                         "-w", ws)
    assert code == 2 and "gesloten" in err and "Traceback" not in out + err


def test_unreachable_database_exits_2_and_hides_the_password(cli: Cli, ws: Path, fixtures: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIJKLOKET_SURVEY_DB", "postgresql+psycopg://wie:geheim@127.0.0.1:1/x?connect_timeout=2")
    code, out, err = cli("survey", "close", "-w", ws)
    assert code == 2 and "geheim" not in out + err and "127.0.0.1:1" in err and "README" in err
