"""Workbooks are read with python-calamine (issue 14, point 2): the same cell texts as the openpyxl reader
they replaced (kept here as the reference), the same header detection, sheet choice and errors."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from wijkloket.errors import InputFileError
from wijkloket.sources.files import check_file
from wijkloket.sources.logs import excel_frame
from wijkloket.synthetic.xlsx import write_xlsx


def openpyxl_frame(path: Path, sheet: str | None) -> tuple[pd.DataFrame, int]:
    """The reader before issue 14 (openpyxl read-only), as the reference; a time cell, on which it failed
    (`time.isoformat` takes no `sep`), read as `time.isoformat()`."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = wb[sheet or wb.sheetnames[0]].iter_rows(values_only=True)
    header: list[str] | None = None
    header_row = 0
    body: list[list[str]] = []
    for i, row in enumerate(rows, start=1):
        cells = ["" if v is None else
                 v.isoformat() if isinstance(v, dt.time) else
                 v.isoformat(sep=" ") if hasattr(v, "isoformat") else
                 str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in row]
        if header is None:
            if any(c.strip() for c in cells):
                header = [c.strip() for c in cells]
                header_row = i
            continue
        if any(c.strip() for c in cells):
            body.append(cells[: len(header)] + [""] * (len(header) - len(cells)))
    wb.close()
    assert header is not None
    return pd.DataFrame(body, columns=header, dtype=object), header_row + 1


def _same(path: Path, sheet: str | None = None) -> pd.DataFrame:
    frame, offset = excel_frame(path, sheet)
    ref, ref_offset = openpyxl_frame(path, sheet)
    assert list(frame.columns) == list(ref.columns)
    assert frame.values.tolist() == ref.values.tolist()
    assert offset == ref_offset
    return frame


def test_a_demo_style_workbook_reads_as_openpyxl_reads_it(tmp_path: Path) -> None:
    """Written like the demo's issuance list (wijkloket.synthetic.xlsx: date cells, numbers, text)."""
    days = (np.array([dt.date(2019, 1, 2), dt.date(2024, 12, 31), dt.date(1950, 6, 1)], dtype="datetime64[D]")
            .astype(np.int64))
    frame = pd.DataFrame({"Datum verstrekking": days, "Documentsoort": ["Nationaal paspoort", "Rijbewijs", "a&b<c>"],
                          "Postcode": ["2011AB", "2012 CD", "0"], "Huisnummer": np.array([48, 7, 1200]),
                          "Geboortedatum": days[::-1]})
    path = tmp_path / "verstrekkingen.xlsx"
    write_xlsx(frame, {"Datum verstrekking", "Geboortedatum"}, path, "test")
    got = _same(path)
    # by hand: dates at midnight in ISO form, whole numbers without ".0", text as written
    assert got.values.tolist()[0] == ["2019-01-02 00:00:00", "Nationaal paspoort", "2011AB", "48",
                                      "1950-06-01 00:00:00"]
    assert got["Documentsoort"].tolist()[2] == "a&b<c>"


def _kinds_workbook(path: Path) -> None:
    """Leading blank rows and column, a header with spaces, every kind of cell, blank rows in the body."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Blad")
    date_f, dt_f = wb.add_format({"num_format": "dd-mm-yyyy"}), wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    time_f, dur_f = wb.add_format({"num_format": "hh:mm"}), wb.add_format({"num_format": "[h]:mm"})
    ws.write_row(2, 1, [" datum ", "tijd", "getal", "tekst"])
    rows: list[list[object]] = [
        [dt.datetime(2024, 1, 3), dt.time(9, 15), 1234, "  x  "],
        [dt.datetime(2024, 1, 3, 9, 15), dt.time(0, 0), 12.25, "01234"],
        [None, None, None, None],  # blank: skipped
        [dt.datetime(2023, 12, 31), 1.5, -3.0, "é€"],
        [dt.datetime(2000, 2, 29), dt.time(23, 59, 59), 1e20, "=not a formula"],
        [None, None, True, False],
    ]
    formats = [date_f, time_f, None, None]
    r = 3
    for row in rows:
        for c, (value, fmt) in enumerate(zip(row, formats, strict=True)):
            if value is None:
                continue
            if row[0] == dt.datetime(2024, 1, 3, 9, 15) and c == 0:
                fmt = dt_f
            if isinstance(value, float) and c == 1:
                fmt = dur_f
            if isinstance(value, dt.datetime | dt.time):
                ws.write_datetime(r, c + 1, value, fmt)
            elif isinstance(value, str):
                ws.write_string(r, c + 1, value)
            else:
                ws.write(r, c + 1, value, fmt)
        r += 1
    ws.write_number(r, 2, 123456789012)
    wb.close()


def test_every_kind_of_cell_reads_as_openpyxl_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "soorten.xlsx"
    _kinds_workbook(path)
    got = _same(path)
    assert list(got.columns) == ["", "datum", "tijd", "getal", "tekst"]  # the blank column A is kept
    assert got.values.tolist() == [  # by hand
        ["", "2024-01-03 00:00:00", "09:15:00", "1234", "  x  "],
        ["", "2024-01-03 09:15:00", "00:00:00", "12.25", "01234"],
        ["", "2023-12-31 00:00:00", "1 day, 12:00:00", "-3", "é€"],
        ["", "2000-02-29 00:00:00", "23:59:59", "100000000000000000000", "=not a formula"],
        ["", "", "", "True", "False"],
        ["", "", "123456789012", "", ""],
    ]
    # the header is sheet row 3, so the first body row is sheet row 4
    assert excel_frame(path, None)[1] == 4


def _two_sheets(path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path))
    for name in ("Een", "Twee"):
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, ["a", name])
        ws.write_row(1, 0, [1, 2])
    wb.add_worksheet("Leeg")
    wb.close()


def test_sheet_choice_and_its_errors(tmp_path: Path) -> None:
    path = tmp_path / "bladen.xlsx"
    _two_sheets(path)
    assert _same(path, "Twee").values.tolist() == [["1", "2"]]
    assert list(excel_frame(path, "Twee")[0].columns) == ["a", "Twee"]
    with pytest.raises(InputFileError) as many:
        excel_frame(path, None)
    assert many.value.code == "error.xlsx_sheets" and many.value.params["sheets"] == "Een, Twee, Leeg"
    with pytest.raises(InputFileError) as missing:
        excel_frame(path, "Drie")
    assert missing.value.code == "error.xlsx_sheet_missing" and missing.value.params["sheet"] == "Drie"
    with pytest.raises(InputFileError) as empty:
        excel_frame(path, "Leeg")
    assert empty.value.code == "error.file_empty"


def test_an_unreadable_workbook(tmp_path: Path) -> None:
    garbage = tmp_path / "kapot.xlsx"
    garbage.write_bytes(b"PK\x03\x04 not really a zip")
    no_workbook = tmp_path / "geen.xlsx"
    with zipfile.ZipFile(no_workbook, "w") as z:
        z.writestr("hello.txt", "no workbook in here")
    for path in (garbage, no_workbook):
        with pytest.raises(InputFileError) as exc:
            excel_frame(path, None)
        assert exc.value.code == "error.xlsx_unreadable" and exc.value.params["file"] == str(path)


def test_an_old_xls_workbook_is_still_refused(tmp_path: Path) -> None:
    old = tmp_path / "oud.xlsx"  # named .xlsx, but the Compound File Binary start of an .xls
    old.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504)
    with pytest.raises(InputFileError) as exc:
        check_file(old)
    assert exc.value.code == "error.file_old_excel"


def test_error_cells_read_as_their_text_as_openpyxl_read_them(tmp_path: Path) -> None:
    """calamine reads #N/A as an empty cell; an empty status would be taken as 'attended', so the error's
    text is put back from the sheet's XML (here written by xlsxwriter: formulas with error results, next
    to empty and self-closing cells, on the second of two sheets)."""
    path = tmp_path / "errors.xlsx"
    with xlsxwriter.Workbook(path) as wb:
        wb.add_worksheet("Leeg").write(0, 0, "x")
        ws = wb.add_worksheet("Afspraken")
        ws.write_row(0, 0, ["Datum", "Product", "Status", "Postcode"])
        ws.write_row(1, 0, ["02-01-2024", "Paspoort", "Opgekomen", "2011AB"])
        ws.write_formula(2, 2, "=NA()", None, "#N/A")
        ws.write_row(2, 0, ["03-01-2024", "Rijbewijs"])
        ws.write_blank(2, 3, None, wb.add_format({"bold": True}))  # a styled empty cell: <c r="D3" s="1"/>
        ws.write_formula(3, 3, "=1/0", None, "#DIV/0!")
        ws.write_row(3, 0, ["04-01-2024", "ID-kaart", "Opgekomen"])
    frame = _same(path, "Afspraken")
    assert frame["Status"].tolist() == ["Opgekomen", "#N/A", "Opgekomen"]
    assert frame["Postcode"].tolist() == ["2011AB", "", "#DIV/0!"]
