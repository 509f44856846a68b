"""Accessibility summaries on a hand-worked example (weighted means and shares from summed weights)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wijkloket.access.summary import point_weights, summarise
from wijkloket.plan.coverage import coverage_table


def test_nearest_minutes_km_and_share_within() -> None:
    points = pd.DataFrame({"kind": ["desk", "community_centre"], "hours_per_week": [40.0, np.nan]})
    minutes = np.array([[10.0, 3.0], [20.0, 8.0]])
    km = np.array([[2.0, 0.5], [4.0, 1.5]])
    weights = {"population": np.array([100.0, 300.0])}
    keys = {"gemeente": np.array(["GM9999", "GM9999"], dtype=object), "wijk": np.array(["WK1", "WK2"])}
    table, near = summarise(points, minutes, km, weights, keys, threshold=15.0)
    gm = table[(table["level"] == "gemeente") & (table["kind"] == "desk")].set_index("indicator")["value"]
    assert gm["minutes"] == pytest.approx((100 * 10 + 300 * 20) / 400)  # 17.5
    assert gm["km"] == pytest.approx((100 * 2 + 300 * 4) / 400)  # 3.5
    assert gm["share_within"] == pytest.approx(25.0)  # only the 100 at 10 minutes
    wk2 = table[(table["area_code"] == "WK2") & (table["kind"] == "community_centre")].set_index("indicator")
    assert wk2.loc["minutes", "value"] == pytest.approx(8.0)
    assert list(near["desk"]) == [10.0, 20.0]
    # E2SFCA: one desk, 40 h for 100 residents at 10 min (zone 2, weight 0.68) and 300 beyond 15 min:
    # R = 40 / (100 x 0.68); A(first point) = R x 0.68 = 0.4 h per resident -> 400 per 1000
    e = table[(table["indicator"] == "e2sfca_per_1000") & (table["area_code"] == "WK1")]["value"]
    assert e.iloc[0] == pytest.approx(400.0)


def test_point_weights_spread_like_population() -> None:
    demand = pd.DataFrame({"area_code": ["A", "A", "B"], "weight": [30.0, 10.0, 5.0]})
    areas = pd.DataFrame({"population": [40.0, 5.0], "share_age_65_plus": [8.0, 1.0]}, index=["A", "B"])
    w = point_weights(demand, areas)
    assert list(w["share_age_65_plus"]) == pytest.approx([6.0, 2.0, 1.0])


def test_coverage_table_per_district_and_city() -> None:
    codes = pd.Series(["WK1", "WK2", "WK3"])
    districts = pd.Series({"WK1": "Noord", "WK2": "Noord"})  # WK3 has no district: its own
    out = coverage_table(codes, districts, "Stad", np.array([10.0, 20.0, 30.0]), np.array([1.0, 3.0, 1.0]), 15.0)
    by = out.set_index("area")
    assert by.loc["Noord", "mean_minutes"] == pytest.approx((10 + 60) / 4)
    assert by.loc["Noord", "share_within"] == pytest.approx(25.0)
    assert by.loc["WK3", "mean_minutes"] == pytest.approx(30.0)
    assert by.loc["Stad", "mean_minutes"] == pytest.approx((10 + 60 + 30) / 5)
    assert by.loc["Stad", "level"] == "gemeente"
