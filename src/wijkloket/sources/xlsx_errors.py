"""Error cells of a workbook sheet (#N/A, #DIV/0!, #VALUE! ...), which python-calamine reads as empty.

An empty cell and an error cell mean different things to an import: an empty status is "attended", an
error is a value nobody can read and must be rejected with the row. So the sheet's XML is checked for
cells of type `e`; only when there are any (rare) are they parsed, and their text put back in place of
the empty cell calamine gives. Read from the workbook's zip as Excel wrote it (ECMA-376 part 1,
18.3.1.4 `c`, 18.18.11 `ST_CellType`)."""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "p": "http://schemas.openxmlformats.org/package/2006/relationships"}
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF = re.compile(rb"""\br=["']([A-Z]+)([0-9]+)["']""")
_ERROR = re.compile(rb"""\bt=["']e["']""")
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


def _sheet_part(z: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding `sheet` (by the workbook's relationships)."""
    book = ElementTree.fromstring(z.read("xl/workbook.xml"))
    rid = next((s.get(f"{{{NS['r']}}}id") for s in book.iterfind("m:sheets/m:sheet", NS) if s.get("name") == sheet),
               None)
    rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = next((r.get("Target") for r in rels.iterfind("p:Relationship", NS) if r.get("Id") == rid), None)
    if target is None:
        return None
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _has_error_cell(z: zipfile.ZipFile, part: str) -> bool:
    """Whether the sheet has a cell of type `e`, read in chunks (bytes.find: a 75 MB sheet in 0.25 s)."""
    tail = b""
    with z.open(part) as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            data = tail + chunk
            if data.find(b't="e"') >= 0 or data.find(b"t='e'") >= 0:
                return True
            tail = data[-5:]
    return False


def error_cells(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """{(row, column) counted from 0 at A1: the error's text} of the sheet; empty when it has none or the
    file is not an XLSX zip (then there is nothing calamine could have hidden)."""
    try:
        with zipfile.ZipFile(path) as z:
            part = _sheet_part(z, sheet)
            if part is None:
                return {}
            if not _has_error_cell(z, part):
                return {}
            data = z.read(part)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError):
        return {}
    found: dict[tuple[int, int], str] = {}
    for attrs, body in _CELL.findall(data):
        ref = _REF.search(attrs)
        if _ERROR.search(attrs) is None or ref is None:
            continue
        value = _VALUE.search(body)
        text = value.group(1).decode("utf-8", "replace") if value else "#ERROR"
        found[(int(ref.group(2)) - 1, _column(ref.group(1)))] = text or "#ERROR"
    return found
