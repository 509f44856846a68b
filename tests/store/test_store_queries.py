"""The Workspace methods that replace SQL elsewhere, on hand-made rows with the answers counted by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from wijkloket.errors import InputFileError
from wijkloket.sources.files import sha256
from wijkloket.sources.logs import LogImport, load_mapping
from wijkloket.store.workspace import Workspace

# Three visits: A split 0.5/0.5 over two buurten on its PC6, B whole on its PC4, C split 0.75/0.25 on its PC4.
# One issuance. Weights per visit add up to 1, so there are 3 visits in all.
EVENTS = [
    (1, "visit", 1, "2024-01-03", 2024, 1, 3, "passport", "attended", "BU99990101", 0.5, "pc6", "65+"),
    (1, "visit", 1, "2024-01-03", 2024, 1, 3, "passport", "attended", "BU99990102", 0.5, "pc6", "65+"),
    (1, "visit", 2, "2024-01-04", 2024, 1, 4, "passport", "attended", "BU99990101", 1.0, "pc4", "65+"),
    (1, "visit", 3, "2023-05-02", 2023, 5, 2, "id_card", "no_show", "BU99990201", 0.75, "pc4", None),
    (1, "visit", 3, "2023-05-02", 2023, 5, 2, "id_card", "no_show", "BU99990202", 0.25, "pc4", None),
    (2, "issuance", 4, "2024-02-01", 2024, 2, 4, "passport", "attended", "BU99990101", 1.0, "pc6", "25-44"),
]


@pytest.fixture
def with_events(new_ws: Path) -> Path:
    with Workspace(new_ws) as ws:
        for sid, kind, synthetic in ((1, "visit", False), (2, "issuance", False), (3, "postcodes", True)):
            ws.con.execute("INSERT INTO sources VALUES (?, ?, 'd', 'gemeente', NULL, 'f', '/f', ?, "
                           "TIMESTAMP '2024-01-01', 0, 0, 0, '', 0, 'open', ?, '{}')",
                           [sid, kind, f"sha{sid}", synthetic])
        ws.con.executemany("INSERT INTO events (source_id, kind, fingerprint, event_date, year, month, weekday, "
                           "product, status, area_code, weight, lookup, age_band) VALUES "
                           "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", EVENTS)
    return new_ws


def test_events_counted_per_area_and_allocation(with_events: Path) -> None:
    with Workspace(with_events, read_only=True) as ws:
        assert ws.has_events("visit") and ws.has_events("issuance") and not ws.has_events("other")
        counts = ws.event_counts("visit").sort_values(["area_code", "year"]).reset_index(drop=True)
        assert list(counts.columns) == ["area_code", "year", "product", "status", "age_band", "n"]
        # BU99990101 gets A's half and all of B: 1.5 passport visits.
        assert counts[["area_code", "year", "product", "n"]].values.tolist() == [
            ["BU99990101", 2024, "passport", 1.5], ["BU99990102", 2024, "passport", 0.5],
            ["BU99990201", 2023, "id_card", 0.75], ["BU99990202", 2023, "id_card", 0.25]]
        assert counts["age_band"].isna().tolist() == [False, False, True, True]
        # Total 3; split (weight < 1): A and C = 2; matched on PC4: B and C = 2.
        assert ws.event_allocation("visit") == (3.0, 2.0, 2.0)
        assert ws.event_allocation("issuance") == (1.0, 0.0, 0.0)
        assert ws.event_allocation("other") == (0.0, 0.0, 0.0)
        assert ws.event_counts("other").empty


def test_synthetic_when_any_source_of_the_kinds_is(with_events: Path) -> None:
    with Workspace(with_events, read_only=True) as ws:
        assert not ws.is_synthetic(("visit",))
        assert ws.is_synthetic(("visit", "postcodes"))
        assert not ws.is_synthetic(("points",)) and not ws.is_synthetic(())
        assert ws.find_source("sha2") == 2 and ws.find_source("nope") is None


def test_network_added_replaced_and_read(new_ws: Path) -> None:
    nodes = pd.DataFrame({"node": [1, 2, 3], "x": [0.0, 100.0, 100.0], "y": [0.0, 0.0, 50.0]})
    edges = pd.DataFrame({"a": [1, 2], "b": [2, 3], "metres": [100.0, 50.0]})
    with Workspace(new_ws) as ws:
        assert not ws.has_network()
        first = ws.add_network(nodes, edges, new_ws / "a.osm", "sha-a", "OpenStreetMap")
        assert first.status == "added"
        second = ws.add_network(nodes.iloc[:2], edges.iloc[:1], new_ws / "b.graphml", "sha-b", "GraphML")
        assert (second.status, second.replaced_id) == ("replaced", first.source_id)
    with Workspace(new_ws, read_only=True) as ws:
        assert ws.has_network()
        got_nodes, got_edges = ws.network()
        pd.testing.assert_frame_equal(got_nodes, nodes.iloc[:2], check_dtype=False)
        pd.testing.assert_frame_equal(got_edges, edges.iloc[:1], check_dtype=False)
        src = ws.sources()
        assert src[["kind", "publisher", "rows_read", "n_areas"]].values.tolist() == [["network", "GraphML", 1, 2]]


def test_postcodes_read_and_stored_in_one_call(new_ws: Path, fixtures: Path) -> None:
    path = fixtures / "tiny_postcodes.csv"
    with Workspace(new_ws) as ws:
        outcome, result = ws.add_postcodes(path, sha256(path))
        assert outcome.status == "added"
        # Five rows, all of GM9999; 9991 AA and 9991ab normalise to 9991AA / 9991AB.
        assert (result.rows_read, result.rows_accepted, result.layout, result.year) == (5, 5, "plain", None)
        stored = ws.con.execute("SELECT count(*) FROM postcodes").fetchone()
        assert stored == (len(result.table),)
        again, result2 = ws.add_postcodes(path, sha256(path))
        assert (again.status, again.source_id, result2.rows_read) == ("unchanged", outcome.source_id, 5)


def test_too_many_rejected_carries_the_problems_as_data(new_ws: Path, fixtures: Path) -> None:
    log = fixtures / "tiny_afspraken_2023_2024.csv"
    with Workspace(new_ws) as ws:
        pcs = fixtures / "tiny_postcodes.csv"
        ws.add_postcodes(pcs, sha256(pcs))
        with pytest.raises(InputFileError) as info:
            ws.add_log("visit", log, sha256(log), load_mapping(fixtures / "tiny_jcc.toml"), None, 2.0)
        assert not ws.has_events("visit")
    err = info.value
    assert err.code == "error.too_many_rejected"
    # File lines (header = line 1): 5 has 31 February, 6 an unknown product, 9 a postcode elsewhere,
    # 11 postcode 0000XX; line 10 repeats line 2 (a duplicate, not counted as bad).
    assert (err.params["bad"], err.params["n"]) == (4, 11)
    assert err.params["problems"] == [
        {"row": 5, "column": "Datum afspraak", "value": "31-02-2024 10:10", "reason": "bad_date"},
        {"row": 6, "column": "Product", "value": "Onbekend", "reason": "unknown_product"},
        {"row": 9, "column": "Postcode", "value": "1234 AB", "reason": "postcode_outside"},
        {"row": 11, "column": "Postcode", "value": "0000XX", "reason": "invalid_postcode"},
    ]
    imp = err.params["_import"]
    assert isinstance(imp, LogImport) and imp.rejected_by_reason["duplicate"] == 1
