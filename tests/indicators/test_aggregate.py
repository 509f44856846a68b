"""Aggregation on a tiny hand-made municipality (tests/fixtures/tiny_kwb_2018.csv), with every
expected value worked out by hand in the comments, and property tests on random tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wijkloket.areas.districts import read_district_file, validate_districts
from wijkloket.indicators.aggregate import aggregate
from wijkloket.indicators.profile import profile
from wijkloket.indicators.registry import Indicator, default_registry
from wijkloket.sources.cbs import read_cbs

REG = default_registry()


def _tiny(fixtures: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    res = read_cbs(fixtures / "tiny_kwb_2018.csv", "GM9999", REG)
    areas = res.areas.set_index("area_code")
    values = res.values.pivot(index="area_code", columns="variable", values="value")
    return areas[areas["level"] != "gemeente"], values


def _value(table: pd.DataFrame, level: str, code: str, ind: str, col: str = "value") -> float:
    row = table[(table["level"] == level) & (table["area_code"] == code)
                & (table["indicator"] == ind)]
    assert len(row) == 1, (level, code, ind)
    return float(row[col].iloc[0])


def _district_code(table: pd.DataFrame, name: str) -> str:
    return str(table[(table["level"] == "district") & (table["area_name"] == name)]
               ["area_code"].iloc[0])


def test_tiny_wijk_districts_by_hand(fixtures: Path) -> None:
    areas, values = _tiny(fixtures)
    d = validate_districts(read_district_file(fixtures / "tiny_districts_wijk.csv"), "GM9999",
                           areas.index, "tiny", 2018)
    inds = [REG.get(i) for i in ("population", "share_age_65_plus", "social_assistance_per_1000",
                                 "share_single_person_households", "density")]
    t = profile(areas, values, inds, d, gemeente_names={"GM9999": "Testdorp"})
    noord, zuid = _district_code(t, "Noord"), _district_code(t, "Zuid")
    # Districts are summed from the wijk rows: Noord = WK999901, Zuid = WK999902.
    assert _value(t, "district", noord, "population") == 600
    assert _value(t, "district", noord, "share_age_65_plus") == pytest.approx(60 / 600 * 100)
    assert _value(t, "district", zuid, "share_age_65_plus") == pytest.approx(90 / 400 * 100)
    # City: (60 + 90) / (600 + 400) = 15 %; Zuid's index = 22.5 / 15 * 100 = 150.
    assert _value(t, "gemeente", "GM9999", "share_age_65_plus") == pytest.approx(15.0)
    assert _value(t, "district", zuid, "share_age_65_plus", "index_city") == pytest.approx(150.0)
    # Single-person households: (100 + 100) / (300 + 200) = 40 %.
    assert _value(t, "gemeente", "GM9999", "share_single_person_households") == pytest.approx(40)
    # Density: 1000 inhabitants on 40 + 60 = 100 ha = 1 km2 -> 1000 per km2.
    assert _value(t, "gemeente", "GM9999", "density") == pytest.approx(1000.0)
    # Social assistance is -99995 for WK999902: the city figure rests on Noord only,
    # 20 / 600 * 1000 = 33.3 per 1000, covering 600 of 1000 inhabitants (flagged, < 90 %).
    assert _value(t, "gemeente", "GM9999", "social_assistance_per_1000") == pytest.approx(
        20 / 600 * 1000)
    assert _value(t, "gemeente", "GM9999", "social_assistance_per_1000", "coverage") == \
        pytest.approx(0.6)
    row = t[(t["level"] == "gemeente") & (t["indicator"] == "social_assistance_per_1000")]
    assert bool(row["low_coverage"].iloc[0])
    assert np.isnan(_value(t, "district", zuid, "social_assistance_per_1000"))
    assert _value(t, "district", zuid, "social_assistance_per_1000", "coverage") == 0.0
    # The wijk level keeps the published wijk figures and knows its district.
    wk = t[(t["level"] == "wijk") & (t["area_code"] == "WK999902")]
    assert set(wk["district"]) == {"Zuid"}
    # Buurt rows are there too.
    assert _value(t, "buurt", "BU99990201", "share_age_65_plus") == pytest.approx(70 / 300 * 100)


def test_tiny_buurt_districts_by_hand(fixtures: Path) -> None:
    areas, values = _tiny(fixtures)
    d = validate_districts(read_district_file(fixtures / "tiny_districts_buurt.csv"), "GM9999",
                           areas.index, "tiny", 2018)
    inds = [REG.get("population"), REG.get("social_assistance_per_1000")]
    t = profile(areas, values, inds, d)
    zuid = _district_code(t, "Zuid")
    # Zuid = BU99990102 + BU99990201 + BU99990202: 250 + 300 + 100 = 650 inhabitants.
    assert _value(t, "district", zuid, "population") == 650
    # Social assistance: BU99990201 is '.', so (8 + 5) / (250 + 100) * 1000, coverage 350/650.
    assert _value(t, "district", zuid, "social_assistance_per_1000") == pytest.approx(
        13 / 350 * 1000)
    assert _value(t, "district", zuid, "social_assistance_per_1000", "coverage") == \
        pytest.approx(350 / 650)
    # The city is summed from the same buurten: 12 + 8 + 5 = 25 on 350 + 250 + 100 = 700.
    assert _value(t, "gemeente", "GM9999", "social_assistance_per_1000") == pytest.approx(
        25 / 700 * 1000)


def test_percentages_are_never_averaged() -> None:
    """Two areas: 10 % of 1000 and 50 % of 100. The mean of the percentages would be 30 %; the
    right figure is (100 + 50) / 1100 = 13.6 %."""
    values = pd.DataFrame({"population": [1000.0, 100.0], "pct_age_65_plus": [10.0, 50.0]},
                          index=["WK000101", "WK000102"])
    groups = pd.DataFrame({"g": ["x", "x"]}, index=values.index)
    out = aggregate(values, groups, [REG.get("share_age_65_plus")])
    assert out["value"].iloc[0] == pytest.approx(150 / 1100 * 100)


def test_mean_is_weighted_by_base() -> None:
    ind = REG.get("dist_gp_km")
    values = pd.DataFrame({"population": [900.0, 100.0], "dist_gp_km": [1.0, 3.0]},
                          index=["a", "b"])
    out = aggregate(values, pd.DataFrame({"g": [1, 1]}, index=values.index), [ind])
    assert out["value"].iloc[0] == pytest.approx((900 * 1 + 100 * 3) / 1000)


areas_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=20000),  # population
        st.integers(min_value=0, max_value=100),  # per cent 65+
        st.one_of(st.none(), st.integers(min_value=0, max_value=500)),  # social assistance
        st.integers(min_value=0, max_value=4),  # group
    ),
    min_size=1, max_size=40,
)


def _frame(rows: list[tuple[int, int, int | None, int]]) -> tuple[pd.DataFrame, pd.Series]:
    idx = [f"WK{i:06d}" for i in range(len(rows))]
    values = pd.DataFrame(
        {
            "population": [float(r[0]) for r in rows],
            "pct_age_65_plus": [float(r[1]) for r in rows],
            "n_social_assistance": [np.nan if r[2] is None else float(r[2]) for r in rows],
        },
        index=idx,
    )
    return values, pd.Series([r[3] for r in rows], index=idx, name="g")


INDS: list[Indicator] = [REG.get("population"), REG.get("share_age_65_plus"),
                         REG.get("social_assistance_per_1000")]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(areas_strategy, st.randoms(use_true_random=False))
def test_totals_invariant_to_row_order(rows: list[tuple[int, int, int | None, int]],
                                       rnd: object) -> None:
    values, g = _frame(rows)
    perm = list(values.index)
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    a = aggregate(values, g.to_frame(), INDS).sort_values(["g", "indicator"]).reset_index(
        drop=True)
    b = aggregate(values.loc[perm], g.loc[perm].to_frame(), INDS).sort_values(
        ["g", "indicator"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(areas_strategy)
def test_city_total_invariant_to_grouping(rows: list[tuple[int, int, int | None, int]]) -> None:
    """Summing the groups' numerators and bases gives the city's, however areas are grouped."""
    values, g = _frame(rows)
    city = aggregate(values, pd.DataFrame({"c": 0}, index=values.index), INDS).set_index(
        "indicator")
    grouped = aggregate(values, g.to_frame(), INDS)
    for ind in INDS:
        sub = grouped[grouped["indicator"] == ind.id]
        assert sub["numerator"].sum(min_count=1) == pytest.approx(
            city.loc[ind.id, "numerator"], nan_ok=True)
        if ind.kind != "count":
            den = sub["denominator"].sum(min_count=1)
            assert den == pytest.approx(city.loc[ind.id, "denominator"], nan_ok=True)
            if den and den == den and den > 0:
                expected = sub["numerator"].sum() / den * (100 if ind.kind == "share"
                                                           else ind.scale)
                assert city.loc[ind.id, "value"] == pytest.approx(expected)
    # Independent check of the city's share straight from the inputs.
    pop = values["population"].sum()
    if pop > 0:
        expect = (values["pct_age_65_plus"] * values["population"] / 100).sum() / pop * 100
        assert city.loc["share_age_65_plus", "value"] == pytest.approx(expect)
