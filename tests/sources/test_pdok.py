"""The PDOK OGC API adapter against recorded pages on a local server: the collections of a level, the filter and
RD New asked, paging by the `next` link (opaque), every feature's gemeentecode checked, the GeoPackage written
with the snake_case names as sent."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fixtures.http_server import RecordedServer, Reply
from fixtures.recorded import KAART, client, load, serve_pdok

from wijkloket.errors import WijkloketError
from wijkloket.indicators.registry import load_registry
from wijkloket.sources import pdok
from wijkloket.sources.cbs import read_cbs

RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"


def test_a_collection_of_two_pages_by_the_next_link(server: RecordedServer, tmp_path: Path) -> None:
    serve_pdok(server)
    d = pdok.fetch_kaart(client(tmp_path), "GM0392", 2024, "wijk")
    assert [len(d.features[c]) for c in ("gemeenten", "wijken")] == [1, 3] and d.pages == 3
    assert "buurten" not in d.features
    paths = [urlsplit(r.path).path for r in server.requests]
    assert paths == [f"{KAART}/gemeenten/items", f"{KAART}/wijken/items", f"{KAART}/wijken/items"]
    first = parse_qs(urlsplit(server.requests[1].path).query)
    assert first == {"f": ["json"], "limit": ["1000"], "crs": [RD_URI], "gemeentecode": ["GM0392"]}
    # the second page is the href the server gave, cursor and all
    assert parse_qs(urlsplit(server.requests[2].path).query)["cursor"] == ["Ag"]


def test_buurt_level_adds_the_buurten(server: RecordedServer, tmp_path: Path) -> None:
    serve_pdok(server)
    d = pdok.fetch_kaart(client(tmp_path), "GM0392", 2024, "buurt")
    assert [f["properties"]["buurtcode"] for f in d.features["buurten"]] == ["BU03920301"]
    assert d.n_features == 5


def test_the_geopackage_keeps_the_names_as_sent(server: RecordedServer, tmp_path: Path) -> None:
    import pyogrio

    serve_pdok(server)
    path = pdok.write_kaart(pdok.fetch_kaart(client(tmp_path), "GM0392", 2024, "wijk"), tmp_path / "out")
    assert path.name == "wijkenbuurten2024_GM0392_wijk.gpkg"
    assert [str(name) for name, *_ in pyogrio.list_layers(path)] == ["wijkenbuurten"]
    frame = pyogrio.read_dataframe(path)
    assert frame.crs.to_epsg() == 28992
    assert list(frame["gemeentecode"]) == ["GM0392"] * 4
    assert frame["wijkcode"].isna().tolist() == [True, False, False, False]  # the gemeente row has no wijkcode
    # the 2024 Wijk- en buurtkaart's inhabitants (attributes CSV in /work/shared/data/cbs)
    assert frame["aantal_inwoners"].tolist() == [167636, 14745, 13090, 8295]


def test_figures_are_the_numeric_properties(server: RecordedServer, tmp_path: Path) -> None:
    serve_pdok(server)
    names = pdok.fetch_kaart(client(tmp_path), "GM0392", 2024, "wijk").property_names()
    assert "aantal_inwoners" in names and "percentage_personen_0_tot_15_jaar" in names
    assert not {"gemeentecode", "wijknaam", "water", "jaar"} & set(names)


def test_a_feature_of_another_municipality_is_refused(server: RecordedServer, tmp_path: Path) -> None:
    serve_pdok(server)
    page = load("pdok_2024_gemeenten.json", server)
    page["features"].append({**page["features"][0], "properties": {"gemeentecode": "GM0394"}})
    server.route(f"{KAART}/gemeenten/items", Reply(200, body=page))
    with pytest.raises(WijkloketError) as exc:
        pdok.fetch_kaart(client(tmp_path), "GM0392", 2024, "wijk")
    assert exc.value.code == "error.fetch_foreign_areas" and exc.value.params["n"] == 1


def test_no_gemeente_is_said(server: RecordedServer, tmp_path: Path) -> None:
    serve_pdok(server)
    empty = {**load("pdok_2024_wijken_page2.json", server), "features": [], "numberReturned": 0}
    server.route(f"{KAART}/gemeenten/items", Reply(200, body=empty))
    with pytest.raises(WijkloketError) as exc:
        pdok.fetch_kaart(client(tmp_path), "GM0392", 2024, "wijk")
    assert exc.value.code == "error.fetch_kaart_empty"


def test_lonlat_is_recognised_when_crs_was_ignored() -> None:
    assert pdok._crs_of((4.6, 52.3, 4.7, 52.4)) == "EPSG:4326"
    assert pdok._crs_of((100000, 485000, 108000, 493000)) == "EPSG:28992"


def test_add_cbs_reads_the_geopackage(server: RecordedServer, tmp_path: Path) -> None:
    registry = load_registry()
    if not registry.column_map("kaart", 2024, ["aantal_inwoners"]):
        pytest.skip("depends on H-C: the registry's snake_case kaart names (PDOK OGC API)")
    serve_pdok(server)
    path = pdok.write_kaart(pdok.fetch_kaart(client(tmp_path), "GM0392", 2024, "wijk"), tmp_path)
    result = read_cbs(path, "GM0392", registry, year=2024)
    population = result.values[result.values["variable"] == "population"].set_index("area_code")["value"]
    assert population.to_dict() == {"GM0392": 167636, "WK039201": 14745, "WK039202": 13090, "WK039203": 8295}
    assert result.geometry is not None and len(result.geometry) == 4


def test_a_broken_geometry_is_a_message_not_a_traceback(server: RecordedServer, tmp_path: Path) -> None:
    serve_pdok(server)
    page = load("pdok_2024_gemeenten.json", server)
    page["features"][0]["geometry"] = {"type": "Blob", "coordinates": []}
    server.route(f"{KAART}/gemeenten/items", Reply(200, body=page))
    d = pdok.fetch_kaart(client(tmp_path), "GM0392", 2024, "wijk")
    with pytest.raises(WijkloketError) as exc:
        pdok.write_kaart(d, tmp_path)
    assert exc.value.code == "error.fetch_cbs_shape" and "gemeenten" in exc.value.params["url"]
