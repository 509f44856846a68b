"""Numbered migrations: an old store is upgraded in one transaction with its data intact, through a
read-write or a read-only open; a newer store is refused untouched; a failing migration changes nothing."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from wijkloket.config import STORE_FILE
from wijkloket.errors import WorkspaceError
from wijkloket.i18n import render_error
from wijkloket.store import migrate
from wijkloket.store.workspace import Workspace

EXPECTED = [(1, "initial"), (2, "drop_travel_cache"), (3, "fingerprint_key")]


def _tables(store: Path) -> set[str]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()}
    finally:
        con.close()


def _applied(store: Path) -> list[tuple[int, str]]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return [(int(v), str(n)) for v, n in con.execute(
            "SELECT version, name FROM schema_migrations ORDER BY version").fetchall()]
    finally:
        con.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _points() -> pd.DataFrame:
    return pd.DataFrame({"name": ["Stadhuis"], "kind": ["desk"], "x": [100000.0], "y": [450000.0],
                         "hours_per_week": [40.0], "capacity_per_week": [900.0], "annual_cost": [0.0],
                         "inside": [True]})


def _old_data_intact(ws: Workspace) -> None:
    # The rows the fixture wrote by hand: one source, two areas, population 100 and 60, households suppressed.
    src = ws.sources()
    assert src[["source_id", "kind", "sha256", "added_at"]].to_dict("records") == [
        {"source_id": 1, "kind": "cbs_odata", "sha256": "abc123", "added_at": pd.Timestamp("2024-01-02 03:04:05")}]
    assert ws.years() == [2018]
    assert ws.areas(2018)["name"].to_dict() == {"GM9999": "Tinydorp", "WK999901": "Noord"}
    assert ws.values(2018)["population"].to_dict() == {"GM9999": 100.0, "WK999901": 60.0}
    assert ws.value_status(1).values.tolist() == [["households", "suppressed", 1], ["population", "ok", 2]]


def test_the_shipped_migrations_are_numbered_from_one() -> None:
    assert [(m.version, m.name) for m in migrate.known()] == EXPECTED


def test_old_store_upgraded_with_its_data(old_store: Path) -> None:
    store = old_store / STORE_FILE
    assert "travel_cache" in _tables(store) and "schema_migrations" not in _tables(store)
    with Workspace(old_store) as ws:
        _old_data_intact(ws)
        # The sequence went along: the next source gets number 2.
        assert ws.add_points(_points(), old_store / "punten.csv", "def456", False).source_id == 2
    assert _applied(store) == EXPECTED
    assert "travel_cache" not in _tables(store)


def test_old_store_upgraded_by_a_read_only_open(old_store: Path) -> None:
    store = old_store / STORE_FILE
    with Workspace(old_store, read_only=True) as ws:
        _old_data_intact(ws)
        # Reopened read-only after the upgrade.
        with pytest.raises(duckdb.Error):
            ws.con.execute("CREATE TABLE scratch (a INTEGER)")
    assert _applied(store) == EXPECTED
    assert "travel_cache" not in _tables(store)


def test_new_workspace_is_at_the_latest_version_and_stays_there(new_ws: Path) -> None:
    store = new_ws / STORE_FILE
    assert _applied(store) == EXPECTED
    assert "travel_cache" not in _tables(store)
    con = duckdb.connect(str(store), read_only=True)
    first = con.execute("SELECT applied_at FROM schema_migrations ORDER BY version").fetchall()
    con.close()
    Workspace(new_ws).close()
    Workspace(new_ws, read_only=True).close()
    con = duckdb.connect(str(store))
    assert con.execute("SELECT applied_at FROM schema_migrations ORDER BY version").fetchall() == first
    assert migrate.upgrade(con, migrate.known()) == []
    con.close()


@pytest.mark.parametrize("read_only", [False, True])
def test_newer_store_is_refused_and_left_alone(new_ws: Path, read_only: bool) -> None:
    store = new_ws / STORE_FILE
    future = migrate.known()[-1].version + 1
    con = duckdb.connect(str(store))
    con.execute("INSERT INTO schema_migrations VALUES (?, 'from_the_future', ?)", [future, datetime(2030, 1, 1)])
    con.close()
    before = _digest(store)
    with pytest.raises(WorkspaceError) as info:
        Workspace(new_ws, read_only=read_only)
    assert info.value.code == "error.store_newer"
    assert info.value.params["version"] == future and info.value.params["known"] == future - 1
    text = render_error(info.value, "nl")
    assert str(new_ws) in text and "nieuwere versie van wijkloket" in text and "werk wijkloket bij" in text
    assert "update wijkloket" in render_error(info.value, "en")
    assert _digest(store) == before
    assert [v for v, _ in _applied(store)] == [*range(1, future), future]


def _with_a_bad_third() -> list[migrate.Migration]:
    # The next one creates a table, then fails: the table must not survive.
    bad = migrate.Migration(len(EXPECTED) + 1, "half_done",
                            "CREATE TABLE half_done (a INTEGER); INSERT INTO no_such_table VALUES (1);")
    return [*migrate.known(), bad]


def test_failing_migration_leaves_an_old_store_as_it_was(old_store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = old_store / STORE_FILE
    before = _tables(store)
    bad_list = _with_a_bad_third()
    monkeypatch.setattr(migrate, "known", lambda: bad_list)
    with pytest.raises(WorkspaceError) as info:
        Workspace(old_store)
    assert info.value.code == "error.store_migration_failed"
    assert info.value.params["version"] == len(EXPECTED) + 1 and info.value.params["name"] == "half_done"
    # Not even 0002 or the migrations table: all pending migrations or none.
    assert _tables(store) == before
    con = duckdb.connect(str(store), read_only=True)
    assert con.execute("SELECT count(*) FROM travel_cache").fetchone() == (2,)
    assert migrate.version_of(con) == 1
    con.close()


def test_failing_migration_keeps_the_version(new_ws: Path) -> None:
    con = duckdb.connect(str(new_ws / STORE_FILE))
    with pytest.raises(migrate.MigrationError) as info:
        migrate.upgrade(con, _with_a_bad_third())
    assert info.value.migration.version == len(EXPECTED) + 1
    assert migrate.version_of(con) == len(EXPECTED)
    assert "half_done" not in {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    con.close()


def test_version_of_an_empty_store_is_zero(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "leeg.duckdb"))
    assert migrate.version_of(con) == 0
    assert migrate.upgrade(con, migrate.known()) == [v for v, _ in EXPECTED]
    assert migrate.version_of(con) == len(EXPECTED)
    con.close()


def test_read_only_open_without_a_store_refuses_and_a_write_open_creates_it(new_ws: Path) -> None:
    # Reading never makes an empty store that would hide a lost one (issue 13); adding starts one.
    (new_ws / STORE_FILE).unlink()
    with pytest.raises(WorkspaceError) as info:
        Workspace(new_ws, read_only=True)
    assert info.value.code == "error.store_missing" and not (new_ws / STORE_FILE).exists()
    with Workspace(new_ws) as ws:
        assert ws.sources().empty
    assert _applied(new_ws / STORE_FILE) == EXPECTED
