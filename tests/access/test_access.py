"""Service points, travel times and accessibility: expected values computed independently (shapely,
pyproj) and the 2SFCA/E2SFCA checked against PySAL `access` on the same inputs."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from wijkloket.access.measures import e2sfca, two_sfca

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def ws_points(haarlem_ws: Path, fixtures: Path, cli: Cli) -> Path:
    code, out, err = cli("add", "points", fixtures / "points_haarlem.csv", "-w", haarlem_ws)
    assert code == 0, err
    assert "Bibliotheek Heemstede" in out  # outside the municipality: reported, and kept
    return haarlem_ws


def test_minutes_to_the_desk_by_hand(ws_points: Path, data: Path, cli: Cli) -> None:
    code, out, err = cli("access", "--level", "wijk", "--mode", "bike", "--format", "csv", "-w", ws_points)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    got = {(r["area_code"], r["group"], r["kind"], r["indicator"]): float(r["value"]) for r in rows}
    # Independently: the representative point of Schalkwijk's Europawijk (WK039218) in the CBS
    # GeoPackage, the desk's lon/lat projected with pyproj, straight line x 1.3 at 15 km/h.
    import geopandas as gpd

    gdf = gpd.read_file(data / "cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer.gpkg").set_index("wijkcode")
    p = gdf.loc["WK039218", "geometry"].representative_point()
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True).transform(4.6365, 52.3812)
    expected = np.hypot(p.x - x, p.y - y) / 1000 * 1.3 / 15 * 60
    assert got[("WK039218", "population", "desk", "minutes")] == pytest.approx(expected, rel=1e-6)
    assert got[("WK039218", "population", "desk", "share_within")] == (100.0 if expected <= 15 else 0.0)
    # Walking is slower: 4.5 km/h.
    code, out, _ = cli("access", "--level", "wijk", "--mode", "walk", "--format", "csv", "-w", ws_points)
    walk = {(r["area_code"], r["kind"], r["indicator"]): float(r["value"]) for r in csv.DictReader(io.StringIO(out))
            if r["group"] == "population"}
    assert walk[("WK039218", "desk", "minutes")] == pytest.approx(expected * 15 / 4.5, rel=1e-6)


def test_district_is_the_weighted_mean_of_its_wijken(ws_points: Path, cli: Cli) -> None:
    code, out, _ = cli("access", "--level", "all", "--format", "csv", "-w", ws_points)
    rows = [r for r in csv.DictReader(io.StringIO(out)) if r["kind"] == "desk" and r["indicator"] == "minutes"
            and r["group"] == "population"]
    wijk = [r for r in rows if r["level"] == "wijk" and r["district"] == "Schalkwijk"]
    dist = next(r for r in rows if r["level"] == "district" and r["area_name"] == "Schalkwijk")
    w = np.array([float(r["weight"]) for r in wijk])
    m = np.array([float(r["value"]) for r in wijk])
    assert float(dist["value"]) == pytest.approx(float(np.sum(w * m) / np.sum(w)))


def test_table_and_outputs(ws_points: Path, tmp_path: Path, cli: Cli) -> None:
    code, out, _ = cli("access", "-w", ws_points)
    assert code == 0 and "Schalkwijk" in out and "hemelsbreed" in out
    gpkg = tmp_path / "a.gpkg"
    assert cli("access", "--format", "gpkg", "-o", gpkg, "-w", ws_points)[0] == 0
    import pyogrio

    layers = {str(n) for n, *_ in pyogrio.list_layers(gpkg)}
    assert {"points", "wijk_access", "to_nearest_desk"} <= layers


def _pysal(cost: np.ndarray, demand: np.ndarray, supply: np.ndarray, max_cost: float,
           steps: dict[float, float] | None) -> np.ndarray:
    from access import Access, weights

    dem = pd.DataFrame({"id": np.arange(len(demand)), "pop": demand}).set_index("id")
    sup = pd.DataFrame({"id": np.arange(100, 100 + len(supply)), "cap": supply}).set_index("id")
    i, j = np.indices(cost.shape)
    cdf = pd.DataFrame({"origin": i.ravel(), "dest": j.ravel() + 100, "cost": cost.ravel()})
    acc = Access(demand_df=dem, demand_value="pop", supply_df=sup, supply_value="cap", cost_df=cdf,
                 cost_origin="origin", cost_dest="dest", cost_name="cost")
    if steps is None:
        res = acc.two_stage_fca(name="x", max_cost=max_cost)
    else:
        res = acc.enhanced_two_stage_fca(name="x", max_cost=max_cost, weight_fn=weights.step_fn(steps))
    return res.iloc[:, 0].reindex(np.arange(len(demand))).fillna(0.0).to_numpy()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_2sfca_and_e2sfca_match_pysal_access(seed: int) -> None:
    rng = np.random.default_rng(seed)
    cost = rng.uniform(0, 40, size=(30, 6))
    demand = rng.integers(50, 5000, size=30).astype(float)
    supply = rng.integers(1, 40, size=6).astype(float)
    np.testing.assert_allclose(two_sfca(cost, demand, supply, 20.0),
                               _pysal(cost, demand, supply, 20.0, None), rtol=1e-9)
    ours = e2sfca(cost, demand, supply, [10.0, 20.0, 30.0], [1.0, 0.68, 0.22])
    theirs = _pysal(cost, demand, supply, 30.0, {10: 1.0, 20: 0.68, 30: 0.22})
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)


def test_representative_points_lie_inside(data: Path) -> None:
    import geopandas as gpd

    from wijkloket.access.distance import demand_points

    gdf = gpd.read_file(data / "cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer.gpkg")
    gdf = gdf.rename(columns={"wijkcode": "area_code"})[["area_code", "geometry"]]
    w = pd.Series(1000.0, index=gdf["area_code"])
    pts = demand_points(gdf, w)
    poly = gdf.set_index("area_code").geometry
    assert all(poly.loc[r.area_code].contains(shapely.Point(r.x, r.y)) for r in pts.itertuples())
    grid = demand_points(gdf, w, grid_m=250)
    assert len(grid) > len(pts)
    assert grid.groupby("area_code")["weight"].sum().round(6).eq(1000.0).all()
