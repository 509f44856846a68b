"""Sample design sizes against Cochran's formulas worked out by hand (z = 1.959964 for 95%):
n0 = z^2 * 0.25 / 0.05^2 = 3.841459 * 0.25 / 0.0025 = 384.146 for a 5-point margin at p = 0.5."""

from __future__ import annotations

import pandas as pd
import pytest

from wijkloket.errors import WijkloketError
from wijkloket.i18n import render_error
from wijkloket.survey.design import design, gross, moe_achieved, required_n

# Residents of all ages per Haarlem stadsdeel, CBS KWB 2024 (plain inputs; the real frame is adults).
HAARLEM = {"Centrum": 14745, "Noord": 57050, "Oost": 23375, "Schalkwijk": 36510, "Zuid-West": 35955}


def test_required_n_without_and_with_fpc() -> None:
    assert required_n(5, None) == 385  # 384.146 rounded up
    # 384.146 / (1 + 383.146 / 14745) = 384.146 / 1.025985 = 374.42 -> 375
    assert required_n(5, 14745) == 375
    # 384.146 / (1 + 383.146 / 200) = 384.146 / 2.91573 = 131.75 -> 132
    assert required_n(5, 200) == 132
    # 3-point margin: n0 = 3.841459 * 0.25 / 0.0009 = 1067.07; / (1 + 1066.07 / 14745) = 995.11 -> 996
    assert required_n(3, 14745) == 996
    assert required_n(5, 10) <= 10


def test_gross_with_response_and_deff() -> None:
    assert gross(375, 30) == 1250  # ceil(375 / 0.3) = 1250 exactly, no float round-up to 1251
    assert gross(375, 30, deff=1.5) == 1875  # ceil(375 * 1.5 / 0.3)
    assert gross(374, 30) == 1247  # 1246.67 -> 1247
    assert gross(100, 100) == 100


def test_moe_achieved_is_the_inverse() -> None:
    # n = 375 of 14745: 1.959964 * sqrt(0.25/375 * 14370/14744) = 4.996 pp; n = 374 gives 5.003 pp
    assert moe_achieved(375, 14745) == pytest.approx(4.996, abs=1e-3)
    assert moe_achieved(374, 14745) == pytest.approx(5.003, abs=1e-3)
    assert moe_achieved(200, 200) == 0
    assert moe_achieved(385, None) == pytest.approx(100 * 1.959964 * (0.25 / 385) ** 0.5, rel=1e-6)


def test_per_stratum_on_haarlem() -> None:
    out = design(HAARLEM, moe=5, response=30)
    assert list(out.columns) == ["stratum", "population", "net_sample", "gross_sample", "moe_achieved",
                                 "allocation", "capped"]
    # 384.146 / (1 + 383.146 / N): Centrum 374.42, Noord 381.58, Oost 377.95, Schalkwijk 380.16, Zuid-West 380.10
    assert out["net_sample"].tolist() == [375, 382, 378, 381, 381]
    assert out.loc[0, "gross_sample"] == 1250
    assert (out["moe_achieved"] <= 5).all() and not out["capped"].any()
    assert out["population"].tolist() == list(HAARLEM.values())
    with_deff = design(HAARLEM, moe=5, response=30, deff=1.5)
    assert with_deff.loc[0, "gross_sample"] == 1875


def test_accepts_a_series() -> None:
    out = design(pd.Series(HAARLEM), moe=5, response=30)
    assert out["stratum"].tolist() == list(HAARLEM)


THREE = {"A": 1000, "B": 4000, "C": 9000}  # sum 14,000; sqrt ratio 1 : 2 : 3


def test_proportional_equal_optimal_by_hand() -> None:
    # 600 * N / 14000 = 42.857, 171.429, 385.714 -> floors 42, 171, 385 (598); the two largest
    # remainders (.857 for A, .714 for C) get the 2 left over
    prop = design(THREE, moe=5, response=50, allocation="proportional", total=600)
    assert prop["net_sample"].tolist() == [43, 171, 386]
    assert prop["gross_sample"].tolist() == [86, 342, 772]
    equal = design(THREE, moe=5, response=50, allocation="equal", total=600)
    assert equal["net_sample"].tolist() == [200, 200, 200]
    sqrt = design(THREE, moe=5, response=50, allocation="optimal", total=600)
    assert sqrt["net_sample"].tolist() == [100, 200, 300]  # 600 * (1, 2, 3) / 6
    assert set(sqrt["allocation"]) == {"optimal"}


def test_default_totals() -> None:
    # proportional: the whole city, 384.146 / (1 + 383.146 / 167,635) = 383.27 -> 384, split by N
    prop = design(HAARLEM, moe=5, response=30, allocation="proportional")
    assert prop["net_sample"].sum() == 384
    # 384 * 14745 / 167635 = 33.78 -> 33 or 34
    assert prop.loc[0, "net_sample"] in (33, 34)
    # equal: the per-stratum size of the largest stratum (Noord, 382) everywhere
    assert design(HAARLEM, moe=5, response=30, allocation="equal")["net_sample"].tolist() == [382] * 5
    # optimal: the per-stratum total 375 + 382 + 378 + 381 + 381 = 1897, split by sqrt(N)
    optimal = design(HAARLEM, moe=5, response=30, allocation="optimal")
    assert optimal["net_sample"].sum() == 1897
    # sqrt(N) = 121.43, 238.85, 152.89, 191.08, 189.62 (sum 893.87): Centrum 1897 * 121.43 / 893.87 = 257.7,
    # Noord 506.9 -> 258 and 507; equal would give 379 or 380, proportional 167 and 646
    assert optimal["net_sample"].tolist()[:2] == [258, 507]


def test_oversampling_doubles_and_caps() -> None:
    out = design({"Centrum": 14745, "Klein": 200}, moe=5, response=30, oversample={"Centrum": 2, "Klein": 2})
    assert out.loc[0, "net_sample"] == 750  # 2 x 375
    assert out.loc[0, "gross_sample"] == 2500  # ceil(750 / 0.3)
    assert out.loc[1, "net_sample"] == 200  # 2 x 132 = 264, capped at N = 200
    assert out.loc[1, "moe_achieved"] == 0
    assert out["capped"].tolist() == [False, True]


def test_gross_capped_when_response_cannot_be_met() -> None:
    out = design({"Klein": 200}, moe=5, response=30)
    assert out.loc[0, "net_sample"] == 132
    assert out.loc[0, "gross_sample"] == 200  # ceil(132 / 0.3) = 440 > 200
    assert bool(out.loc[0, "capped"])


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"moe": 0}, "error.design_moe"),
    ({"moe": 51}, "error.design_moe"),
    ({"response": 0}, "error.design_response"),
    ({"response": 101}, "error.design_response"),
    ({"deff": 0.9}, "error.design_deff"),
    ({"population": {"A": 0}}, "error.design_population"),
    ({"population": {"A": -5}}, "error.design_population"),
    ({"population": {}}, "error.design_no_strata"),
    ({"oversample": {"Nergens": 2}}, "error.design_oversample_unknown"),
    ({"oversample": {"A": 0.5}}, "error.design_oversample_factor"),
    ({"allocation": "random"}, "error.design_allocation"),
    ({"allocation": "proportional", "total": 10**6}, "error.design_total"),
])
def test_validation_errors(kwargs: dict, code: str) -> None:
    args = {"population": {"A": 1000}, "moe": 5, "response": 30} | kwargs
    with pytest.raises(WijkloketError) as info:
        design(**args)
    assert info.value.code == code
    for lang in ("nl", "en"):
        assert not render_error(info.value, lang).startswith("error.")  # the catalogue has the text


def test_required_n_validation() -> None:
    with pytest.raises(WijkloketError, match="design_proportion"):
        required_n(5, 100, p=1.0)
    with pytest.raises(WijkloketError, match="design_confidence"):
        required_n(5, 100, confidence=1.0)
