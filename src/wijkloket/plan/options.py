"""The option cost model (question 6): what a district desk, a mobile desk, home visits, extra
library hours or a visibility campaign would cost and reach.

Pure: scenario data (validated by `plan.scenarios`), the travel-time matrix demand points x points,
the points, each group's weight per demand point and the visit rate in; one row per option out.
Where a site must be chosen, the p-median solver is passed in. Notes are catalogue keys with
parameters, rendered by the doors in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from wijkloket.errors import InfeasibleModelError, WijkloketError

Note = tuple[str, dict[str, Any]]
SiteSolver = Callable[[np.ndarray, int, np.ndarray, list[int]], list[int]]
"""(minutes demand x sites, sites to open, weights, fixed site columns) -> the open site columns."""


@dataclass
class OptionInputs:
    minutes: np.ndarray  # demand points x points
    points: pd.DataFrame  # name, kind, ...
    weights: Mapping[str, np.ndarray]  # group -> weight per demand point; "population" always present
    groups: list[str]
    rate: float  # visits per resident per year
    threshold: float  # minutes
    capture: float  # share of switching residents' visits a new site serves
    desk_cols: np.ndarray = field(init=False)
    cand_cols: np.ndarray = field(init=False)
    before: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        kinds = self.points["kind"].to_numpy()
        self.desk_cols = np.flatnonzero(kinds == "desk")
        self.cand_cols = np.flatnonzero(kinds == "candidate")
        pop = self.weights["population"]
        self.before = (self.minutes[:, self.desk_cols].min(axis=1) if len(self.desk_cols)
                       else np.full(len(pop), np.inf))


def _new_sites(opt: dict[str, Any], inp: OptionInputs, solve: SiteSolver) -> list[int]:
    count = int(opt.get("count", 1))
    if opt.get("sites", "best") == "best":
        if count > len(inp.cand_cols):
            raise InfeasibleModelError("error.plan_infeasible_sites", asked=len(inp.desk_cols) + count,
                                       candidates=len(inp.cand_cols) + len(inp.desk_cols), fixed=len(inp.desk_cols))
        cols = np.concatenate([inp.desk_cols, inp.cand_cols])
        open_sites = solve(inp.minutes[:, cols], len(inp.desk_cols) + count, inp.weights["population"],
                           list(range(len(inp.desk_cols))))
        return [int(cols[j]) for j in open_sites if j >= len(inp.desk_cols)]
    names = list(opt["sites"])
    known = set(inp.points["name"])
    unknown = [n for n in names if n not in known]
    if unknown:
        raise WijkloketError("error.scenario_site", site=unknown[0],
                             known=", ".join(inp.points.loc[inp.cand_cols, "name"]))
    return [int(inp.points.index[inp.points["name"] == n][0]) for n in names]


def _site_option(opt: dict[str, Any], inp: OptionInputs, solve: SiteSolver) -> tuple[dict[str, Any], list[Note]]:
    """A desk or mobile desk at new sites: residents whose nearest desk becomes a new site switch."""
    kind = opt["kind"]
    new = _new_sites(opt, inp, solve)
    pop = inp.weights["population"]
    after = np.minimum(inp.before, inp.minutes[:, new].min(axis=1))
    switch = after < inp.before
    if kind == "desk":
        cost = float(opt.get("annual_cost", 0.0))
        availability = 1.0
    else:
        cost = float(opt.get("cost_per_day", 0.0)) * float(opt.get("days_per_year", 0.0))
        availability = min(1.0, float(opt.get("days_per_year", 0)) / 250.0)
    factor = inp.rate * inp.capture * availability
    row: dict[str, Any] = {
        "annual_cost": cost, "visits_served": float(np.sum(pop[switch])) * factor,
        "travel_hours_saved": float(np.sum(pop[switch] * (inp.before - after)[switch])) * factor / 60.0,
        "sites": "; ".join(inp.points.loc[new, "name"]),
    }
    newly = (inp.before > inp.threshold) & (after <= inp.threshold)
    for g in inp.groups:
        row[f"newly_within_{g}"] = float(np.sum(inp.weights[g][newly]))
        row[f"reached_{g}"] = float(np.sum(inp.weights[g][switch]))
    return row, [("plan.note_sites", {"n": len(new), "capture": inp.capture, "availability": availability})]


def _only_group(inp: OptionInputs, group: str, value: float) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for g in inp.groups:
        row[f"newly_within_{g}"] = np.nan
        row[f"reached_{g}"] = value if g == group else np.nan
    return row


def _home_visits(opt: dict[str, Any], inp: OptionInputs) -> tuple[dict[str, Any], list[Note]]:
    g = opt.get("eligible_group", "share_age_65_plus")
    w = inp.weights.get(g, inp.weights["population"])
    eligible = float(np.sum(w))
    visits = eligible * float(opt.get("uptake", 0.01))
    mean_minutes = float(np.sum(w * inp.before) / max(eligible, 1e-9))
    row = {"annual_cost": visits * float(opt.get("cost_per_visit", 0.0)), "visits_served": visits,
           "travel_hours_saved": visits * mean_minutes / 60.0, "sites": "", **_only_group(inp, g, visits)}
    return row, [("plan.note_home_visits", {"group": g, "eligible": eligible, "uptake": opt.get("uptake")})]


def _library_hours(opt: dict[str, Any], inp: OptionInputs) -> tuple[dict[str, Any], list[Note]]:
    libs = int((inp.points["kind"] == "library_ido").sum())
    hours = float(opt.get("extra_hours_per_week", 0.0)) * 52 * libs
    visits = hours * float(opt.get("helped_per_hour", 1.0))
    row = {"annual_cost": hours * float(opt.get("cost_per_hour", 0.0)), "visits_served": visits,
           "travel_hours_saved": np.nan, "sites": f"{libs} IDO", **_only_group(inp, "population", visits)}
    return row, [("plan.note_library", {"n": libs})]


def _visibility(opt: dict[str, Any], inp: OptionInputs) -> tuple[dict[str, Any], list[Note]]:
    g = opt.get("target_group", "share_age_65_plus")
    reach = float(np.sum(inp.weights.get(g, inp.weights["population"]))) * float(opt.get("reach_share", 0.0))
    row = {"annual_cost": float(opt.get("annual_cost", 0.0)), "visits_served": np.nan,
           "travel_hours_saved": np.nan, "sites": "", **_only_group(inp, g, reach)}
    return row, [("plan.note_visibility", {"share": opt.get("reach_share"), "group": g})]


def _ratios(row: dict[str, Any], groups: list[str]) -> None:
    row["cost_per_visit"] = row["annual_cost"] / row["visits_served"] if row.get("visits_served") else np.nan
    target = next((g for g in groups if g != "population" and row.get(f"reached_{g}") == row.get(f"reached_{g}")
                   and row.get(f"reached_{g}")), "population")
    reached = row.get(f"reached_{target}") or np.nan
    row["target_group"] = target
    row["cost_per_target_reached"] = row["annual_cost"] / reached if reached == reached and reached else np.nan


def option_rows(options: list[dict[str, Any]], inp: OptionInputs, solve: SiteSolver, lang: str
                ) -> list[tuple[dict[str, Any], list[Note]]]:
    """One row per option (annual cost, visits served, travel hours saved, per group the residents
    newly within the threshold and reached, cost per visit and per target-group resident reached),
    with its notes. Scenario parameters not used by the model are listed in the notes as given."""
    out = []
    for opt in options:
        kind = opt["kind"]
        if kind in ("desk", "mobile"):
            row, notes = _site_option(opt, inp, solve)
        elif kind == "home_visits":
            row, notes = _home_visits(opt, inp)
        elif kind == "library_hours":
            row, notes = _library_hours(opt, inp)
        else:
            row, notes = _visibility(opt, inp)
        label = opt.get(f"label_{lang}") or opt.get("label_nl") or opt["id"]
        row = {"option": opt["id"], "label": label, "kind": kind, **row}
        _ratios(row, inp.groups)
        params = {k: v for k, v in opt.items() if k not in ("id", "kind", "label_nl", "label_en")}
        out.append((row, notes + [("plan.note_param", {"name": k, "value": v}) for k, v in params.items()]))
    return out
