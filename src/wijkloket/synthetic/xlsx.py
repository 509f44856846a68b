"""The issuance list as an XLSX workbook that opens like a civil-affairs system's export."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

SHEET_NAME = "Verstrekkingen (synthetisch)"
_FIXED_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
"""Zip entry time of every part, so that the same input gives the same bytes."""
_EXCEL_EPOCH_OFFSET = 25569  # Excel serial of 1970-01-01


def _column_letter(i: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i]


def write_xlsx(frame: pd.DataFrame, date_columns: set[str], path: Path, title: str) -> None:
    """Write `frame` as one sheet. openpyxl writes the workbook (styles, a `dd-mm-yyyy` date style); the
    rows are streamed into the sheet in the markup openpyxl uses, because openpyxl itself needs ~15 s
    for 200,000 rows. Timestamps are fixed so the same input gives the same bytes."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_NAME)
    probe = WriteOnlyCell(ws, value=date(2024, 1, 1))
    probe.number_format = "dd-mm-yyyy"
    ws.append(list(frame.columns))
    ws.append([probe])
    wb.properties.creator = "wijkloket simulate (synthetisch)"
    wb.properties.title = title
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as template:
        parts = {name: template.read(name) for name in template.namelist()}
    sheet_name = next(n for n in parts if n.startswith("xl/worksheets/"))
    sheet = parts[sheet_name].decode("utf-8")
    style = re.search(r'<c r="A2" s="(\d+)"', sheet)
    date_style = style.group(1) if style else "1"

    n = len(frame)
    rownum = pd.Series(np.arange(2, n + 2).astype(str), dtype=object)
    xml = "<row r=\"" + rownum + "\">"
    for i, column in enumerate(frame.columns):
        ref = _column_letter(i) + rownum
        values = frame[column]
        if column in date_columns:
            serial = pd.Series((values.to_numpy() + _EXCEL_EPOCH_OFFSET).astype(str), dtype=object)
            xml = xml + "<c r=\"" + ref + f"\" s=\"{date_style}\" t=\"n\"><v>" + serial + "</v></c>"
        elif pd.api.types.is_integer_dtype(values):
            xml = xml + "<c r=\"" + ref + "\" t=\"n\"><v>" + pd.Series(values.astype(str).to_numpy(),
                                                                       dtype=object) + "</v></c>"
        else:
            text = values.astype(str)
            if text.str.contains(r"[&<>]").any():
                text = text.map(escape)
            text = pd.Series(text.to_numpy(dtype=object), dtype=object)
            xml = xml + "<c r=\"" + ref + "\" t=\"inlineStr\"><is><t>" + text + "</t></is></c>"
    xml = xml + "</row>"
    header = "<row r=\"1\">" + "".join(
        f'<c r="{_column_letter(i)}1" t="inlineStr"><is><t>{escape(c)}</t></is></c>'
        for i, c in enumerate(frame.columns)) + "</row>"
    body = header + "".join(xml.tolist())
    head, rest = sheet.split("<sheetData>", 1)
    tail = rest.split("</sheetData>", 1)[1]
    dimension = f'<dimension ref="A1:{_column_letter(len(frame.columns) - 1)}{n + 1}" />'
    head = head.replace("<sheetViews>", dimension + "<sheetViews>", 1)
    parts[sheet_name] = (head + "<sheetData>" + body + "</sheetData>" + tail).encode("utf-8")
    fixed = "2024-01-01T00:00:00Z"
    core = parts["docProps/core.xml"].decode("utf-8")
    core = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)", rf"\g<1>{fixed}\g<3>", core)
    parts["docProps/core.xml"] = core.encode("utf-8")
    with zipfile.ZipFile(path, "w") as out:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, data)
