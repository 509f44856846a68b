"""Demand points and travel distances and times (question 5).

Demand sits at a representative point inside each area (shapely's `representative_point`, which
always lies inside the polygon, unlike a centroid), or spread over a grid inside the polygon.
Distances are straight lines times a detour factor, or shortest paths over a road network when
one is added (scipy's sparse Dijkstra). Pure functions on arrays and tables.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from wijkloket.errors import ConfigError

MODES = ("walk", "bike", "car", "transit")


@dataclass(frozen=True)
class TravelSettings:
    detour_factor: float
    speeds: dict[str, float]  # km/h
    thresholds: dict[str, float]  # minutes


@lru_cache(maxsize=1)
def default_settings() -> TravelSettings:
    raw = tomllib.loads(resources.files("wijkloket.data").joinpath("access.toml").read_text("utf-8"))
    return TravelSettings(float(raw["detour_factor"]), {k: float(v) for k, v in raw["speeds"].items()},
                          {k: float(v) for k, v in raw["thresholds"].items()})


def settings_with(overrides: dict[str, Any], where: str = "access.toml") -> TravelSettings:
    """The defaults with a workspace's own `access.toml` (`where`) on top (any of its keys). A detour factor
    below 1, a speed or threshold of 0 or less, or a value that is not a finite number is an error naming
    the file, the key and the value."""
    base = default_settings()
    out = TravelSettings(float(overrides.get("detour_factor", base.detour_factor)),
                         {**base.speeds, **{k: float(v) for k, v in overrides.get("speeds", {}).items()}},
                         {**base.thresholds, **{k: float(v) for k, v in overrides.get("thresholds", {}).items()}})
    checks = [("detour_factor", out.detour_factor, 1.0, ">= 1")]
    checks += [(f"speeds.{k}", v, np.nextafter(0, 1), "> 0") for k, v in out.speeds.items()]
    checks += [(f"thresholds.{k}", v, np.nextafter(0, 1), "> 0") for k, v in out.thresholds.items()]
    for key, value, low, allowed in checks:
        if not (np.isfinite(value) and value >= low):
            raise ConfigError("error.access_setting", file=where, key=key, value=f"{value:g}", allowed=allowed)
    return out


def demand_points(geometry: Any, weights: pd.Series, grid_m: float | None = None) -> pd.DataFrame:
    """Demand points: `area_code`, `x`, `y` (RD New, metres) and `weight`.

    One representative point per area, or, with `grid_m`, the centres of a `grid_m` grid inside the
    area with the area's weight spread evenly over them (areas too small for a cell keep one point).
    """
    rows = []
    geo = geometry.set_index("area_code").geometry
    for code, w in weights.items():
        if code not in geo.index or not np.isfinite(w):
            continue
        poly = geo.loc[code]
        pts: list[tuple[float, float]] = []
        if grid_m:
            import shapely

            minx, miny, maxx, maxy = poly.bounds
            xs = np.arange(minx + grid_m / 2, maxx, grid_m)
            ys = np.arange(miny + grid_m / 2, maxy, grid_m)
            if len(xs) and len(ys):
                gx, gy = np.meshgrid(xs, ys)
                cand = shapely.points(gx.ravel(), gy.ravel())
                inside = shapely.contains(poly, cand)
                pts = list(zip(gx.ravel()[inside], gy.ravel()[inside], strict=True))
        if not pts:
            p = poly.representative_point()
            pts = [(p.x, p.y)]
        for x, y in pts:
            rows.append((code, x, y, float(w) / len(pts)))
    return pd.DataFrame(rows, columns=["area_code", "x", "y", "weight"])


def straight_km(ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray) -> np.ndarray:
    """Straight-line distances in km between points in RD New (metres): rows a, columns b."""
    return np.hypot(ax[:, None] - bx[None, :], ay[:, None] - by[None, :]) / 1000.0


def travel_km(ax: np.ndarray, ay: np.ndarray, bx: np.ndarray, by: np.ndarray, detour: float) -> np.ndarray:
    return straight_km(ax, ay, bx, by) * detour


def minutes(km: np.ndarray, speed_kmh: float) -> np.ndarray:
    return km / speed_kmh * 60.0
