"""The R-indicator: equal propensities give 1; two groups worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from wijkloket.survey.representativeness import r_indicator, r_value


def _frame(sizes: dict[str, int], responding: dict[str, int], weight: float = 10.0) -> pd.DataFrame:
    rows = []
    for g, n in sizes.items():
        rows += [{"stratum": g, "age_band": "25-44", "sex": "M", "design_weight": weight,
                  "responded": i < responding[g]} for i in range(n)]
    return pd.DataFrame(rows)


def test_equal_response_gives_one() -> None:
    res = r_indicator(_frame({"Noord": 100, "Zuid": 60}, {"Noord": 30, "Zuid": 18}), reps=50)
    assert res["r"] == pytest.approx(1.0, abs=1e-9)
    assert res["response"] == pytest.approx(0.3)
    assert r_value(np.full(5, 0.4), np.ones(5)) == 1.0


def test_two_groups_by_hand() -> None:
    # Noord: 100 units, 40 respond (rho 0.4); Zuid: 100 units, 20 respond (rho 0.2); all d = 10.
    # N = 2000, rho_bar = 0.3, S^2 = (1000 x 0.01 + 1000 x 0.01) / 1999, R = 1 - 2 S.
    res = r_indicator(_frame({"Noord": 100, "Zuid": 100}, {"Noord": 40, "Zuid": 20}), reps=200, seed=5)
    expected = 1 - 2 * math.sqrt(20 / 1999)
    assert res["r"] == pytest.approx(expected, abs=1e-7)
    assert 0 < res["se"] < 0.2
    assert res["ci_low"] < expected < res["ci_high"]
    again = r_indicator(_frame({"Noord": 100, "Zuid": 100}, {"Noord": 40, "Zuid": 20}), reps=200, seed=5)
    assert again == res  # seeded


def test_variable_without_values_is_left_out() -> None:
    frame = _frame({"Noord": 50, "Zuid": 50}, {"Noord": 25, "Zuid": 10}).assign(sex=None)
    res = r_indicator(frame, reps=20)
    assert res["r"] == pytest.approx(1 - 2 * math.sqrt((500 * 0.15**2 + 500 * 0.15**2) / 999), abs=1e-7)
