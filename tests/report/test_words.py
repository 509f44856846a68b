"""Words: the Dutch report is Dutch and the English one English (names, units and sources of the
assumptions included); no raw keys or machine names; issuances are "verstrekkingen"; a workspace without
a district file says "wijk"; the key message leaves out areas with too few residents and says so; "-" for
a zero count and n.v.t. / n/a for a figure that does not apply.

The texts are read the way a reader meets them: every visible text of the rendered HTML (and the alt,
title and aria-label attributes), extracted with `html.parser`."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from wijkloket.report.blocks import BulletList, Cell, Column, Paragraph, Section, Table, Term
from wijkloket.report.context import ReportData
from wijkloket.report.formatting import cell_text

MakeData = Callable[[Path, str], ReportData]
KAART = "cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer.gpkg"
KWB = "cbs/kwb2024_gemeente_wijk_basis.csv"


class _Text(HTMLParser):
    """Every text a reader sees or hears: data outside script and style, and alt / title / aria-label."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        self.parts += [v for k, v in attrs if k in ("alt", "title", "aria-label") and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


FILE_NAME = re.compile(r"[\w*.-]+\.(gpkg|csv|xlsx|txt|toml|geojson|osm|graphml)\b")
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
ENGLISH = ("the", "and", "with", "bike", "walk", "mode", "site", "sites", "share", "eligible", "threshold",
           "uptake", "annual", "cost", "seed", "assumption", "visits", "issued", "per year", "a year", "source")
DUTCH = ("de", "het", "een", "niet", "voor", "naar", "bij", "wordt", "zijn", "inwoners", "stadsdelen",
         "verstrekkingen", "bezoeken", "aanname", "keuze", "bron", "jaar", "uur", "kosten", "trekkingen",
         "gemiddeld", "aantal", "kenmerken", "per dag", "geen")


def _words(text: str, words: tuple[str, ...]) -> list[str]:
    return sorted({w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text, re.IGNORECASE)})


def _cli(*args: str | os.PathLike[str]) -> int:
    from wijkloket import cli as cli_module

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "argv", ["wijkloket", *map(str, args)])
        try:
            cli_module.main()
        except SystemExit as exc:
            return int(exc.code or 0)
    return 0


@pytest.fixture(scope="module")
def hm_ws(tmp_path_factory: pytest.TempPathFactory, data: Path) -> Path:
    """Haarlemmermeer with the real CBS kaart and Kerncijfers and NO district file (wijken only)."""
    ws = tmp_path_factory.mktemp("words") / "haarlemmermeer"
    assert _cli("init", ws, "--gemeente", "GM0394") == 0
    for f in (KAART, KWB):
        assert _cli("add", "cbs", data / f, "-w", ws) == 0
    return ws


def _render(data: ReportData, out: Path) -> tuple[list[Section], str]:
    from wijkloket.report.html import render_html
    from wijkloket.report.sections import build

    sections = build(data)
    return sections, render_html(sections, data, out).read_text("utf-8")


@pytest.fixture(scope="module")
def full(points_ws: Path, make_report_data: MakeData, tmp_path_factory: pytest.TempPathFactory
         ) -> dict[str, tuple[ReportData, list[Section], str]]:
    """The Haarlem report with every section (district file, desk log, issuances, service points and
    options), in Dutch and in English: (data, sections, visible text)."""
    out = {}
    for lang in ("nl", "en"):
        data = make_report_data(points_ws, lang)
        sections, html = _render(data, tmp_path_factory.mktemp(f"words_{lang}"))
        out[lang] = (data, sections, visible_text(html))
    return out


def _names(data: ReportData) -> list[str]:
    """Proper names in the data (areas, service points), longest first: they stay as they are."""
    names = set(data.table["area_name"])
    if data.access is not None:
        names |= set(data.access.points["name"])
    return sorted(names, key=len, reverse=True)


def test_dutch_report_has_no_english_and_no_raw_keys(full: dict[str, tuple[ReportData, list[Section], str]]
                                                      ) -> None:
    data, sections, text = full["nl"]
    assert {s.id for s in sections} >= {"kernboodschap", "verstrekkingen", "opties"}
    text = FILE_NAME.sub(" ", text).replace("open source", " ")  # a loanword the Dutch government uses too
    assert SNAKE.findall(text) == []
    assert "(s)" not in text and "(en)" not in text
    assert _words(text, ENGLISH) == []


def test_english_report_has_no_dutch(full: dict[str, tuple[ReportData, list[Section], str]]) -> None:
    """Proper names (areas, service points, CBS datasets such as "Kerncijfers wijken en buurten") and the
    official terms wijk, buurt and stadsdeel stay Dutch; nothing else does."""
    data, _, text = full["en"]
    text = FILE_NAME.sub(" ", text)
    for name in _names(data):
        text = text.replace(name, " ")
    assert SNAKE.findall(text) == []
    assert "(s)" not in text
    assert _words(text, DUTCH) == []


def test_assumptions_have_names_and_units_in_both_languages(full: dict[str, tuple[ReportData, list[Section], str]]
                                                            ) -> None:
    """From data/scenarios.toml: central_share = 0.25 / 0.4 / 0.55 (a share, shown in per cent), the district
    desk's annual_cost 350,000 / 400,000 / 470,000, and mode = "bike"."""
    terms = {}
    for lang in ("nl", "en"):
        section = next(s for s in full[lang][1] if s.id == "opties")
        terms[lang] = {i.term: i.text for b in section.of_kind(BulletList) for i in b.items if isinstance(i, Term)}
    nl, en = terms["nl"], terms["en"]
    assert nl["Aandeel bezoeken dat bij de centrale balie blijft"].startswith("40% (25–55%, PERT) — bron: aanname")
    assert en["Share of visits that stays at the central desk"].startswith("40% (25–55%, PERT) — source: assumption")
    assert nl["Fysiek wijkloket (structureel): kosten per jaar"].startswith("400.000 euro (350.000–470.000, PERT)")
    assert en["Physical district desk (structural): annual cost"].startswith("400,000 euros (350,000–470,000, PERT)")
    assert nl["Vervoerswijze voor de reistijden"] == "fietsen"
    assert en["Travel mode for the travel times"] == "cycling"
    for lang in ("nl", "en"):
        assert not [term for term in terms[lang] if SNAKE.search(term)]


def test_issuances_are_verstrekkingen(full: dict[str, tuple[ReportData, list[Section], str]]) -> None:
    """The issuance section counts documents, not visits, and its title cannot be read as migration
    background (Dutch "herkomst")."""
    section = next(s for s in full["nl"][1] if s.id == "verstrekkingen")
    assert section.title == "Verstrekkingen naar woongebied van de aanvrager"
    texts = [section.title, *(c.label for tb in section.of_kind(Table) for c in tb.columns),
             *(p.text for p in section.of_kind(Paragraph))]
    assert [x for x in texts if re.search(r"bezoek|herkomst", x, re.IGNORECASE)] == []
    assert "Verhouding aandeel verstrekkingen / aandeel inwoners (100 = evenredig)" in texts
    en = next(s for s in full["en"][1] if s.id == "verstrekkingen")
    assert en.title == "Issued documents by the applicant's home area"


def test_issuances_help_says_home_address(cli: Callable[..., tuple[int, str, str]]) -> None:
    code, out, _ = cli("issuances", "--help")
    assert code == 0
    assert "herkomst" not in out and "woonadres van de aanvrager" in " ".join(out.split())


def test_not_applicable_and_zero() -> None:
    money, count, percent = Column("m", "M", "money"), Column("c", "C", "count"), Column("p", "P", "percent")
    na = Cell(not_applicable=True, note="een campagne bedient geen baliebezoeken")
    assert (cell_text(na, money, "nl"), cell_text(na, money, "en")) == ("n.v.t.", "n/a")
    assert (cell_text(Cell(0), count, "nl"), cell_text(Cell(0.0), count, "en")) == ("-", "-")
    assert cell_text(Cell(0.0), percent, "nl") == "0,0"  # a percentage rounded to zero is not nil
    assert cell_text(Cell(None), count, "nl") == "–"


def test_options_mark_what_does_not_apply(full: dict[str, tuple[ReportData, list[Section], str]]) -> None:
    """A campaign serves no desk visits: its cost per visit served is not applicable (no value), with the
    reason under it; the same cell reads n/a in English."""
    for lang, mark in (("nl", "n.v.t."), ("en", "n/a")):
        table = next(s for s in full[lang][1] if s.id == "opties").of_kind(Table)[0]
        at = [c.key for c in table.columns].index("cost_per_visit")
        row = next(r for r in table.rows if str(r.cells[0].value).startswith(("Campagne", "Campaign")))
        cell = row.cells[at]
        assert cell.not_applicable and cell.value is None and cell.note
        assert cell_text(cell, table.columns[at], lang) == mark


# -- a workspace without a district file (Haarlemmermeer, wijken only) ----------------------------------

def _small_wijken(data_dir: Path, min_base: int) -> dict[str, str]:
    """From the CBS files: the wijken of Haarlemmermeer with fewer than `min_base` inhabitants (Kerncijfers
    2024) and their names (Wijk- en buurtkaart)."""
    kwb = pd.read_csv(data_dir / KWB)
    kwb = kwb[kwb["Codering"].str.startswith("WK0394")]
    codes = set(kwb.loc[kwb["AantalInwoners_5"] < min_base, "Codering"])
    names = pyogrio.read_dataframe(data_dir / KAART, read_geometry=False).set_index("wijkcode")["wijknaam"]
    return {c: str(names[c]) for c in sorted(codes)}


def test_without_district_file_the_texts_say_wijk(hm_ws: Path, make_report_data: MakeData, tmp_path: Path) -> None:
    data = make_report_data(hm_ws, "nl")
    sections, html = _render(data, tmp_path)
    text = visible_text(html)
    table = next(s for s in sections if s.id == "stadsdelen")
    assert table.title == "Wijken vergeleken"
    assert table.of_kind(Table)[0].columns[0].label == "Wijk"
    assert "de wijken van Haarlemmermeer" in sections[0].of_kind(Paragraph)[0].text
    # the one place that names districts is the note that there is no district file
    text = text.replace(data.tr("report.method_no_districts"), "")
    assert re.findall(r"stadsde\w*", text, re.IGNORECASE) == []
    en = make_report_data(hm_ws, "en")
    en_table = next(s for s in build_sections(en) if s.id == "stadsdelen")
    assert en_table.title == "Wijken compared"


def build_sections(data: ReportData) -> list[Section]:
    from wijkloket.report.sections import build

    return build(data)


def test_key_message_leaves_out_small_areas(hm_ws: Path, make_report_data: MakeData, data: Path) -> None:
    """Kerncijfers 2024: four wijken of Haarlemmermeer have fewer than 1,000 inhabitants (Schiphol 125);
    Schiphol's 82% single-person households (index about 250) no longer makes the key message."""
    small = _small_wijken(data, 1000)
    assert len(small) == 4 and "Schiphol" in small.values()
    report = make_report_data(hm_ws, "nl")
    key = build_sections(report)[0]
    texts = [p.text for p in key.of_kind(Paragraph)]
    items = [str(i) for b in key.of_kind(BulletList) for i in b.items]
    left_out = next(x for x in texts if "niet meegenomen" in x)
    assert left_out.startswith("4 gebieden met minder dan 1.000 inwoners niet meegenomen: ")
    assert all(name in left_out for name in small.values())
    assert items and not [i for i in items if any(i.startswith(name + " ") for name in small.values())]
    lower = next(x for x in texts if x.startswith("Duidelijk lager"))
    assert not [name for name in small.values() if f"{name} (" in lower]


def test_min_base_is_a_setting_and_an_option(hm_ws: Path, data: Path, tmp_path: Path) -> None:
    """[report] min_base in wijkloket.toml, overridden by --min-base; one area below 200 (Schiphol)."""
    assert list(_small_wijken(data, 200).values()) == ["Schiphol"]
    settings = hm_ws / "wijkloket.toml"
    original = settings.read_text("utf-8")
    try:
        settings.write_text(original + "\n[report]\nmin_base = 200\n", "utf-8")
        assert _cli("report", "-w", hm_ws, "-o", tmp_path / "a") == 0
        text = visible_text((tmp_path / "a" / "report.html").read_text("utf-8"))
        assert "1 gebied met minder dan 200 inwoners niet meegenomen: Schiphol." in text
        assert _cli("report", "-w", hm_ws, "-o", tmp_path / "b", "--min-base", "0", "--lang", "en") == 0
        text = visible_text((tmp_path / "b" / "report.html").read_text("utf-8"))
        assert "left out" not in text
        assert re.search(r"Schiphol stands out on 2 characteristics: Single-person households", text)
    finally:
        settings.write_text(original, "utf-8")


def test_profile_buurt_without_buurten_says_so(hm_ws: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    code, out, err = cli("profile", "--level", "buurt", "-w", hm_ws)
    assert code == 2
    message = " ".join((out + err).split())
    assert "geen buurten voor 2024" in message and "wijkloket add cbs" in message and "--level wijk" in message
    assert "Traceback" not in message


def test_profile_says_wijk_without_district_file(hm_ws: Path, cli: Callable[..., tuple[int, str, str]]) -> None:
    code, out, _ = cli("profile", "-w", hm_ws)
    assert code == 0
    assert "doelgroepen per wijk" in out and "stadsdeel" not in out.lower()


def test_geopackage_has_no_duplicate_layer(hm_ws: Path, desk_ws: Path, cli: Callable[..., tuple[int, str, str]],
                                           tmp_path: Path) -> None:
    """Without a district file the district layer would repeat the wijk layer: it is not written. With one
    (Haarlem's five stadsdelen) it is."""
    assert cli("profile", "--level", "all", "--format", "gpkg", "-o", tmp_path / "hm.gpkg", "-w", hm_ws)[0] == 0
    layers = [str(name) for name, _ in pyogrio.list_layers(tmp_path / "hm.gpkg")]
    assert sorted(layers) == ["gemeente", "wijk"]
    assert cli("profile", "--level", "all", "--format", "gpkg", "-o", tmp_path / "h.gpkg", "-w", desk_ws)[0] == 0
    layers = [str(name) for name, _ in pyogrio.list_layers(tmp_path / "h.gpkg")]
    assert sorted(layers) == ["district", "gemeente", "wijk"]
    assert len(pyogrio.read_dataframe(tmp_path / "h.gpkg", layer="district", read_geometry=False)) == 5


def test_forecast_table_names_the_level_shown() -> None:
    """Without a district file the forecast rows are wijken, and the header says so (not "Stadsdeel")."""
    from types import SimpleNamespace

    from wijkloket.report.sections.forecast import _year_table

    frame = pd.DataFrame({"level": ["wijk", "gemeente"], "area_code": ["WK039401", "GM0394"],
                          "area_name": ["Hoofddorp", "Haarlemmermeer"], "period": ["2026", "2026"],
                          "months": [12, 12], "applications": [10.0, 30.0]})
    res = SimpleNamespace(by_period=lambda *_: frame, synthetic=True)
    table = _year_table(res, "nl", "applications", "count", 0, "Wijk")
    assert table.columns[0].label == "Wijk"
    assert [r.cells[0].value for r in table.rows] == ["Hoofddorp", "Haarlemmermeer"] and table.rows[-1].emphasis
