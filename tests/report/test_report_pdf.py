"""The PDF report (WeasyPrint) from the tiny hand-made `ReportData` and from the Haarlem workspace with
synthetic service points, read back with pypdf: A4, a title page, contents whose page numbers point at
the sections, running header and page numbers, language and title in the metadata."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("weasyprint")
pypdf = pytest.importorskip("pypdf")

from wijkloket.report.blocks import Cell, Column, Figure, Note, Paragraph, Row, Section, Table  # noqa: E402
from wijkloket.report.context import ReportData  # noqa: E402
from wijkloket.report.formatting import NUMERIC_KINDS, cell_text  # noqa: E402
from wijkloket.report.pdf import is_wide, render_document, render_pdf, runs, table_chars  # noqa: E402
from wijkloket.report.sections import build  # noqa: E402

A4 = (595.28, 841.89)  # 210 x 297 mm in points (1 pt = 1/72 inch)
LANDSCAPE = A4[::-1]
MakeData = Callable[[Path, str], ReportData]


def _read(sections: list[Section], data: ReportData, out: Path) -> tuple[Any, list[str]]:
    path = render_pdf(sections, data, out)
    assert path == out / "report.pdf"
    reader = pypdf.PdfReader(path)
    return reader, [" ".join(p.extract_text().split()) for p in reader.pages]


def _size(page: Any) -> tuple[float, float]:
    return float(page.mediabox.width), float(page.mediabox.height)


def _past_the_margin(document: Any) -> list[str]:
    """Every box of the laid-out document (WeasyPrint) whose right or left edge lies outside its page's
    content box: what would be clipped or run into the margin."""
    out = []
    for n, page in enumerate(document.pages, start=1):
        box = page._page_box
        left, right = box.content_box_x(), box.content_box_x() + box.width
        for child in box.children[0].descendants():  # the document; the margin boxes are the other children
            if getattr(child, "width", None) is None:
                continue
            x0 = child.border_box_x()
            if x0 < left - 0.5 or x0 + child.border_width() > right + 0.5:
                out.append(f"page {n}: {type(child).__name__} {getattr(child, 'text', '')!r} {x0:.0f}..{right:.0f}")
    return out


def _alt_texts(reader: Any) -> set[str]:
    """The alternative texts in the PDF's structure tree (`/Alt` of its elements)."""
    out: set[str] = set()
    todo = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while todo:
        node = todo.pop().get_object()
        if isinstance(node, pypdf.generic.ArrayObject):
            todo.extend(node)
        elif isinstance(node, pypdf.generic.DictionaryObject):
            if "/Alt" in node:
                out.add(str(node["/Alt"]))
            if "/K" in node:
                todo.append(node["/K"])
    return out


def _contents(pages: list[str], sections: list[Section]) -> dict[str, int]:
    """The page number the contents (page 2) gives for each section title."""
    out = {}
    for s in sections:
        found = re.search(re.escape(s.title) + r"(?: \(\w+\))? ?\.{3,} ?(\d+)", pages[1])
        assert found, f"{s.title!r} not in the contents: {pages[1]}"
        out[s.id] = int(found.group(1))
    return out


@pytest.mark.parametrize(("lang", "title", "page_label"), [
    ("nl", "Dienstverlening in de wijk: Teststad", "pagina {n} van {m}"),
    ("en", "Public service in the neighbourhoods: Teststad", "page {n} of {m}"),
])
def test_tiny_pdf(tiny: ReportData, tmp_path: Path, lang: str, title: str, page_label: str) -> None:
    tiny.lang = lang
    sections = build(tiny)
    reader, pages = _read(sections, tiny, tmp_path)
    assert reader.metadata.title == title
    assert reader.trailer["/Root"]["/Lang"] == lang
    # Title page, contents, then six short sections: a few pages, not one per block.
    assert 3 <= len(pages) <= 8
    assert pages[0].startswith(title) and "Teststad" in pages[0] and "GM9999" in pages[0]
    assert page_label.format(n=1, m=len(pages)) not in pages[0]  # the title page has no footer
    assert title in pages[1]  # the running header
    for n, text in enumerate(pages[1:], start=2):
        assert page_label.format(n=n, m=len(pages)) in text
    toc = _contents(pages, sections)
    assert list(toc.values()) == sorted(toc.values()) and min(toc.values()) == 3
    for s in sections:
        assert s.title in pages[toc[s.id] - 1], f"{s.title!r} is not on page {toc[s.id]}"
    # A4 portrait, except the sources: ten columns with file names get a landscape page, up to the next section.
    ids = [s.id for s in sections]
    after = toc[ids[ids.index("bronnen") + 1]]
    for n, page in enumerate(reader.pages, start=1):
        assert _size(page) == pytest.approx(LANDSCAPE if toc["bronnen"] <= n < after else A4, abs=1), n
    # Every figure is in the PDF with its alternative text (tagged PDF).
    figures = [f for s in sections for f in s.of_kind(Figure)]
    assert figures and _alt_texts(reader) >= {f.alt for f in figures}


def test_demo_like_pdf(points_ws: Path, make_report_data: MakeData, tmp_path: Path) -> None:
    data = make_report_data(points_ws, "nl")
    sections = build(data)
    document = render_document(sections, data)
    assert _past_the_margin(document) == []  # no table, figure or text runs past the margins
    document.write_pdf(tmp_path / "report.pdf", pdf_tags=True)
    reader = pypdf.PdfReader(tmp_path / "report.pdf")
    pages = [" ".join(p.extract_text().split()) for p in reader.pages]
    for page in reader.pages:
        assert _size(page) in (pytest.approx(A4, abs=1), pytest.approx(LANDSCAPE, abs=1))
    assert pages[0].startswith("Dienstverlening in de wijk: Haarlem") and "GM0392" in pages[0]
    assert reader.metadata.title == "Dienstverlening in de wijk: Haarlem"
    assert reader.trailer["/Root"]["/Lang"] == "nl"
    assert len(sections) >= 10 and 12 <= len(pages) <= 40
    toc = _contents(pages, sections)
    for s in sections:
        assert s.title in pages[toc[s.id] - 1], f"{s.title!r} is not on page {toc[s.id]}"
    assert all(f"pagina {n} van {len(pages)}" in text for n, text in enumerate(pages[1:], start=2))
    # A figure is never split over a line: the city's population as one figure, CBS 2024 as one year.
    assert "167.635" in " ".join(pages) and "20 24" not in " ".join(pages)
    # Every table is there to its last column: each row's last figure is in the text of the PDF.
    everything = " ".join(pages)
    for table in (t for s in sections for t in s.of_kind(Table)):
        last = table.columns[-1]
        if last.kind in NUMERIC_KINDS:
            assert all(cell_text(r.cells[-1], last, "nl") in everything for r in table.rows)
    # The options (nine columns of figures with their intervals) and the sources (ten, with file names)
    # are too wide for portrait: their section starts on a landscape page; the district table does not.
    assert _size(reader.pages[toc["opties"] - 1]) == pytest.approx(LANDSCAPE, abs=1)
    assert _size(reader.pages[toc["bronnen"] - 1]) == pytest.approx(LANDSCAPE, abs=1)
    assert _size(reader.pages[toc["stadsdelen"] - 1]) == pytest.approx(A4, abs=1)


def _wide_table(n_rows: int) -> Table:
    columns = tuple(Column(f"c{i}", f"Kolom {i}", "text") for i in range(9)) + (Column("end", "Eind", "text"),)
    rows = tuple(Row(tuple(Cell(f"rij {r} kolom {i} met wat tekst") for i in range(9)) + (Cell(f"einde {r}"),))
                 for r in range(n_rows))
    return Table(columns, rows)


def test_table_width_by_hand() -> None:
    # Per column the widest of: the head's longest word, a figure (never broken), a text up to 20
    # characters, a note up to 14 (or its longest word); then 2 for the padding.
    table = Table((Column("name", "Naam van de wijk", "text"), Column("n", "Inwoners", "count")),
                  (Row((Cell("Oud"), Cell(100000.0))),
                   Row((Cell("Een heel lange naam van een wijk"), Cell(5.0, note="80%: 4 – 6 inwoners")))))
    # "Naam van de wijk": "Naam"/"wijk" 4, "Een heel lange naam van een wijk" 32 -> 20; +2 = 22.
    # "Inwoners" 8, "100.000" 7, note 19 -> 14 ("inwoners" 8); +2 = 16.
    assert table_chars(table, "nl") == 22 + 16
    assert not is_wide(table, "nl")
    # Nine columns of 22 characters and a last one of "einde 0" (7 + 2).
    assert table_chars(_wide_table(1), "nl") == 9 * 22 + 9 and is_wide(_wide_table(1), "nl")


def test_wide_table_runs() -> None:
    narrow, wide = Table((Column("a", "A", "text"),), (Row((Cell("x"),)),)), _wide_table(2)
    section = Section("s", "S", (Paragraph("Voor."), narrow, Paragraph("Inleiding."), wide, Note("Noot."),
                                 Paragraph("Daarna.")))
    got = [(r.landscape, r.blocks) for r in runs(section, "nl")]
    assert got == [(False, section.blocks[:2]), (True, section.blocks[2:5]), (False, section.blocks[5:])]
    assert [(r.landscape, r.blocks) for r in runs(Section("t", "T", (wide,)), "nl")] == [(True, (wide,))]


def test_wide_table_on_landscape_pages(tiny: ReportData, tmp_path: Path) -> None:
    wide = _wide_table(40)
    sections = [Section("a", "Eerste", (Paragraph("Kort."),)),
                Section("b", "Breed", (Paragraph("Voor de tabel."), wide, Note("Noot bij de tabel."))),
                Section("c", "Laatste", (Paragraph("Einde."),))]
    document = render_document(sections, tiny)
    assert _past_the_margin(document) == []
    document.write_pdf(tmp_path / "report.pdf")
    reader = pypdf.PdfReader(tmp_path / "report.pdf")
    pages = [" ".join(p.extract_text().split()) for p in reader.pages]
    toc = _contents(pages, sections)
    landscape = [n for n, p in enumerate(reader.pages, start=1) if _size(p) == pytest.approx(LANDSCAPE, abs=1)]
    # 40 rows of three lines do not fit one page: the table's pages, from its section's first, are landscape,
    # each repeats the head; the sections before and after stay portrait.
    assert len(landscape) >= 2 and landscape == list(range(toc["b"], toc["b"] + len(landscape)))
    assert toc["c"] == landscape[-1] + 1 and _size(reader.pages[toc["c"] - 1]) == pytest.approx(A4, abs=1)
    assert all("Kolom 0" in pages[n - 1] and "Kolom 8 Eind" in pages[n - 1] for n in landscape)
    assert all(f"einde {r}" in " ".join(pages) for r in range(40)) and "Noot bij de tabel." in pages[landscape[-1] - 1]
