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

from wijkloket.report.blocks import Figure, Section  # noqa: E402
from wijkloket.report.context import ReportData  # noqa: E402
from wijkloket.report.pdf import render_pdf  # noqa: E402
from wijkloket.report.sections import build  # noqa: E402

A4 = (595.28, 841.89)  # 210 x 297 mm in points (1 pt = 1/72 inch)
MakeData = Callable[[Path, str], ReportData]


def _read(sections: list[Section], data: ReportData, out: Path) -> tuple[Any, list[str]]:
    path = render_pdf(sections, data, out)
    assert path == out / "report.pdf"
    reader = pypdf.PdfReader(path)
    return reader, [" ".join(p.extract_text().split()) for p in reader.pages]


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
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4, abs=1)
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
    # Every figure is in the PDF with its alternative text (tagged PDF).
    figures = [f for s in sections for f in s.of_kind(Figure)]
    assert figures and _alt_texts(reader) >= {f.alt for f in figures}


def test_demo_like_pdf(points_ws: Path, make_report_data: MakeData, tmp_path: Path) -> None:
    data = make_report_data(points_ws, "nl")
    sections = build(data)
    reader, pages = _read(sections, data, tmp_path)
    assert reader.metadata.title == "Dienstverlening in de wijk: Haarlem"
    assert reader.trailer["/Root"]["/Lang"] == "nl"
    assert len(sections) >= 10 and 12 <= len(pages) <= 40
    toc = _contents(pages, sections)
    for s in sections:
        assert s.title in pages[toc[s.id] - 1], f"{s.title!r} is not on page {toc[s.id]}"
    assert all(f"pagina {n} van {len(pages)}" in text for n, text in enumerate(pages[1:], start=2))
    # A figure is never split over a line: the city's population as one figure, CBS 2024 as one year.
    assert "167.635" in " ".join(pages) and "20 24" not in " ".join(pages)
