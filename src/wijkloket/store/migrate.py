"""Numbered schema migrations: `migrations/NNNN_name.sql`, applied in order and recorded in
`schema_migrations`. All pending migrations are applied in one transaction, so a store is always at
one known version. A store made before migrations existed (tables, no `schema_migrations`) is at
version 1, `0001_initial.sql`. A migration that needs more than SQL (reading a file of the workspace)
has a step in Python, run right after its SQL in the same transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

import duckdb

_NAME = re.compile(r"(\d{4})_([a-z0-9_]+)\.sql")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


class MigrationError(Exception):
    """A migration failed; the transaction was rolled back, so the store is at its old version."""

    def __init__(self, migration: Migration, cause: duckdb.Error) -> None:
        self.migration = migration
        self.cause = cause
        super().__init__(f"migration {migration.version:04d}_{migration.name}: {cause}")


def known() -> list[Migration]:
    """The migrations shipped with this code, by version; the numbers must run 1, 2, 3, ..."""
    folder = resources.files("wijkloket.store").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        m = _NAME.fullmatch(entry.name)
        if m:
            found.append(Migration(int(m.group(1)), m.group(2), entry.read_text("utf-8")))
    found.sort(key=lambda mig: mig.version)
    if [mig.version for mig in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"store migrations are not numbered 1..n: {[mig.version for mig in found]}")
    return found


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' "
        "AND table_name = ? AND NOT temporary", [name]).fetchone()
    return bool(row and row[0])


def version_of(con: duckdb.DuckDBPyConnection) -> int:
    """The store's schema version: 0 for an empty file, 1 for a store of the release before migrations."""
    if _has_table(con, "schema_migrations"):
        row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
        return int(row[0]) if row else 0
    return 1 if _has_table(con, "sources") else 0


Step = Callable[[duckdb.DuckDBPyConnection], object]


def upgrade(con: duckdb.DuckDBPyConnection, migrations: list[Migration],
            steps: Mapping[str, Step] | None = None) -> list[int]:
    """Apply the migrations newer than the store in one transaction (all or none); returns their
    versions. `steps` (by migration name) run after that migration's SQL, in the same transaction.
    A store newer than `migrations` is left alone (the caller refuses to use it)."""
    con.execute("BEGIN TRANSACTION")
    try:
        current = version_of(con)
        legacy = current == 1 and not _has_table(con, "schema_migrations")
        pending = [m for m in migrations if m.version > current]
        if pending or legacy:
            con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                        "name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)")
        now = datetime.now().replace(microsecond=0)
        if legacy:
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [1, migrations[0].name, now])
        for m in pending:
            try:
                con.execute(m.sql)
                if steps and m.name in steps:
                    steps[m.name](con)
            except duckdb.Error as exc:
                raise MigrationError(m, exc) from exc
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [m.version, m.name, now])
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    return [m.version for m in pending]
