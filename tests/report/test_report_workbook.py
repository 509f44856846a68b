"""The Excel report from the tiny hand-made `ReportData` (values worked out by hand in conftest), read back
with openpyxl (a reader independent of xlsxwriter, which wrote it): a sheet per table, headers with units,
raw values with the report's number formats, `x` for suppressed cells, and text from the inputs that
stays text, never a formula."""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from wijkloket.errors import InputFileError
from wijkloket.indicators.profile import profile
from wijkloket.report import write_workbook
from wijkloket.report.blocks import BulletList, Cell, Column, Heading, Note, Paragraph, Row, Section, Table, Term
from wijkloket.report.context import ReportData
from wijkloket.report.workbook import number_format, render_workbook, sheet_name

INJECTION = '=HYPERLINK("http://x","y")'


def _book(data: ReportData, out: Path) -> openpyxl.Workbook:
    path = write_workbook(data, out)
    assert path == out / "report.xlsx"
    return openpyxl.load_workbook(path)


def _rows(sheet: Worksheet) -> list[list[object]]:
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_a_sheet_per_table_then_sources_assumptions_notes(tiny: ReportData, tmp_path: Path) -> None:
    book = _book(tiny, tmp_path)
    assert book.sheetnames == ["Stadsdelen vergeleken", "Gebruik van de balie", "Gebruik van de balie – verloop",
                               "Bronnen", "Aannames", "Toelichting"]


def test_district_table_headers_formats_and_raw_values(tiny: ReportData, tmp_path: Path) -> None:
    sheet = _book(tiny, tmp_path)["Stadsdelen vergeleken"]
    assert sheet["A1"].value == "Stadsdelen vergeleken"
    assert [c.value for c in sheet[2]] == ["Stadsdeel", "Inwoners (aantal)", "65-plussers (%)"]
    assert [sheet.cell(r, 1).value for r in (3, 4, 5)] == ["Oud", "Nieuw", "Teststad"]
    # Unrounded: Nieuw 7,157 / 67,635 = 10.5818 %, shown with one decimal by its format.
    assert sheet["C4"].value == pytest.approx(715700 / 67635, rel=1e-14)
    assert sheet["C5"].value == pytest.approx(2715700 / 167635, rel=1e-14)
    assert [sheet.cell(r, 2).value for r in (3, 4, 5)] == [100000, 67635, 167635]
    assert {sheet.cell(r, 2).number_format for r in (3, 4, 5)} == {"#,##0"}
    assert {sheet.cell(r, 3).number_format for r in (3, 4, 5)} == {"0.0"}
    assert sheet.freeze_panes == "B3"  # below the header, right of the area names
    assert sheet.auto_filter.ref == "A2:C5"
    # Fitted: the widest value or header (capped) plus a margin; "Stadsdeel" is 9 characters.
    assert sheet.column_dimensions["A"].width == pytest.approx(11, abs=1)
    assert not any("SYNTHETISCH" in str(v) for row in _rows(sheet) for v in row)


def test_native_charts_where_the_report_has_one(tiny: ReportData, tmp_path: Path) -> None:
    path = write_workbook(tiny, tmp_path)
    with zipfile.ZipFile(path) as z:
        xml = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/charts/chart")]
    # The district table's population, the desk table's rate (its map), the desk trend (its line chart).
    assert len(xml) == 3
    district = next(x for x in xml if "'Stadsdelen vergeleken'!" in x)
    assert "<c:barChart>" in district
    assert "'Stadsdelen vergeleken'!$B$3:$B$4" in district  # the districts only, not the city total
    assert any("<c:lineChart>" in x and "verloop'!" in x for x in xml)


def test_suppressed_cells_are_x_with_what_x_means(tiny: ReportData, tmp_path: Path) -> None:
    sheet = _book(tiny, tmp_path)["Gebruik van de balie"]
    assert sheet["A2"].value.startswith("SYNTHETISCH: ")  # above the synthetic table
    assert sheet["B3"].value == "Bezoeken"
    assert sheet.freeze_panes == "B4"
    rows = _rows(sheet)
    header = 2
    body = {r[0]: r for r in rows[header + 1:header + 4]}
    assert body["Teststad"][1] == 100000 and body["Oud"][1] == 60000
    assert body["Nieuw"][1] == "x"
    nieuw = next(r for r in range(4, 7) if sheet.cell(r, 1).value == "Nieuw")
    comment = sheet.cell(nieuw, 2).comment
    assert comment is not None and comment.text.startswith("x = onderdrukt")
    assert sheet.cell(nieuw, 2).data_type == "s"
    assert {sheet.cell(r, 2).number_format for r in range(4, 7) if r != nieuw} == {"#,##0"}
    footnotes = [r[0] for r in rows[header + 4:] if r[0]]
    assert any(str(f).startswith("x = onderdrukt") for f in footnotes)


def test_sources_sheet_holds_the_sources_table(tiny: ReportData, tmp_path: Path) -> None:
    sheet = _book(tiny, tmp_path)["Bronnen"]
    assert [c.value for c in sheet[2]][:6] == ["Bron", "Uitgever", "Jaar", "Niveaus", "Rijen: aanvaard",
                                               "Rijen: afgewezen"]
    assert sheet["C3"].value == 2024 and sheet["C3"].number_format == "0"
    assert sheet["E3"].value == 2 and sheet["E3"].number_format == "#,##0"
    assert sheet["A3"].comment is not None and sheet["A3"].comment.text == "wijken<script>.gpkg"
    assert sheet["J3"].value == "0123456789ab"
    assert sheet.freeze_panes == "A3"  # no row headers: only the header row is frozen


def _injected(tiny: ReportData) -> ReportData:
    """The tiny report with area names, a municipality name and source fields that look like formulas."""
    registry = tiny.registry
    names = {"WK999901": INJECTION, "WK999902": "+31 @home"}
    areas = pd.DataFrame({"level": "wijk", "name": list(names.values()), "gemeente_code": "GM9999"},
                         index=list(names))
    values = pd.DataFrame({"population": [100000.0, 67635.0], "n_age_65_plus": [20000.0, 7157.0]},
                          index=list(names))
    inds = [registry.get("population"), registry.get("share_age_65_plus")]
    table = profile(areas, values, inds, None, gemeente_names={"GM9999": "-1+1"})
    prof = dataclasses.replace(tiny.profile, table=table, gemeente_name="-1+1")  # type: ignore[type-var]
    source = dict(tiny.inventory[0], publisher="@SUM(A1:A2)", levels="\tcmd")
    return dataclasses.replace(tiny, profile=prof, inventory=[source])


def test_text_from_the_inputs_is_never_a_formula(tiny: ReportData, tmp_path: Path) -> None:
    path = write_workbook(_injected(tiny), tmp_path)
    book = openpyxl.load_workbook(path)
    table = book["Stadsdelen vergeleken"]
    assert table["A3"].value == INJECTION and table["A3"].data_type == "s"
    assert table["A4"].value == "+31 @home" and table["A4"].data_type == "s"
    assert table["A5"].value == "-1+1" and table["A5"].data_type == "s"
    sources = book["Bronnen"]
    assert (sources["B3"].value, sources["B3"].data_type) == ("@SUM(A1:A2)", "s")
    assert (sources["D3"].value, sources["D3"].data_type) == ("\tcmd", "s")
    notes = [v for r in _rows(book["Toelichting"]) for v in r if isinstance(v, str)]
    assert any(INJECTION in v for v in notes)  # the key message names the area
    with zipfile.ZipFile(path) as z:
        sheets = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and not any("<f>" in s or "<f " in s for s in sheets)


def test_english_headers_and_sheet_names(tiny: ReportData, tmp_path: Path) -> None:
    tiny.lang = "en"
    book = _book(tiny, tmp_path)
    assert book.sheetnames == ["Districts compared", "Use of the desk", "Use of the desk – trend", "Sources",
                               "Assumptions", "Notes"]
    assert [c.value for c in book["Districts compared"][2]] == ["District", "Inhabitants (number)",
                                                                 "Aged 65 and over (%)"]
    assert book["Use of the desk"]["A2"].value.startswith("SYNTHETIC: ")
    assert book["Use of the desk"]["B3"].value == "Visits"
    assert book["Assumptions"]["A1"].value == "Assumption"


def test_assumptions_and_texts_from_the_sections(tiny: ReportData, tmp_path: Path) -> None:
    money = Column("cost", "Kosten per jaar", "money")
    table = Table((Column("option", "Optie", "text"), money),
                  (Row((Cell("Extra balie"), Cell(123456.789, note="80%: € 100.000 tot € 150.000"))),))
    options = Section("opties", "Opties: kosten en bereik", (
        Paragraph("Wat elke optie kost."),
        table,
        Heading("Aannames"),
        BulletList((Term("cost.desk_fte", "1,5 fte (CAO Gemeenten 2024)"), Term("visits.rate", "=2*3"))),
        Note("Kleine lettertjes."),
        BulletList(("een punt",)),
    ))
    other = Section("stadsdelen", "Stadsdelen vergeleken", (Paragraph("Eerst dit."),))
    book = openpyxl.load_workbook(render_workbook([other, options], tiny, tmp_path))
    assert book.sheetnames == ["Opties- kosten en bereik", "Bronnen", "Aannames", "Toelichting"]
    sheet = book["Opties- kosten en bereik"]
    assert sheet["B3"].value == pytest.approx(123456.789) and sheet["B3"].number_format == '"€ "#,##0'
    assert sheet["B3"].comment is not None and sheet["B3"].comment.text.startswith("80%")
    assert _rows(book["Aannames"]) == [["Aanname", "Waarde en bron"],
                                       ["cost.desk_fte", "1,5 fte (CAO Gemeenten 2024)"],
                                       ["visits.rate", "=2*3"]]
    assert book["Aannames"]["B3"].data_type == "s"
    assert [r[1] for r in _rows(book["Toelichting"])] == [
        "Tekst", "Stadsdelen vergeleken", "Eerst dit.", "Opties: kosten en bereik", "Wat elke optie kost.",
        "Aannames", "• cost.desk_fte = 1,5 fte (CAO Gemeenten 2024)", "• visits.rate = =2*3", "Kleine lettertjes.",
        "• een punt"]
    assert book["Bronnen"].max_row == 1  # no sources section: the sheet is there, empty


def test_sheet_names_are_valid_short_and_unique() -> None:
    taken: set[str] = set()
    assert sheet_name("Opties: kosten [x]/y*z?\\", taken) == "Opties- kosten -x--y-z--"
    long = "Ondersteuning in de wijk en reistijd – Tot elke soort ondersteuning"
    first = sheet_name(long, taken)
    assert first == long[:31].rstrip() and len(first) <= 31
    second = sheet_name(long, taken)
    assert second == long[:27].rstrip() + " (2)" and len(second) <= 31
    assert sheet_name("BRONNEN", {"bronnen"}) == "BRONNEN (2)"  # Excel compares names without case
    assert sheet_name("'quoted'", set()) == "quoted"
    assert sheet_name("history", set()) == "history (1)"
    assert sheet_name("", set()) == "Blad"


@pytest.mark.parametrize(("kind", "decimals", "expected"), [
    ("count", None, "#,##0"), ("percent", None, "0.0"), ("percent", 2, "0.00"), ("money", None, '"€ "#,##0'),
    ("number", None, "#,##0.0"), ("minutes", None, "#,##0"), ("year", None, "0"), ("text", None, None),
    ("code", None, None)])
def test_number_formats_follow_the_column_kind(kind: str, decimals: int | None, expected: str | None) -> None:
    assert number_format(Column("k", "K", kind, decimals=decimals)) == expected  # type: ignore[arg-type]


def test_unwritable_folder_is_an_input_file_error(tiny: ReportData, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(InputFileError) as info:
        write_workbook(tiny, blocker / "out")
    assert info.value.code == "error.output_parent_is_file"
