"""`wijkloket forecast` at the command line: the table, CSV and Excel, the backtest, and clear errors
(exit code 2, one message, no traceback)."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest

Cli = Callable[..., tuple[int, str, str]]


def _user_error(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and out == ""
    return err


def test_table_per_district_and_quarter(cli: Cli, demo_ws: Path) -> None:
    code, out, err = cli("forecast", "-w", demo_ws)
    assert code == 0, err
    assert "Verwachte aanvragen" in out and "2026 K1" in out and "2028 K4" in out and "Schalkwijk" in out
    assert "uren per week" in out and "SYNTHETISCH" in out
    assert "minder dan 10" in out and "Terugtoets" in out


def test_csv_and_excel(cli: Cli, demo_ws: Path, tmp_path: Path) -> None:
    code, out, err = cli("forecast", "-w", demo_ws, "--format", "csv", "--level", "all", "--months", "12",
                         "--minutes-per-appointment", "15", "--lang", "en")
    assert code == 0, err
    frame = pd.read_csv(StringIO(out))
    assert list(frame.columns[:9]) == ["level", "area_code", "area_name", "product", "month", "expected", "low",
                                       "high", "synthetic"]
    assert set(frame["level"]) == {"gemeente", "district", "wijk"} and frame["month"].nunique() == 12
    assert (frame["minutes_per_application"] == 15).all()
    assert frame["note"].str.contains("fewer than 10").all()
    path = tmp_path / "vraag.xlsx"
    code, out, err = cli("forecast", "-w", demo_ws, "--format", "xlsx", "-o", path)
    assert code == 0 and path.exists(), err


def test_backtest_table(cli: Cli, demo_ws: Path) -> None:
    code, out, err = cli("forecast", "-w", demo_ws, "--backtest", "2024-01", "--lang", "en")
    assert code == 0, err
    assert "Backtest" in out and "MAPE" in out and "Haarlem" in out and "within interval" in out


@pytest.mark.parametrize(("args", "text"), [
    (("--months", "0"), "1 tot en met 120"),
    (("--months", "121"), "1 tot en met 120"),
    (("--level", "provincie"), "Onbekend niveau 'provincie'"),
    (("--level", "buurt"), "geen niveau 'buurt'"),
    (("--format", "gpkg", "-o", "x.gpkg"), "Onbekend formaat 'gpkg'"),
    (("--backtest", "2024-13"), "JJJJ-MM"),
    (("--minutes-per-appointment", "0"), "minutes-per-appointment"),
])
def test_user_errors(cli: Cli, demo_ws: Path, args: tuple[str, ...], text: str) -> None:
    assert text in _user_error(cli("forecast", "-w", demo_ws, *args))


def test_without_an_issuance_list(cli: Cli, haarlem_ws: Path) -> None:
    err = _user_error(cli("forecast", "-w", haarlem_ws))
    assert str(haarlem_ws) in err and "wijkloket add issuances" in err
