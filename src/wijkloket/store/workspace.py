"""The workspace store: one DuckDB file holding every source added, its areas, values,
geometries and rejected rows, plus the district file. Adding is all-or-nothing (one transaction).
"""

from __future__ import annotations

import json
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
        self.settings = load_settings(folder)
        try:
            self.con = duckdb.connect(str(folder / STORE_FILE), read_only=read_only)
        except duckdb.Error as exc:
            raise WorkspaceError("error.store_unusable", folder=str(folder), detail=str(exc)) from None
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
        for table in ("areas", "area_values", "geometries", "districts", "rejections", "sources"):
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
