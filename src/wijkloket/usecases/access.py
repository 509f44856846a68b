"""Support points and accessibility (question 5): travel time per area and group to the nearest
point of each kind, the share within T minutes and E2SFCA scores."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from wijkloket.access.distance import MODES, TravelSettings, demand_points, minutes, settings_with, travel_km
from wijkloket.access.summary import group_weights, point_weights, summarise
from wijkloket.areas.levels import finest_level
from wijkloket.errors import WijkloketError, WorkspaceError
from wijkloket.indicators.registry import Registry
from wijkloket.store import travel_cache
from wijkloket.store.workspace import Workspace
from wijkloket.usecases.profile import ProfileResult


@dataclass
class AccessResult:
    table: pd.DataFrame  # level, area_code, area_name, district, group, kind, indicator, value
    points: pd.DataFrame
    demand: pd.DataFrame  # demand points with area_code, x, y, weight (population)
    minutes: np.ndarray  # demand points x points
    nearest: dict[str, np.ndarray]  # kind -> minutes to the nearest point per demand point
    mode: str
    threshold: float
    settings: TravelSettings
    method: str
    synthetic: bool
    geometry: Any = None  # the areas (GeoDataFrame, RD New) the demand points lie in
    districts: pd.DataFrame | None = None


def travel_settings(ws: Workspace) -> TravelSettings:
    """Travel assumptions: the built-in ones, with the workspace's own `access.toml` on top."""
    own = ws.folder / "access.toml"
    if not own.exists():
        return settings_with({})
    try:
        return settings_with(tomllib.loads(own.read_text("utf-8")), str(own))
    except (tomllib.TOMLDecodeError, ValueError, TypeError) as exc:
        raise WijkloketError("error.toml_invalid", file=str(own), detail=str(exc)) from None


def travel_matrix_km(ws: Workspace, demand: pd.DataFrame, pts: pd.DataFrame, detour: float) -> np.ndarray:
    """Travel km demand x points: over the road network when one is added, else straight line x
    detour. Computed once per set of inputs and kept in the workspace's cache folder."""
    has_network = ws.has_network()
    key = hashlib.sha256(
        demand[["x", "y"]].round(1).to_numpy().tobytes() + pts[["x", "y"]].round(1).to_numpy().tobytes()
        + f"{detour}|{has_network}".encode()).hexdigest()
    cached = travel_cache.load(ws.folder, key)
    if cached is not None and cached.shape == (len(demand), len(pts)):
        return cached
    if has_network:
        from wijkloket.access.network import network_km

        nodes, edges = ws.network()
        m = network_km(nodes, edges, demand[["x", "y"]].to_numpy(), pts[["x", "y"]].to_numpy(),
                       list(pts["name"]), list(demand["area_code"]))
    else:
        m = travel_km(demand["x"].to_numpy(), demand["y"].to_numpy(), pts["x"].to_numpy(), pts["y"].to_numpy(),
                      detour)
    travel_cache.save(ws.folder, key, m)
    return m


def default_groups(prof: ProfileResult, registry: Registry) -> list[str]:
    """Residents, and every key target group with figures that counts residents."""
    have = set(prof.table.loc[prof.table["value"].notna(), "indicator"])
    return ["population"] + [i.id for i in registry.indicators.values()
                             if i.key and i.kind in ("share", "rate") and i.id in have and i.base == "population"]


def accessibility(ws: Workspace, registry: Registry, prof: ProfileResult, mode: str = "bike",
                  threshold: float | None = None, groups: list[str] | None = None,
                  grid_m: float | None = None) -> AccessResult:
    """Accessibility per area and group for the profile `prof` (see `Analysis.access`)."""
    settings = travel_settings(ws)
    if mode not in MODES:
        raise WijkloketError("error.unknown_mode", mode=mode, known=", ".join(MODES))
    threshold = float(threshold if threshold is not None else settings.thresholds[mode])
    pts = ws.points()
    if pts.empty:
        raise WorkspaceError("error.no_points", folder=str(ws.folder))
    t = prof.table
    base_level = finest_level(t["level"])
    geo = ws.geometry(prof.year)
    if geo is None:
        raise WijkloketError("error.no_geometry", year=prof.year)
    groups = groups or default_groups(prof, registry)
    weights = group_weights(t, registry, base_level, groups)
    demand = demand_points(geo[geo["level"] == base_level], weights["population"], grid_m)
    km = travel_matrix_km(ws, demand, pts, settings.detour_factor)
    mins = minutes(km, settings.speeds[mode])
    own = ws.districts()
    if own is None:
        own = pd.DataFrame({"area_code": weights.index, "district_code": weights.index, "district": weights.index})
    dmap = own.set_index("area_code")
    keys = {"district": demand["area_code"].map(dmap["district_code"]).to_numpy(),
            base_level: demand["area_code"].to_numpy(), "gemeente": np.full(len(demand), ws.gemeente, dtype=object)}
    out, near = summarise(pts, mins, km, point_weights(demand, weights), keys, threshold)
    names = t[t["level"].isin([base_level, "district", "gemeente"])].drop_duplicates("area_code").set_index(
        "area_code")["area_name"]
    out["area_name"] = out["area_code"].map(names).fillna(out["area_code"])
    out["district"] = out["area_code"].map(dmap["district"]) if base_level == "wijk" else None
    method = "network" if ws.has_network() else "straight"
    return AccessResult(out, pts, demand, mins, near, mode, threshold, settings, method,
                        ws.is_synthetic(("points",)), geometry=geo, districts=ws.districts())
