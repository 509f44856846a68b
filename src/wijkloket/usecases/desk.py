"""Desk use and issuances by origin (questions 2 and 3), with disclosure control applied."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from wijkloket.areas.levels import finest_level, gemeente_name
from wijkloket.errors import WorkspaceError
from wijkloket.indicators.desk import Geography, desk_indicators, population_by_band
from wijkloket.indicators.profile import default_districts
from wijkloket.store.workspace import Workspace
from wijkloket.usecases.profile import latest_year


@dataclass
class DeskResult:
    table: pd.DataFrame
    kind: str
    years: list[int]
    population_year: int
    unmatched: float
    synthetic: bool
    threshold: int
    share_split: float = 0.0  # share of events allocated over several areas by address shares
    share_pc4: float = 0.0  # share of events matched on their PC4 only
    geometry: Any = None  # the areas of the population year (GeoDataFrame, RD New)
    districts: pd.DataFrame | None = None


def desk_geography(ws: Workspace, year: int) -> tuple[Geography, pd.DataFrame | None, pd.Series]:
    """The base areas of the desk tables (the finest CBS level of `year`, names filled from the
    district file), their districts (each wijk its own without a file) and the municipality; the
    district file itself (or None); and the district file's area names (for areas CBS leaves unnamed)."""
    areas = ws.areas(year)
    sub = areas[areas["level"].isin(["wijk", "buurt"])]
    sub = sub[sub["level"] == finest_level(sub["level"])].copy()
    own = ws.districts()
    districts = own if own is not None else default_districts(sub)
    names = districts.set_index("area_code")["area_name"] if "area_name" in districts else pd.Series(dtype=str)
    fill = sub["name"].isna() | (sub["name"] == "")
    sub.loc[fill, "name"] = sub.index[fill].map(lambda c: names.get(c) or c)
    return Geography(sub, districts, ws.gemeente, gemeente_name(sub["gemeente_name"], ws.gemeente)), own, names


def desk_use(ws: Workspace, kind: str, min_count: int = 10) -> DeskResult:
    """Visits (`kind="visit"`) or issued documents (`"issuance"`) per area, product, year and age
    band, per 1000 residents of the newest CBS year, every count below `min_count` suppressed."""
    events = ws.event_counts(kind)
    if events.empty:
        raise WorkspaceError("error.no_events_" + kind, folder=str(ws.folder))
    pop_year = latest_year(ws)
    geo, own, _ = desk_geography(ws, pop_year)
    residents = population_by_band(ws.values(pop_year).reindex(geo.areas.index))
    table, summary = desk_indicators(events, geo, residents, kind, min_count)
    total, split, pc4 = ws.event_allocation(kind)
    return DeskResult(table, kind, sorted(int(y) for y in events["year"].unique()), pop_year,
                      summary["unmatched"], ws.is_synthetic((kind, "postcodes")), min_count,
                      share_split=split / total if total else 0.0, share_pc4=pc4 / total if total else 0.0,
                      geometry=ws.geometry(pop_year), districts=own)
