"""The published polling-station list (../shared/data/locations, "Waar is mijn stemlokaal", Open State
Foundation, CC0) read as published: RD X/Y, the workspace's municipality only, every row stored or
rejected with its reason, kinds from the rules file. Expected counts come from the file itself, read
here with the csv module and keyword checks of this test (and were counted by hand: Haarlem has 77
rows, 6 of them tents; Zijlpoort and Raakspoort are its desk buildings; 2 libraries; 13 community
centres)."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from wijkloket.errors import ConfigError, InputFileError
from wijkloket.sources.points import POLLING_PUBLISHER, load_point_rules, parse_point_rules, read_points
from wijkloket.usecases import open_workspace

Cli = Callable[..., tuple[int, str, str]]
LIST = "locations/stemlokalen_tk2023_haarlem_haarlemmermeer.csv"
# This test's own reading of the default rules: plain lower-case keywords, first match wins.
DESK = ("zijlpoort", "raakspoort", "publiekshal", "gemeentekantoor", "gemeentehuis")
LIBRARY = ("bibliotheek",)
CARE = ("zorgcentrum", "verpleeghuis", "woonzorg", "woonvoorziening")
COMMUNITY = ("buurthuis", "buurtcentrum", "wijkcentrum", "wijkhuis", "wijkgebouw", "dorpshuis", "dorpscentrum",
             "activiteitencentrum", "ontmoetingscentrum", "centrum van ontmoeting", "trefpunt",
             "sociaal cultureel centrum", "verenigingsgebouw")


def _rows(data: Path) -> list[dict[str, str]]:
    with open(data / LIST, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _expected_kind(row: dict[str, str]) -> str:
    name = row["Naam stembureau"].lower()
    if row["Type stembureau"] == "mobiel" or name.startswith(("tent ", "treinstation ")):
        return "temporary_location"
    if "stadhuis" in name:
        return "not_service_point"
    for kind, words in (("desk", DESK), ("library_ido", LIBRARY), ("not_service_point", CARE),
                        ("community_centre", COMMUNITY)):
        if any(w in name for w in words):
            return kind
    return "not_service_point"


def _expected(data: Path, gemeente: str) -> Counter[str]:
    out: Counter[str] = Counter()
    for row in _rows(data):
        out["other_gemeente" if row["CBS gemeentecode"] != gemeente else _expected_kind(row)] += 1
    return out


def test_haarlem_read_as_published(data: Path) -> None:
    res = read_points(data / LIST, "GM0392")
    want = _expected(data, "GM0392")
    assert want == {"other_gemeente": 90, "temporary_location": 6, "desk": 2, "library_ido": 2,
                    "community_centre": 13, "not_service_point": 54}  # counted by hand from the file
    kinds = Counter(res.table["kind"])
    assert kinds == {"desk": 2, "library_ido": 2, "community_centre": 13, "candidate": 13}
    assert res.rejected_by_reason == {k: want[k] for k in ("other_gemeente", "temporary_location",
                                                           "not_service_point")}
    # every input row stored or rejected, once
    assert res.rows_read == len(_rows(data)) == 167
    assert res.rows_accepted + len(res.rejected) == res.rows_read
    assert set(res.table["row_number"]) | {r["row"] for r in res.rejected} == set(range(2, 169))
    assert set(res.table.loc[res.table["kind"] == "desk", "name"]) == {"Gemeente Haarlem Zijlpoort",
                                                                       "Publiekshal Raakspoort"}
    assert set(res.table.loc[res.table["kind"] == "library_ido", "name"]) == {"Bibliotheek Haarlem Centrum",
                                                                              "Bibliotheek Haarlem Schalkwijk"}
    # each community centre is also a candidate site, at the same place
    cc = res.table[res.table["kind"] == "community_centre"].set_index("name")[["x", "y"]]
    cand = res.table[res.table["kind"] == "candidate"].set_index("name")[["x", "y"]]
    assert cc.sort_index().equals(cand.sort_index())
    assert not res.synthetic and res.publisher == POLLING_PUBLISHER
    assert "Open State Foundation" in res.publisher and "CC0" in res.publisher
    # the coordinates as published (RD New, metres)
    raak = next(r for r in _rows(data) if r["Naam stembureau"] == "Publiekshal Raakspoort")
    got = res.table[res.table["name"] == "Publiekshal Raakspoort"].iloc[0]
    assert (got["x"], got["y"]) == (float(raak["X"]), float(raak["Y"]))
    # the town hall is not a desk (rules file), and is reported, not dropped
    assert {"row": 30, "name": "Het Stadhuis A", "reason": "not_service_point"} in res.rejected
    tents = {r["name"] for r in res.rejected if r["reason"] == "temporary_location"}
    assert tents == {r["Naam stembureau"] for r in _rows(data) if r["Type stembureau"] == "mobiel"
                     and r["CBS gemeentecode"] == "GM0392"}


def test_haarlemmermeer(data: Path) -> None:
    res = read_points(data / LIST, "GM0394")
    want = _expected(data, "GM0394")
    assert want["other_gemeente"] == 77 and want["temporary_location"] == 3
    got = Counter(res.table["kind"])
    assert {k: got[k] for k in ("desk", "library_ido", "community_centre")} == {
        k: want[k] for k in ("desk", "library_ido", "community_centre")}
    assert set(res.table.loc[res.table["kind"] == "desk", "name"]) == {"Gemeentekantoor Beukenhorst"}
    assert {r["name"] for r in res.rejected if r["reason"] == "temporary_location"} == {
        "Treinstation Halfweg-Zwanenburg", "Treinstation Hoofddorp", "Treinstation Nieuw-Vennep"}
    # "Zorgcentrum het Trefpunt" is a care home: the care rule comes before the community centres
    assert "Zorgcentrum het Trefpunt" in {r["name"] for r in res.rejected}


def test_a_municipality_without_rows_is_an_error(data: Path) -> None:
    with pytest.raises(InputFileError) as exc:
        read_points(data / LIST, "GM0363")
    assert exc.value.code == "error.points_gemeente_absent"
    assert exc.value.params["found"] == "GM0392, GM0394"


def test_missing_dutch_columns(tmp_path: Path) -> None:
    f = tmp_path / "stemlokalen.csv"
    f.write_text("Naam stembureau,CBS gemeentecode,X\nBuurthuis A,GM0392,103000\n", "utf-8")
    with pytest.raises(InputFileError) as exc:
        read_points(f, "GM0392")
    assert exc.value.code == "error.missing_columns" and exc.value.params["missing"] == "Y"


def test_coordinates_and_use_rules(tmp_path: Path) -> None:
    """A hand-made list: a row without coordinates is rejected with its reason, a gebruiksdoel rule
    needs the building's use, and both tests of a rule must hold."""
    f = tmp_path / "stemlokalen.csv"
    f.write_text("Naam stembureau,CBS gemeentecode,Type stembureau,Gebruiksdoel van het gebouw,X,Y\n"
                 "Buurthuis A,GM0392,regulier,bijeenkomstfunctie,103000,488000\n"
                 "Buurthuis B,GM0392,regulier,bijeenkomstfunctie,,\n"
                 "Basisschool C,GM0392,regulier,\"bijeenkomstfunctie,onderwijsfunctie\",104000,489000\n"
                 "Basisschool D,GM0392,regulier,onderwijsfunctie,105000,490000\n", "utf-8")
    res = read_points(f, "GM0392")
    assert list(res.table["name"]) == ["Buurthuis A", "Buurthuis A"]
    assert res.rejected_by_reason == {"not_service_point": 2, "point_no_coordinates": 1}
    rules = parse_point_rules('[[rule]]\nkind = "community_centre"\nname = ["school"]\n'
                              'gebruiksdoel = ["bijeenkomstfunctie"]\n', "own.toml")
    res = read_points(f, "GM0392", rules)
    assert list(res.table["name"]) == ["Basisschool C"]  # no [candidates]: no candidate sites


BAD_RULES = {
    "kind": ('[[rule]]\nkind = "balie"\nname = ["x"]\n', "error.point_rules_kind"),
    "field": ('[[rule]]\nkind = "desk"\nnaam = ["x"]\n', "error.point_rules_unknown"),
    "no_test": ('[[rule]]\nkind = "desk"\n', "error.point_rules_no_test"),
    "pattern": ('[[rule]]\nkind = "desk"\nname = ["(stadhuis"]\n', "error.point_rules_pattern"),
    "not_list": ('[[rule]]\nkind = "desk"\nname = [1, 2]\n', "error.point_rules_list"),
    "none": ('[skip]\ntype = ["mobiel"]\n', "error.point_rules_none"),
    "section": ('[rules]\nx = 1\n[[rule]]\nkind = "desk"\nname = ["x"]\n', "error.point_rules_unknown"),
    "candidates": ('[candidates]\nkinds = ["buurthuis"]\n[[rule]]\nkind = "desk"\nname = ["x"]\n',
                   "error.point_rules_kind"),
    "toml": ('[[rule]\nkind = "desk"\n', "error.toml_invalid"),
}


@pytest.mark.parametrize("case", sorted(BAD_RULES))
def test_bad_rules_are_refused(case: str) -> None:
    text, code = BAD_RULES[case]
    with pytest.raises(ConfigError) as exc:
        parse_point_rules(text, "mine.toml")
    assert exc.value.code == code and exc.value.params["file"] == "mine.toml"


def test_default_rules_load() -> None:
    rules = load_point_rules()
    assert rules.candidate_kinds == ("community_centre",)
    assert rules.kind_of("Wijkcentrum De Horizon", "bijeenkomstfunctie") == "community_centre"
    assert rules.kind_of("Het Stadhuis A", "kantoorfunctie") == "none"
    assert rules.kind_of("Fonteinkerk", "bijeenkomstfunctie") is None


@pytest.fixture(scope="session")
def kaart_ws(once: Callable[[str, Callable[[Path], dict[str, Any]]], dict[str, Any]], data: Path) -> Path:
    """A Haarlem workspace with the 2024 kaart only (read-only: copy it)."""
    from wijkloket.indicators.registry import load_registry
    from wijkloket.store.workspace import Workspace
    from wijkloket.usecases import ingest

    def build(folder: Path) -> dict[str, Any]:
        ingest.init_workspace(folder, "GM0392")
        with Workspace(folder) as ws:
            ingest.add_cbs(ws, data / "cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer.gpkg", load_registry())
        return {"folder": str(folder)}

    return Path(once("points-kaart-ws", build)["folder"])


@pytest.fixture
def ws(kaart_ws: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    shutil.copytree(kaart_ws, folder)
    return folder


def _points_source(ws: Path) -> tuple[dict[str, Any], Any, Any]:
    with open_workspace(ws) as w:
        src = w.sources().set_index("kind").loc["points"].to_dict()
        return src, w.points(), w.rejections(int(w.sources().set_index("kind").loc["points", "source_id"]))


def test_add_twice_changes_nothing_and_inventory_names_the_publisher(ws: Path, data: Path, cli: Cli) -> None:
    code, out, err = cli("add", "points", data / LIST, "-w", ws)
    assert code == 0, err
    assert "Balie 2" in out and "Kandidaatlocatie 13" in out and "Tent CBR" in out
    src, points, rejections = _points_source(ws)
    assert src["publisher"] == POLLING_PUBLISHER and not src["synthetic"]
    assert (src["rows_read"], src["rows_accepted"], src["rows_rejected"]) == (167, 17, 150)
    assert len(points) == 30
    assert Counter(rejections["reason"]) == {"other_gemeente": 90, "temporary_location": 6, "not_service_point": 54}
    code, out, err = cli("add", "points", data / LIST, "-w", ws, "--lang", "en")
    assert code == 0, err
    assert "Already present, nothing changed" in out
    src2, points2, _ = _points_source(ws)
    assert src2["source_id"] == src["source_id"] and points2.equals(points)
    code, out, _ = cli("sources", "-w", ws, "--lang", "en")
    assert code == 0 and "Open State Foundation" in out


def test_own_rules_change_the_mapping(ws: Path, data: Path, cli: Cli, tmp_path: Path) -> None:
    """A user's rules: the Stadhuis counts as a desk and libraries are candidate sites too; adding the
    same list with these rules replaces the kinds of the default rules."""
    assert cli("add", "points", data / LIST, "-w", ws)[0] == 0
    own = tmp_path / "mine.toml"
    own.write_text('[candidates]\nkinds = ["library_ido"]\n'
                   '[[rule]]\nkind = "desk"\nname = ["stadhuis", "raakspoort", "zijlpoort"]\n'
                   '[[rule]]\nkind = "library_ido"\nname = ["bibliotheek"]\n', "utf-8")
    code, out, err = cli("add", "points", data / LIST, "--rules", own, "-w", ws)
    assert code == 0, err
    _, points, _ = _points_source(ws)
    assert Counter(points["kind"]) == {"desk": 3, "library_ido": 2, "candidate": 2}
    assert "Het Stadhuis A" in set(points.loc[points["kind"] == "desk", "name"])
    assert cli("add", "points", data / LIST, "--rules", own, "-w", ws, "--lang", "en")[1].startswith(
        "Already present")


def test_bad_rules_file_exits_2(ws: Path, data: Path, cli: Cli, tmp_path: Path) -> None:
    own = tmp_path / "mine.toml"
    own.write_text('[[rule]]\nkind = "balie"\nname = ["stadhuis"]\n', "utf-8")
    code, out, err = cli("add", "points", data / LIST, "--rules", own, "-w", ws, "--lang", "en")
    assert code == 2
    assert "mine.toml" in err and "[[rule]] 1" in err and "'balie'" in err and "Traceback" not in err
    with open_workspace(ws) as w:
        assert "points" not in set(w.sources()["kind"])


def test_plain_points_file_still_works(ws: Path, fixtures: Path, cli: Cli) -> None:
    code, _, err = cli("add", "points", fixtures / "points_haarlem.csv", "-w", ws)
    assert code == 0, err
    src, points, _ = _points_source(ws)
    assert src["publisher"] == "gemeente" and src["rows_rejected"] == 0
    with open(fixtures / "points_haarlem.csv", encoding="utf-8") as f:
        assert len(points) == src["rows_read"] == len(list(csv.DictReader(f)))
