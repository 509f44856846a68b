"""`survey monitor | weight | results` through the CLI: every format each help lists, the synthetic label,
greyed unreliable estimates in the workbook, and clear errors with exit code 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from fixtures.survey.analysis_survey import GM, KEY, build

from wijkloket.config import SETTINGS_FILE, Settings

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / SETTINGS_FILE).write_text(Settings(gemeente=GM, name="test").to_toml(), "utf-8")
    monkeypatch.delenv("WIJKLOKET_SURVEY_DB", raising=False)
    key = tmp_path / "sleutel.key"
    key.write_text(KEY.hex() + "\n", "ascii")
    monkeypatch.setenv("WIJKLOKET_SURVEY_KEY", str(key))
    build(f"sqlite:///{(folder / 'enquete.sqlite').as_posix()}", synthetic=True)
    return folder


def test_monitor_formats(cli: Cli, ws: Path, tmp_path: Path) -> None:
    code, out, _ = cli("survey", "monitor", "-w", ws, "--reminders", tmp_path / "post")
    assert code == 0 and "Totaal" in out and "R-indicator" in out and "SYNTHETISCH" in out
    assert "herinneringen.csv" in out
    code, _, _ = cli("survey", "monitor", "-w", ws, "--format", "csv", "-o", tmp_path / "m.csv")
    table = pd.read_csv(tmp_path / "m.csv")
    assert code == 0 and list(table.columns[:3]) == ["stratum", "gross", "responded"]
    assert table["gross"].sum() == 600 and table["synthetic"].all()
    code, _, _ = cli("survey", "monitor", "-w", ws, "--format", "xlsx", "-o", tmp_path / "m.xlsx")
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / "m.xlsx").worksheets[0]
    assert code == 0 and "SYNTHETISCH" in str(sheet.cell(2, 1).value)


def test_weight_then_results(cli: Cli, ws: Path, tmp_path: Path) -> None:
    code, out, _ = cli("survey", "weight", "-w", ws, "--margins", "district*age_band,sex", "--trim", "6")
    assert code == 0 and "district*age_band" in out and "Kish" in out
    code, _, _ = cli("survey", "weight", "-w", ws, "--format", "csv", "-o", tmp_path / "w.csv")
    weights = pd.read_csv(tmp_path / "w.csv")
    assert code == 0
    assert list(weights.columns[:6]) == ["respondent", "district", "age_band", "sex", "design_weight", "weight"]
    assert weights["weight"].sum() == pytest.approx(16131, rel=1e-6)  # the frame's total
    code, out, _ = cli("survey", "results", "-w", ws, "--by", "district")
    assert code == 0 and "SYNTHETISCH" in out and "Aan de balie in het stadhuis" in out and "~" in out
    code, _, _ = cli("survey", "results", "-w", ws, "--by", "sex", "--format", "csv", "-o", tmp_path / "r.csv")
    res = pd.read_csv(tmp_path / "r.csv")
    assert code == 0
    assert {"question", "answer", "domain", "estimate", "ci_low", "ci_high", "n", "deff", "reliable"} <= set(res)
    assert set(res["domain"]) == {"total", "M", "V"} and res["synthetic"].all()
    code, _, _ = cli("survey", "results", "-w", ws, "--by", "district", "--format", "xlsx", "-o", tmp_path / "r.xlsx")
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx").worksheets[0]
    header = [c.value for c in sheet[3]]
    reliable_col = header.index("Betrouwbaar") + 1
    colours = {sheet.cell(r, reliable_col).value: sheet.cell(r, 4).font.color for r in range(4, sheet.max_row + 1)
               if sheet.cell(r, reliable_col).value in ("ja", "nee")}
    assert code == 0 and colours["nee"] is not None and colours["nee"].rgb.endswith("8C8C8C")
    assert colours["ja"] is None or not str(colours["ja"].rgb).endswith("8C8C8C")


def test_errors_exit_2(cli: Cli, ws: Path, tmp_path: Path) -> None:
    code, _, err = cli("survey", "results", "-w", ws)
    assert code == 2 and "survey weight" in err
    code, _, err = cli("survey", "weight", "-w", ws, "--bounds", "laag,hoog")
    assert code == 2 and "--bounds" in err
    code, _, err = cli("survey", "weight", "-w", ws, "--margins", "district,leeftijd")
    assert code == 2 and "leeftijd" in err
    code, _, err = cli("survey", "monitor", "-w", ws, "--reminders", ws / "lijst")
    assert code == 2 and "werkmap" in err
    code, _, err = cli("survey", "results", "-w", ws, "--format", "pdf")
    assert code == 2
