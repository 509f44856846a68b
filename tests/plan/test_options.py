"""The option cost model on a hand-worked example: three areas, one desk, one candidate site and one
library IDO point. Every expected value is worked out by hand in the comments.

Areas A, B, C: residents 900, 2,000, 3,400 (of whom 65+: 300, 100, 50); minutes to the desk 20, 10, 5
and to the candidate 5, 10, 25. Visits per resident per year 0.5; 20% of the visits stay central, so
0.4 visits per resident may move. beta = ln 2 / 5 per minute, so exp(-beta x 5 min) = 1/2:

    A: the candidate is 15 min nearer: weight exp(15 beta) = 2^3 = 8,   P = 8 / (1 + 8)    = 8/9
    B: as near as the desk:            weight 1,                        P = 1 / (1 + 1)    = 1/2
    C: 20 min farther:                 weight exp(-20 beta) = 1/16,     P = (1/16)/(17/16) = 1/17

Residents choosing the candidate: 900 x 8/9 + 2,000 / 2 + 3,400 / 17 = 800 + 1,000 + 200 = 2,000, so
the demand is 2,000 x 0.4 = 800 visits a year (A 320, B 400, C 80).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from wijkloket.errors import InfeasibleModelError, WijkloketError
from wijkloket.plan.options import OptionInputs, appraise, metric_ids
from wijkloket.plan.scenarios import OptionSpec, Range, parse_scenarios

POINTS = pd.DataFrame({"name": ["Stadhuis", "Kandidaat", "Bieb"], "kind": ["desk", "candidate", "library_ido"],
                       "hours_per_week": [40.0, np.nan, 30.0]})
MINUTES = np.array([[20.0, 5.0, 10.0], [10.0, 10.0, 10.0], [5.0, 25.0, 10.0]])
WEIGHTS = {"population": np.array([900.0, 2000.0, 3400.0]), "share_age_65_plus": np.array([300.0, 100.0, 50.0])}
GROUPS = ["population", "share_age_65_plus"]
BETA = math.log(2) / 5
SHARED = {"mode": "bike", "threshold_minutes": 15, "faster_by_minutes": 5, "visits_per_resident_per_year": 0.5,
          "central_share": 0.2, "beta_per_minute": BETA, "appointments_per_hour": 2, "open_weeks": 30}
OPTIONS = [
    # capacity 10 h x 1 counter x 2 appointments x 30 weeks = 600 < 800: capacity binds
    {"id": "desk", "kind": "desk", "annual_cost": 60000, "hours_per_week": 10, "counters": 1, "sites": "best"},
    # one stop: 30 days x 5 hours x 1 counter x 2 appointments = 300
    {"id": "van", "kind": "mobile", "cost_per_day": 500, "days_per_year": 30, "hours_per_day": 5, "counters": 1,
     "sites": ["Kandidaat"]},
    {"id": "home", "kind": "home_visits", "cost_per_visit": 120, "eligible_group": "share_age_65_plus",
     "uptake": 0.1},
    {"id": "lib", "kind": "library_hours", "extra_hours_per_week": 8, "weeks_per_year": 50, "cost_per_hour": 50,
     "helped_per_hour": 1.5},
    {"id": "campaign", "kind": "visibility", "annual_cost": 40000, "reach_share": 0.25,
     "target_group": "share_age_65_plus"},
]


def solve_all(dist: np.ndarray, p: int, weights: np.ndarray, fixed: list[int]) -> list[int]:
    assert dist.shape == (3, 2) and p == 2 and fixed == [0]
    return [0, 1]


def run(options: list[dict[str, object]], draws: int = 10, **shared: object) -> pd.DataFrame:
    sc = parse_scenarios({"assumptions": SHARED | shared, "option": options}, "test.toml")
    inp = OptionInputs(MINUTES, POINTS, WEIGHTS, GROUPS, sc.threshold, sc.faster_by)
    return appraise(sc.options, sc.assumptions, inp, solve_all, draws, 1, sc.distribution).figures


@pytest.fixture(scope="module")
def fig() -> dict[tuple[str, str], dict[str, object]]:
    return {(r["option"], r["metric"]): r for r in run(OPTIONS).to_dict("records")}


def value(fig: dict[tuple[str, str], dict[str, object]], option: str, metric: str) -> float:
    row = fig[(option, metric)]
    assert row["applies"], (option, metric, row["reason"])
    return float(row["value"])  # type: ignore[arg-type]


def test_district_desk_where_capacity_binds(fig: dict[tuple[str, str], dict[str, object]]) -> None:
    def v(metric: str) -> float:
        return value(fig, "desk", metric)

    assert v("visits_demand") == pytest.approx(800.0)
    assert v("capacity") == pytest.approx(600.0)
    assert v("visits_served") == pytest.approx(600.0)  # min(600, 800)
    assert v("unserved_visits") == pytest.approx(200.0)
    # rationed 600/800 = 0.75: served A 240, B 300, C 60; there and back:
    # 2/60 x (240 x (20 - 5) + 300 x 0 + 60 x (5 - 25)) = 2/60 x 2,400 = 80 hours
    assert v("travel_hours_saved") == pytest.approx(80.0)
    assert v("annual_cost") == pytest.approx(60000.0)
    assert v("cost_per_visit") == pytest.approx(100.0)  # 60,000 / 600
    assert v("cost_per_travel_hour") == pytest.approx(750.0)  # 60,000 / 80
    # only A goes from above 15 minutes (20) to 15 or below (5), and only A is at least 5 minutes faster
    assert v("newly_within_population") == pytest.approx(900.0)
    assert v("newly_within_share_age_65_plus") == pytest.approx(300.0)
    assert v("faster_by_n_population") == pytest.approx(900.0)
    assert v("faster_by_n_share_age_65_plus") == pytest.approx(300.0)
    assert not fig[("desk", "help_sessions")]["applies"]


def test_desk_where_capacity_does_not_bind() -> None:
    opts = [{**OPTIONS[0], "hours_per_week": 20}]  # capacity 1,200 > 800
    rows = run(opts).set_index("metric")["value"]
    assert rows["visits_served"] == pytest.approx(800.0)
    assert rows["unserved_visits"] == pytest.approx(0.0)
    # 2/60 x (320 x 15 + 400 x 0 + 80 x (-20)) = 2/60 x 3,200
    assert rows["travel_hours_saved"] == pytest.approx(3200 / 30)


def test_each_desk_has_its_capacity_and_cost() -> None:
    rows = run([{**OPTIONS[0], "sites": ["Kandidaat", "Bieb"]}]).set_index("metric")["value"]
    assert rows["capacity"] == pytest.approx(1200.0)  # 2 sites x 600
    assert rows["annual_cost"] == pytest.approx(120000.0)  # EUR 60,000 per desk


def test_mobile_desk_timetable(fig: dict[tuple[str, str], dict[str, object]]) -> None:
    assert value(fig, "van", "capacity") == pytest.approx(300.0)
    assert value(fig, "van", "visits_served") == pytest.approx(300.0)
    assert value(fig, "van", "annual_cost") == pytest.approx(15000.0)  # 30 days x EUR 500
    assert value(fig, "van", "cost_per_visit") == pytest.approx(50.0)
    # rationed 300/800 = 0.375: served A 120, B 150, C 30; 2/60 x (120 x 15 + 150 x 0 + 30 x (-20)) = 40
    assert value(fig, "van", "travel_hours_saved") == pytest.approx(40.0)


def test_mobile_stops_share_the_days() -> None:
    # two stops (both at the candidate's place, named twice is not allowed, so two candidates)
    pts = pd.concat([POINTS, pd.DataFrame({"name": ["Kandidaat 2"], "kind": ["candidate"],
                                           "hours_per_week": [np.nan]})], ignore_index=True)
    mins = np.column_stack([MINUTES, MINUTES[:, 1]])
    sc = parse_scenarios({"assumptions": SHARED, "option": [{**OPTIONS[1], "sites": ["Kandidaat", "Kandidaat 2"]}]},
                         "t.toml")
    inp = OptionInputs(mins, pts, WEIGHTS, GROUPS, 15, 5)
    f = appraise(sc.options, sc.assumptions, inp, solve_all, 5, 1, "pert").figures.set_index("metric")["value"]
    # each stop 30 / 2 days x 5 h x 1 x 2 = 150, together 300. Two equal stops, weight w each:
    # P(a stop) = w / (1 + 2w): A 8/17 each, B 1/3 each, C (1/16) / (9/8) = 1/18 each
    assert f["capacity"] == pytest.approx(300.0)
    assert f["visits_demand"] == pytest.approx(0.4 * (900 * 16 / 17 + 2000 * 2 / 3 + 3400 * 2 / 18))
    assert f["visits_served"] == pytest.approx(300.0)


def test_home_visits_library_campaign(fig: dict[tuple[str, str], dict[str, object]]) -> None:
    # eligible 300 + 100 + 50 = 450; 10% uptake = 45 visits at EUR 120
    assert value(fig, "home", "visits_served") == pytest.approx(45.0)
    assert value(fig, "home", "annual_cost") == pytest.approx(5400.0)
    # 2/60 x 0.1 x (300 x 20 + 100 x 10 + 50 x 5) = 2/60 x 725
    assert value(fig, "home", "travel_hours_saved") == pytest.approx(725 / 30)
    assert value(fig, "home", "newly_within_share_age_65_plus") == pytest.approx(30.0)  # A's 300 x 0.1
    assert value(fig, "home", "faster_by_n_population") == pytest.approx(45.0)  # all are 5+ minutes away
    assert not fig[("home", "capacity")]["applies"]
    # 8 h x 50 weeks x 1 library = 400 h at EUR 50; 1.5 helped per hour
    assert value(fig, "lib", "annual_cost") == pytest.approx(20000.0)
    assert value(fig, "lib", "help_sessions") == pytest.approx(600.0)
    assert value(fig, "campaign", "informed_residents") == pytest.approx(112.5)  # 450 x 0.25


def test_not_applicable_has_a_reason_and_no_number(fig: dict[tuple[str, str], dict[str, object]]) -> None:
    for option, metric, reason in [("campaign", "visits_served", "plan.na.campaign_no_visits"),
                                   ("campaign", "cost_per_visit", "plan.na.campaign_no_visits"),
                                   ("lib", "visits_served", "plan.na.ido_no_visits"),
                                   ("lib", "travel_hours_saved", "plan.na.no_travel_change"),
                                   ("home", "unserved_visits", "plan.na.no_capacity_limit")]:
        row = fig[(option, metric)]
        assert not row["applies"] and math.isnan(float(row["value"]))  # type: ignore[arg-type]
        assert row["reason"][0] == reason  # type: ignore[index]
    # every option has every figure, exactly once
    assert sorted({m for _, m in fig}) == sorted(metric_ids(GROUPS))
    assert len(fig) == 5 * len(metric_ids(GROUPS))


def test_no_visits_served_makes_the_ratio_not_applicable() -> None:
    rows = run([{**OPTIONS[0], "hours_per_week": 0}]).set_index("metric")
    assert rows.loc["visits_served", "value"] == 0
    assert not rows.loc["cost_per_visit", "applies"]
    assert rows.loc["cost_per_visit", "reason"][0] == "plan.na.no_visits_served"


def test_more_sites_than_candidates() -> None:
    with pytest.raises(InfeasibleModelError):
        run([{**OPTIONS[0], "count": 2}])


def test_sites_without_hours_is_an_error_naming_the_option() -> None:
    opt = {k: v for k, v in OPTIONS[0].items() if k != "hours_per_week"}
    with pytest.raises(WijkloketError) as exc:
        run([opt])
    assert exc.value.code == "error.scenario_no_hours"
    assert exc.value.params["option"] == "desk" and exc.value.params["sites"] == "Kandidaat"
    # the site's own hours from the points file are used when it has them: Bieb is open 30 h
    rows = run([{**opt, "sites": ["Bieb"]}]).set_index("metric")["value"]
    assert rows["capacity"] == pytest.approx(30 * 1 * 2 * 30)


def test_unknown_site_and_group() -> None:
    with pytest.raises(WijkloketError, match="scenario_site"):
        run([{**OPTIONS[1], "sites": ["Nergens"]}])
    with pytest.raises(WijkloketError, match="scenario_group"):
        run([{**OPTIONS[2], "eligible_group": "share_low_income"}])


def test_a_named_option_spec_without_the_parser() -> None:
    spec = OptionSpec("c", "visibility", {}, {"annual_cost": Range(1, 1, 1), "reach_share": Range(1, 1, 1)},
                      {"target_group": "population"})
    inp = OptionInputs(MINUTES, POINTS, WEIGHTS, GROUPS, 15, 5)
    f = appraise([spec], {}, inp, solve_all, 3, 1, "pert").figures.set_index("metric")["value"]
    assert f["informed_residents"] == pytest.approx(6300.0)
    assert spec.label("en") == "c"


# Uncertainty on the example: collapsed ranges, symmetric ranges, the tornado by hand.

SYMMETRIC = {"visits_per_resident_per_year": [0.4, 0.5, 0.6], "central_share": [0.1, 0.2, 0.3],
             "beta_per_minute": [0.1, 0.1386, 0.1772], "appointments_per_hour": [1.5, 2, 2.5],
             "open_weeks": [26, 30, 34]}
SYMMETRIC_OPTIONS = [{**OPTIONS[0], "annual_cost": [50000, 60000, 70000], "hours_per_week": [8, 10, 12]},
                     {**OPTIONS[2], "cost_per_visit": [100, 120, 140], "uptake": [0.05, 0.1, 0.15]},
                     {**OPTIONS[3], "cost_per_hour": [40, 50, 60]}]


def test_collapsed_ranges_equal_the_deterministic_run() -> None:
    wide = run(SYMMETRIC_OPTIONS, draws=500, **SYMMETRIC)
    collapsed_opts = [{k: (v[1] if isinstance(v, list) else v) for k, v in o.items()} for o in SYMMETRIC_OPTIONS]
    collapsed = run(collapsed_opts, draws=500, **{k: v[1] for k, v in SYMMETRIC.items()})
    applies = collapsed["applies"]
    assert (applies == wide["applies"]).all()
    # the figure is the run with every assumption at its most likely value, whatever the ranges
    np.testing.assert_allclose(wide.loc[applies, "value"], collapsed.loc[applies, "value"], rtol=1e-12)
    # and with every range collapsed, every draw is that run
    np.testing.assert_allclose(collapsed.loc[applies, "low"], collapsed.loc[applies, "value"], rtol=1e-12)
    np.testing.assert_allclose(collapsed.loc[applies, "high"], collapsed.loc[applies, "value"], rtol=1e-12)


@pytest.mark.parametrize("distribution", ["pert", "triangular"])
def test_interval_contains_the_deterministic_value_for_symmetric_ranges(distribution: str) -> None:
    sc = parse_scenarios({"assumptions": SHARED | SYMMETRIC, "option": SYMMETRIC_OPTIONS,
                          "uncertainty": {"distribution": distribution}}, "t.toml")
    inp = OptionInputs(MINUTES, POINTS, WEIGHTS, GROUPS, sc.threshold, sc.faster_by)
    f = appraise(sc.options, sc.assumptions, inp, solve_all, 2000, 11, sc.distribution).figures
    f = f[f["applies"]]
    assert ((f["low"] <= f["value"] + 1e-9) & (f["value"] <= f["high"] + 1e-9)).all(), f
    # and the ranges do move the figures: cost per visit of the desk has a real interval
    cpv = f.set_index(["option", "metric"]).loc[("desk", "cost_per_visit")]
    assert cpv["low"] < cpv["value"] < cpv["high"]


def test_desk_tornado_by_hand() -> None:
    sc = parse_scenarios({"assumptions": SHARED | {"appointments_per_hour": [1.5, 2, 2.5],
                                                   "central_share": [0.1, 0.2, 0.3]},
                          "option": [{**OPTIONS[0], "annual_cost": [30000, 60000, 90000]}]}, "t.toml")
    inp = OptionInputs(MINUTES, POINTS, WEIGHTS, GROUPS, sc.threshold, sc.faster_by)
    bars = appraise(sc.options, sc.assumptions, inp, solve_all, 10, 1, "pert").tornado.set_index("assumption")
    # capacity binds (600 < 800), so cost per visit = cost / (10 h x 1 x a x 30 weeks):
    # annual cost 30,000 / 600 = 50 and 90,000 / 600 = 150 (swing 100); appointments 1.5 and 2.5:
    # 60,000 / 450 = 133.3 and 60,000 / 750 = 80 (swing 53.3); central share 0.1 and 0.3 leave demand
    # (900 / 700 visits) above 600: no swing
    assert list(bars.index) == ["desk.annual_cost", "appointments_per_hour", "central_share"]
    assert bars.loc["desk.annual_cost", ["at_low", "at_high"]].tolist() == pytest.approx([50.0, 150.0])
    assert bars.loc["appointments_per_hour", ["at_low", "at_high"]].tolist() == pytest.approx([60000 / 450, 80.0])
    assert bars.loc["central_share", ["at_low", "at_high"]].tolist() == pytest.approx([100.0, 100.0])
    assert bars["base"].tolist() == pytest.approx([100.0] * 3)
