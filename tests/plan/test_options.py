"""The option cost model on a hand-worked example: two demand points, one desk, one candidate site
and one library IDO point. Every expected value is worked out by hand in the comments."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from wijkloket.errors import InfeasibleModelError
from wijkloket.plan.options import OptionInputs, option_rows

POINTS = pd.DataFrame({"name": ["Stadhuis", "Kandidaat Oost", "Bibliotheek"],
                       "kind": ["desk", "candidate", "library_ido"]})
# minutes: demand A is 20 min from the desk and 5 from the candidate; B 10 and 30.
MINUTES = np.array([[20.0, 5.0, 10.0], [10.0, 30.0, 10.0]])
WEIGHTS = {"population": np.array([100.0, 200.0]), "share_age_65_plus": np.array([50.0, 20.0])}
OPTIONS = [
    {"id": "desk", "kind": "desk", "annual_cost": 400000, "sites": "best", "count": 1},
    {"id": "van", "kind": "mobile", "cost_per_day": 1000, "days_per_year": 125, "sites": ["Kandidaat Oost"]},
    {"id": "home", "kind": "home_visits", "cost_per_visit": 100, "eligible_group": "share_age_65_plus",
     "uptake": 0.1},
    {"id": "lib", "kind": "library_hours", "extra_hours_per_week": 8, "cost_per_hour": 50, "helped_per_hour": 1.5},
    {"id": "campaign", "kind": "visibility", "annual_cost": 40000, "reach_share": 0.25,
     "target_group": "share_age_65_plus"},
]


def solve_all(dist: np.ndarray, p: int, weights: np.ndarray, fixed: list[int]) -> list[int]:
    assert dist.shape == (2, 2) and p == 2 and fixed == [0]
    return [0, 1]


@pytest.fixture
def rows() -> dict[str, dict[str, object]]:
    inp = OptionInputs(MINUTES, POINTS, WEIGHTS, ["population", "share_age_65_plus"], rate=0.5, threshold=15.0,
                       capture=0.6)
    return {r["option"]: r for r, _ in option_rows(OPTIONS, inp, solve_all, "nl")}


def test_district_desk(rows: dict[str, dict[str, object]]) -> None:
    r = rows["desk"]
    # A switches (5 < 20): visits 100 x 0.5 x 0.6 = 30; hours saved 100 x 15 min x 0.3 / 60 = 7.5
    assert r["visits_served"] == pytest.approx(30.0)
    assert r["travel_hours_saved"] == pytest.approx(7.5)
    assert r["newly_within_population"] == pytest.approx(100.0)  # A: 20 -> 5 minutes, threshold 15
    assert r["reached_share_age_65_plus"] == pytest.approx(50.0)
    assert r["cost_per_visit"] == pytest.approx(400000 / 30)
    assert r["target_group"] == "share_age_65_plus"
    assert r["cost_per_target_reached"] == pytest.approx(8000.0)
    assert r["sites"] == "Kandidaat Oost"


def test_mobile_desk_named_site(rows: dict[str, dict[str, object]]) -> None:
    r = rows["van"]
    # 125 days x EUR 1000; available 125/250 = 0.5 of a desk: 15 visits, 3.75 hours
    assert r["annual_cost"] == pytest.approx(125000.0)
    assert r["visits_served"] == pytest.approx(15.0)
    assert r["travel_hours_saved"] == pytest.approx(3.75)


def test_home_visits_library_campaign(rows: dict[str, dict[str, object]]) -> None:
    home = rows["home"]
    # eligible 50 + 20 = 70; 7 visits at EUR 100; mean time now (50 x 20 + 20 x 10) / 70 min
    assert home["visits_served"] == pytest.approx(7.0)
    assert home["annual_cost"] == pytest.approx(700.0)
    assert home["travel_hours_saved"] == pytest.approx(7 * (1200 / 70) / 60)
    assert math.isnan(float(home["newly_within_population"]))  # type: ignore[arg-type]
    lib = rows["lib"]
    # 8 h x 52 weeks x 1 library = 416 h at EUR 50; 1.5 helped per hour
    assert lib["annual_cost"] == pytest.approx(20800.0)
    assert lib["visits_served"] == pytest.approx(624.0)
    assert lib["target_group"] == "population"
    assert lib["cost_per_target_reached"] == pytest.approx(20800 / 624)
    camp = rows["campaign"]
    assert camp["reached_share_age_65_plus"] == pytest.approx(17.5)
    assert math.isnan(float(camp["cost_per_visit"]))  # type: ignore[arg-type]
    assert camp["cost_per_target_reached"] == pytest.approx(40000 / 17.5)


def test_notes_are_catalogue_keys() -> None:
    inp = OptionInputs(MINUTES, POINTS, WEIGHTS, ["population"], rate=0.5, threshold=15.0, capture=0.6)
    (_, notes), = option_rows(OPTIONS[:1], inp, solve_all, "en")
    assert notes[0] == ("plan.note_sites", {"n": 1, "capture": 0.6, "availability": 1.0})
    assert ("plan.note_param", {"name": "annual_cost", "value": 400000}) in notes


def test_more_sites_than_candidates() -> None:
    inp = OptionInputs(MINUTES, POINTS, WEIGHTS, ["population"], rate=0.5, threshold=15.0, capture=0.6)
    with pytest.raises(InfeasibleModelError):
        option_rows([{**OPTIONS[0], "count": 2}], inp, solve_all, "nl")
