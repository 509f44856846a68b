"""`wijkloket survey draw` at the command line: exit codes, what it prints, nothing stored on a refusal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

Cli = Callable[..., tuple[int, str, str]]
SURVEY = Path(__file__).parents[1] / "fixtures" / "survey"


@pytest.fixture(autouse=True)
def _sqlite_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WIJKLOKET_SURVEY_DB", raising=False)
    monkeypatch.delenv("WIJKLOKET_SURVEY_KEY", raising=False)


@pytest.fixture
def tiny_ws(tmp_path: Path, fixtures: Path, cli: Cli) -> Path:
    ws = tmp_path / "tiny"
    assert cli("init", ws, "--gemeente", "GM9999")[0] == 0
    assert cli("add", "cbs", fixtures / "tiny_kwb_2018.csv", "-w", ws)[0] == 0
    assert cli("add", "districts", fixtures / "tiny_districts_wijk.csv", "-w", ws)[0] == 0
    assert cli("add", "postcodes", fixtures / "tiny_postcodes.csv", "-w", ws)[0] == 0
    return ws


def test_draw_prints_strata_rows_and_places(cli: Cli, tiny_ws: Path, tmp_path: Path) -> None:
    code, out, err = cli("survey", "draw", SURVEY / "frame_tiny.csv", "-o", tmp_path / "post", "--key",
                         tmp_path / "k.key", "--name", "peiling-2027", "-w", tiny_ws)
    assert code == 0, err
    out = " ".join(out.split())
    assert "Noord" in out and "Zuid" in out and "Totaal" in out
    assert "14 rijen gelezen, 6 bruikbaar, 7 afgewezen, 1 jonger dan 15" in out
    assert "geen geldige postcode (1234 AB of 1234): 2 (eerste regels: 7, 14)" in out
    assert str(tmp_path / "post" / "uitnodigingen.csv") in out and str(tmp_path / "k.key") in out
    assert "seed 11" in out and "6 uitnodigingscodes" in out
    assert "P001" not in out  # person ids are never printed
    assert "1 rij had een andere taal" in out
    # the same folder again: refused, exit 2, no traceback
    code, out, err = cli("survey", "draw", SURVEY / "frame_tiny.csv", "-o", tmp_path / "post", "--key",
                         tmp_path / "k2.key", "--name", "tweede", "-w", tiny_ws, "--lang", "en")
    assert code == 2 and "already exists" in err and "Traceback" not in err


def test_identifying_columns_exit_2_then_dropped(cli: Cli, tiny_ws: Path, tmp_path: Path) -> None:
    code, out, err = cli("survey", "draw", SURVEY / "frame_identifying.csv", "-o", tmp_path / "o", "--key",
                         tmp_path / "k.key", "-w", tiny_ws)
    assert code == 2
    assert "BSN, Voornaam, Straat, Geboortedatum, Telefoon, E-mail" in err and "--drop-identifying" in err
    assert not (tiny_ws / "enquete.sqlite").exists() and not (tmp_path / "k.key").exists()
    code, out, err = cli("survey", "draw", SURVEY / "frame_identifying.csv", "-o", tmp_path / "o", "--key",
                         tmp_path / "k.key", "--drop-identifying", "-w", tiny_ws, "--lang", "en")
    assert code == 0, err
    out = " ".join(out.split())
    assert "skipped unread: BSN, Voornaam, Straat, Geboortedatum, Telefoon, E-mail" in out
    assert "anouk" not in (tmp_path / "o" / "uitnodigingen.csv").read_text("utf-8").lower()


@pytest.mark.parametrize(("args", "needle"), [
    (("--by", "buurt"), "--by 'buurt'"),
    (("--design", "ontwerp.csv", "--moe", "3"), "--design"),
    (("--oversample", "Noord"), "NAAM=FACTOR"),
])
def test_bad_options_exit_2(cli: Cli, tiny_ws: Path, tmp_path: Path, args: tuple[str, ...], needle: str) -> None:
    code, out, err = cli("survey", "draw", SURVEY / "frame_tiny.csv", "-o", tmp_path / "o", "--key",
                         tmp_path / "k.key", "-w", tiny_ws, *args)
    assert code == 2 and needle in " ".join(err.split()), err
    assert not (tmp_path / "k.key").exists()


def test_frame_refusals_exit_2(cli: Cli, tiny_ws: Path, tmp_path: Path) -> None:
    for frame, needle in (("frame_bsn.csv", "elfproef"), ("frame_email.csv", "e-mailadressen"),
                          ("frame_noroles.csv", "postcode | area_code, age | birth_year")):
        code, out, err = cli("survey", "draw", SURVEY / frame, "-o", tmp_path / "o", "--key", tmp_path / "k.key",
                             "-w", tiny_ws)
        assert code == 2 and needle in " ".join(err.split()), (frame, err)
    code, out, err = cli("survey", "draw", SURVEY / "frame_tiny.csv", "-o", tiny_ws / "uit", "--key",
                         tmp_path / "k.key", "-w", tiny_ws)
    assert code == 2 and "werkmap" in err
    assert not (tiny_ws / "enquete.sqlite").exists()


def test_synthetic_frame_says_so(cli: Cli, tiny_ws: Path, tmp_path: Path) -> None:
    code, out, err = cli("survey", "draw", SURVEY / "frame_synthetic.csv", "-o", tmp_path / "o", "--key",
                         tmp_path / "k.key", "--by", "wijk", "-w", tiny_ws)
    assert code == 0, err
    assert "SYNTHETISCH" in out and "WK999901" in out
