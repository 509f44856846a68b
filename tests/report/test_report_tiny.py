"""Sections and the HTML report from the tiny hand-made `ReportData` (values worked out by hand in
conftest): the blocks hold the raw values, the HTML shows them per language, synthetic input is marked
exactly where it went."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from wijkloket.report import write_report
from wijkloket.report.blocks import Figure, Note, Section, Table
from wijkloket.report.context import ReportData
from wijkloket.report.sections import SECTIONS, build
from wijkloket.report.sections.profile import district_table, tone


def _section(sections: list[Section], section_id: str) -> Section:
    return next(s for s in sections if s.id == section_id)


def test_profile_table_holds_the_raw_values(tiny: ReportData) -> None:
    section = district_table(tiny)
    assert section is not None and not section.synthetic
    (table,) = section.of_kind(Table)
    assert [c.key for c in table.columns] == ["area", "population", "share_age_65_plus"]
    assert table.column("area") == ["Oud", "Nieuw", "Teststad"]
    assert table.column("population") == [100000.0, 67635.0, 167635.0]
    assert table.column("share_age_65_plus") == pytest.approx([20.0, 715700 / 67635, 2715700 / 167635])
    share = [r.cells[2] for r in table.rows]
    # 65+ is a key indicator with concern "high": Oud +23 index points, Nieuw -35; the city is not coloured.
    assert [c.tone for c in share] == ["hi2", "lo2", None]
    assert share[0].index == pytest.approx(20.0 / (2715700 / 167635) * 100)
    assert [c.tone for c in (r.cells[1] for r in table.rows)] == [None, None, None]  # not a key indicator
    assert [r.emphasis for r in table.rows] == [False, False, True]
    assert not table.synthetic


def test_tone_follows_the_direction_of_concern() -> None:
    assert [tone(i, "high") for i in (125.0, 115.0, 105.0, 85.0, 75.0)] == ["hi2", "hi1", None, "lo1", "lo2"]
    assert [tone(i, "low") for i in (125.0, 115.0, 85.0, 75.0)] == ["lo2", "lo1", "hi1", "hi2"]
    assert tone(float("nan"), "high") is None


def test_sections_in_the_order_of_sections(tiny: ReportData, tmp_path: Path) -> None:
    ids = [s.id for s in build(tiny)]
    # No issuances, no points: those builders have nothing to show.
    assert ids == ["kernboodschap", "stadsdelen", "kaarten", "baliegebruik", "bronnen", "methode"]
    assert [s.id for s in build(tiny, SECTIONS[::-1])] == ids[::-1]
    html = write_report(tiny, tmp_path).read_text("utf-8")
    assert re.findall(r'<section id="(\w+)"', html) == ids


@pytest.mark.parametrize(("lang", "present", "absent"), [
    ("nl", ["167.635", "67.635", "16,2", "10,6", "20,0", "index 123 (stad = 100)", "Kernboodschap",
            "Oud valt op bij 1 kenmerk: 65-plussers 20,0 % (index 123)", "Duidelijk lager dan de stad"],
     ["167,635", "16.2", "Key message"]),
    ("en", ["167,635", "67,635", "16.2", "10.6", "20.0", "index 123 (city = 100)", "Key message",
            "Oud stands out on 1 characteristic: Aged 65 and over 20.0 % (index 123)", "Clearly lower"],
     ["167.635", "16,2", "Kernboodschap"]),
])
def test_html_shows_the_values_in_the_language(tiny: ReportData, tmp_path: Path, lang: str, present: list[str],
                                               absent: list[str]) -> None:
    tiny.lang = lang
    html = write_report(tiny, tmp_path).read_text("utf-8")
    assert [t for t in present if t not in html] == []
    assert [t for t in absent if t in html] == []
    assert f'<html lang="{lang}">' in html
    assert '<td class="hi2" title="index 123' in html and '<td class="lo2" title="index 65' in html


def test_only_the_desk_section_is_synthetic(tiny: ReportData, tmp_path: Path) -> None:
    sections = build(tiny)
    assert [s.id for s in sections if s.synthetic] == ["baliegebruik"]
    for s in sections:
        marked = [b.synthetic for b in s.blocks if isinstance(b, Table | Figure | Note)]
        assert all(marked) if s.synthetic else not any(marked), s.id
    desk = _section(sections, "baliegebruik")
    (table,) = desk.of_kind(Table)
    assert table.column("visits") == [60000.0, None, 100000.0]  # districts, then the city total
    assert [r.cells[1].suppressed for r in table.rows] == [False, True, False]
    html = write_report(tiny, tmp_path).read_text("utf-8")
    banner = re.search(r'<p class="synthetic">(.*?)</p>', html, re.S)
    assert banner and re.findall(r'href="#(\w+)"', banner.group(1)) == ["baliegebruik"]
    assert "<td>x</td>" in html  # the suppressed count
    kaarten = re.search(r'<section id="kaarten">(.*?)</section>', html, re.S)
    assert kaarten and "synthetisch" not in kaarten.group(1).lower()


def test_map_footnotes_say_synthetic_only_on_synthetic_maps(tiny: ReportData, monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    import wijkloket.report.maps as maps

    footnotes: list[tuple[bool, str]] = []
    real = maps.choropleth

    def spy(*args: Any, **kwargs: Any) -> Any:
        footnotes.append((kwargs.get("synthetic", False), kwargs.get("footnote", "")))
        return real(*args, **kwargs)

    monkeypatch.setattr(maps, "choropleth", spy)
    sections = build(tiny)
    assert [f.synthetic for f in _section(sections, "kaarten").of_kind(Figure)] == [False]
    cbs, desk = footnotes
    assert cbs == (False, "Bron: CBS, Wijk- en buurtkaart / Kerncijfers wijken en buurten 2024")
    assert desk[0] is True  # the stamp is drawn from the flag (tests/report/test_figures.py)


def test_no_external_references(tiny: ReportData, tmp_path: Path) -> None:
    html = write_report(tiny, tmp_path).read_text("utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["'](?!#|data:)""", html)
    assert "url(" not in html and "@import" not in html
    assert html.count("data:image/svg+xml;base64,") == 3  # the CBS map, the desk trend and the desk map


def test_source_file_names_are_escaped(tiny: ReportData, tmp_path: Path) -> None:
    html = write_report(tiny, tmp_path).read_text("utf-8")
    assert "wijken&lt;script&gt;.gpkg" in html and "<script>" not in html
