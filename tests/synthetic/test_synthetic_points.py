"""Synthetic service points: a hand-made two-wijk case, and Haarlem against the golden file made from
`core.simulate_points` before it moved (tests/fixtures/golden/synthetic_points_GM0392.csv).

The Haarlem inputs are read straight from the shared public files (the CBS Wijk- en buurtkaart 2024 and
the derived stadsdelen), not through a workspace: the same geometries, residents and names give the
same points.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from wijkloket.synthetic.points import CSV_COLUMNS, service_points, write_points_csv

GOLDEN = Path(__file__).parents[1] / "fixtures" / "golden" / "synthetic_points_GM0392.csv"


def squares() -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.Series]:
    """Two 1 km squares east of the RD New origin (Amersfoort, 155000 463000)."""
    geo = gpd.GeoDataFrame(
        {"geometry": [shapely.box(155_000, 463_000, 156_000, 464_000),
                      shapely.box(156_000, 463_000, 157_000, 464_000)]},
        index=pd.Index(["WK999901", "WK999902"], name="area_code"), crs="EPSG:28992")
    wijken = pd.DataFrame({"value": [30_000.0, 20_000.0], "area_name": ["Aan de Beek", "Bij de Molen"],
                           "district": ["Noord", "Noord"]}, index=geo.index)
    density = pd.Series([100.0, 5_000.0], index=geo.index)
    return geo, wijken, density


def test_two_squares_by_hand() -> None:
    geo, wijken, density = squares()
    points = service_points(geo, wijken, density, seed=1)
    # 1 desk, round(50000 / 40000) = 1 library, 1 community centre and 1 social team for the one district,
    # a candidate per wijk: 6 points.
    assert points["name"].tolist() == [
        "Stadhuis, balie Burgerzaken", "Bibliotheek Aan de Beek (IDO)", "Buurthuis Noord", "Sociaal wijkteam Noord",
        "Kandidaatlocatie Aan de Beek", "Kandidaatlocatie Bij de Molen"]
    assert points["kind"].tolist() == ["desk", "library_ido", "community_centre", "social_team", "candidate",
                                       "candidate"]
    # The desk in the densest wijk (WK999902, x 156-157 km), everything else in the most populous one (WK999901).
    home = ["WK999902", "WK999901", "WK999901", "WK999901", "WK999901", "WK999902"]
    for (x, y), code in zip(points[["x", "y"]].to_numpy(), home, strict=True):
        assert geo.loc[code, "geometry"].contains(shapely.Point(x, y))
    assert points["annual_cost"].tolist() == [0, 25_000, 0, 0, 410_000, 410_000]
    assert points["hours_per_week"].iloc[:4].tolist() == [40.0, 30.0, 40.0, 36.0]
    assert points["hours_per_week"].iloc[4:].isna().all()
    assert points["capacity_per_week"].tolist() == [900, 60, 200, 80, 150, 150]


def test_same_seed_same_points() -> None:
    geo, wijken, density = squares()
    a = service_points(geo, wijken, density, seed=5)
    pd.testing.assert_frame_equal(a, service_points(geo, wijken, density, seed=5))
    assert not np.allclose(a["x"], service_points(geo, wijken, density, seed=6)["x"])


def test_csv_in_wgs84(tmp_path: Path) -> None:
    geo, wijken, density = squares()
    points = service_points(geo, wijken, density, seed=1)
    path = write_points_csv(points, tmp_path / "out", "GM9999")
    assert path.name == "servicepunten_GM9999_synthetisch.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text("utf-8"))))
    assert tuple(rows[0]) == CSV_COLUMNS and {r["Synthetisch"] for r in rows} == {"ja"}
    # The RD New origin 155000 463000 is 5.387206 E 52.155174 N in ETRS89 (Amersfoort, the OLV tower;
    # RDNAPTRANS); pyproj without its correction grid agrees within a metre (1e-5 degrees). The squares
    # lie just east of it, between 5.38 and 5.42 E.
    origin = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True).transform(155_000, 463_000)
    assert origin == pytest.approx((5.387206, 52.155174), abs=1e-5)
    lon = np.array([float(r["lon"]) for r in rows])
    lat = np.array([float(r["lat"]) for r in rows])
    assert ((5.38 < lon) & (lon < 5.42) & (52.15 < lat) & (lat < 52.17)).all()
    back = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True).transform(lon, lat)
    assert np.abs(back[0] - points["x"].to_numpy()).max() < 0.2 and np.abs(back[1] - points["y"]).max() < 0.2


def test_inputs_are_checked() -> None:
    geo, wijken, density = squares()
    with pytest.raises(ValueError, match=r"missing column\(s\) \['district'\]"):
        service_points(geo, wijken.drop(columns="district"), density)
    with pytest.raises(ValueError, match="expected EPSG:28992"):
        service_points(geo.to_crs("EPSG:4326"), wijken, density)
    with pytest.raises(ValueError, match=r"no geometry for \['WK999902'\]"):
        service_points(geo.iloc[:1], wijken, density)


@pytest.fixture(scope="module")
def haarlem(data_dir: Path) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.Series]:
    kaart = gpd.read_file(data_dir / "cbs" / "wijkenbuurten2024_wijken_haarlem_haarlemmermeer.gpkg")
    kaart = kaart[kaart["gemeentecode"] == "GM0392"].sort_values("wijkcode").set_index("wijkcode")
    kaart.index.name = "area_code"
    districts = pd.read_csv(data_dir / "haarlem" / "stadsdelen_2024.csv").set_index("area_code")["district"]
    wijken = pd.DataFrame({"value": kaart["aantalInwoners"].astype(float), "area_name": kaart["wijknaam"],
                           "district": districts.reindex(kaart.index)})
    return kaart[["geometry"]], wijken, kaart["bevolkingsdichtheidInwonersPerKm2"].astype(float)


@pytest.fixture(scope="module")
def data_dir() -> Path:
    from wijkloket.config import data_dir

    path = data_dir()
    assert (path / "cbs").is_dir(), f"real data not found at {path}; set WIJKLOKET_DATA"
    return path


def test_haarlem_matches_the_golden_file(haarlem: tuple[gpd.GeoDataFrame, pd.DataFrame, pd.Series],
                                         tmp_path: Path) -> None:
    path = write_points_csv(service_points(*haarlem, seed=7), tmp_path, "GM0392")
    assert path.read_bytes() == GOLDEN.read_bytes()


def test_haarlem_by_hand(haarlem: tuple[gpd.GeoDataFrame, pd.DataFrame, pd.Series]) -> None:
    geo, wijken, _ = haarlem
    points = service_points(*haarlem, seed=7)
    # 167,635 residents: round(4.19) = 4 libraries; 5 districts; 21 wijken: 1 + 4 + 2 * 5 + 21 = 36 points.
    assert wijken["value"].sum() == 167_635
    assert points["kind"].value_counts().to_dict() == {
        "candidate": 21, "community_centre": 5, "social_team": 5, "library_ido": 4, "desk": 1}
    # The four most populous wijken: Oude Stad 14,745, Ter Kleefkwartier 13,500, Haarlemmerhoutkwartier
    # 13,090, Europawijk 9,920.
    assert points.loc[points["kind"] == "library_ido", "name"].tolist() == [
        "Bibliotheek Oude Stad (IDO)", "Bibliotheek Ter Kleefkwartier (IDO)",
        "Bibliotheek Haarlemmerhoutkwartier (IDO)", "Bibliotheek Europawijk (IDO)"]
    # Each point in its wijk: the desk in the densest (Transvaalwijk, 13,697 per km²), a district's centre
    # in its most populous wijk (Centrum: Oude Stad; Noord: Ter Kleefkwartier; Oost: Amsterdamsewijk 8,215;
    # Schalkwijk: Europawijk; Zuid-West: Haarlemmerhoutkwartier), a candidate in every wijk.
    home = {"Stadhuis, balie Burgerzaken": "WK039210", "Buurthuis Centrum": "WK039201",
            "Buurthuis Noord": "WK039212", "Buurthuis Oost": "WK039207", "Buurthuis Schalkwijk": "WK039218",
            "Buurthuis Zuid-West": "WK039202", "Sociaal wijkteam Oost": "WK039207"}
    home |= {f"Kandidaatlocatie {n}": c for c, n in wijken["area_name"].items()}
    for name, code in home.items():
        x, y = points.loc[points["name"] == name, ["x", "y"]].iloc[0]
        assert geo.loc[code, "geometry"].contains(shapely.Point(x, y)), name
