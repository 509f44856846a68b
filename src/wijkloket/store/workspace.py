"""The workspace store: one DuckDB file holding every source added, its areas, values,
geometries and rejected rows, plus the district file. Adding is all-or-nothing (one transaction).
All the SQL of wijkloket lives in this package; other modules call the methods below.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

from wijkloket.areas.levels import RD_NEW
from wijkloket.config import SETTINGS_FILE, STORE_FILE, Settings, load_settings
from wijkloket.errors import InputFileError, WorkspaceError
from wijkloket.sources.base import IngestResult
from wijkloket.sources.files import remove_leftover_copies
from wijkloket.sources.logs import LogImport, Mapping
from wijkloket.sources.postcodes import PostcodeResult
from wijkloket.store import migrate, travel_cache
from wijkloket.store.connection import connect, store_error, store_problem
from wijkloket.store.log_import import (
    Prepared,
    count_import,
    drop_duplicates,
    insert_events,
    overlapping_periods,
    prepare,
)
from wijkloket.store.postcode_import import read_postcodes

SECRET_FILE = ".wijkloket-secret"
"""Where the fingerprint key lived beside the store before schema version 3; migration 3 takes it over
into the store (table `fingerprint_key`) and the file is removed."""
MEMORY_LIMIT = os.environ.get("WIJKLOKET_MEMORY", "1GB")
T = TypeVar("T")


SHRINK_LIMIT = 0.5
"""A file that replaces a source with fewer than this share of its rows (or a map with a table without
geometry) is refused unless the user asks for it (`--replace`): most likely it is an excerpt, not a release."""

ADD_STATUSES = ("added", "unchanged", "replaced")
"""What adding a file did: stored, nothing changed (the same file again), or a newer release replaced one."""
# Event weights summed as decimals (exact, so the order DuckDB's threads add them in does not matter), back
# to a double; 24 decimals keep an address share such as 1/3 to far below what is published.
EXACT_SUM = "CAST(sum(CAST(weight AS DECIMAL(38, 24))) AS DOUBLE)"


@dataclass
class AddOutcome:
    status: str  # one of ADD_STATUSES
    source_id: int
    replaced_id: int | None = None


def create_workspace(folder: Path, settings: Settings) -> Path:
    if (folder / SETTINGS_FILE).exists():
        raise WorkspaceError("error.workspace_exists", folder=str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SETTINGS_FILE).write_text(settings.to_toml(), "utf-8")
    Workspace(folder, create=True).close()
    return folder


def _stored_key(con: duckdb.DuckDBPyConnection) -> str | None:
    # fetchall: a result left half-read blocks the next registration on this connection (DuckDB 2).
    rows = con.execute("SELECT key FROM fingerprint_key ORDER BY created_at LIMIT 1").fetchall()
    return str(rows[0][0]) if rows and rows[0][0] else None


def _key_file(folder: Path) -> str | None:
    """The key in the old `.wijkloket-secret` file, if there is one with a key in it (an empty file, left
    by a full disk, is no key)."""
    try:
        text = (folder / SECRET_FILE).read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text or None


def settle_key(con: duckdb.DuckDBPyConnection, folder: Path) -> str | None:
    """The store's fingerprint key, stored if it was not yet: the one already stored; else the old key
    file's (so the fingerprints made with it stay valid); else a new random key, but only while the store
    holds no events. None when events are stored and their key is lost: a new key would make every row
    of an overlapping export look new. Run inside a transaction."""
    key = _stored_key(con)
    if key is not None:
        return key
    key, origin = _key_file(folder), SECRET_FILE
    if key is None:
        rows = con.execute("SELECT EXISTS (SELECT 1 FROM events)").fetchall()
        if rows and rows[0][0]:
            return None
        key, origin = secrets.token_hex(32), "new"
    con.execute("INSERT INTO fingerprint_key VALUES (?, ?, ?)", [key, origin, datetime.now().replace(microsecond=0)])
    return key


class Workspace:
    """A workspace folder and its store, opened read-only (readers) or read-write (one writer).
    Opening brings the store to the schema this code knows, in one transaction."""

    def __init__(self, folder: Path, read_only: bool = False, create: bool = False) -> None:
        self.folder = folder
        self.path = folder / STORE_FILE
        self.read_only = read_only
        self.settings = load_settings(folder)
        self.con = self._open(create)
        self.con.execute("SET enable_progress_bar = false")
        # Bounded memory: DuckDB spills to the workspace's temp folder instead of growing past this.
        self.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        if not read_only:
            self.con.execute(f"SET temp_directory = '{(folder / '.tmp').as_posix()}'")
            remove_leftover_copies(folder / ".tmp")  # left by a killed import; the one writer uses none now

    def _open(self, create: bool) -> duckdb.DuckDBPyConnection:
        path = self.path
        migrations = migrate.known()
        latest = migrations[-1].version
        if self.read_only and not create and not path.exists():
            # Reading never makes a store: an empty new one would hide that the real one is gone.
            raise WorkspaceError("error.store_missing", folder=str(self.folder), file=str(path))
        if self.read_only and path.exists():
            con = connect(self.folder, path, read_only=True)
            if self._version(con, latest) == latest:
                return con
            # An outdated store: readers never write, so upgrade it through a short read-write
            # connection first (a shared read-only lock cannot be upgraded in place).
            con.close()
        con = connect(self.folder, path, read_only=False)
        if self._version(con, latest) < latest:
            try:
                migrate.upgrade(con, migrations, {"fingerprint_key": lambda c: settle_key(c, self.folder)})
            except BaseException as exc:
                con.close()
                if isinstance(exc, migrate.MigrationError):
                    raise self._migration_error(path, exc) from None
                if isinstance(exc, duckdb.Error):
                    raise store_error(self.folder, path, exc) from None
                raise
            self._forget_key_file(con)
        if self.read_only:
            con.close()
            con = connect(self.folder, path, read_only=True)
        return con

    def _version(self, con: duckdb.DuckDBPyConnection, latest: int) -> int:
        """The store's schema version; a store newer than this code is refused before anything is
        written. The connection is closed when this raises."""
        try:
            version = migrate.version_of(con)
        except duckdb.Error as exc:
            con.close()
            raise store_error(self.folder, self.folder / STORE_FILE, exc) from None
        if version > latest:
            con.close()
            raise WorkspaceError("error.store_newer", folder=str(self.folder), version=version, known=latest)
        return version

    def _migration_error(self, path: Path, exc: migrate.MigrationError) -> WorkspaceError:
        err = store_error(self.folder, path, exc.cause)
        if err.code != "error.store_unusable":  # a damaged or inaccessible file, not the migration itself
            return err
        return WorkspaceError("error.store_migration_failed", folder=str(self.folder), version=exc.migration.version,
                              name=exc.migration.name, detail=str(exc.cause).splitlines()[0])

    def _forget_key_file(self, con: duckdb.DuckDBPyConnection) -> None:
        """Remove the old key file once the store holds its key (it is no longer read)."""
        stored, old = _stored_key(con), _key_file(self.folder)
        if old is not None and old == stored:
            try:
                (self.folder / SECRET_FILE).unlink()
            except OSError:
                pass  # harmless: the file is no longer read

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        """Close; an engine error about the store file (damaged, cut short, disk full...) met while the
        workspace was in use becomes its catalogue error."""
        try:
            self.close()
        except duckdb.Error:
            if exc is None:
                raise
        if isinstance(exc, duckdb.Error):
            problem = store_problem(self.folder, self.path, exc, named=True)
            if problem is not None:
                raise problem from None

    def close(self) -> None:
        self.con.close()

    @property
    def gemeente(self) -> str:
        return self.settings.gemeente

    # -- adding ------------------------------------------------------------------------------

    def find_source(self, sha: str) -> int | None:
        """The source already added from a file with this SHA-256, if any."""
        row = self.con.execute("SELECT source_id FROM sources WHERE sha256 = ?", [sha]).fetchone()
        return int(row[0]) if row else None

    def _source_of_kind(self, kind: str) -> int | None:
        row = self.con.execute("SELECT source_id FROM sources WHERE kind = ?", [kind]).fetchone()
        return int(row[0]) if row else None

    def _same_kind(self, kind: str, dataset: str, year: int | None) -> int | None:
        row = self.con.execute(
            "SELECT source_id FROM sources WHERE kind = ? AND dataset = ? "
            "AND year IS NOT DISTINCT FROM ?", [kind, dataset, year],
        ).fetchone()
        return int(row[0]) if row else None

    def _delete(self, source_id: int) -> None:
        for table in ("areas", "area_values", "geometries", "districts", "rejections", "postcodes", "events",
                      "points", "network_nodes", "network_edges", "sources"):
            self.con.execute(f"DELETE FROM {table} WHERE source_id = ?", [source_id])

    def _insert_source(self, path: Path, sha: str, kind: str, dataset: str, publisher: str,
                       year: int | None, rows_read: int, rows_accepted: int, rows_rejected: int,
                       levels: str, n_areas: int, privacy: str, synthetic: bool,
                       report: dict[str, Any]) -> int:
        source_id = int(self.con.execute("SELECT nextval('source_ids')").fetchone()[0])  # type: ignore[index]
        self.con.execute(
            "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [source_id, kind, dataset, publisher, year, path.name, str(path.resolve()), sha,
             datetime.now().replace(microsecond=0), rows_read, rows_accepted, rows_rejected,
             levels, n_areas, privacy, synthetic, json.dumps(report, ensure_ascii=False)],
        )
        return source_id

    def _transaction(self, work: Callable[[], T]) -> T:
        """Run `work` in one transaction: all of it is stored or nothing. An engine error about the store
        file (a full disk at commit, a damaged block) becomes its catalogue error."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            out = work()
            self._commit()
        except BaseException as exc:
            self._rollback()
            problem = store_problem(self.folder, self.path, exc, named=True) if isinstance(exc, duckdb.Error) else None
            if problem is not None:
                raise problem from None
            raise
        return out

    def _commit(self) -> None:
        self.con.execute("COMMIT")

    def _rollback(self) -> None:
        try:
            self.con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # a failed COMMIT has already ended the transaction; nothing of it was stored

    def _check_replace(self, old: int, path: Path, after: int, geometry: bool | None = None) -> None:
        """Refuse to replace source `old` by a file with far fewer rows (below SHRINK_LIMIT of its rows),
        or a source with geometry by one without (`geometry` False); `--replace` lets it through."""
        rows = self.con.execute("SELECT filename, rows_accepted, EXISTS (SELECT 1 FROM geometries WHERE source_id = ?) "
                                "FROM sources WHERE source_id = ?", [old, old]).fetchall()
        if not rows:
            return
        name, before, had_geometry = str(rows[0][0]), int(rows[0][1]), bool(rows[0][2])
        if geometry is False and had_geometry:
            raise InputFileError("error.replace_loses_geometry", file=str(path), old=name, before=before, after=after)
        if after < SHRINK_LIMIT * before:
            raise InputFileError("error.replace_shrinks", file=str(path), old=name, before=before, after=after,
                                 pct=round(100 * SHRINK_LIMIT))

    def add_ingest(self, result: IngestResult, path: Path, sha: str, replace: bool = False) -> AddOutcome:
        """A CBS table; one of the same dataset and year replaces the stored one, but one that would
        lose most of its rows or its geometry only with `replace`."""
        existing = self.find_source(sha)
        if existing is not None:
            return AddOutcome("unchanged", existing)
        old = self._same_kind(result.kind, result.dataset, result.year)
        if old is not None and not replace:
            self._check_replace(old, path, result.rows_accepted,
                                geometry=result.geometry is not None and len(result.geometry) > 0)

        def work() -> AddOutcome:
            if old is not None:
                self._delete(old)
            reasons = (result.rejections["reason"].value_counts().to_dict()
                       if len(result.rejections) else {})
            report = {
                "columns_mapped": result.columns_mapped,
                "columns_ignored": result.columns_ignored,
                "warnings": result.warnings,
                "rejected_by_reason": {str(k): int(v) for k, v in reasons.items()},
                "encoding": result.encoding,
                **({"method": result.method} if result.method else {}),
            }
            levels = ",".join(sorted(set(result.areas["level"])))
            sid = self._insert_source(
                path, sha, result.kind, result.dataset, result.publisher, result.year,
                result.rows_read, result.rows_accepted, result.rows_rejected, levels,
                int((result.areas["level"] != "gemeente").sum()), result.privacy,
                result.synthetic, report,
            )
            areas = result.areas.assign(source_id=sid, year=result.year)
            self.con.register("_areas", areas)
            self.con.execute(
                "INSERT INTO areas SELECT source_id, year, area_code, level, name, gemeente_code, "
                "gemeente_name FROM _areas")
            values = result.values.assign(source_id=sid, year=result.year)
            self.con.register("_values", values)
            self.con.execute(
                "INSERT INTO area_values SELECT source_id, year, area_code, variable, value, "
                "status FROM _values")
            if result.geometry is not None and len(result.geometry):
                geo = pd.DataFrame({
                    "source_id": sid, "year": result.year,
                    "area_code": result.geometry["area_code"].to_numpy(),
                    "level": result.geometry["level"].to_numpy(),
                    "wkb": result.geometry.geometry.to_wkb().to_numpy(),
                })
                self.con.register("_geo", geo)
                self.con.execute("INSERT INTO geometries SELECT source_id, year, area_code, "
                                 "level, wkb FROM _geo")
            if len(result.rejections):
                rej = result.rejections.assign(source_id=sid)
                rej["value"] = rej["value"].astype(str)
                self.con.register("_rej", rej)
                self.con.execute("INSERT INTO rejections SELECT source_id, row_number, "
                                 "column_name, value, reason FROM _rej")
            return AddOutcome("replaced" if old is not None else "added", sid, old)

        return self._transaction(work)

    def secret(self) -> str:
        """The workspace's random key for fingerprints, kept in the store (never printed). A store with
        events whose key is lost is refused: a new key would count every overlapping row twice."""
        key = _stored_key(self.con)
        if key is None:
            key = self._transaction(lambda: settle_key(self.con, self.folder))
            if key is None:
                raise WorkspaceError("error.fingerprint_key_missing", folder=str(self.folder), file=SECRET_FILE)
            self._forget_key_file(self.con)
        return key

    def add_postcodes(self, path: Path, sha: str, replace: bool = False) -> tuple[AddOutcome, PostcodeResult]:
        """Read a postcode table for the workspace's municipality and store it; a newer table replaces
        the old one, but one with far fewer rows only with `replace`. The file is read (and checked)
        even when it was added before."""
        result = read_postcodes(self.con, path, self.gemeente)
        existing = self.find_source(sha)
        if existing is not None:
            return AddOutcome("unchanged", existing), result
        old = self._source_of_kind("postcodes")
        if old is not None and not replace:
            self._check_replace(old, path, result.rows_accepted)

        def work() -> AddOutcome:
            if old is not None:
                self._delete(old)
            levels = ",".join(sorted({"buurt" if c.startswith("BU") else "wijk" for c in result.table["area_code"]}))
            sid = self._insert_source(
                path, sha, "postcodes", "Postcode naar buurt/wijk", "CBS" if result.layout == "cbs_pc6hnr"
                else "gemeente", result.year, result.rows_read, result.rows_accepted,
                result.rows_read - result.rows_accepted, levels, int(result.table["area_code"].nunique()), "open",
                result.synthetic, {"layout": result.layout, "rejected_by_reason": result.rejected_by_reason,
                                   "postcodes_pc6": int((result.table["kind"] == "pc6").sum()),
                                   "postcodes_pc4": int((result.table["kind"] == "pc4").sum())},
            )
            self.con.register("_pcs", result.table.assign(source_id=sid))
            self.con.execute("INSERT INTO postcodes SELECT source_id, postcode, kind, area_code, addresses, share "
                             "FROM _pcs")
            self.con.unregister("_pcs")
            return AddOutcome("replaced" if old is not None else "added", sid, old)

        return self._transaction(work), result

    def add_log(self, kind: str, path: Path, sha: str, mapping: Mapping, sheet: str | None,
                max_rejected: float, replaces: int | None = None) -> tuple[AddOutcome, LogImport | None]:
        """Import a visit log or issuance list in one transaction, streaming the file through DuckDB;
        abort (nothing stored) when more than `max_rejected` per cent of the rows are rejected for
        other reasons than duplicates. The import is None when the file was added before. Source
        `replaces` (the same export read with another mapping) is deleted in the same transaction."""
        existing = self.find_source(sha)
        if existing is not None:
            return AddOutcome("unchanged", existing), None
        prep = prepare(self.con, path, mapping, kind, self.secret(), sheet, tmp_dir=self.folder / ".tmp")

        def work() -> tuple[AddOutcome, LogImport | None]:
            dataset = "Afsprakenlog" if kind == "visit" else "Verstrekkingen"
            if replaces is not None:
                self._delete(replaces)
            sid = self._insert_source(path, sha, kind, dataset, "gemeente", None, 0, 0, 0, "buurt/wijk", 0,
                                      "personal", prep.synthetic, {})
            insert_events(self.con, sid, prep)
            imp = count_import(self.con, sid, prep, drop_duplicates(self.con, sid, kind))
            n = imp.rows_read
            bad = sum(v for k, v in imp.rejected_by_reason.items() if not k.startswith("duplicate"))
            if bad > max_rejected / 100.0 * n:
                # The first problems as data ({row, column, value, reason}); the door words them.
                err = InputFileError(
                    "error.too_many_rejected", file=str(path), bad=bad, n=n, pct=round(100.0 * bad / n, 1),
                    limit=max_rejected, problems=imp.first_problems,
                )
                err.params["_import"] = imp
                raise err
            imp.overlaps = overlapping_periods(self.con, kind, sid, imp.period)
            self._finish_log_source(sid, imp, prep)
            self.con.execute("DROP TABLE IF EXISTS _dups")
            return AddOutcome("added" if replaces is None else "replaced", sid, replaces), imp

        try:
            return self._transaction(work)
        finally:
            self.con.execute("RESET disabled_optimizers")
            prep.close(self.con)

    def _finish_log_source(self, sid: int, imp: LogImport, prep: Prepared) -> None:
        """The log's counts and ingest report on its source row, and its rejected rows (numbers and reasons)."""
        report = {
            "period": list(imp.period) if imp.period else None,
            "rejected_by_reason": imp.rejected_by_reason,
            "columns_dropped": prep.dropped,
            "bsn_columns": prep.bsn_cols,
            "encoding": prep.encoding,
            "mapping": str(prep.mapping.path),
            "mapping_sha256": prep.mapping.digest,
            "overlaps": imp.overlaps,
        }
        self.con.execute(
            "UPDATE sources SET rows_read = ?, rows_accepted = ?, rows_rejected = ?, report = ?, "
            "n_areas = (SELECT count(DISTINCT area_code) FROM events WHERE source_id = ?) WHERE source_id = ?",
            [imp.rows_read, imp.rows_accepted, imp.rows_read - imp.rows_accepted,
             json.dumps(report, ensure_ascii=False), sid, sid])
        rejected_rows = imp.rejected_rows
        if len(rejected_rows):
            rej = pd.DataFrame({"source_id": sid, "row_number": rejected_rows["rij"].to_numpy(),
                                "reason": rejected_rows["reden_afwijzing"].to_numpy()})
            self.con.register("_rej", rej)
            self.con.execute("INSERT INTO rejections SELECT source_id, row_number, '', '', reason FROM _rej")
            self.con.unregister("_rej")

    def add_points(self, table: pd.DataFrame, path: Path, sha: str, synthetic: bool, publisher: str = "gemeente",
                   rows_read: int | None = None, rejected: pd.DataFrame | None = None,
                   report: dict[str, Any] | None = None) -> AddOutcome:
        """Service points; a newer points file replaces the old one. `rejected` (row_number,
        column_name, value, reason) are input rows not stored; `rows_read` counts them too."""
        existing = self.find_source(sha)
        if existing is not None:
            return AddOutcome("unchanged", existing)
        old = self._source_of_kind("points")
        n_rej = 0 if rejected is None else len(rejected)
        n_read = len(table) if rows_read is None else rows_read

        def work() -> AddOutcome:
            if old is not None:
                self._delete(old)
            travel_cache.clear(self.folder)
            kinds = table["kind"].value_counts().to_dict()
            sid = self._insert_source(path, sha, "points", "Servicepunten", publisher, None, n_read, n_read - n_rej,
                                      n_rej, "punt", len(table), "open", synthetic,
                                      {"kinds": {str(k): int(v) for k, v in kinds.items()},
                                       "outside": table.loc[~table["inside"], "name"].tolist(), **(report or {})})
            self.con.register("_pts", table.assign(source_id=sid, point_id=range(1, len(table) + 1)))
            self.con.execute("INSERT INTO points SELECT source_id, point_id, name, kind, x, y, hours_per_week, "
                             "capacity_per_week, annual_cost, inside FROM _pts")
            self.con.unregister("_pts")
            if rejected is not None and n_rej:
                self.con.register("_rej", rejected.assign(source_id=sid))
                self.con.execute("INSERT INTO rejections SELECT source_id, row_number, column_name, value, reason "
                                 "FROM _rej")
                self.con.unregister("_rej")
            return AddOutcome("replaced" if old is not None else "added", sid, old)

        return self._transaction(work)

    def points(self) -> pd.DataFrame:
        return self.con.execute("SELECT point_id, name, kind, x, y, hours_per_week, capacity_per_week, annual_cost, "
                                "inside FROM points ORDER BY point_id").df()

    def add_districts(self, table: pd.DataFrame, path: Path, sha: str) -> AddOutcome:
        existing = self.find_source(sha)
        if existing is not None:
            return AddOutcome("unchanged", existing)
        old = self._source_of_kind("districts")

        def work() -> AddOutcome:
            if old is not None:
                self._delete(old)
            sid = self._insert_source(
                path, sha, "districts", "Indeling in stadsdelen", "gemeente", None, len(table),
                len(table), 0, "district", int(table["district"].nunique()), "open", False,
                {"districts": sorted(table["district"].unique().tolist())},
            )
            self.con.register("_d", table.assign(source_id=sid))
            self.con.execute("INSERT INTO districts SELECT source_id, area_code, district_code, "
                             "district, area_name FROM _d")
            self.con.unregister("_d")
            return AddOutcome("replaced" if old is not None else "added", sid, old)

        return self._transaction(work)

    def add_network(self, nodes: pd.DataFrame, edges: pd.DataFrame, path: Path, sha: str,
                    publisher: str) -> AddOutcome:
        """A road network (nodes: node, x, y in RD New; edges: a, b, metres). A newer network replaces
        the old one, and the travel distances cached for the old one go with it."""
        existing = self.find_source(sha)
        if existing is not None:
            return AddOutcome("unchanged", existing)
        old = self._source_of_kind("network")

        def work() -> AddOutcome:
            if old is not None:
                self._delete(old)
            travel_cache.clear(self.folder)
            sid = self._insert_source(path, sha, "network", "Wegennet", publisher, None, len(edges), len(edges), 0,
                                      "netwerk", len(nodes), "open", False, {"nodes": len(nodes), "edges": len(edges)})
            self.con.register("_n", nodes.assign(source_id=sid))
            self.con.execute("INSERT INTO network_nodes SELECT source_id, node, x, y FROM _n")
            self.con.unregister("_n")
            self.con.register("_e", edges.assign(source_id=sid))
            self.con.execute("INSERT INTO network_edges SELECT source_id, a, b, metres FROM _e")
            self.con.unregister("_e")
            return AddOutcome("replaced" if old is not None else "added", sid, old)

        return self._transaction(work)

    # -- reading -----------------------------------------------------------------------------

    def sources(self) -> pd.DataFrame:
        return self.con.execute("SELECT * FROM sources ORDER BY source_id").df()

    def is_synthetic(self, kinds: tuple[str, ...]) -> bool:
        """Whether any source of these kinds is synthetic (marked so in its file)."""
        if not kinds:
            return False
        marks = ", ".join("?" * len(kinds))
        row = self.con.execute(
            f"SELECT coalesce(bool_or(synthetic), false) FROM sources WHERE kind IN ({marks})", list(kinds)).fetchone()
        return bool(row and row[0])

    def rejections(self, source_id: int) -> pd.DataFrame:
        return self.con.execute(
            "SELECT row_number, column_name, value, reason FROM rejections WHERE source_id = ? "
            "ORDER BY row_number", [source_id]).df()

    def years(self) -> list[int]:
        rows = self.con.execute(
            "SELECT DISTINCT year FROM area_values WHERE variable = 'population' AND status = 'ok' "
            "ORDER BY year").fetchall()
        return [int(r[0]) for r in rows]

    def areas(self, year: int) -> pd.DataFrame:
        """One row per area of the year (latest-added source wins for names)."""
        df = self.con.execute(
            """
            SELECT area_code, level,
                   arg_max(NULLIF(name, ''), source_id) AS name,
                   any_value(gemeente_code) AS gemeente_code,
                   arg_max(NULLIF(gemeente_name, ''), source_id) AS gemeente_name
            FROM areas WHERE year = ? GROUP BY area_code, level ORDER BY area_code
            """, [year]).df()
        return df.set_index("area_code")

    def values(self, year: int) -> pd.DataFrame:
        """Wide table: one row per area, one column per variable. Where several sources give a
        variable, the latest-added source with a known value wins."""
        long = self.con.execute(
            """
            SELECT area_code, variable, arg_max(value, source_id) AS value
            FROM area_values WHERE year = ? AND status IN ('ok', 'estimate')
            GROUP BY area_code, variable
            """, [year]).df()
        if long.empty:
            return pd.DataFrame()
        return long.pivot(index="area_code", columns="variable", values="value").astype("float64")

    def estimates(self, year: int) -> pd.DataFrame:
        """The variables of `year` whose figures are estimates: variable, source_id, dataset, method (dict,
        from the source's report). Only the sources whose estimate is the figure `values` shows."""
        df = self.con.execute(
            """
            WITH shown AS (
                SELECT area_code, variable, max(source_id) AS source_id
                FROM area_values WHERE year = ? AND status IN ('ok', 'estimate') GROUP BY area_code, variable)
            SELECT DISTINCT v.variable, v.source_id, s.dataset, s.report
            FROM shown JOIN area_values v USING (area_code, variable, source_id)
            JOIN sources s ON s.source_id = v.source_id
            WHERE v.year = ? AND v.status = 'estimate' ORDER BY v.variable, v.source_id
            """, [year, year]).df()
        df["method"] = [json.loads(r).get("method", {}) if r else {} for r in df.pop("report")]
        return df

    def value_status(self, source_id: int) -> pd.DataFrame:
        """Per variable of one source: how many cells are known, and why the rest are missing."""
        return self.con.execute(
            "SELECT variable, status, count(*) AS n FROM area_values WHERE source_id = ? "
            "GROUP BY variable, status ORDER BY variable, status", [source_id]).df()

    def districts(self) -> pd.DataFrame | None:
        df = self.con.execute(
            "SELECT area_code, district_code, district, area_name FROM districts "
            "ORDER BY area_code").df()
        return None if df.empty else df

    def postcodes(self) -> pd.DataFrame:
        """The postcode table: postcode, kind (pc6/pc4), area_code, share (empty when none was added)."""
        return self.con.execute(
            "SELECT postcode, kind, area_code, share FROM postcodes ORDER BY kind DESC, postcode, area_code").df()

    def geometry(self, year: int) -> Any:
        """GeoDataFrame of the year's areas (EPSG:28992), the nearest earlier year if none."""
        import geopandas as gpd
        import shapely

        row = self.con.execute(
            "SELECT max(year) FROM geometries WHERE year <= ?", [year]).fetchone()
        geo_year = row[0] if row and row[0] is not None else None
        if geo_year is None:
            return None
        df = self.con.execute(
            "SELECT area_code, level, arg_max(wkb, source_id) AS wkb FROM geometries "
            "WHERE year = ? GROUP BY area_code, level", [geo_year]).df()
        geoms = shapely.from_wkb(df["wkb"].map(bytes).to_numpy())
        return gpd.GeoDataFrame(df[["area_code", "level"]], geometry=geoms, crs=RD_NEW)

    def has_events(self, kind: str) -> bool:
        """Whether the store holds events of `kind` (visit, issuance)."""
        row = self.con.execute("SELECT EXISTS (SELECT 1 FROM events WHERE kind = ?)", [kind]).fetchone()
        return bool(row and row[0])

    def event_counts(self, kind: str) -> pd.DataFrame:
        """Events of `kind` per area_code, year, product, status and age_band; `n` is the summed weight
        (an event split over several areas counts once in all). Summed exactly (`EXACT_SUM`) and in a
        fixed row order, so the same store gives the same figures to the last bit."""
        return self.con.execute(
            f"SELECT area_code, year, product, status, age_band, {EXACT_SUM} AS n FROM events WHERE kind = ? "
            "GROUP BY ALL ORDER BY ALL", [kind]).df()

    def event_allocation(self, kind: str) -> tuple[float, float, float]:
        """How events of `kind` were placed in areas: (total weight, weight of events split over several
        areas by address shares (weight < 1), weight matched on their PC4 only)."""
        row = self.con.execute(
            "SELECT sum(weight), sum(weight) FILTER (WHERE weight < 1), sum(weight) FILTER (WHERE lookup = 'pc4') "
            "FROM events WHERE kind = ?", [kind]).fetchone()
        assert row is not None
        return float(row[0] or 0.0), float(row[1] or 0.0), float(row[2] or 0.0)

    def has_network(self) -> bool:
        """Whether a road network with at least one edge has been added."""
        row = self.con.execute("SELECT EXISTS (SELECT 1 FROM network_edges)").fetchone()
        return bool(row and row[0])

    def network(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The road network: nodes (node, x, y in RD New metres) and edges (a, b, metres)."""
        nodes = self.con.execute("SELECT node, x, y FROM network_nodes").df()
        edges = self.con.execute("SELECT a, b, metres FROM network_edges").df()
        return nodes, edges

    def event_months(self, kind: str) -> pd.DataFrame:
        """Attended events of `kind` per area_code, year, month (1-12), product and age_band (NULL when
        unknown); `n` is the summed weight. For the demand forecast."""
        return self.con.execute(
            "SELECT area_code, CAST(year AS INTEGER) AS year, CAST(month AS INTEGER) AS month, product, age_band, "
            f"{EXACT_SUM} AS n FROM events WHERE kind = ? AND status = 'attended' GROUP BY ALL "
            "ORDER BY year, month, area_code, product, age_band", [kind]).df()
