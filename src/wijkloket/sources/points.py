"""Service points: desks, library IDO points, community centres, social teams, mobile stops and
candidate sites. CSV (`name,kind` plus `lon,lat` in WGS84 or `x,y` in RD New), GeoJSON or
GeoPackage. No geocoding: a file with addresses only gets a clear message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wijkloket.areas.levels import RD_NEW, WGS84
from wijkloket.errors import InputFileError
from wijkloket.sources.files import check_file, read_csv_text

KINDS = ("desk", "library_ido", "community_centre", "social_team", "mobile_stop", "candidate")
OPTIONAL = ("hours_per_week", "capacity_per_week", "annual_cost")
# The Netherlands in RD New (EPSG:28992) and WGS84, with a margin for border points.
RD_BOUNDS = (-7000.0, 289000.0, 300000.0, 629000.0)
WGS_BOUNDS = (3.2, 50.7, 7.3, 53.7)


@dataclass
class PointsResult:
    table: pd.DataFrame  # name, kind, x, y (RD New), hours_per_week, capacity_per_week, annual_cost, row_number
    rows_read: int
    rejected: list[dict[str, object]] = field(default_factory=list)
    synthetic: bool = False


def _in(bounds: tuple[float, float, float, float], x: pd.Series, y: pd.Series) -> pd.Series:
    return (x >= bounds[0]) & (x <= bounds[2]) & (y >= bounds[1]) & (y <= bounds[3])


def _read_frame(path: Path) -> tuple[pd.DataFrame, int]:
    """All columns as text, x/y in RD New for geodata; and the number of the first data row."""
    if path.suffix.lower() not in (".geojson", ".json", ".gpkg"):
        frame, _ = read_csv_text(path)
        return frame, 2
    import geopandas as gpd

    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # noqa: BLE001 - any GDAL failure means an unreadable file
        raise InputFileError("error.geo_unreadable", file=str(path), detail=str(exc)) from None
    if gdf.crs is None:
        raise InputFileError("error.geo_no_crs", file=str(path))
    gdf = gdf.to_crs(RD_NEW)
    frame = pd.DataFrame(gdf.drop(columns="geometry")).astype(str)
    frame["x"] = gdf.geometry.x.astype(str)
    frame["y"] = gdf.geometry.y.astype(str)
    return frame, 1


def _check_columns(path: Path, frame: pd.DataFrame, cols: dict[str, str]) -> bool:
    """Whether the file has lon/lat (and not x/y); errors for missing names, kinds or coordinates."""
    missing = [c for c in ("name", "kind") if c not in cols]
    if missing:
        raise InputFileError("error.missing_columns", file=str(path), missing=", ".join(missing),
                             found=", ".join(frame.columns), expected="name, kind, lon, lat (of x, y)")
    has_lonlat = "lon" in cols and "lat" in cols
    has_xy = "x" in cols and "y" in cols
    if not (has_lonlat or has_xy):
        address = [c for c in frame.columns if c.strip().lower() in ("adres", "address", "straat", "postcode")]
        key = "error.points_no_coordinates_address" if address else "error.points_no_coordinates"
        raise InputFileError(key, file=str(path), found=", ".join(frame.columns))
    if frame.empty:
        raise InputFileError("error.file_no_rows", file=str(path))
    return has_lonlat and not has_xy


def _coordinates(path: Path, out: pd.DataFrame, num: Callable[[str], pd.Series], lonlat: bool
                 ) -> tuple[pd.Series, pd.Series]:
    """Sets `x`, `y` (RD New, NaN where unusable) on `out`; returns (bad rows, the values as given).
    Swapped lon/lat or x/y is an error."""
    if lonlat:
        lon, lat = num("lon"), num("lat")
        swapped = _in(WGS_BOUNDS, lat, lon) & ~_in(WGS_BOUNDS, lon, lat)
        if swapped.any():
            rows = out.loc[swapped, "row_number"].astype(str).tolist()
            raise InputFileError("error.points_swapped", file=str(path), rows=", ".join(rows[:10]))
        ok = _in(WGS_BOUNDS, lon, lat)
        from pyproj import Transformer

        tr = Transformer.from_crs(WGS84, RD_NEW, always_xy=True)
        x, y = tr.transform(lon.fillna(0).to_numpy(), lat.fillna(0).to_numpy())
        out["x"], out["y"] = np.where(ok, x, np.nan), np.where(ok, y, np.nan)
        return ~ok, lon.astype(str) + ", " + lat.astype(str)
    xs, ys = num("x"), num("y")
    ok = _in(RD_BOUNDS, xs, ys)
    if (~ok).any() and _in(RD_BOUNDS, ys, xs)[~ok].all():
        rows = out.loc[~ok, "row_number"].astype(str).tolist()
        raise InputFileError("error.points_swapped_xy", file=str(path), rows=", ".join(rows[:10]))
    out["x"], out["y"] = xs.where(ok), ys.where(ok)
    return ~ok, xs.astype(str) + ", " + ys.astype(str)


def _check_problems(path: Path, frame: pd.DataFrame, out: pd.DataFrame, bad: pd.Series, values: pd.Series) -> None:
    problems = []
    for i in np.flatnonzero(bad.to_numpy()):
        v = values.iloc[i]
        reason = "no_coordinates" if "nan" in v else "outside_netherlands"
        problems.append({"row": int(out["row_number"].iloc[i]), "name": out["name"].iloc[i], "reason": reason,
                         "value": v})
    unknown = ~out["kind"].isin(KINDS)
    if unknown.any():
        first = out[unknown].iloc[0]
        raise InputFileError("error.points_unknown_kind", file=str(path), row=int(first["row_number"]),
                             kind=first["kind"], known=", ".join(KINDS))
    if problems and all(p["reason"] == "no_coordinates" for p in problems) and len(problems) == len(out):
        raise InputFileError("error.points_no_coordinates", file=str(path), found=", ".join(frame.columns))
    if problems:
        p = problems[0]
        raise InputFileError("error.points_bad_coordinates", file=str(path), row=p["row"], name=p["name"],
                             value=p["value"], n=len(problems))


def read_points(path: Path) -> PointsResult:
    check_file(path)
    frame, first_row = _read_frame(path)
    cols = {c.strip().lower(): c for c in frame.columns}
    lonlat = _check_columns(path, frame, cols)

    def num(col: str) -> pd.Series:
        return pd.to_numeric(frame[cols[col]].astype(str).str.strip().str.replace(",", ".", regex=False),
                             errors="coerce")

    out = pd.DataFrame({"row_number": np.arange(len(frame)) + first_row,
                        "name": frame[cols["name"]].astype(str).str.strip(),
                        "kind": frame[cols["kind"]].astype(str).str.strip().str.lower()})
    bad, values = _coordinates(path, out, num, lonlat)
    _check_problems(path, frame, out, bad, values)
    for c in OPTIONAL:
        out[c] = num(c) if c in cols else np.nan
    synthetic = False
    for c in ("synthetisch", "synthetic"):
        if c in cols:
            synthetic = bool(frame[cols[c]].astype(str).str.lower().isin(["ja", "yes", "true", "1"]).any())
    return PointsResult(out.reset_index(drop=True), len(frame), [], synthetic)
