"""The option cost model (question 6): what a district desk, a mobile desk, home visits, extra
library hours or a visibility campaign would cost and serve, with one set of figures for every option.

Pure: the checked scenario (`plan.scenarios`), the travel-time matrix demand points x points, the
points and each group's residents per demand point in; per option and figure its most likely value
and 80% interval out. Where a site must be chosen, the p-median solver is passed in.

The model, per option kind:

- **demand**: residents x visits per resident per year at each demand point; a share of the visits
  must stay at the central desk (collecting documents, urgent and complex cases).
- **choice** (desk, mobile desk): the rest chooses between the current (nearest existing) desk and
  the option's sites by a multinomial logit on travel time, P(site j) = exp(-beta t_j) / sum_k
  exp(-beta t_k), the current desk included (McFadden 1974; the same form as the logit on extra
  travel time beyond the nearest hospital of Varkevisser & van der Geest 2007).
- **capacity**: a desk serves at most hours per week x counters x appointments per hour x open
  weeks; a mobile desk, one stop a day in rotation, days per year / stops x hours per day x counters
  x appointments per hour at each stop. Served = min(capacity, demand choosing the site), rationed in
  proportion to demand; unserved demand stays at the existing desks and is reported.
- home visits serve the uptake of the eligible group; extra library hours give help sessions (no
  desk visits); a campaign informs a share of its target group (no visits).

Figures that do not apply to an option are "not applicable" with a reason (a catalogue key), never a
number: a ratio is only formed from figures that apply, draw by draw.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from wijkloket.errors import InfeasibleModelError, WijkloketError
from wijkloket.plan.scenarios import OptionSpec, Range
from wijkloket.plan.uncertainty import Params, draw, interval, modes, tornado

Note = tuple[str, dict[str, Any]]
SiteSolver = Callable[[np.ndarray, int, np.ndarray, list[int]], list[int]]
"""(minutes demand x sites, sites to open, weights, fixed site columns) -> the open site columns."""
Figures = dict[str, np.ndarray]

METRICS = ("annual_cost", "capacity", "visits_demand", "visits_served", "unserved_visits", "cost_per_visit",
           "travel_hours_saved", "cost_per_travel_hour", "newly_within", "faster_by_n", "help_sessions",
           "informed_residents")
"""Every figure, in the order shown; `newly_within` and `faster_by_n` are per group (`<metric>_<group>`)."""
GROUP_METRICS = ("newly_within", "faster_by_n")
UNITS = {"annual_cost": "EUR/year", "capacity": "visits/year", "visits_demand": "visits/year",
         "visits_served": "visits/year", "unserved_visits": "visits/year", "cost_per_visit": "EUR/visit",
         "travel_hours_saved": "hours/year", "cost_per_travel_hour": "EUR/hour", "newly_within": "residents",
         "faster_by_n": "residents", "help_sessions": "sessions/year", "informed_residents": "residents"}
REASONS = ("campaign_no_visits", "ido_no_visits", "no_travel_change", "no_capacity_limit", "group_overlap",
           "only_library", "only_campaign", "no_visits_served", "no_hours_saved")
"""Why a figure does not apply (catalogue `plan.na.<reason>`)."""
SHARED = {"desk": ("visits_per_resident_per_year", "central_share", "beta_per_minute", "appointments_per_hour",
                   "open_weeks"),
          "mobile": ("visits_per_resident_per_year", "central_share", "beta_per_minute", "appointments_per_hour")}
"""The shared assumptions each kind uses (the others use none)."""
ROUND_TRIP = 2.0  # a visit is a trip there and back
CHUNK = 2_000_000  # demand points x sites x draws held in memory at once


@dataclass
class OptionInputs:
    minutes: np.ndarray  # demand points x points
    points: pd.DataFrame  # name, kind, hours_per_week, ...
    weights: Mapping[str, np.ndarray]  # group -> residents per demand point; "population" always present
    groups: list[str]
    threshold: float  # minutes: "nearby"
    faster_by: float  # minutes: "faster"
    desk_cols: np.ndarray = field(init=False)
    cand_cols: np.ndarray = field(init=False)
    before: np.ndarray = field(init=False)  # minutes to the nearest existing desk

    def __post_init__(self) -> None:
        kinds = self.points["kind"].to_numpy()
        self.desk_cols = np.flatnonzero(kinds == "desk")
        self.cand_cols = np.flatnonzero(kinds == "candidate")
        pop = self.weights["population"]
        self.before = (self.minutes[:, self.desk_cols].min(axis=1) if len(self.desk_cols)
                       else np.full(len(pop), np.inf))


@dataclass
class Model:
    """One option ready to evaluate: `evaluate` maps the option's assumptions (one array each, one
    value per draw) to its figures; `na` says which figures do not apply, and why."""

    evaluate: Callable[[Params], Figures]
    uses: tuple[str, ...]  # the shared assumptions it reads
    na: dict[str, Note]
    sites: list[int] = field(default_factory=list)


def _new_sites(spec: OptionSpec, inp: OptionInputs, solve: SiteSolver) -> list[int]:
    count = int(spec.settings.get("count", spec.settings.get("stops", 1)))
    if spec.settings["sites"] == "best":
        if count > len(inp.cand_cols):
            raise InfeasibleModelError("error.plan_infeasible_sites", asked=len(inp.desk_cols) + count,
                                       candidates=len(inp.cand_cols) + len(inp.desk_cols), fixed=len(inp.desk_cols))
        cols = np.concatenate([inp.desk_cols, inp.cand_cols])
        open_sites = solve(inp.minutes[:, cols], len(inp.desk_cols) + count, inp.weights["population"],
                           list(range(len(inp.desk_cols))))
        return [int(cols[j]) for j in open_sites if j >= len(inp.desk_cols)]
    names = list(spec.settings["sites"])
    known = set(inp.points["name"])
    unknown = [n for n in names if n not in known]
    if unknown:
        raise WijkloketError("error.scenario_site", site=unknown[0],
                             known=", ".join(inp.points.loc[inp.cand_cols, "name"]))
    return [int(inp.points.index[inp.points["name"] == n][0]) for n in names]


def _reach(inp: OptionInputs, after: np.ndarray, users: np.ndarray | float = 1.0) -> dict[str, float]:
    """Per group, residents whose time to the nearest desk falls to the threshold or below (from above
    it), and whose time falls by at least `faster_by` minutes; `users` scales the residents."""
    newly = (inp.before > inp.threshold) & (after <= inp.threshold)
    faster = (inp.before - after) >= inp.faster_by
    out = {}
    for g in inp.groups:
        w = inp.weights[g] * users
        out[f"newly_within_{g}"] = float(np.sum(w[newly]))
        out[f"faster_by_n_{g}"] = float(np.sum(w[faster]))
    return out


def _hours(spec: OptionSpec, inp: OptionInputs, sites: list[int]) -> np.ndarray | None:
    """Hours per week of each new desk from the points file, when the option does not set them."""
    if "hours_per_week" in spec.values:
        return None
    pts = inp.points
    hours = (pts["hours_per_week"].to_numpy(dtype=float)[sites] if "hours_per_week" in pts
             else np.full(len(sites), np.nan))
    if np.isnan(hours).any():
        missing = [str(pts.loc[s, "name"]) for s, h in zip(sites, hours, strict=True) if np.isnan(h)]
        raise WijkloketError("error.scenario_no_hours", file=spec.file, option=spec.id, sites=", ".join(missing))
    return hours


def _capacity(kind: str, p: Params, hours: np.ndarray | None, k: int) -> np.ndarray:
    """Visits a year each site can take (draws x sites)."""
    per_hour = (p["counters"] * p["appointments_per_hour"])[:, None]
    if kind == "mobile":  # one stop a day, in rotation
        cap = per_hour * (p["days_per_year"] / k * p["hours_per_day"])[:, None]
    else:
        weekly = p["hours_per_week"][:, None] if hours is None else hours[None, :]
        cap = per_hour * weekly * p["open_weeks"][:, None]
    return np.broadcast_to(cap, (len(per_hour), k))


def _site_model(spec: OptionSpec, inp: OptionInputs, solve: SiteSolver) -> Model:
    """A district desk or a mobile desk at new sites (see the module's text)."""
    if not len(inp.desk_cols):
        raise WijkloketError("error.plan_no_desk", file=spec.file, option=spec.id)
    sites = _new_sites(spec, inp, solve)
    k = len(sites)
    delta = inp.minutes[:, sites] - inp.before[:, None]  # extra minutes to each new site (negative: nearer)
    pop = inp.weights["population"]
    hours = _hours(spec, inp, sites) if spec.kind == "desk" else None
    reach = _reach(inp, np.minimum(inp.before, inp.minutes[:, sites].min(axis=1)))
    step = max(1, CHUNK // max(1, delta.size))

    def evaluate(p: Params) -> Figures:
        n = len(p["central_share"])
        persons, saved_minutes = np.empty((n, k)), np.empty((n, k))
        for s in range(0, n, step):  # memory: demand points x sites x draws of a chunk
            beta = p["beta_per_minute"][s:s + step, None, None]
            weight = np.exp(np.clip(-beta * delta[None], -50.0, 50.0))
            share = weight / (1.0 + weight.sum(axis=2, keepdims=True))  # the current desk has weight 1
            persons[s:s + step] = np.einsum("dik,i->dk", share, pop)
            saved_minutes[s:s + step] = np.einsum("dik,i,ik->dk", share, pop, -delta)
        movable = p["visits_per_resident_per_year"] * (1.0 - p["central_share"])
        demand = movable[:, None] * persons
        cap = _capacity(spec.kind, p, hours, k)
        served = np.minimum(cap, demand)
        rationed = np.divide(served, demand, out=np.zeros_like(served), where=demand > 0)
        cost = (p["annual_cost"] * k if spec.kind == "desk" else p["cost_per_day"] * p["days_per_year"])
        out = {"annual_cost": cost, "capacity": cap.sum(axis=1), "visits_demand": demand.sum(axis=1),
               "visits_served": served.sum(axis=1), "unserved_visits": (demand - served).sum(axis=1),
               "travel_hours_saved": ROUND_TRIP / 60.0 * movable * (rationed * saved_minutes).sum(axis=1)}
        return out | {m: np.full(n, v) for m, v in reach.items()}

    na: dict[str, Note] = {"help_sessions": ("plan.na.only_library", {}),
                           "informed_residents": ("plan.na.only_campaign", {})}
    return Model(evaluate, SHARED[spec.kind], na, sites)


def _home_visits(spec: OptionSpec, inp: OptionInputs) -> Model:
    """Home visits for the eligible group: its uptake is served at home, which saves the trip to the
    nearest desk (time to the desk becomes zero for those who use it)."""
    if not len(inp.desk_cols):
        raise WijkloketError("error.plan_no_desk", file=spec.file, option=spec.id)
    g = _group(spec, "eligible_group", inp)
    w = inp.weights[g]
    eligible, minutes = float(np.sum(w)), float(np.sum(w * inp.before))
    newly = float(np.sum(w[inp.before > inp.threshold]))
    faster = float(np.sum(w[inp.before >= inp.faster_by]))
    users_of = sorted({g, "population"})  # the users are residents of the eligible group

    def evaluate(p: Params) -> Figures:
        up = p["uptake"]
        visits = up * eligible
        out = {"annual_cost": visits * p["cost_per_visit"], "visits_demand": visits, "visits_served": visits,
               "travel_hours_saved": ROUND_TRIP / 60.0 * up * minutes}
        for grp in users_of:
            out[f"newly_within_{grp}"], out[f"faster_by_n_{grp}"] = up * newly, up * faster
        return out

    na: dict[str, Note] = {"capacity": ("plan.na.no_capacity_limit", {}),
                           "unserved_visits": ("plan.na.no_capacity_limit", {}),
                           "help_sessions": ("plan.na.only_library", {}),
                           "informed_residents": ("plan.na.only_campaign", {})}
    na |= {f"{m}_{grp}": ("plan.na.group_overlap", {"group": g}) for m in GROUP_METRICS for grp in inp.groups
           if grp not in users_of}
    return Model(evaluate, (), na)


def _group(spec: OptionSpec, name: str, inp: OptionInputs) -> str:
    g = str(spec.settings[name])
    if g not in inp.weights:
        raise WijkloketError("error.scenario_group", file=spec.file, option=spec.id, field=name, group=g,
                             known=", ".join(inp.groups))
    return g


def _no_desk_change(reason: str, inp: OptionInputs) -> dict[str, Note]:
    """Figures that need a desk (visits, travel time) do not apply; `reason` for the visits."""
    visits = ("capacity", "visits_demand", "visits_served", "unserved_visits", "cost_per_visit")
    na: dict[str, Note] = {m: (f"plan.na.{reason}", {}) for m in visits}
    travel = ["travel_hours_saved", "cost_per_travel_hour", *(f"{m}_{g}" for m in GROUP_METRICS for g in inp.groups)]
    return na | {m: ("plan.na.no_travel_change", {}) for m in travel}


def _library_hours(spec: OptionSpec, inp: OptionInputs) -> Model:
    """Extra hours at every library IDO point: help sessions with digital government, no desk visits."""
    libs = int((inp.points["kind"] == "library_ido").sum())

    def evaluate(p: Params) -> Figures:
        hours = p["extra_hours_per_week"] * p["weeks_per_year"] * libs
        return {"annual_cost": hours * p["cost_per_hour"], "help_sessions": hours * p["helped_per_hour"]}

    na = _no_desk_change("ido_no_visits", inp) | {"informed_residents": ("plan.na.only_campaign", {})}
    return Model(evaluate, (), na, [int(i) for i in np.flatnonzero(inp.points["kind"] == "library_ido")])


def _visibility(spec: OptionSpec, inp: OptionInputs) -> Model:
    """A campaign that makes existing support known to a share of its target group."""
    total = float(np.sum(inp.weights[_group(spec, "target_group", inp)]))

    def evaluate(p: Params) -> Figures:
        return {"annual_cost": p["annual_cost"], "informed_residents": p["reach_share"] * total}

    na = _no_desk_change("campaign_no_visits", inp) | {"help_sessions": ("plan.na.only_library", {})}
    return Model(evaluate, (), na)


def build_model(spec: OptionSpec, inp: OptionInputs, solve: SiteSolver) -> Model:
    if spec.kind in ("desk", "mobile"):
        return _site_model(spec, inp, solve)
    if spec.kind == "home_visits":
        return _home_visits(spec, inp)
    if spec.kind == "library_hours":
        return _library_hours(spec, inp)
    return _visibility(spec, inp)


@dataclass
class Appraisal:
    """Per option and figure its value with every assumption at its most likely value, and the 10th
    and 90th percentile over the draws (`figures`); the tornado of cost per visit (`tornado`)."""

    figures: pd.DataFrame  # option, metric, value, low, high, unit, applies, reason (a Note or None)
    tornado: pd.DataFrame  # option, assumption, input_low, input_high, at_low, at_high, base
    sites: dict[str, list[int]]  # option -> rows of the points it opens or uses
    ranges: dict[str, Range]  # every assumption: shared by name, an option's own as "<option>.<field>"


def _ratios(f: Figures) -> Figures:
    """Cost per visit served and per travel hour saved, draw by draw, where the denominator applies
    and is positive (else NaN)."""
    out = dict(f)
    for name, base in (("cost_per_visit", "visits_served"), ("cost_per_travel_hour", "travel_hours_saved")):
        if base in f:
            cost, d = np.broadcast_arrays(f["annual_cost"], f[base])
            out[name] = np.divide(cost, d, out=np.full(d.shape, np.nan), where=d > 0)
    return out


def _cost_per_visit(model: Model) -> Callable[[Params], np.ndarray]:
    return lambda p: _ratios(model.evaluate(p))["cost_per_visit"]


def metric_ids(groups: list[str]) -> list[str]:
    """Every figure's id in order: the per-group ones once per group."""
    return [f"{m}_{g}" if m in GROUP_METRICS else m for m in METRICS for g in (groups if m in GROUP_METRICS else [""])]


def _unit(metric: str) -> str:
    return UNITS[next((m for m in GROUP_METRICS if metric.startswith(m + "_")), metric)]


def _rows(spec: OptionSpec, model: Model, det: Figures, mc: Figures, groups: list[str]) -> list[dict[str, Any]]:
    rows = []
    for metric in metric_ids(groups):
        reason = model.na.get(metric)
        value = low = high = float("nan")
        if reason is None:
            value = float(det[metric][0])
            if np.isfinite(value):
                low, high = interval(mc[metric])
            else:
                reason = ("plan.na.no_visits_served" if metric == "cost_per_visit" else "plan.na.no_hours_saved", {})
        rows.append({"option": spec.id, "metric": metric, "value": value, "low": low, "high": high,
                     "unit": _unit(metric), "applies": reason is None, "reason": reason})
    return rows


def appraise(specs: list[OptionSpec], shared: Mapping[str, Range], inp: OptionInputs, solve: SiteSolver,
             draws: int, seed: int, distribution: str) -> Appraisal:
    """Every option of `specs` with the shared assumptions `shared`: the most likely figures, their 80%
    intervals over `draws` seeded draws of every assumption (common to all options), and the tornado of
    cost per visit (each assumption at its low and high, one at a time)."""
    models = {s.id: build_model(s, inp, solve) for s in specs}
    ranges = dict(shared) | {f"{s.id}.{f}": r for s in specs for f, r in s.values.items()}
    sampled = draw(ranges, draws, seed, distribution)
    rows: list[dict[str, Any]] = []
    bars: list[tuple[str, str, float, float, float, float, float]] = []
    for spec in specs:
        model = models[spec.id]
        names = {k: k for k in model.uses} | {f: f"{spec.id}.{f}" for f in spec.values}
        local = {k: ranges[full] for k, full in names.items()}
        det = _ratios(model.evaluate(modes(local)))
        rows += _rows(spec, model, det, _ratios(model.evaluate({k: sampled[f] for k, f in names.items()})),
                      inp.groups)
        if "cost_per_visit" in model.na or not np.isfinite(det["cost_per_visit"][0]):
            continue
        base = float(det["cost_per_visit"][0])
        for k, at_low, at_high in tornado(local, list(local), _cost_per_visit(model)):
            bars.append((spec.id, names[k], local[k].low, local[k].high, at_low, at_high, base))
    tornado_frame = pd.DataFrame(bars, columns=["option", "assumption", "input_low", "input_high", "at_low",
                                                "at_high", "base"])
    return Appraisal(pd.DataFrame(rows), tornado_frame, {s: m.sites for s, m in models.items()}, ranges)
