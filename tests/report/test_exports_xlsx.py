"""The Excel files of the commands (`--format xlsx`), read back with openpyxl (independent of xlsxwriter,
which wrote them): headers with units, raw values with number formats, `x` with a note, frozen header,
filter, a chart, the notes sheet; and text from the inputs that stays text, never a formula. The CSV's
formula guard (OWASP "CSV injection")."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest

from wijkloket.indicators.registry import load_registry
from wijkloket.report import exports

NAMES = ['=HYPERLINK("http://x","y")', "+1", "-2", "@x"]


def _profile_table(names: list[str]) -> pd.DataFrame:
    """Two areas and the city; population by hand, 65+ share = 65+ / population * 100."""
    pop = {"WK1": 1000.0, "WK2": 3000.0, "GM1": 4000.0}
    old = {"WK1": 150.0, "WK2": 300.0, "GM1": 450.0}
    rows = []
    for code, name, level in (("WK1", names[0], "wijk"), ("WK2", names[1], "wijk"), ("GM1", names[2], "gemeente")):
        share = 100 * old[code] / pop[code]
        city = 100 * 450 / 4000
        rows += [dict(level=level, area_code=code, area_name=name, district=names[3], indicator="population",
                      value=pop[code], index_city=100 * pop[code] / 4000, low_coverage=False),
                 dict(level=level, area_code=code, area_name=name, district=names[3], indicator="share_age_65_plus",
                      value=share, index_city=100 * share / city, low_coverage=code == "WK2")]
    return pd.DataFrame(rows)


def test_profile_sheets_names_stay_text_and_figures_keep_their_format(tmp_path: Path) -> None:
    path = tmp_path / "p.xlsx"
    exports.write_profile_xlsx(_profile_table(NAMES), path, load_registry(), 2024, "nl")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Wijk", "Definities", "Toelichting"]
    sheet = book["Wijk"]
    assert sheet["A1"].value == "Doelgroepen per wijk, 2024"
    assert [c.value for c in sheet[2]] == ["Wijk", "Inwoners (aantal)", "65-plussers (%)"]
    # Text from the input is a string cell, never a formula; the city total is the last row.
    for row, name in ((3, NAMES[0]), (4, NAMES[1]), (5, NAMES[2])):
        cell = sheet.cell(row, 1)
        assert cell.value == name and cell.data_type == "s"
    # Unrounded values: 150 / 1000 = 15 %, 300 / 3000 = 10 %, 450 / 4000 = 11.25 %.
    assert [sheet.cell(r, 3).value for r in (3, 4, 5)] == pytest.approx([15.0, 10.0, 11.25], rel=1e-12)
    assert {sheet.cell(r, 2).number_format for r in (3, 4, 5)} == {"#,##0"}
    assert {sheet.cell(r, 3).number_format for r in (3, 4, 5)} == {"0.0"}
    assert sheet.cell(4, 3).comment is not None  # WK2: low coverage, the note says what * means
    assert sheet.freeze_panes == "B3" and sheet.auto_filter.ref == "A2:C5"
    notes = {r[0]: r[1] for r in book["Toelichting"].iter_rows(min_row=2, values_only=True)}
    assert notes["Synthetisch"].startswith("nee") and "2024" in notes["Bron"]
    assert "--format csv" in notes["Machineleesbaar"]
    with zipfile.ZipFile(path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 1
        xml = z.read(charts[0]).decode("utf-8")
    assert "<c:barChart>" in xml and "Wijk!$B$3:$B$4" in xml  # the two areas, not the city


def test_locate_sheets_point_names_stay_text(tmp_path: Path) -> None:
    before = pd.DataFrame({"level": ["district", "gemeente"], "area": [NAMES[0], NAMES[3]],
                           "mean_minutes": [10.0, 8.0], "share_within": [50.0, 75.0], "weight": [100.0, 400.0]})
    after = before.assign(mean_minutes=[5.0, 4.0], share_within=[100.0, 100.0])
    out = SimpleNamespace(before=before, after=after, threshold=15.0, synthetic=False, objective="pmedian",
                          fixed=pd.DataFrame({"name": [NAMES[1]]}), chosen=pd.DataFrame({"name": [NAMES[2]]}),
                          result=SimpleNamespace(objective=1600.0, bound=1600.0, gap=0.0, status="optimal"))
    path = tmp_path / "l.xlsx"
    exports.write_locate_xlsx(out, path, "en", "resident-minutes")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Travel time", "Sites", "Notes"]
    sheet = book["Travel time"]
    assert [sheet.cell(r, 1).value for r in (3, 4)] == [NAMES[0], NAMES[3]]
    assert all(sheet.cell(r, 1).data_type == "s" for r in (3, 4))
    assert sheet.cell(3, 3).value == 10.0 and sheet.cell(3, 3).number_format == "#,##0.0"
    sites = book["Sites"]
    assert [(sites.cell(r, 1).value, sites.cell(r, 1).data_type) for r in (3, 4)] == [(NAMES[1], "s"),
                                                                                      (NAMES[2], "s")]
    notes = {r[0]: r[1] for r in book["Notes"].iter_rows(min_row=2, values_only=True)}
    assert "1,600.0 resident-minutes" in notes["Objective"]


def test_desk_sheet_suppressed_cells_are_x_with_a_note(tmp_path: Path) -> None:
    rows = []
    for code, name, level, visits, supp in (("WK1", "Oud", "wijk", 4.0, True), ("WK2", "Nieuw", "wijk", 40.0, False),
                                            ("GM1", "Stad", "gemeente", 44.0, False)):
        rows += [dict(level=level, area_code=code, area_name=name, district=None, year=2024, product="top",
                      age_band=None, indicator="visits", value=np.nan if supp else visits, suppressed=supp)]
    frame = pd.DataFrame(rows)
    res = SimpleNamespace(kind="visit", table=frame, synthetic=True, years=[2024], population_year=2024, threshold=10)
    path = tmp_path / "u.xlsx"
    exports.write_desk_xlsx(frame, res, path, "nl")
    sheet = openpyxl.load_workbook(path)["Wijk"]
    assert sheet["A2"].value.startswith("SYNTHETISCH")
    assert [c.value for c in sheet[3]] == ["Wijk", "Bezoeken: 2024"]
    assert sheet["B4"].value == "x" and sheet["B4"].comment is not None
    assert sheet["B5"].value == 40 and sheet["B6"].value == 44 and sheet["A6"].value == "Stad"


def test_csv_neutralises_formula_text_but_not_numbers() -> None:
    frame = pd.DataFrame({"area_name": [*NAMES, "Oud", "\tx"], "value": [-2.0, 1.0, -3.5, 0.0, 4.0, 5.0]})
    buf = io.StringIO()
    exports.csv_safe(frame).to_csv(buf, index=False)
    back = pd.read_csv(io.StringIO(buf.getvalue()), keep_default_na=False)
    assert list(back["area_name"]) == ["'" + n for n in NAMES] + ["Oud", "'\tx"]
    assert list(back["value"]) == [-2.0, 1.0, -3.5, 0.0, 4.0, 5.0]
