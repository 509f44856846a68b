"""Issue 14, point 3: desk indicators suppress per table (the base level per district) in one pass,
and the command line starts without scipy or matplotlib. That a report computes each result once is
tests/usecases/test_analysis.py."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from wijkloket.ages import LABELS as AGE_LABELS
from wijkloket.indicators.desk import VISIT_PRODUCTS, Geography, desk_indicators
from wijkloket.indicators.disclosure import suppress_table

WIJKEN = ["WK999901", "WK999902", "WK999903", "WK999904", "WK999905"]
DISTRICT = {"WK999901": "SD01", "WK999902": "SD01", "WK999903": "SD01", "WK999904": "SD02", "WK999905": "SD02"}
# attended visits per wijk and product (2025): small counts in both districts, so each district's
# table has primary and secondary suppressions of its own
COUNTS = {
    "WK999901": {"passport": 40, "id_card": 3, "driving_licence": 25},
    "WK999902": {"passport": 31, "id_card": 22, "driving_licence": 6},
    "WK999903": {"passport": 50, "id_card": 18, "driving_licence": 30},
    "WK999904": {"passport": 2, "id_card": 44, "driving_licence": 19},
    "WK999905": {"passport": 27, "id_card": 35, "driving_licence": 12},
}


def _geo() -> tuple[Geography, pd.DataFrame]:
    areas = pd.DataFrame({"level": "wijk", "name": [f"Wijk {i}" for i in range(1, 6)], "gemeente_code": "GM9999"},
                         index=pd.Index(WIJKEN, name="area_code"))
    districts = pd.DataFrame({"area_code": WIJKEN, "district_code": [DISTRICT[w] for w in WIJKEN],
                              "district": ["Noord" if DISTRICT[w] == "SD01" else "Zuid" for w in WIJKEN]})
    residents = pd.DataFrame({"total": [1000.0, 1200.0, 900.0, 1500.0, 800.0]}, index=areas.index)
    for band in AGE_LABELS:
        residents[band] = residents["total"] / len(AGE_LABELS)
    return Geography(areas, districts, "GM9999", "Proefstad"), residents


def _events() -> pd.DataFrame:
    rows = [{"area_code": w, "year": 2025, "product": p, "status": "attended", "age_band": None, "n": float(n)}
            for w, per in COUNTS.items() for p, n in per.items()]
    return pd.DataFrame(rows)


def _published(table: pd.DataFrame, level: str) -> pd.DataFrame:
    sel = table[(table["level"] == level) & (table["indicator"] == "visits")]
    return sel.set_index(["area_code", "product"])[["value", "suppressed"]]


def test_base_level_is_suppressed_per_district_as_by_hand() -> None:
    geo, residents = _geo()
    table, summary = desk_indicators(_events(), geo, residents, "visit", threshold=10)
    assert summary == {"unmatched": 0.0}
    shown = _published(table, "wijk")
    counts = pd.DataFrame(COUNTS).T.reindex(columns=list(VISIT_PRODUCTS)).fillna(0.0)
    hidden_somewhere = False
    for district in ("SD01", "SD02"):
        part = counts.loc[[w for w in WIJKEN if DISTRICT[w] == district]]
        res = suppress_table(part, threshold=10)
        for wijk in part.index:
            for product in VISIT_PRODUCTS:
                status = "primary" if res.primary.loc[wijk, product] else (
                    "secondary" if res.secondary.loc[wijk, product] else "")
                value, got = shown.loc[(wijk, product), "value"], shown.loc[(wijk, product), "suppressed"]
                assert got == status, (wijk, product)
                hidden_somewhere |= bool(status)
                want = res.table.loc[wijk, product]
                assert (np.isnan(value) and np.isnan(want)) or value == want
            total = shown.loc[(wijk, "top"), "value"]
            want_total = res.row_totals.loc[wijk]
            assert (np.isnan(total) and np.isnan(want_total)) or total == want_total
    assert hidden_somewhere  # the hand-made counts do exercise suppression
    # the 3 in WK999901 and the 2 in WK999904 are primary, by the threshold rule (0 < x < 10)
    assert shown.loc[("WK999901", "id_card"), "suppressed"] == "primary"
    assert shown.loc[("WK999904", "passport"), "suppressed"] == "primary"


def test_districts_and_city_are_whole_tables() -> None:
    geo, residents = _geo()
    table, _ = desk_indicators(_events(), geo, residents, "visit", threshold=10)
    counts = pd.DataFrame(COUNTS).T.reindex(columns=list(VISIT_PRODUCTS)).fillna(0.0)
    by_district = counts.groupby(pd.Series(DISTRICT)).sum()
    res = suppress_table(by_district, threshold=10)
    shown = _published(table, "district")
    for d in ("SD01", "SD02"):
        for product in VISIT_PRODUCTS:
            want = res.table.loc[d, product]
            value = shown.loc[(d, product), "value"]
            assert (np.isnan(value) and np.isnan(want)) or value == want
    city = _published(table, "gemeente")
    assert city.loc[("GM9999", "top"), "value"] == counts.to_numpy().sum()  # 364 attended visits
    names = table.drop_duplicates("area_code").set_index("area_code")
    assert names.loc["WK999904", "area_name"] == "Wijk 4" and names.loc["WK999904", "district"] == "Zuid"
    assert names.loc["SD01", "area_name"] == "Noord" and names.loc["GM9999", "area_name"] == "Proefstad"
    # per 1000 residents from the published count: wijk 3 has 50 + 18 + 30 = 98 visits for 900 residents
    per = table[(table["area_code"] == "WK999903") & (table["product"] == "top")
                & (table["indicator"] == "visits_per_1000")]
    assert per["value"].iloc[0] == pytest.approx(1000 * 98 / 900)


def test_cli_starts_without_scipy_or_matplotlib() -> None:
    code = ("import sys, wijkloket.cli; heavy = ('scipy', 'matplotlib', 'geopandas');"
            "print(','.join(m for m in heavy if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""
