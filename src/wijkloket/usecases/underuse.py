"""Which areas use the desk significantly less than expected, for which products: observed against
age-standardised expected visits and issuances (`indicators.underuse`), on the same published counts
as the desk tables (`usecases.desk`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from wijkloket.errors import WorkspaceError
from wijkloket.indicators.desk import Geography, population_by_band
from wijkloket.indicators.underuse import (
    COLUMNS,
    city_events,
    funnel_curves,
    hierarchy,
    published_counts,
    underuse_table,
)
from wijkloket.store.workspace import Workspace
from wijkloket.usecases.desk import DeskResult, desk_geography

NON_DUTCH_VARIABLE = "pct_non_dutch_nationality"
"""Canonical variable (per cent of residents without Dutch nationality) used when a source provides it;
no CBS column is mapped to it yet (`data/variables.csv`), so today it comes only from the caller."""


@dataclass
class UnderuseResult:
    """The tidy table (`indicators.underuse.COLUMNS`) and what a reader needs beside it."""

    table: pd.DataFrame
    kinds: list[str]
    years: list[int]
    population_year: int
    threshold: int
    synthetic: bool
    levels: list[str]  # finest first, e.g. ["wijk", "district"]
    nationality: bool  # a share of residents without Dutch nationality went into the expectation
    unknown_age: dict[str, float] = field(default_factory=dict)  # per kind: share of events without age band
    funnel: pd.DataFrame = field(default_factory=pd.DataFrame)  # control limits (`funnel_curves`)
    geometry: Any = None
    districts: pd.DataFrame | None = None


def _geography(ws: Workspace, year: int) -> tuple[Geography, pd.Series]:
    """The base areas, districts and names the desk tables use (`usecases.desk.desk_use`), and the names
    of the wijken (for a buurt workspace)."""
    areas = ws.areas(year)
    geo, _, names = desk_geography(ws, year)
    wijken = areas.loc[areas["level"] == "wijk", "name"]
    return geo, wijken.fillna(pd.Series(names)).dropna()


def non_dutch_shares(values: pd.DataFrame) -> pd.Series | None:
    """Share (0-1) of residents without Dutch nationality per area, where the workspace has it."""
    if NON_DUTCH_VARIABLE not in values or values[NON_DUTCH_VARIABLE].isna().all():
        return None
    return values[NON_DUTCH_VARIABLE] / 100.0


def underuse(ws: Workspace, desks: Mapping[str, DeskResult], min_count: int = 10,
             non_dutch: pd.Series | None = None) -> UnderuseResult:
    """Under-use per area, product and year for each kind in `desks` (the desk tables of visits and/or
    issuances with the same `min_count`), on the residents of the desk tables' population year.
    `non_dutch`: share (0-1) of residents without Dutch nationality per base area; by default the
    workspace's `pct_non_dutch_nationality` where it has one, else none."""
    if not desks:
        raise WorkspaceError("error.no_events_visit", folder=str(ws.folder))
    first = next(iter(desks.values()))
    pop_year = first.population_year
    geo, wijk_names = _geography(ws, pop_year)
    values = ws.values(pop_year)
    residents = population_by_band(values.reindex(geo.areas.index))
    shares = non_dutch if non_dutch is not None else non_dutch_shares(values)
    areas = hierarchy(geo, wijk_names)
    tables, unknown = [], {}
    for kind, desk in desks.items():
        city, unknown[kind] = city_events(ws.event_counts(kind), geo, kind)
        tables.append(underuse_table(kind, city, residents, published_counts(desk.table, kind), areas,
                                     min_count, shares, desk.synthetic))
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=COLUMNS)
    levels = [lv for lv in ("buurt", "wijk", "district") if (table["level"] == lv).any()]
    years = sorted({int(y) for d in desks.values() for y in d.years})
    return UnderuseResult(table, list(desks), years, pop_year, min_count,
                          any(d.synthetic for d in desks.values()), levels,
                          bool(table["nationality_adjusted"].any()) if len(table) else False,
                          unknown, funnel_curves(table["expected"]), first.geometry, first.districts)
