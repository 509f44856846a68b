"""Properties of the option cost model on random small instances (hypothesis): served never exceeds
capacity or demand, more hours never serve fewer visits, and costs scale linearly in unit costs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wijkloket.plan.options import OptionInputs, appraise, build_model
from wijkloket.plan.scenarios import OptionSpec, Range

POSITIVE = st.floats(0.01, 1000.0, allow_nan=False)


@st.composite
def instances(draw: Any) -> tuple[OptionInputs, str, dict[str, np.ndarray]]:
    """A desk and 1-3 candidates, 1-6 demand points, minutes and residents, and 1-4 draws of every
    assumption of a desk or a mobile desk."""
    n, k, d = draw(st.integers(1, 6)), draw(st.integers(1, 3)), draw(st.integers(1, 4))
    cells = n * (k + 1)
    minutes = np.array(draw(st.lists(st.floats(0.0, 60.0), min_size=cells, max_size=cells))).reshape(n, k + 1)
    pop = np.array(draw(st.lists(st.floats(0.0, 5000.0), min_size=n, max_size=n)))
    points = pd.DataFrame({"name": ["desk", *(f"c{j}" for j in range(k))], "kind": ["desk", *["candidate"] * k],
                           "hours_per_week": np.nan})
    inp = OptionInputs(minutes, points, {"population": pop}, ["population"], 15.0, 5.0)

    def arr(lo: float, hi: float) -> np.ndarray:
        return np.array(draw(st.lists(st.floats(lo, hi), min_size=d, max_size=d)))

    p = {"visits_per_resident_per_year": arr(0, 2), "central_share": arr(0, 1), "beta_per_minute": arr(0, 2),
         "appointments_per_hour": arr(0, 6), "open_weeks": arr(0, 52), "counters": arr(0, 4),
         "hours_per_week": arr(0, 60), "annual_cost": arr(0, 1e6), "cost_per_day": arr(0, 3000),
         "days_per_year": arr(0, 365), "hours_per_day": arr(0, 10)}
    return inp, draw(st.sampled_from(["desk", "mobile"])), p


def spec(kind: str, inp: OptionInputs) -> OptionSpec:
    sites = list(inp.points.loc[inp.cand_cols, "name"])
    values = ({"annual_cost": Range(1, 1, 1), "hours_per_week": Range(1, 1, 1), "counters": Range(1, 1, 1)}
              if kind == "desk" else
              {"cost_per_day": Range(1, 1, 1), "days_per_year": Range(1, 1, 1), "hours_per_day": Range(1, 1, 1),
               "counters": Range(1, 1, 1)})
    return OptionSpec("o", kind, {}, values, {"sites": sites, "count" if kind == "desk" else "stops": len(sites)})


def no_solver(*_: Any) -> list[int]:
    raise AssertionError("named sites need no solver")


@settings(max_examples=150, deadline=None)
@given(instances())
def test_served_at_most_capacity_and_demand(case: tuple[OptionInputs, str, dict[str, np.ndarray]]) -> None:
    inp, kind, p = case
    f = build_model(spec(kind, inp), inp, no_solver).evaluate(p)
    tol = 1e-9 * (1 + f["capacity"] + f["visits_demand"])
    assert np.all(f["visits_served"] <= f["capacity"] + tol)
    assert np.all(f["visits_served"] <= f["visits_demand"] + tol)
    assert np.all(f["visits_served"] >= 0) and np.all(f["unserved_visits"] >= -tol)
    assert np.allclose(f["visits_served"] + f["unserved_visits"], f["visits_demand"])


@settings(max_examples=150, deadline=None)
@given(instances(), st.floats(0.0, 40.0))
def test_more_hours_never_serve_fewer_visits(case: tuple[OptionInputs, str, dict[str, np.ndarray]],
                                             more: float) -> None:
    inp, _, p = case
    model = build_model(spec("desk", inp), inp, no_solver)
    served = model.evaluate(p)["visits_served"]
    served_more = model.evaluate(p | {"hours_per_week": p["hours_per_week"] + more})["visits_served"]
    assert np.all(served_more >= served - 1e-9 * (1 + served))


CASES = [  # (kind, unit cost field, its other fields)
    ("desk", "annual_cost", {"hours_per_week": 20, "counters": 2}),
    ("mobile", "cost_per_day", {"days_per_year": 92, "hours_per_day": 3, "counters": 1}),
    ("home_visits", "cost_per_visit", {"uptake": 0.01}),
    ("library_hours", "cost_per_hour", {"extra_hours_per_week": 8, "weeks_per_year": 50, "helped_per_hour": 1.5}),
    ("visibility", "annual_cost", {"reach_share": 0.25}),
]


@pytest.mark.parametrize("kind,field,others", CASES, ids=[c[0] for c in CASES])
@settings(max_examples=40, deadline=None)
@given(unit=st.floats(1.0, 1e5), factor=st.floats(0.01, 100.0))
def test_costs_scale_linearly_in_unit_costs(kind: str, field: str, others: dict[str, float], unit: float,
                                            factor: float) -> None:
    minutes = np.array([[20.0, 5.0, 10.0], [10.0, 10.0, 10.0], [5.0, 25.0, 10.0]])
    points = pd.DataFrame({"name": ["Stadhuis", "Kandidaat", "Bieb"], "kind": ["desk", "candidate", "library_ido"],
                           "hours_per_week": [40.0, np.nan, 30.0]})
    inp = OptionInputs(minutes, points, {"population": np.array([900.0, 2000.0, 3400.0])}, ["population"], 15, 5)
    settings_ = {"desk": {"sites": ["Kandidaat"], "count": 1}, "mobile": {"sites": ["Kandidaat"], "stops": 1},
                 "home_visits": {"eligible_group": "population"}, "visibility": {"target_group": "population"}}
    shared = {"visits_per_resident_per_year": Range(0.5, 0.5, 0.5), "central_share": Range(0.2, 0.2, 0.2),
              "beta_per_minute": Range(0.1, 0.1, 0.1), "appointments_per_hour": Range(2, 2, 2),
              "open_weeks": Range(30, 30, 30)}

    def figures(cost: float) -> pd.Series:
        values = {field: Range(cost, cost, cost)} | {k: Range(v, v, v) for k, v in others.items()}
        s = OptionSpec("o", kind, {}, values, settings_.get(kind, {}))
        f = appraise([s], shared, inp, no_solver, 3, 1, "pert").figures
        return f[f["applies"]].set_index("metric")["value"]

    base, scaled = figures(unit), figures(unit * factor)
    for metric in ("annual_cost", "cost_per_visit", "cost_per_travel_hour"):
        if metric in base:
            assert scaled[metric] == pytest.approx(base[metric] * factor, rel=1e-9)
    for metric in ("visits_served", "travel_hours_saved", "help_sessions", "informed_residents"):
        if metric in base:
            assert scaled[metric] == pytest.approx(base[metric], rel=1e-12)
