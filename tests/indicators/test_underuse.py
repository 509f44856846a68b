"""The under-use index on tiny hand-made tables: indirect standardisation worked out by hand, the exact
Poisson interval against scipy two ways, the funnel limits by hand, suppression, unknown ages, pooling
of small age bands and the nationality adjustment."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq
from scipy.stats import chi2, poisson

from wijkloket.ages import LABELS
from wijkloket.indicators.underuse import (
    COLUMNS,
    Areas,
    band_residents,
    expected_counts,
    funnel_limit,
    poisson_interval,
    pooled_rates,
    underuse_table,
)

A, B, C = "WK039901", "WK039902", "WK039903"
YOUNG, OLD = "15-24", "65+"


def residents(rows: dict[str, dict[str, float]]) -> pd.DataFrame:
    """Residents per area in two bands (the other CBS bands empty), `total` their sum."""
    frame = pd.DataFrame(0.0, index=list(rows), columns=["total", *LABELS])
    for code, bands in rows.items():
        for band, n in bands.items():
            frame.loc[code, band] = n
        frame.loc[code, "total"] = sum(bands.values())
    return frame


def city(counts: dict[str | None, float], product: str = "passport", year: int = 2024) -> pd.DataFrame:
    return pd.DataFrame({"year": year, "product": product, "age_band": list(counts), "n": list(counts.values())})


def wijk_areas(codes: list[str], district: dict[str, str] | None = None) -> Areas:
    district = district or dict.fromkeys(codes, "DS1")
    table = pd.DataFrame({"name": [f"Wijk {c[-1]}" for c in codes], "wijk": codes,
                          "wijk_name": [f"Wijk {c[-1]}" for c in codes],
                          "district_code": [district[c] for c in codes],
                          "district": [f"Stadsdeel {district[c][-1]}" for c in codes]}, index=codes)
    return Areas(table, "wijk")


def published(rows: Sequence[tuple[str, str, int, str, float, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["level", "area_code", "year", "product", "observed", "suppressed"])
    frame.loc[frame["suppressed"] != "", "observed"] = np.nan  # the desk tables publish nothing there
    return frame


# Two areas, two bands. A is young, B is old; the old come three times as often:
#   residents       15-24   65+    total
#   A               8000    2000   10000
#   B               2000    8000   10000
#   city            10000   10000
#   passport issuances in 2024 by band: 15-24: 500, 65+: 1500 (2000 in all)
#   rates: 15-24 500 / 10000 = 0.05, 65+ 1500 / 10000 = 0.15
#   expected A = 0.05 x 8000 + 0.15 x 2000 = 400 + 300 = 700
#   expected B = 0.05 x 2000 + 0.15 x 8000 = 100 + 1200 = 1300   (together 2000 = the city's total)
#   observed A = 560, B = 1440: ratio A = 100 x 560 / 700 = 80, B = 100 x 1440 / 1300 = 110.77.
# On raw shares B, with 72% of the issuances and 50% of the residents, would look like a heavy user (144).
RESIDENTS = residents({A: {YOUNG: 8000, OLD: 2000}, B: {YOUNG: 2000, OLD: 8000}})
CITY = city({YOUNG: 500, OLD: 1500})


def hand_table() -> pd.DataFrame:
    pub = published([("wijk", A, 2024, "passport", 560, ""), ("wijk", B, 2024, "passport", 1440, ""),
                     ("wijk", A, 2024, "all", 560, ""), ("wijk", B, 2024, "all", 1440, ""),
                     ("district", "DS1", 2024, "passport", 2000, ""), ("district", "DS1", 2024, "all", 2000, "")])
    return underuse_table("issuance", CITY, RESIDENTS, pub, wijk_areas([A, B]), min_count=10)


def test_expected_counts_by_hand() -> None:
    exp = expected_counts(CITY, RESIDENTS, ("passport",), 10).set_index("area_code")
    assert exp.loc[A, "expected"] == pytest.approx(700.0)
    assert exp.loc[B, "expected"] == pytest.approx(1300.0)
    assert exp["standardised"].all() and not exp["nationality_adjusted"].any()


def test_ratio_interval_and_flag_by_hand() -> None:
    t = hand_table()
    assert list(t.columns) == COLUMNS
    row = t[(t["level"] == "wijk") & (t["product"] == "passport") & (t["year"] == 2024)].set_index("area_code")
    assert row.loc[A, "expected"] == pytest.approx(700.0) and row.loc[A, "observed"] == 560
    assert row.loc[A, "ratio"] == pytest.approx(80.0)
    assert row.loc[B, "ratio"] == pytest.approx(100 * 1440 / 1300)
    # Garwood interval in the chi-square form, by scipy directly
    assert row.loc[A, "ci_low"] == pytest.approx(100 * chi2.ppf(0.025, 2 * 560) / 2 / 700)
    assert row.loc[A, "ci_high"] == pytest.approx(100 * chi2.ppf(0.975, 2 * 561) / 2 / 700)
    assert bool(row.loc[A, "flag"]) and not bool(row.loc[B, "flag"])
    # the district is the whole city here: as expected, by construction
    d = t[(t["level"] == "district") & (t["product"] == "passport") & (t["year"] == 2024)].iloc[0]
    assert d["expected"] == pytest.approx(2000.0) and d["ratio"] == pytest.approx(100.0) and not d["flag"]
    assert d["area_name"] == "Stadsdeel 1" and row.loc[A, "district"] == "Stadsdeel 1"
    # the total (all documents) expects the sum of its products
    tot = t[(t["level"] == "wijk") & (t["product"] == "all") & (t["year"] == 2024)].set_index("area_code")
    assert tot.loc[A, "expected"] == pytest.approx(700.0)


def test_whole_log_rows_sum_the_years() -> None:
    city2 = pd.concat([CITY, city({YOUNG: 500, OLD: 1500}, year=2025)], ignore_index=True)
    pub = published([("wijk", A, y, "passport", o, "") for y, o in ((2024, 560), (2025, 700))]
                    + [("wijk", B, y, "passport", o, "") for y, o in ((2024, 1440), (2025, 1300))])
    t = underuse_table("issuance", city2, RESIDENTS, pub, wijk_areas([A, B]))
    whole = t[t["year"].isna() & (t["area_code"] == A) & (t["product"] == "passport")].iloc[0]
    assert (whole["first_year"], whole["last_year"]) == (2024, 2025)
    assert whole["observed"] == 1260 and whole["expected"] == pytest.approx(1400.0)
    assert whole["ratio"] == pytest.approx(90.0)  # counts summed, the ratio recomputed (not 80 and 100 averaged)


def _exact_by_poisson(o: int, level: float = 0.95) -> tuple[float, float]:
    """The exact interval from its definition: the means at which O or more (O or fewer) has probability
    (1 - level) / 2, solved with scipy.stats.poisson (independent of the chi-square identity)."""
    a = (1 - level) / 2
    low = 0.0 if o == 0 else brentq(lambda m: poisson.sf(o - 1, m) - a, 1e-9, 10 * o + 10)
    high = brentq(lambda m: poisson.cdf(o, m) - a, 1e-9, 10 * o + 50)
    return low, high


@pytest.mark.parametrize("o", [0, 1, 7, 56, 560, 4321])
def test_interval_against_scipy_two_ways(o: int) -> None:
    low, high = poisson_interval(np.array([o]))
    assert low[0] == pytest.approx(chi2.ppf(0.025, 2 * o) / 2 if o else 0.0)
    assert high[0] == pytest.approx(chi2.ppf(0.975, 2 * o + 2) / 2)
    by_poisson = _exact_by_poisson(o)
    assert low[0] == pytest.approx(by_poisson[0], abs=1e-6)
    assert high[0] == pytest.approx(by_poisson[1], rel=1e-7)
    low998, high998 = poisson_interval(np.array([o]), 0.998)
    assert low998[0] <= low[0] and high998[0] > high[0]
    assert (low998[0], high998[0]) == pytest.approx(_exact_by_poisson(o, 0.998), abs=1e-6)


def test_funnel_limits_by_hand_for_ten_expected() -> None:
    # Poisson(10): P(X = k) = e^-10 10^k / k!. F(16) = 0.97296 < 0.975 <= F(17) = 0.98572, so r = 17 and
    # a = (F(17) - 0.975) / P(17) = (0.98572 - 0.975) / 0.012764 = 0.840: limit 100 x (17 - 0.840) / 10 = 161.6.
    # Below: F(3) = 0.01034 < 0.025 <= F(4) = 0.02925, r = 4, a = (0.02925 - 0.025) / 0.018917 = 0.2248: 37.75.
    pmf = [math.exp(-10) * 10 ** k / math.factorial(k) for k in range(40)]
    cdf = np.cumsum(pmf)
    for p, r, expected in ((0.975, 17, 161.6), (0.025, 4, 37.75)):
        assert cdf[r - 1] < p <= cdf[r]
        a = (cdf[r] - p) / pmf[r]
        assert funnel_limit(np.array([10.0]), p)[0] == pytest.approx(100 * (r - a) / 10)
        assert funnel_limit(np.array([10.0]), p)[0] == pytest.approx(expected, abs=0.05)
    # a tiny expectation: the lower limit is 0, never negative
    assert funnel_limit(np.array([0.5]), 0.025)[0] == 0.0


def test_small_counts_are_suppressed_with_everything_derived() -> None:
    # C has 6 issuances: primary. The desk tables hid B's 2024 count to protect it (secondary): both show x
    # everywhere, and the whole log of B, which would reveal its hidden year, is hidden as well.
    res = residents({A: {YOUNG: 8000, OLD: 2000}, B: {YOUNG: 2000, OLD: 8000}, C: {YOUNG: 50, OLD: 50}})
    cty = pd.concat([city({YOUNG: 505, OLD: 1501}), city({YOUNG: 500, OLD: 1500}, year=2025)], ignore_index=True)
    pub = published([("wijk", A, 2024, "passport", 560, ""), ("wijk", B, 2024, "passport", 1440, "secondary"),
                     ("wijk", C, 2024, "passport", 6, "primary"), ("wijk", A, 2025, "passport", 600, ""),
                     ("wijk", B, 2025, "passport", 1400, ""), ("wijk", C, 2025, "passport", 0, "")])
    t = underuse_table("issuance", cty, res, pub, wijk_areas([A, B, C]))
    hidden = t[t["suppressed"] != ""]
    assert set(zip(hidden["area_code"], hidden["year"].astype(object).fillna("all"), strict=True)) == {
        (B, 2024), (C, 2024), (B, "all"), (C, "all")}
    assert hidden[["observed", "expected", "ratio", "ci_low", "ci_high"]].isna().all().all()
    assert not hidden["flag"].any()
    years = hidden["year"].astype(object).fillna("all")
    assert dict(zip(zip(hidden["area_code"], years, strict=True), hidden["suppressed"], strict=True)) == {
        (B, 2024): "secondary", (C, 2024): "primary", (B, "all"): "secondary", (C, "all"): "secondary"}
    # a zero is published (it identifies nobody)
    zero = t[(t["area_code"] == C) & (t["year"] == 2025)].iloc[0]
    assert zero["observed"] == 0 and zero["suppressed"] == "" and zero["ratio"] == 0.0


def test_buurt_workspace_gets_wijk_sums_of_published_buurten() -> None:
    b1, b2, b3 = "BU03990101", "BU03990102", "BU03990201"
    res = residents({b1: {YOUNG: 4000, OLD: 1000}, b2: {YOUNG: 4000, OLD: 1000}, b3: {YOUNG: 2000, OLD: 8000}})
    table = pd.DataFrame({"name": ["b1", "b2", "b3"], "wijk": [A, A, B], "wijk_name": ["Wijk A", "Wijk A", "Wijk B"],
                          "district_code": ["DS1", "DS1", "DS1"], "district": ["Een"] * 3}, index=[b1, b2, b3])
    pub = published([("buurt", b1, 2024, "passport", 300, ""), ("buurt", b2, 2024, "passport", 260, ""),
                     ("buurt", b3, 2024, "passport", 1440, "")])
    t = underuse_table("issuance", CITY, res, pub, Areas(table, "buurt"))
    assert set(t["level"]) == {"buurt", "wijk"}  # no district row was published here
    wijk = t[(t["level"] == "wijk") & (t["year"] == 2024)].set_index("area_code")
    assert wijk.loc[A, "observed"] == 560 and wijk.loc[A, "expected"] == pytest.approx(700.0)
    assert wijk.loc[A, "area_name"] == "Wijk A" and wijk.loc[A, "district"] == "Een"
    # one hidden buurt hides its wijk's sum, which would reveal it
    pub.loc[1, ["observed", "suppressed"]] = [np.nan, "secondary"]
    t = underuse_table("issuance", CITY, res, pub, Areas(table, "buurt"))
    wijk = t[(t["level"] == "wijk") & (t["year"] == 2024)].set_index("area_code")
    assert wijk.loc[A, "suppressed"] == "secondary" and np.isnan(wijk.loc[A, "ratio"])


def test_unknown_ages_count_and_are_spread_like_the_known() -> None:
    # 200 passports without a band on top of the 2000 with one: the rates are scaled by 2200 / 2000 = 1.1,
    # so expected A = 1.1 x 700 = 770, B = 1.1 x 1300 = 1430 (together 2200, all passports).
    exp = expected_counts(city({YOUNG: 500, OLD: 1500, None: 200}), RESIDENTS, ("passport",), 10)
    assert exp.set_index("area_code")["expected"].to_dict() == pytest.approx({A: 770.0, B: 1430.0})
    # no band at all: crude, the city's overall rate 2000 / 20000 = 0.1 times the residents
    crude = expected_counts(city({None: 2000}), RESIDENTS, ("passport",), 10)
    assert crude["expected"].tolist() == pytest.approx([1000.0, 1000.0]) and not crude["standardised"].any()


def test_small_city_bands_are_pooled() -> None:
    # counts 0, 5, 200, 3, 40 over 100 residents each: 3 joins its smaller neighbour 40 (43 / 200); 5 joins 0,
    # still under 10, then 200 (205 / 300).
    rates = pooled_rates([0, 5, 200, 3, 40], [100] * 5, 10)
    assert rates.tolist() == pytest.approx([205 / 300] * 3 + [43 / 200] * 2)
    assert pooled_rates([0, 50, 20], [100, 100, 100], 10).tolist() == pytest.approx([0.0, 0.5, 0.2])


def test_nationality_share_makes_only_dutch_residents_eligible() -> None:
    # Half of A's residents have no Dutch nationality. Eligible: A 4000 + 1000, B 2000 + 8000; city 6000 and
    # 9000. Rates 500 / 6000 and 1500 / 9000: expected A = 4000 x 0.08333 + 1000 x 0.16667 = 500,
    # B = 2000 x 0.08333 + 8000 x 0.16667 = 1500 (together 2000). Driving licences are not adjusted.
    share = pd.Series({A: 0.5, B: 0.0})
    both = pd.concat([CITY, city({YOUNG: 500, OLD: 1500}, product="driving_licence")], ignore_index=True)
    exp = expected_counts(both, RESIDENTS, ("passport", "driving_licence"), 10, share)
    pas = exp[exp["product"] == "passport"].set_index("area_code")
    assert pas["expected"].to_dict() == pytest.approx({A: 500.0, B: 1500.0}) and pas["nationality_adjusted"].all()
    lic = exp[exp["product"] == "driving_licence"].set_index("area_code")
    assert lic["expected"].to_dict() == pytest.approx({A: 700.0, B: 1300.0})
    assert not lic["nationality_adjusted"].any()


def test_band_residents_scaled_to_the_total_and_filled_with_the_city_structure() -> None:
    frame = pd.DataFrame({"total": [1000.0, 500.0], **{b: [np.nan, np.nan] for b in LABELS}}, index=[A, B])
    frame.loc[A, list(LABELS)] = [160.0, 120.0, 250.0, 260.0, 220.0]  # whole per cents sum to 101%
    out = band_residents(frame)
    assert out.loc[A].sum() == pytest.approx(1000.0)
    assert out.loc[A, "0-14"] == pytest.approx(1000 * 160 / 1010)
    assert out.loc[B].tolist() == pytest.approx((500 * out.loc[A] / 1000).tolist())  # B: no age structure
