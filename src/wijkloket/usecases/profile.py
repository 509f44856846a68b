"""District profiles (question 4): every indicator at every level, from the workspace's CBS data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from wijkloket.areas.districts import validate_districts
from wijkloket.areas.levels import gemeente_name
from wijkloket.errors import InputFileError, WorkspaceError
from wijkloket.indicators.profile import ALL_LEVELS, profile
from wijkloket.indicators.registry import Indicator, Registry
from wijkloket.store.workspace import Workspace
from wijkloket.usecases.vintages import indeling_notes


@dataclass
class ProfileResult:
    table: pd.DataFrame
    year: int
    gemeente: str
    gemeente_name: str
    notes: list[tuple[str, dict[str, Any]]]
    districts_from_file: bool
    synthetic: bool = False  # CBS figures: never synthetic, whatever else the workspace holds
    geometry: Any = None  # the year's areas (GeoDataFrame, RD New) for maps and GeoPackages
    districts: pd.DataFrame | None = None  # the district file (None: each wijk its own district)


def latest_year(ws: Workspace) -> int:
    """The newest CBS year with population figures in the workspace."""
    years = ws.years()
    if not years:
        raise WorkspaceError("error.no_cbs_data", folder=str(ws.folder))
    return years[-1]


def workspace_gemeente_name(ws: Workspace) -> str:
    """The municipality's name as CBS spells it (its code when no source names it)."""
    areas = ws.areas(latest_year(ws))
    return gemeente_name(areas["gemeente_name"], ws.gemeente)


def _named_areas(ws: Workspace, year: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """(gemeente rows, wijk and buurt rows with names filled from the district file, districts)."""
    areas = ws.areas(year)
    gm_rows = areas[areas["level"] == "gemeente"]
    sub = areas[areas["level"].isin(["wijk", "buurt"])].copy()
    districts = ws.districts()
    if districts is not None:
        # Check again against this year's areas: the CBS indeling changes from year to year.
        checked = districts.assign(row_number=range(2, len(districts) + 2))
        validate_districts(checked, ws.gemeente, list(sub.index), "districts", year)
        names = districts.set_index("area_code")["area_name"]
        fill = sub["name"].isna() | (sub["name"] == "")
        sub.loc[fill, "name"] = sub.index[fill].map(names)
    sub["name"] = sub["name"].fillna("").where(sub["name"].fillna("") != "", sub.index)
    return gm_rows, sub, districts


def method_text(method: dict[str, Any]) -> str:
    """An estimate's method in one line, for the `estimate` column (PC4 year -> area year: weights, crosswalk)."""
    return (f"PC4 {method.get('pc4_year')} -> {method.get('area_year')}: {method.get('weights')}, "
            f"{method.get('crosswalk')}")


def mark_estimates(table: pd.DataFrame, indicators: list[Indicator], estimates: pd.DataFrame
                   ) -> tuple[pd.DataFrame, list[tuple[str, dict[str, Any]]]]:
    """The profile with an `estimate` column (the method, '' for published figures) and one note per
    source of estimates: an indicator resting on an estimated variable is an estimate at every level."""
    table = table.assign(estimate="")
    notes: list[tuple[str, dict[str, Any]]] = []
    if estimates.empty:
        return table, notes
    methods = {str(r.variable): r.method for r in estimates.itertuples()}
    used: set[str] = set()
    for ind in indicators:
        method = next((methods[v] for v in sorted(ind.variables) if v in methods), None)
        if method:
            text = method_text(method)
            table.loc[table["indicator"] == ind.id, "estimate"] = text
            used.add(text)
    for r in estimates.drop_duplicates("source_id").itertuples():
        m = r.method
        text = method_text(m)
        if text in used:
            notes.append(("note.pc4_estimate", {
                "dataset": str(r.dataset), "pc4_year": str(m.get("pc4_year")), "area_year": str(m.get("area_year")),
                "crosswalk": str(m.get("crosswalk")), "weights": str(m.get("weights")),
                "min_share": f"{100 * float(m.get('min_share') or 0):g}%"}))
    return table, notes


def district_profile(ws: Workspace, registry: Registry, year: int | None = None,
                     levels: tuple[str, ...] = ALL_LEVELS,
                     indicator_ids: list[str] | None = None) -> ProfileResult:
    """Every indicator (or those named) at the requested levels for one CBS year (the newest)."""
    year = year if year is not None else latest_year(ws)
    if year not in ws.years():
        raise InputFileError("error.year_not_in_store", year=year,
                             years=", ".join(map(str, ws.years())) or "-")
    gm_rows, sub, districts = _named_areas(ws, year)
    values = ws.values(year)
    gm_name = gemeente_name(list(gm_rows.get("name", [])) + list(sub["gemeente_name"]), ws.gemeente)
    inds = ([registry.get(i) for i in indicator_ids] if indicator_ids
            else list(registry.indicators.values()))
    table = profile(sub, values, inds, districts, levels, {ws.gemeente: gm_name})
    notes: list[tuple[str, dict[str, Any]]] = []
    if ws.gemeente in values.index and "population" in values.columns:
        published = values.loc[ws.gemeente, "population"]
        summed = table[(table["level"] == "gemeente") & (table["indicator"] == "population")]
        if len(summed) and not np.isnan(published):
            notes.append(("note.population_check", {
                "published": int(published), "summed": int(summed["value"].iloc[0]),
            }))
    table, estimate_notes = mark_estimates(table, inds, ws.estimates(year))
    notes += estimate_notes + indeling_notes(ws, year)  # other years with another wijk indeling
    return ProfileResult(table, year, ws.gemeente, gm_name, notes, districts is not None,
                         geometry=ws.geometry(year), districts=districts)
