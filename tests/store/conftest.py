"""Workspaces for the store tests: one as the release before migrations left it, one made today."""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from pathlib import Path

import duckdb
import pytest

from wijkloket.config import SETTINGS_FILE, STORE_FILE, Settings
from wijkloket.store.workspace import create_workspace

ADDED_AT = datetime(2024, 1, 2, 3, 4, 5)


@pytest.fixture
def old_store(tmp_path: Path) -> Path:
    """A workspace as the previous release made it: only `0001_initial.sql` applied (no
    `schema_migrations`), one CBS source with two areas and three values, and two cached distances."""
    folder = tmp_path / "oud"
    folder.mkdir()
    (folder / SETTINGS_FILE).write_text(Settings(gemeente="GM9999", name="oud").to_toml(), "utf-8")
    sql = resources.files("wijkloket.store").joinpath("migrations/0001_initial.sql").read_text("utf-8")
    con = duckdb.connect(str(folder / STORE_FILE))
    con.execute(sql)
    con.execute("INSERT INTO sources VALUES (nextval('source_ids'), 'cbs_odata', 'Kerncijfers', 'CBS', 2018, "
                "'kwb.csv', '/data/kwb.csv', 'abc123', ?, 3, 3, 0, 'gemeente,wijk', 1, 'open', false, '{}')",
                [ADDED_AT])
    con.execute("INSERT INTO areas VALUES (1, 2018, 'GM9999', 'gemeente', 'Tinydorp', 'GM9999', 'Tinydorp'), "
                "(1, 2018, 'WK999901', 'wijk', 'Noord', 'GM9999', 'Tinydorp')")
    con.execute("INSERT INTO area_values VALUES (1, 2018, 'GM9999', 'population', 100, 'ok'), "
                "(1, 2018, 'WK999901', 'population', 60, 'ok'), "
                "(1, 2018, 'WK999901', 'households', NULL, 'suppressed')")
    con.execute("INSERT INTO travel_cache VALUES ('k1', 0, 0, 1.5), ('k1', 0, 1, 2.5)")
    con.close()
    return folder


@pytest.fixture
def new_ws(tmp_path: Path) -> Path:
    return create_workspace(tmp_path / "nieuw", Settings(gemeente="GM9999", name="nieuw"))
