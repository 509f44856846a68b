"""Blocks and the HTML renderer on hand-made blocks: formatting per language, every block type, escaping,
layout, and the banner that names only the synthetic sections."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from wijkloket.report.blocks import (
    Block,
    BulletList,
    Cell,
    Column,
    Figure,
    Heading,
    Image,
    Note,
    Paragraph,
    Row,
    Section,
    Swatch,
    Table,
    Term,
)
from wijkloket.report.context import ReportData
from wijkloket.report.formatting import cell_text
from wijkloket.report.html import FigureRow, layout, render_html

PNG = Image(b"\x89PNG\r\n\x1a\n-not-really-a-png", "image/png")


@pytest.mark.parametrize(("kind", "value", "decimals", "nl", "en"), [
    ("count", 167635, None, "167.635", "167,635"),
    ("percent", 16.2001, None, "16,2", "16.2"),
    ("number", 1234.56, 2, "1.234,56", "1,234.56"),
    ("money", 400000.0, None, "€ 400.000", "€ 400,000"),
    ("minutes", 12.4, None, "12", "12"),
    ("year", 2024, None, "2024", "2024"),
    ("text", "Zuid-West", None, "Zuid-West", "Zuid-West"),
    ("count", None, None, "–", "–"),
    ("percent", float("nan"), None, "–", "–"),
])
def test_cell_text_per_language(kind: typing.Any, value: typing.Any, decimals: int | None, nl: str, en: str) -> None:
    column = Column("c", "C", kind, decimals=decimals)
    assert cell_text(Cell(value), column, "nl") == nl
    assert cell_text(Cell(value), column, "en") == en


def test_suppressed_cell_is_x_whatever_its_value() -> None:
    assert cell_text(Cell(12.0, suppressed=True), Column("c", "C", "count"), "nl") == "x"


def test_table_rows_must_match_columns() -> None:
    with pytest.raises(ValueError, match="row 0 has 1 cells for 2 columns"):
        Table((Column("a", "A"), Column("b", "B")), (Row((Cell(1.0),)),))


def test_table_column_gives_raw_values() -> None:
    table = Table((Column("area", "Area", "text"), Column("n", "N", "count")),
                  (Row((Cell("Oud"), Cell(100000.0))), Row((Cell("Nieuw"), Cell(67635.0)))))
    assert table.column("n") == [100000.0, 67635.0]


def test_layout_puts_neighbouring_figures_side_by_side() -> None:
    a, b, wide = Figure(PNG, "a", "a"), Figure(PNG, "b", "b"), Figure(PNG, "w", "w", wide=True)
    note = Note("n")
    assert layout([a, b, note, wide, a]) == [FigureRow((a, b)), note, wide, FigureRow((a,))]


def _every_block() -> tuple[Block, ...]:
    table = Table(
        (Column("area", "Stadsdeel", "text"), Column("m", "gem. minuten", "minutes", group="Inwoners"),
         Column("p", "% binnen", "percent", decimals=0, group="Inwoners"), Column("v", "Bezoeken", "count"),
         Column("sha", "SHA-256", "code")),
        (Row((Cell("Oud", note="WK999901"), Cell(12.4), Cell(75.2, tone="hi2", index=131.0, flag=True),
              Cell(suppressed=True), Cell("a3b3feeffc7f"))),
         Row((Cell("Teststad"), Cell(10.0), Cell(80.0), Cell(1234.0), Cell(None)), emphasis=True)),
        synthetic=True)
    return (
        Heading("Per stadsdeel, 2025"),
        Paragraph("Gewone tekst."),
        Paragraph("Een kanttekening.", style="caveat"),
        Paragraph("Zo lees je de tabel.", style="legend", swatches=(Swatch("hi2", "≥ +20"),)),
        Paragraph("SYNTHETISCH: gesimuleerd.", style="synthetic_notice"),
        BulletList(("Eerste punt", Term("mode", "bike"))),
        table,
        Figure(PNG, "Kaart", "Een kaart", synthetic=True),
        Note("Bron: CBS."),
    )


def _data(tiny: ReportData, lang: str) -> ReportData:
    tiny.lang = lang
    return tiny


def _body(html: str, section_id: str) -> str:
    m = re.search(rf'<section id="{section_id}"[^>]*>(.*?)</section>', html, re.S)
    assert m, section_id
    return m.group(1)


def test_every_block_type_renders(tiny: ReportData, tmp_path: Path) -> None:
    blocks = _every_block()
    assert {type(b) for b in blocks} == set(typing.get_args(Block))  # a new block type needs a case here
    html = render_html([Section("alles", "Alles", blocks, synthetic=True)], tiny, tmp_path).read_text("utf-8")
    body = _body(html, "alles")
    assert "<h3>Per stadsdeel, 2025</h3>" in body
    assert "<p>Gewone tekst.</p>" in body
    assert '<p class="caveat">Een kanttekening.</p>' in body
    assert '<p class="legend"><span class="hi2">&nbsp;≥ +20&nbsp;</span> Zo lees je de tabel.</p>' in body
    assert '<p class="synthetic">SYNTHETISCH: gesimuleerd.</p>' in body
    assert "<li>Eerste punt</li>" in body and "<li><code>mode</code> = bike</li>" in body
    # grouped columns: the group spans its two columns, the others both header rows
    assert '<th colspan="2">Inwoners</th>' in body and '<th rowspan="2" class="text">Stadsdeel</th>' in body
    assert '<th class="text">Oud<br><span class="unit">WK999901</span></th>' in body
    assert '<td class="hi2" title="index 131 (stad = 100)">75<sup>*</sup></td>' in body
    assert "<td>12</td>" in body and "<td>x</td>" in body and "<td>1.234</td>" in body
    assert '<td class="text"><code>a3b3feeffc7f</code></td>' in body and '<td class="text"><code>–</code>' in body
    assert '<tr class="city"><th class="text">Teststad</th>' in body
    assert '<table data-synthetic="true">' in body
    assert f'src="data:image/png;base64,{__import__("base64").b64encode(PNG.data).decode()}" alt="Kaart"' in body
    assert "<figcaption>Een kaart (synthetisch)</figcaption>" in body
    assert '<div class="maps"><figure data-synthetic="true">' in body
    assert '<p class="note">Bron: CBS.</p>' in body


def test_text_from_inputs_is_escaped(tiny: ReportData, tmp_path: Path) -> None:
    evil = "<script>alert('x')</script>"
    blocks = (Heading(evil), Paragraph(evil), BulletList((evil, Term(evil, evil))), Note(evil),
              Table((Column("a", evil, "text", unit=evil, group=evil),), (Row((Cell(evil, note=evil),)),)),
              Figure(PNG, evil, evil))
    html = render_html([Section("x", evil, blocks)], tiny, tmp_path).read_text("utf-8")
    assert "<script>" not in html
    assert html.count("&lt;script&gt;") >= 12


@pytest.mark.parametrize(("lang", "intro"), [("nl", "Let op: deze paragrafen"), ("en", "Note: these sections")])
def test_banner_names_only_the_synthetic_sections(tiny: ReportData, tmp_path: Path, lang: str, intro: str) -> None:
    sections = [Section("echt", "Echte cijfers", (Paragraph("CBS"),)),
                Section("nep", "Gesimuleerd", (Paragraph("log"),), synthetic=True)]
    html = render_html(sections, _data(tiny, lang), tmp_path).read_text("utf-8")
    banner = re.search(r'<p class="synthetic">(.*?)</p>', html, re.S)
    assert banner and intro in banner.group(1)
    assert '<a href="#nep">Gesimuleerd</a>' in banner.group(1) and "#echt" not in banner.group(1)
    assert f'lang="{lang}"' in html


def test_no_banner_without_synthetic_sections(tiny: ReportData, tmp_path: Path) -> None:
    html = render_html([Section("echt", "Echte cijfers", (Paragraph("CBS"),))], tiny, tmp_path).read_text("utf-8")
    assert 'class="synthetic"' not in html and "synthetisch" not in html.lower()


def _modules_after(statement: str) -> set[str]:
    import subprocess
    import sys

    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_sections_know_no_renderer_and_exports_stay_light() -> None:
    assert "wijkloket.report.html" not in _modules_after("import wijkloket.report.sections")
    light = _modules_after("import wijkloket.report.exports")
    assert not {"matplotlib", "jinja2", "wijkloket.report.sections"} & light
