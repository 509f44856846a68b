"""The workspace store: one DuckDB file holding every source added, its areas, values,
geometries and rejected rows, plus the district file. Adding is all-or-nothing (one transaction).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from wijkloket.config import SETTINGS_FILE, STORE_FILE, Settings, load_settings
from wijkloket.errors import WorkspaceError
from wijkloket.sources.base import IngestResult

SECRET_FILE = ".wijkloket-secret"
MEMORY_LIMIT = os.environ.get("WIJKLOKET_MEMORY", "1GB")


@dataclass
class AddOutcome:
    status: str  # added, unchanged, replaced
    source_id: int
    replaced_id: int | None = None


def create_workspace(folder: Path, settings: Settings) -> Path:
    if (folder / SETTINGS_FILE).exists():
        raise WorkspaceError("error.workspace_exists", folder=str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SETTINGS_FILE).write_text(settings.to_toml(), "utf-8")
    Workspace(folder).close()
    return folder


class Workspace:
    def __init__(self, folder: Path, read_only: bool = False) -> None:
        self.folder = folder
        self.read_only = read_only
        self.settings = load_settings(folder)
        try:
            self.con = duckdb.connect(str(folder / STORE_FILE), read_only=read_only)
        except duckdb.Error as exc:
            raise WorkspaceError("error.store_unusable", folder=str(folder), detail=str(exc)) from None
        self.con.execute("SET enable_progress_bar = false")
        # Bounded memory: DuckDB spills to the workspace's temp folder instead of growing past this.
        self.con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        if not read_only:
            self.con.execute(f"SET temp_directory = '{(folder / '.tmp').as_posix()}'")
        if not read_only:
            self.con.execute(resources.files("wijkloket.store").joinpath("schema.sql")
                             .read_text("utf-8"))

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    @property
    def gemeente(self) -> str:
        return self.settings.gemeente

    # -- adding ------------------------------------------------------------------------------

    def _find(self, sha: str) -> int | None:
        row = self.con.execute("SELECT source_id FROM sources WHERE sha256 = ?", [sha]).fetchone()
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

    def _transaction(self, work: Any) -> Any:
        self.con.execute("BEGIN TRANSACTION")
        try:
            out = work()
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")
        return out

    def add_ingest(self, result: IngestResult, path: Path, sha: str) -> AddOutcome:
        existing = self._find(sha)
        if existing is not None:
            return AddOutcome("unchanged", existing)
        old = self._same_kind(result.kind, result.dataset, result.year)

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
        """The workspace's random key for fingerprints; kept beside the store, never printed."""
        path = self.folder / SECRET_FILE
        if not path.exists():
            path.write_text(secrets.token_hex(32), "utf-8")
            path.chmod(0o600)
        return path.read_text("utf-8").strip()

    def add_postcodes(self, result: Any, path: Path, sha: str) -> AddOutcome:
        existing = self._find(sha)
        if existing is not None:
            return AddOutcome("unchanged", existing)
        old = self.con.execute("SELECT source_id FROM sources WHERE kind = 'postcodes'").fetchone()

        def work() -> AddOutcome:
            if old is not None:
                self._delete(int(old[0]))
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
            return AddOutcome("replaced" if old is not None else "added", sid, int(old[0]) if old else None)

        return self._transaction(work)

    def add_log(self, kind: str, path: Path, sha: str, mapping: Any, sheet: str | None,
                max_rejected: float) -> tuple[AddOutcome, Any]:
        """Import a visit log or issuance list in one transaction, streaming the file through DuckDB;
        abort (nothing stored) when more than `max_rejected` per cent of the rows are rejected for
        other reasons than duplicates."""
        from wijkloket.errors import InputFileError
        from wijkloket.sources.logs import LogImport, prepare, rejected_details

        existing = self._find(sha)
        if existing is not None:
            return AddOutcome("unchanged", existing), None
        prep = prepare(self.con, path, mapping, kind, self.secret(), sheet)

        def work() -> tuple[AddOutcome, Any]:
            dataset = "Afsprakenlog" if kind == "visit" else "Verstrekkingen"
            sid = self._insert_source(path, sha, kind, dataset, "gemeente", None, 0, 0, 0, "buurt/wijk", 0,
                                      "personal", prep.synthetic, {})
            # Pass 1: every accepted event, one row per area it falls in (split by address shares).
            # Row order does not matter here, and not keeping it lets DuckDB insert in parallel.
            self.con.execute("SET preserve_insertion_order = false")
            # DuckDB cannot estimate a CSV's size before reading it (it guesses ~40 rows) and would
            # build its hash tables on the file; the joins are written with the small lookup tables
            # on the build side, so keep them as written (10M rows: 18 s -> 8 s, no spilling).
            self.con.execute("SET disabled_optimizers = 'build_side_probe_side,join_order'")
            self.con.execute(f"""
                INSERT INTO events
                SELECT {sid}, '{kind}', c.fp, c.ts::DATE, year(c.ts), month(c.ts), isodow(c.ts), c.product,
                       c.status, c.location, c.age_band, p.area_code, p.share, c.lookup
                FROM ({prep.select}) c
                JOIN postcodes p ON p.kind = c.lookup
                     AND p.postcode = CASE WHEN c.lookup = 'pc6' THEN c.pc ELSE substr(c.pc, 1, 4) END
                WHERE c.reason = ''""")
            self.con.execute("SET preserve_insertion_order = true")  # record numbers below need file order
            self.con.execute("RESET disabled_optimizers")
            # Duplicates in the file (same fingerprint again) and events imported before.
            self.con.execute(f"""
                CREATE OR REPLACE TEMP TABLE _dups AS
                WITH mine AS (SELECT fingerprint, count(*) // count(DISTINCT area_code) AS n
                              FROM events WHERE source_id = {sid} GROUP BY fingerprint)
                SELECT m.fingerprint AS fp, m.n,
                       m.fingerprint IN (SELECT fingerprint FROM events WHERE kind = '{kind}'
                                         AND source_id <> {sid}) AS existing
                FROM mine m
                WHERE m.n > 1 OR m.fingerprint IN (SELECT fingerprint FROM events WHERE kind = '{kind}'
                                                   AND source_id <> {sid})""")
            dup_counts = self.con.execute(
                "SELECT coalesce(sum(n) FILTER (WHERE existing), 0), "
                "coalesce(sum(n - 1) FILTER (WHERE NOT existing), 0) FROM _dups").fetchone()
            assert dup_counts is not None
            if dup_counts[0] or dup_counts[1]:
                self.con.execute(f"DELETE FROM events WHERE source_id = {sid} AND fingerprint IN "
                                 "(SELECT fp FROM _dups WHERE existing)")
                self.con.execute(f"""
                    DELETE FROM events WHERE source_id = {sid}
                      AND fingerprint IN (SELECT fp FROM _dups WHERE NOT existing)
                      AND rowid NOT IN (SELECT min(rowid) FROM events WHERE source_id = {sid}
                                        AND fingerprint IN (SELECT fp FROM _dups WHERE NOT existing)
                                        GROUP BY fingerprint, area_code)""")
            self.con.execute("SET disabled_optimizers = 'build_side_probe_side,join_order'")
            # Pass 2 (numbered): the rejected rows, with their record numbers; the accepted events
            # are counted in the store (the weights of one event's areas add up to 1).
            rejected_rows, problems, unknown, local, span = rejected_details(self.con, prep, dup_counts)
            self.con.execute("RESET disabled_optimizers")
            kept = self.con.execute(
                f"SELECT round(coalesce(sum(weight), 0)), min(event_date)::VARCHAR, max(event_date)::VARCHAR "
                f"FROM events WHERE source_id = {sid}").fetchone()
            assert kept is not None
            reasons = dict(local)
            if dup_counts[1]:
                reasons["duplicate"] = int(dup_counts[1])
            if dup_counts[0]:
                reasons["duplicate_existing"] = int(dup_counts[0])
            n = int(kept[0]) + sum(reasons.values())
            if n == 0:
                raise InputFileError("error.file_no_rows", file=str(path))
            dates = [d for d in (kept[1], kept[2], *span) if d]
            period = (min(dates), max(dates)) if dates else None
            imp = LogImport(
                rows_read=n, rows_accepted=n - sum(reasons.values()), rejected_by_reason=reasons,
                first_problems=problems, unknown_products=unknown, columns_dropped=prep.dropped,
                bsn_columns=prep.bsn_cols, period=period,
                encoding=prep.encoding, synthetic=prep.synthetic, rejected_rows=rejected_rows,
            )
            bad = sum(v for k, v in reasons.items() if not k.startswith("duplicate"))
            if bad > max_rejected / 100.0 * n:
                err = InputFileError(
                    "error.too_many_rejected", file=str(path), bad=bad, n=n, pct=round(100.0 * bad / n, 1),
                    limit=max_rejected,
                    problems="; ".join(f"rij {p['row']}, kolom '{p['column']}': '{p['value']}' ({p['reason']})"
                                       for p in problems) or "-",
                )
                err.params["_import"] = imp
                raise err
            overlap = self.con.execute(
                "SELECT filename, json_extract_string(report, '$.period[0]'), "
                "json_extract_string(report, '$.period[1]') FROM sources WHERE kind = ? AND source_id <> ? "
                "AND json_extract_string(report, '$.period[1]') >= ? "
                "AND json_extract_string(report, '$.period[0]') <= ?",
                [kind, sid, imp.period[0] if imp.period else "9999", imp.period[1] if imp.period else "0000"],
            ).fetchall()
            imp.overlaps = [{"file": o[0], "from": o[1], "to": o[2]} for o in overlap]
            report = {
                "period": list(imp.period) if imp.period else None,
                "rejected_by_reason": reasons,
                "columns_dropped": prep.dropped,
                "bsn_columns": prep.bsn_cols,
                "encoding": prep.encoding,
                "mapping": str(mapping.path),
                "overlaps": imp.overlaps,
            }
            self.con.execute(
                "UPDATE sources SET rows_read = ?, rows_accepted = ?, rows_rejected = ?, report = ?, "
                "n_areas = (SELECT count(DISTINCT area_code) FROM events WHERE source_id = ?) WHERE source_id = ?",
                [n, imp.rows_accepted, n - imp.rows_accepted, json.dumps(report, ensure_ascii=False), sid, sid])
            if len(rejected_rows):
                rej = pd.DataFrame({"source_id": sid, "row_number": rejected_rows["rij"].to_numpy(),
                                    "reason": rejected_rows["reden_afwijzing"].to_numpy()})
                self.con.register("_rej", rej)
                self.con.execute("INSERT INTO rejections SELECT source_id, row_number, '', '', reason FROM _rej")
                self.con.unregister("_rej")
            self.con.execute("DROP TABLE IF EXISTS _dups")
            return AddOutcome("added", sid), imp

        try:
            return self._transaction(work)
        finally:
            self.con.execute("RESET disabled_optimizers")
            prep.close(self.con)

    def add_points(self, table: pd.DataFrame, path: Path, sha: str, synthetic: bool) -> AddOutcome:
        """Service points; a newer points file replaces the old one."""
        existing = self._find(sha)
        if existing is not None:
            return AddOutcome("unchanged", existing)
        old = self.con.execute("SELECT source_id FROM sources WHERE kind = 'points'").fetchone()

        def work() -> AddOutcome:
            if old is not None:
                self._delete(int(old[0]))
            self.con.execute("DELETE FROM travel_cache")
            kinds = table["kind"].value_counts().to_dict()
            sid = self._insert_source(path, sha, "points", "Servicepunten", "gemeente", None, len(table), len(table),
                                      0, "punt", len(table), "open", synthetic,
                                      {"kinds": {str(k): int(v) for k, v in kinds.items()},
                                       "outside": table.loc[~table["inside"], "name"].tolist()})
            self.con.register("_pts", table.assign(source_id=sid, point_id=range(1, len(table) + 1)))
            self.con.execute("INSERT INTO points SELECT source_id, point_id, name, kind, x, y, hours_per_week, "
                             "capacity_per_week, annual_cost, inside FROM _pts")
            self.con.unregister("_pts")
            return AddOutcome("replaced" if old is not None else "added", sid, int(old[0]) if old else None)

        return self._transaction(work)

    def points(self) -> pd.DataFrame:
        return self.con.execute("SELECT point_id, name, kind, x, y, hours_per_week, capacity_per_week, annual_cost, "
                                "inside FROM points ORDER BY point_id").df()

    def add_districts(self, table: pd.DataFrame, path: Path, sha: str) -> AddOutcome:
        existing = self._find(sha)
        if existing is not None:
            return AddOutcome("unchanged", existing)
        old = self.con.execute(
            "SELECT source_id FROM sources WHERE kind = 'districts'").fetchone()

        def work() -> AddOutcome:
            if old is not None:
                self._delete(int(old[0]))
            sid = self._insert_source(
                path, sha, "districts", "Indeling in stadsdelen", "gemeente", None, len(table),
                len(table), 0, "district", int(table["district"].nunique()), "open", False,
                {"districts": sorted(table["district"].unique().tolist())},
            )
            self.con.register("_d", table.assign(source_id=sid))
            self.con.execute("INSERT INTO districts SELECT source_id, area_code, district_code, "
                             "district, area_name FROM _d")
            return AddOutcome("replaced" if old is not None else "added", sid,
                              int(old[0]) if old else None)

        return self._transaction(work)

    # -- reading -----------------------------------------------------------------------------

    def sources(self) -> pd.DataFrame:
        return self.con.execute("SELECT * FROM sources ORDER BY source_id").df()

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
            FROM area_values WHERE year = ? AND status = 'ok'
            GROUP BY area_code, variable
            """, [year]).df()
        if long.empty:
            return pd.DataFrame()
        return long.pivot(index="area_code", columns="variable", values="value").astype("float64")

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
        return gpd.GeoDataFrame(df[["area_code", "level"]], geometry=geoms, crs="EPSG:28992")
