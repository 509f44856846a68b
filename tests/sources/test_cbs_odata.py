"""The CBS OData adapter against recorded answers on a local server: the table per year as data, DataProperties
first, the municipality filter with padded codes, paging by `odata.nextLink`, the check that every row belongs
to the municipality, the CSV that `add cbs` reads, and a changed schema reported (not dropped)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fixtures.http_server import RecordedServer, Reply
from fixtures.recorded import DATA_PROPERTIES, FEED, all_rows, client, load, serve_cbs

from wijkloket.errors import WijkloketError
from wijkloket.indicators.registry import load_registry
from wijkloket.sources import cbs_odata
from wijkloket.sources.cbs import read_cbs

# Written out by hand from the recorded page (and /work/shared/data/cbs/kwb2024_gemeente_wijk_basis.csv).
HAARLEM_WIJK_FILTER = ("(WijkenEnBuurten eq 'GM0392    ') or (WijkenEnBuurten eq 'WK039201  ') or "
                       "(WijkenEnBuurten eq 'WK039202  ') or (WijkenEnBuurten eq 'WK039203  ')")


def test_the_table_of_each_year_is_data() -> None:
    tables = cbs_odata.tables()
    assert sorted(tables) == list(range(2013, 2026))
    # the ids named in issue 12, and the 2013 table's RegioS dimension
    assert [tables[y].table_id for y in (2023, 2024, 2025)] == ["85618NED", "85984NED", "86165NED"]
    assert tables[2013].dimension == "RegioS"
    assert {tables[y].dimension for y in range(2014, 2026)} == {"WijkenEnBuurten"}
    assert all(t.title == f"Kerncijfers wijken en buurten {y}" for y, t in tables.items())
    with pytest.raises(WijkloketError) as exc:
        cbs_odata.table_for(2012)
    assert exc.value.code == "error.fetch_unknown_year" and exc.value.params["known"] == "2013-2025"


def test_the_table_file_is_validated() -> None:
    with pytest.raises(WijkloketError) as exc:
        cbs_odata._read_tables("year,table_id,title,dimension\n2024,85984,x,WijkenEnBuurten\n", "t.csv")
    assert exc.value.code == "error.settings_invalid" and "row 2" in exc.value.params["file"]


def test_feed_beside_the_api_and_padded_codes() -> None:
    assert cbs_odata.feed_root("https://opendata.cbs.nl/ODataApi/odata") == "https://opendata.cbs.nl/ODataFeed/odata"
    assert cbs_odata.feed_root("http://mirror.example/cbs") == "http://mirror.example/cbs"
    assert cbs_odata.code_filter("RegioS", ["GM0392", "BU03920301"]) == (
        "(RegioS eq 'GM0392    ') or (RegioS eq 'BU03920301')")


def test_the_municipality_codes_by_prefix_not_substring() -> None:
    regions = load("cbs_85984NED_WijkenEnBuurten.json")["value"]
    assert cbs_odata.municipality_codes(regions, "GM0392", "wijk") == ["GM0392", "WK039201", "WK039202", "WK039203"]
    # BU00392101 contains '0392' but is a buurt of GM0039
    assert cbs_odata.municipality_codes(regions, "GM0392", "buurt")[-2:] == ["BU03920301", "BU03920302"]
    assert not cbs_odata.belongs("BU00392101", "GM0392", "buurt")


def test_two_pages_by_next_link_after_the_metadata(server: RecordedServer, tmp_path: Path) -> None:
    serve_cbs(server)
    d = cbs_odata.fetch_kerncijfers(client(tmp_path), "GM0392", 2024, "wijk")
    assert d.pages == 2 and len(d.rows) == 4 and d.codes_missing == []
    paths = [urlsplit(r.path).path for r in server.requests]
    assert paths == ["/ODataApi/odata/85984NED/TableInfos", "/ODataApi/odata/85984NED/DataProperties",
                     f"{FEED}/WijkenEnBuurten", f"{FEED}/TypedDataSet", f"{FEED}/TypedDataSet"]
    first, second = (parse_qs(urlsplit(r.path).query) for r in server.requests[3:])
    assert first["$filter"] == [HAARLEM_WIJK_FILTER] and first["$format"] == ["json"]
    assert second == {"$format": ["json"], "$skiptoken": ["3"]}  # the next link as given, not a computed offset
    assert len(d.properties) == 172 and d.table_infos["Modified"] == "2025-03-27T02:00:00"


def test_the_csv_is_what_add_cbs_reads(server: RecordedServer, tmp_path: Path) -> None:
    serve_cbs(server)
    d = cbs_odata.fetch_kerncijfers(client(tmp_path), "GM0392", 2024, "wijk")
    path = cbs_odata.write_kerncijfers(d, tmp_path / "out")
    assert path.name == "kwb2024_85984NED_GM0392_wijk.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["Codering_3"] for r in rows] == ["GM0392", "WK039201", "WK039202", "WK039203"]  # stripped
    assert rows[0]["SoortRegio_2"] == "Gemeente" and rows[3]["AantalInwoners_5"] == "8295"
    kept = json.loads((tmp_path / "out" / "kwb2024_85984NED_GM0392_wijk_DataProperties.json").read_text("utf-8"))
    assert kept == load(DATA_PROPERTIES)["value"]  # the recorded metadata, beside the data
    result = read_cbs(path, "GM0392", load_registry(), year=2024)
    population = result.values[result.values["variable"] == "population"].set_index("area_code")["value"]
    assert population.to_dict() == {"GM0392": 167636, "WK039201": 14745, "WK039202": 13090, "WK039203": 8295}


def test_buurt_level_asks_and_writes_the_buurten(server: RecordedServer, tmp_path: Path) -> None:
    serve_cbs(server, rows=all_rows())
    d = cbs_odata.fetch_kerncijfers(client(tmp_path), "GM0392", 2024, "buurt")
    sent = parse_qs(urlsplit(server.requests[3].path).query)["$filter"][0]
    assert sent.endswith("(WijkenEnBuurten eq 'BU03920301') or (WijkenEnBuurten eq 'BU03920302')")
    assert d.pages == 1 and len(d.rows) == 6
    with cbs_odata.write_kerncijfers(d, tmp_path).open(encoding="utf-8") as fh:
        buurt = list(csv.DictReader(fh))[-1]
    assert buurt["Codering_3"] == "BU03920302" and buurt["AantalInwoners_5"] == "6310"
    assert buurt["Bevolkingsdichtheid_34"] == ""  # JSON null (suppressed) is an empty cell, not a number


def test_rows_of_another_municipality_are_refused(server: RecordedServer, tmp_path: Path) -> None:
    other = {**load("cbs_85984NED_TypedDataSet_page2.json")["value"][0], "WijkenEnBuurten": "WK039401  "}
    serve_cbs(server, rows=[*all_rows()[:4], other])
    with pytest.raises(WijkloketError) as exc:
        cbs_odata.fetch_kerncijfers(client(tmp_path), "GM0392", 2024, "wijk")
    assert exc.value.code == "error.fetch_foreign_areas" and exc.value.params["codes"] == "WK039401"


def test_a_table_of_another_year_is_refused(server: RecordedServer, tmp_path: Path) -> None:
    serve_cbs(server)
    infos = load("cbs_85984NED_TableInfos.json")
    infos["value"][0].update(Title="Kerncijfers wijken en buurten 2023", Period="2023")
    server.route("/ODataApi/odata/85984NED/TableInfos", Reply(200, body=infos))
    with pytest.raises(WijkloketError) as exc:
        cbs_odata.fetch_kerncijfers(client(tmp_path), "GM0392", 2024, "wijk")
    assert exc.value.code == "error.fetch_cbs_wrong_table" and exc.value.params["period"] == "2023"


def test_a_missing_municipality_is_named(server: RecordedServer, tmp_path: Path) -> None:
    serve_cbs(server)
    with pytest.raises(WijkloketError) as exc:
        cbs_odata.fetch_kerncijfers(client(tmp_path), "GM0999", 2024, "wijk")
    assert exc.value.code == "error.fetch_gemeente_unknown"


def test_a_changed_schema_is_reported_and_kept(server: RecordedServer, tmp_path: Path) -> None:
    """A key the registry does not know is named and stays in the file; a registry variable of the year that
    no key provides is named too."""
    props = [p for p in load(DATA_PROPERTIES)["value"] if p["Key"] != "AantalInwoners_5"]
    new = {"odata.type": "Cbs.OData.Topic", "ID": 999, "Position": 129, "ParentID": 6, "Type": "Topic",
           "Key": "NieuwKenmerk_129", "Title": "Nieuw kenmerk", "Description": None, "Datatype": "Long",
           "Unit": "aantal", "Decimals": 0, "Default": "Impossible", "PresentationType": "Absolute"}
    rows = [{**r, "NieuwKenmerk_129": 7} for r in all_rows()[:4]]
    serve_cbs(server, properties=[*props, new], rows=rows)
    d = cbs_odata.fetch_kerncijfers(client(tmp_path), "GM0392", 2024, "wijk")
    report = cbs_odata.schema_report("odata", 2024, cbs_odata.topic_keys(d.properties), load_registry())
    assert "NieuwKenmerk_129" in report.unknown and "NieuwKenmerk_129" not in report.mapped
    assert "population" in report.missing  # AantalInwoners_5 is gone from the DataProperties
    assert "Gemeentenaam_1" not in report.unknown  # text topics are not figures
    with cbs_odata.write_kerncijfers(d, tmp_path).open(encoding="utf-8") as fh:
        assert [r["NieuwKenmerk_129"] for r in csv.DictReader(fh)] == ["7"] * 4


def test_regios_table_gets_a_code_column(tmp_path: Path) -> None:
    """2013 (RegioS): without a code column `add cbs` knows, the stripped region code is added as `Codering`."""
    table = cbs_odata.table_for(2013)
    d = cbs_odata.KerncijfersDownload(table, "GM0392", "wijk", {}, [],
                                      [{"ID": 1, "RegioS": "WK039201  ", "AantalInwoners_4": 10}], 1)
    with cbs_odata.write_kerncijfers(d, tmp_path).open(encoding="utf-8") as fh:
        assert list(csv.DictReader(fh)) == [{"RegioS": "WK039201", "ID": "1", "AantalInwoners_4": "10",
                                             "Codering": "WK039201"}]
