"""From base areas to every level: sums over areas, intervals recomputed per level, counter hours by hand."""

from __future__ import annotations

import numpy as np
import pytest

from wijkloket.forecast.chain import Kernel
from wijkloket.forecast.fit import Coefficients
from wijkloket.forecast.levels import Geography, counter_hours, hours, month_label, tidy, unit_band, weeks_in_month
from wijkloket.forecast.model import ProductForecast

FEB_2026, MAR_2026 = 2026 * 12 + 1, 2026 * 12 + 2
Z = 1.645


def _pf(expected: list[list[float]], jack: list[list[list[float]]], region: list[list[list[float]]] | None = None,
        product: str = "passport") -> ProductForecast:
    e = np.array(expected)
    areas, months = e.shape
    history = np.full((areas, 24), 50.0)  # fitted = observed: dispersion 1
    zero = np.zeros_like(e)
    coef = Coefficients(np.ones(areas), np.ones(areas), np.zeros(areas), np.ones(12), np.ones(areas))
    return ProductForecast(product, FEB_2026, e, e * 0.6, e * 0.2, e * 0.1, e * 0.1 + zero, history, history,
                           Kernel(6, 0.5, 12.0), coef, np.array(region if region else np.zeros((0, areas, months))),
                           np.array(jack))


GEO = Geography(["WK1", "WK2"], ["Een", "Twee"], "wijk", ["D1", "D1"], {"D1": "Stadsdeel"}, "GM0001", "Stad")


def test_month_label_weeks_and_counter_hours_by_hand() -> None:
    assert month_label(FEB_2026) == "2026-02"
    assert weeks_in_month(FEB_2026) == 4.0
    # 600 applications x 12 minutes / 60 = 120 hours, over 4 weeks in February 2026: 30 a week
    assert counter_hours(np.array([600.0]), 12, np.array([FEB_2026]))[0] == pytest.approx(30.0)
    assert counter_hours(np.array([600.0]), 12, np.array([MAR_2026]))[0] == pytest.approx(120 / (31 / 7))


def test_interval_by_hand_and_recomputed_per_level() -> None:
    pf = _pf([[60.0], [40.0]], jack=[[[55.0], [35.0]], [[65.0], [45.0]]], region=[[[70.0], [40.0]]])
    city = unit_band(pf, np.array([0, 1]), 1)
    # city: 100; jackknife 90 and 110: (J-1)/J * (100 + 100) = 100; dispersion 1: variance 100 + 100
    assert city.expected[0] == 100.0
    assert city.variance[0] == pytest.approx(200.0)
    low, high = city.bounds(Z)
    assert low[0] == pytest.approx(100 - Z * np.sqrt(200))
    assert high[0] == pytest.approx(110 + Z * np.sqrt(200))  # the timing variant reaches 110
    one = unit_band(pf, np.array([0]), 2)
    assert one.variance[0] == pytest.approx(60 + 0.5 * (25 + 25))
    low_one, _ = one.bounds(Z)
    low_two, _ = unit_band(pf, np.array([1]), 2).bounds(Z)
    assert low[0] > low_one[0] + low_two[0]  # recomputed from the sums, not the sum of the bounds


def test_tidy_sums_over_areas_equal_the_city_and_hours_follow() -> None:
    pf = _pf([[60.0, 30.0], [40.0, 20.0]], jack=[[[55.0, 30.0], [35.0, 20.0]], [[65.0, 30.0], [45.0, 20.0]]])
    t = tidy([pf], GEO, Z, 12.0)
    assert list(dict.fromkeys(t["level"])) == ["gemeente", "district", "wijk"]
    by = t.groupby(["level", "month"])["expected"].sum()
    for month in ("2026-02", "2026-03"):
        assert by[("gemeente", month)] == pytest.approx(by[("wijk", month)])
        assert by[("district", month)] == pytest.approx(by[("wijk", month)])
    city = t[t["level"] == "gemeente"].set_index("month")
    assert city.loc["2026-02", "hours_per_week"] == pytest.approx(100 * 12 / 60 / 4)
    assert (t["low"] <= t["expected"]).all() and (t["expected"] <= t["high"]).all()
    assert city.loc["2026-02", "renewals_before_list"] == pytest.approx(60.0)
    h = hours([pf, _pf([[6.0, 3.0], [4.0, 2.0]], jack=[[[6.0, 3.0], [4.0, 2.0]]] * 2, product="id_card")], GEO, Z, 12.0)
    feb = h[(h["level"] == "gemeente") & (h["month"] == "2026-02")].iloc[0]
    assert feb["applications"] == pytest.approx(110.0)
    assert feb["hours_per_week"] == pytest.approx(110 * 12 / 60 / 4)
    assert feb["hours_low"] < feb["hours_per_week"] < feb["hours_high"]
