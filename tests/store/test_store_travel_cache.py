"""The travel-distance cache: files beside the store, written whole, owner-only, ignored when damaged,
usable with a read-only workspace, and cleared when the points or the road network are replaced."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wijkloket.config import STORE_FILE
from wijkloket.store import travel_cache
from wijkloket.store.workspace import Workspace

KEY = "a" * 64


def _km() -> np.ndarray:
    # Demand x points, with an unreachable pair (NaN) as the network can give.
    return np.array([[1.25, 3.5, np.nan], [0.0, 2.0, 7.75]])


def test_save_then_load_gives_the_same_matrix(tmp_path: Path) -> None:
    assert travel_cache.load(tmp_path, KEY) is None
    travel_cache.save(tmp_path, KEY, _km())
    got = travel_cache.load(tmp_path, KEY)
    assert got is not None and got.dtype == np.float64
    np.testing.assert_array_equal(got, _km())
    file = tmp_path / ".cache" / "travel" / f"{KEY}.npy"
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert stat.S_IMODE(file.parent.stat().st_mode) == 0o700
    assert [p.name for p in file.parent.iterdir()] == [file.name]  # no temporary file left behind


def test_a_reader_of_the_old_file_is_not_disturbed_by_a_save(tmp_path: Path) -> None:
    travel_cache.save(tmp_path, KEY, _km())
    with (travel_cache.cache_dir(tmp_path) / f"{KEY}.npy").open("rb") as old:
        travel_cache.save(tmp_path, KEY, _km() * 2)
        np.testing.assert_array_equal(np.load(old), _km())  # the replaced file, read whole
    np.testing.assert_array_equal(travel_cache.load(tmp_path, KEY), _km() * 2)


@pytest.mark.parametrize("damage", ["empty", "bad_header", "random", "truncated"])
def test_damaged_file_is_ignored_and_written_again(tmp_path: Path, damage: str) -> None:
    travel_cache.save(tmp_path, KEY, _km())
    file = travel_cache.cache_dir(tmp_path) / f"{KEY}.npy"
    good = file.read_bytes()
    file.write_bytes({"empty": b"", "bad_header": b"\x93NUMPY garbage", "truncated": good[:-20],
                      "random": np.random.default_rng(5).bytes(300)}[damage])
    assert travel_cache.load(tmp_path, KEY) is None
    travel_cache.save(tmp_path, KEY, _km())
    np.testing.assert_array_equal(travel_cache.load(tmp_path, KEY), _km())


def test_unwritable_cache_only_costs_recomputation(tmp_path: Path) -> None:
    (tmp_path / ".cache").write_text("not a folder", "utf-8")
    travel_cache.save(tmp_path, KEY, _km())  # no error
    assert travel_cache.load(tmp_path, KEY) is None


def test_key_must_be_a_plain_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        travel_cache.save(tmp_path, "../../etc/x", _km())


def test_works_with_a_read_only_workspace(new_ws: Path) -> None:
    store = new_ws / STORE_FILE
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    with Workspace(new_ws, read_only=True) as ws:
        travel_cache.save(ws.folder, KEY, _km())
        np.testing.assert_array_equal(travel_cache.load(ws.folder, KEY), _km())
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before


def _points(x: float) -> pd.DataFrame:
    return pd.DataFrame({"name": ["Stadhuis"], "kind": ["desk"], "x": [x], "y": [450000.0], "hours_per_week": [40.0],
                         "capacity_per_week": [900.0], "annual_cost": [0.0], "inside": [True]})


def test_replacing_points_or_network_clears_the_cache(new_ws: Path) -> None:
    nodes = pd.DataFrame({"node": [1, 2], "x": [0.0, 100.0], "y": [0.0, 0.0]})
    edges = pd.DataFrame({"a": [1], "b": [2], "metres": [100.0]})
    with Workspace(new_ws) as ws:
        for step, add in enumerate([
            lambda: ws.add_points(_points(100000.0), new_ws / "p1.csv", "sha-p1", False),
            lambda: ws.add_points(_points(100500.0), new_ws / "p2.csv", "sha-p2", False),
            lambda: ws.add_network(nodes, edges, new_ws / "n1.osm", "sha-n1", "OpenStreetMap"),
            lambda: ws.add_network(nodes, edges, new_ws / "n2.osm", "sha-n2", "OpenStreetMap"),
        ]):
            travel_cache.save(ws.folder, KEY, _km())
            add()
            assert travel_cache.load(ws.folder, KEY) is None, step
        # Adding a file again changes nothing, the cache included.
        travel_cache.save(ws.folder, KEY, _km())
        assert ws.add_network(nodes, edges, new_ws / "n2.osm", "sha-n2", "OpenStreetMap").status == "unchanged"
        assert travel_cache.load(ws.folder, KEY) is not None
