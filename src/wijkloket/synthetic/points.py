"""Synthetic service points for a municipality that the published polling-station list (the real
desks, libraries and community centres; see `sources.points`) does not cover, and for tests: a
labelled synthetic list of desks, library IDO points, community centres and social district teams.

`service_points` is a pure function of the wijk geometries and figures; `write_points_csv` writes the
list as a municipality might keep it: WGS84 lon/lat and a `Synthetisch` column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from wijkloket.areas.levels import RD_NEW, WGS84
from wijkloket.config import check_gemeente_code

__all__ = ["COLUMNS", "POINT_KINDS", "RESIDENTS_PER_LIBRARY", "service_points", "write_points_csv"]

POINT_KINDS: dict[str, tuple[float, int, int]] = {
    # kind: hours open per week, capacity per week (visits), annual cost (EUR)
    "desk": (40, 900, 0),
    "library_ido": (30, 60, 25000),
    "community_centre": (40, 200, 0),
    "social_team": (36, 80, 0),
    "candidate": (np.nan, 150, 410000),
}
"""Assumptions per kind. The central desk and the existing places cost nothing extra; an IDO point
about EUR 25,000 a year; a new district desk (a candidate site, hours to be decided) EUR 410,000 a
year, the "over EUR 400,000" of the Haarlem information note 2021/547821."""
RESIDENTS_PER_LIBRARY = 40_000
"""One library IDO point per this many residents, at least one (assumption)."""
COLUMNS = ("name", "kind", "x", "y", "hours_per_week", "capacity_per_week", "annual_cost")
"""Columns of `service_points`; x and y in RD New metres (EPSG:28992)."""
CSV_COLUMNS = ("name", "kind", "lon", "lat", "hours_per_week", "capacity_per_week", "annual_cost", "Synthetisch")


def service_points(geometries: pd.DataFrame, wijken: pd.DataFrame, density: pd.Series, seed: int = 7
                   ) -> pd.DataFrame:
    """Synthetic service points, one row each with COLUMNS (x, y in RD New metres):

    - the central desk ("Stadhuis, balie Burgerzaken") in the densest wijk;
    - library IDO points in the most populous wijken, one per RESIDENTS_PER_LIBRARY residents;
    - a community centre and a social team per district, in its most populous wijk;
    - a candidate site for a district desk in every wijk.

    Each lies near a representative point of its wijk (normal jitter, 50-150 m), inside the wijk.
    `geometries`: a GeoDataFrame in EPSG:28992 indexed by area_code with the wijken of `wijken`.
    `wijken`: indexed by area_code, with `value` (residents), `area_name` and `district`; its order is
    the order of the candidate sites. `density`: residents per km² by area_code. Same input and
    `seed`, same points.
    """
    _check_inputs(geometries, wijken, density)
    rng = np.random.default_rng(seed)

    def at(code: str, jitter: float = 150.0) -> tuple[float, float]:
        """A point within 20 tries of jitter around the wijk's representative point, else that point."""
        shape = geometries.loc[code, "geometry"]
        p = shape.representative_point()
        for _ in range(20):
            x, y = p.x + rng.normal(0, jitter), p.y + rng.normal(0, jitter)
            if shape.contains(shapely.Point(x, y)):
                return x, y
        return p.x, p.y

    rows: list[tuple[object, ...]] = []
    centre = str(density.idxmax())
    rows.append(("Stadhuis, balie Burgerzaken", "desk", *at(centre, 50), *POINT_KINDS["desk"]))
    n_lib = max(1, round(float(wijken["value"].sum()) / RESIDENTS_PER_LIBRARY))
    for code in wijken["value"].sort_values(ascending=False).index[:n_lib]:
        rows.append((f"Bibliotheek {wijken.loc[code, 'area_name']} (IDO)", "library_ido", *at(code),
                     *POINT_KINDS["library_ido"]))
    for district, group in wijken.groupby("district"):
        code = str(group["value"].idxmax())
        rows.append((f"Buurthuis {district}", "community_centre", *at(code), *POINT_KINDS["community_centre"]))
        rows.append((f"Sociaal wijkteam {district}", "social_team", *at(code), *POINT_KINDS["social_team"]))
    for code in wijken.index:
        rows.append((f"Kandidaatlocatie {wijken.loc[code, 'area_name']}", "candidate", *at(code, 80),
                     *POINT_KINDS["candidate"]))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def write_points_csv(points: pd.DataFrame, out_dir: Path, gemeente: str) -> Path:
    """Write `points` (from `service_points`) as `servicepunten_<gemeente>_synthetisch.csv` in `out_dir`:
    CSV_COLUMNS, lon/lat in WGS84 degrees rounded to 6 decimals (~0.1 m), `Synthetisch` = `ja`."""
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(RD_NEW, WGS84, always_xy=True).transform(
        points["x"].to_numpy(), points["y"].to_numpy())
    table = points.drop(columns=["x", "y"]).assign(lon=np.round(lon, 6), lat=np.round(lat, 6), Synthetisch="ja")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"servicepunten_{check_gemeente_code(gemeente)}_synthetisch.csv"
    table[list(CSV_COLUMNS)].to_csv(path, index=False)
    return path


def _check_inputs(geometries: pd.DataFrame, wijken: pd.DataFrame, density: pd.Series) -> None:
    """ValueErrors that name what is missing: columns, wijken without geometry, a CRS other than RD New."""
    missing = {"value", "area_name", "district"} - set(wijken.columns)
    if missing:
        raise ValueError(f"wijken: missing column(s) {sorted(missing)}; expected value, area_name, district")
    crs = getattr(geometries, "crs", None)
    if crs is not None and crs != RD_NEW:
        raise ValueError(f"geometries: expected {RD_NEW} (RD New, metres), got {crs}")
    if wijken.empty or density.dropna().empty:
        raise ValueError("wijken: no wijk with residents and a density")
    without = [c for c in dict.fromkeys([*wijken.index, density.idxmax()]) if c not in geometries.index]
    if without:
        raise ValueError(f"geometries: no geometry for {without[:5]}")
