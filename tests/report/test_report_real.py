"""The report on real Haarlem CBS data with a synthetic desk log (and, in a copy, synthetic service points):
the CBS sections and maps are not synthetic, the desk sections are, and the banner says exactly that."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from wijkloket.report import write_report
from wijkloket.report.blocks import Figure, Section, Table
from wijkloket.report.context import ReportData
from wijkloket.report.html import render_html
from wijkloket.report.sections import build

MakeData = Callable[[Path, str], ReportData]

CBS_SECTIONS = ["kernboodschap", "stadsdelen", "kaarten", "bronnen", "methode"]


def _by_id(sections: list[Section]) -> dict[str, Section]:
    return {s.id: s for s in sections}


def _banner_links(html: str) -> list[str]:
    banner = re.search(r'<p class="synthetic">(.*?)</p>', html, re.S)
    assert banner, "no banner"
    return re.findall(r'href="#(\w+)"', banner.group(1))


@pytest.fixture(scope="module")
def desk_data(desk_ws: Path, make_report_data: MakeData) -> ReportData:
    return make_report_data(desk_ws, "nl")


@pytest.fixture(scope="module")
def desk_sections(desk_data: ReportData) -> list[Section]:
    return build(desk_data)


def test_only_the_desk_sections_rest_on_synthetic_data(desk_sections: list[Section], desk_data: ReportData,
                                                       tmp_path: Path) -> None:
    by_id = _by_id(desk_sections)
    assert [s.id for s in desk_sections] == ["kernboodschap", "stadsdelen", "kaarten", "baliegebruik",
                                             "verstrekkingen", "ondergebruik", "bronnen", "methode"]
    assert [s.id for s in desk_sections if s.synthetic] == ["baliegebruik", "verstrekkingen", "ondergebruik"]
    maps = by_id["kaarten"].of_kind(Figure)
    assert len(maps) >= 3 and not any(f.synthetic for f in maps)
    assert not any(t.synthetic for t in by_id["stadsdelen"].of_kind(Table))
    for sid in ("baliegebruik", "verstrekkingen"):
        assert all(t.synthetic for t in by_id[sid].of_kind(Table))
        assert all(f.synthetic for f in by_id[sid].of_kind(Figure))
    html = render_html(desk_sections, desk_data, tmp_path).read_text("utf-8")
    assert _banner_links(html) == ["baliegebruik", "verstrekkingen", "ondergebruik"]
    for sid in CBS_SECTIONS[1:3]:
        body = re.search(rf'<section id="{sid}">(.*?)</section>', html, re.S)
        assert body and "synthetisch" not in body.group(1).lower(), sid
    # The key message adds what the decision needs (under-use on the desk log): those parts, and only
    # those, are marked synthetic; its CBS findings are not.
    key = by_id["kernboodschap"]
    marked = [b for b in key.blocks if "synthetisch" in str(getattr(b, "text", getattr(b, "items", ""))).lower()]
    assert marked and all(b.synthetic for b in marked)
    assert not key.synthetic and not key.blocks[0].synthetic and not key.blocks[1].synthetic


def test_city_population_is_the_sum_of_the_cbs_wijken(desk_sections: list[Section], data: Path) -> None:
    # Independently from the Kerncijfers file: the sum of Haarlem's wijken (CBS rounds them to 5).
    with open(data / "cbs/kwb2024_gemeente_wijk_basis.csv", encoding="utf-8") as fh:
        residents = sum(float(r["AantalInwoners_5"]) for r in csv.DictReader(fh) if r["Codering"].startswith("WK0392"))
    (table,) = _by_id(desk_sections)["stadsdelen"].of_kind(Table)
    names = table.column("area")
    population = table.column("population")
    assert names[-1] == "Haarlem" and table.rows[-1].emphasis
    assert population[-1] == residents
    assert sum(v for v in population[:-1] if isinstance(v, float)) == residents
    assert {"Centrum", "Noord", "Oost", "Schalkwijk", "Zuid-West"} == set(names[:-1])


def test_desk_table_adds_up(desk_sections: list[Section]) -> None:
    (table,) = _by_id(desk_sections)["baliegebruik"].of_kind(Table)
    visits = table.column("visits")
    assert table.rows[-1].emphasis and not any(r.emphasis for r in table.rows[:-1])  # the city total is last
    districts = [float(v) for v, r in zip(visits[:-1], table.rows[:-1], strict=True)
                 if isinstance(v, float) and not r.cells[1].suppressed]
    assert len(districts) == 5 and sum(districts) == pytest.approx(visits[-1])


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_real_report_is_self_contained(desk_ws: Path, make_report_data: MakeData, tmp_path: Path, lang: str) -> None:
    html = write_report(make_report_data(desk_ws, lang), tmp_path).read_text("utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["'](?!#|data:)""", html)
    assert "url(" not in html and "@import" not in html
    assert f'<html lang="{lang}">' in html
    assert ("Kernboodschap" in html) == (lang == "nl") and ("Key message" in html) == (lang == "en")
    assert ("167.635" if lang == "nl" else "167,635") in html


def test_points_make_access_and_options_synthetic(points_ws: Path, make_report_data: MakeData, tmp_path: Path
                                                   ) -> None:
    data = make_report_data(points_ws, "en")
    sections = build(data)
    by_id = _by_id(sections)
    assert [s.id for s in sections if s.synthetic] == ["baliegebruik", "verstrekkingen", "ondergebruik",
                                                       "bereikbaarheid", "opties"]
    assert not any(by_id[s].synthetic for s in CBS_SECTIONS)
    desk_table, kinds_table = by_id["bereikbaarheid"].of_kind(Table)
    assert all(t.synthetic for t in (desk_table, kinds_table))
    shares = [v for c in desk_table.columns if c.kind == "percent" for v in desk_table.column(c.key)]
    assert shares and all(0 <= v <= 100 for v in shares if isinstance(v, float))
    assert [c.group for c in desk_table.columns[1:3]] == ["Inhabitants", "Inhabitants"]
    (options,) = by_id["opties"].of_kind(Table)
    assert [c.kind for c in options.columns][1] == "money" and options.synthetic
    html = render_html(sections, data, tmp_path).read_text("utf-8")
    assert _banner_links(html) == ["baliegebruik", "verstrekkingen", "ondergebruik", "bereikbaarheid", "opties"]
    assert "Note: these sections rest on synthetic" in html
