"""`wijkloket survey design` on the demo workspace: the population 15+ per district from the CBS file, the
sizes from the textbook formulas (Cochran 1977, 4.2-4.3) worked out here, not by the code under test."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pyogrio
import pytest

Cli = Callable[..., tuple[int, str, str]]
Z = 1.959963984540054  # the 97.5% point of the standard normal


def _adults(data: Path) -> dict[str, int]:
    """Residents 15+ per district: inhabitants minus the 0-14 percentage of inhabitants per wijk, summed over
    the wijken of each district (CBS Wijk- en buurtkaart 2024 and the district file), rounded to persons."""
    cbs = pyogrio.read_dataframe(data / "cbs" / "wijkenbuurten2024_wijken_haarlem_haarlemmermeer.gpkg",
                                 read_geometry=False).set_index("wijkcode")
    districts = pd.read_csv(data / "haarlem" / "stadsdelen_2024.csv", dtype=str)
    out: dict[str, float] = {}
    for code, district in zip(districts["area_code"], districts["district"], strict=True):
        inh = float(cbs.loc[code, "aantalInwoners"])
        out[district] = out.get(district, 0.0) + inh * (1 - float(cbs.loc[code, "percentagePersonen0Tot15Jaar"]) / 100)
    return {k: round(v) for k, v in out.items()}


def test_design_csv_matches_the_textbook(demo_ws: Path, cli: Cli, data: Path) -> None:
    code, out, err = cli("survey", "design", "--moe", "5", "--response", "30", "--format", "csv", "-w", str(demo_ws))
    assert code == 0, err
    rows = pd.read_csv(io.StringIO(out)).set_index("stratum")
    adults = _adults(data)
    assert {k: int(v) for k, v in rows["population"].items()} == pytest.approx(adults, abs=1)  # CBS rounds
    assert list(rows.columns[:3]) == ["population", "net_sample", "gross_sample"]
    n0 = Z ** 2 * 0.25 / 0.05 ** 2  # 384.146
    for name, row in rows.iterrows():
        big_n = int(row["population"])
        n = math.ceil(n0 / (1 + (n0 - 1) / big_n))
        assert int(row["net_sample"]) == n, name
        assert int(row["gross_sample"]) == math.ceil(n / 0.3), name
    # Centrum by hand: N = 14,745 - 8.0% of 14,745 = 13,565; n = 384.146 / (1 + 383.146 / 13,565) = 373.6 -> 374;
    # gross = ceil(374 / 0.3) = 1,247
    assert (int(rows.loc["Centrum", "population"]), int(rows.loc["Centrum", "net_sample"]),
            int(rows.loc["Centrum", "gross_sample"])) == (13565, 374, 1247)


def test_design_table_xlsx_and_bad_options(demo_ws: Path, cli: Cli, tmp_path: Path) -> None:
    code, out, _ = cli("survey", "design", "--deff", "1.5", "-w", str(demo_ws))
    assert code == 0 and "Totaal" in out and "Schalkwijk" in out
    path = tmp_path / "ontwerp.xlsx"
    code, _, err = cli("survey", "design", "--format", "xlsx", "-o", str(path), "-w", str(demo_ws))
    assert code == 0, err
    sheet = openpyxl.load_workbook(path).worksheets[0]
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert any(r[0] == "Centrum" and r[1] == 13565 for r in values)
    for bad in (["--by", "buurt"], ["--oversample", "Centrum"], ["--moe", "0"], ["--response", "150"]):
        code, out, err = cli("survey", "design", *bad, "-w", str(demo_ws))
        assert code == 2 and "Traceback" not in out + err, bad
