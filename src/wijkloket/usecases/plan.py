"""Options, costs and optimal locations (question 6)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wijkloket.access.summary import group_weights, point_weights
from wijkloket.areas.levels import finest_level
from wijkloket.errors import InfeasibleModelError, WijkloketError
from wijkloket.i18n import fmt_number, t
from wijkloket.indicators.desk import DEFAULT_VISIT_RATE, visit_rate
from wijkloket.indicators.registry import Registry
from wijkloket.plan.coverage import coverage_table
from wijkloket.plan.options import OptionInputs, option_rows
from wijkloket.plan.scenarios import load_scenarios
from wijkloket.usecases.access import AccessResult, default_groups
from wijkloket.usecases.desk import DeskResult
from wijkloket.usecases.profile import ProfileResult

OBJECTIVES = ("pmedian", "mclp")


@dataclass
class LocateOutcome:
    result: Any  # wijkloket.plan.locate.LocateResult
    chosen: pd.DataFrame  # the new sites: name, x, y
    fixed: pd.DataFrame  # the existing desks kept open
    before: pd.DataFrame  # per area (base, district, gemeente): mean minutes and share within T, now
    after: pd.DataFrame  # the same with the new sites
    objective: str
    weight: str
    mode: str
    threshold: float
    synthetic: bool
    demand: pd.DataFrame | None = None
    assigned: list[int] | None = None  # per demand point: the row of `points` serving it
    points: pd.DataFrame | None = None
    geometry: Any = None


def _weights(prof: ProfileResult, acc: AccessResult, registry: Registry, groups: list[str]) -> dict[str, np.ndarray]:
    level = finest_level(prof.table["level"])
    return point_weights(acc.demand, group_weights(prof.table, registry, level, groups))


def _coverage(acc: AccessResult, best: np.ndarray, w: np.ndarray, gemeente_name: str) -> pd.DataFrame:
    dist = acc.districts
    dmap = dist.set_index("area_code")["district"] if dist is not None else pd.Series(dtype=str)
    return coverage_table(acc.demand["area_code"], dmap, gemeente_name, best, w, acc.threshold)


def plan_locate(registry: Registry, prof: ProfileResult, acc: AccessResult, desk: DeskResult | None, add: int = 1,
                objective: str = "pmedian", weight: str = "population", time_limit: float | None = 60.0,
                capacity: bool = False) -> LocateOutcome:
    """Choose `add` new sites among the candidates, existing desks fixed, to minimise weighted travel
    time (p-median) or maximise the weight within the threshold (MCLP). With `capacity`, each site
    serves at most its `capacity_per_week` visits, demand being the residents' visits per week
    (the rate from the desk log `desk` when there is one)."""
    from wijkloket.plan.locate import solve_mclp, solve_pmedian

    registry.get(weight)
    if objective not in OBJECTIVES:
        raise WijkloketError("error.unknown_objective", objective=objective, known=", ".join(OBJECTIVES))
    w = _weights(prof, acc, registry, [weight])[weight]
    pts, mins = acc.points, acc.minutes
    desk_cols = np.flatnonzero((pts["kind"] == "desk").to_numpy())
    cand_cols = np.flatnonzero((pts["kind"] == "candidate").to_numpy())
    if add > len(cand_cols):
        raise InfeasibleModelError("error.plan_infeasible_sites", asked=len(desk_cols) + add,
                                   candidates=len(cand_cols) + len(desk_cols), fixed=len(desk_cols))
    cols = np.concatenate([desk_cols, cand_cols])
    dist = mins[:, cols]
    fixed = list(range(len(desk_cols)))
    p = len(desk_cols) + add
    if objective == "pmedian":
        caps = None
        if capacity:
            rate = (visit_rate(desk.table) if desk is not None else None) or DEFAULT_VISIT_RATE
            w = w * rate / 52.0  # visits per week
            caps = pts["capacity_per_week"].to_numpy()[cols].astype(float)
        res = solve_pmedian(dist, p, weights=w, fixed=fixed, capacities=caps, time_limit=time_limit)
    else:
        res = solve_mclp(dist, p, acc.threshold, weights=w, fixed=fixed, time_limit=time_limit)
    chosen = [int(cols[j]) for j in res.open_sites if j not in fixed]
    before_best = mins[:, desk_cols].min(axis=1) if len(desk_cols) else np.full(len(w), np.inf)
    after_best = dist[:, res.open_sites].min(axis=1)
    return LocateOutcome(res, pts.iloc[chosen], pts.iloc[desk_cols],
                         _coverage(acc, before_best, w, prof.gemeente_name),
                         _coverage(acc, after_best, w, prof.gemeente_name), objective, weight, acc.mode,
                         acc.threshold, acc.synthetic, demand=acc.demand,
                         assigned=[int(cols[j]) if j >= 0 else -1 for j in res.assignment], points=pts,
                         geometry=acc.geometry)


@dataclass
class OptionsResult:
    table: pd.DataFrame  # one row per option
    assumptions: list[tuple[str, str]]  # (name, value with its source) printed beside the results
    groups: list[str]
    synthetic: bool


def scenario_assumptions(scenarios: Path | None) -> tuple[dict[str, Any], str, float]:
    """(the scenario data, travel mode, threshold in minutes) of a scenario file."""
    raw = load_scenarios(scenarios)
    a = raw.get("assumptions", {})
    return raw, str(a.get("mode", "bike")), float(a.get("threshold_minutes", 15))


def _pmedian_sites(dist: np.ndarray, p: int, weights: np.ndarray, fixed: list[int]) -> list[int]:
    from wijkloket.plan.locate import solve_pmedian

    return list(solve_pmedian(dist, p, weights=weights, fixed=fixed, time_limit=30).open_sites)


def _note_text(key: str, params: dict[str, Any], lang: str) -> str:
    shown = {k: fmt_number(v, lang, 2 if k == "availability" else 0) if k in ("eligible", "availability") else v
             for k, v in params.items()}
    return t(key, lang, **shown)


def plan_options(registry: Registry, prof: ProfileResult, acc: AccessResult, desk: DeskResult | None,
                 raw: dict[str, Any], lang: str = "nl") -> OptionsResult:
    """Cost and reach of each option in the scenario data `raw`, every assumption stated."""
    a = raw.get("assumptions", {})
    capture = float(a.get("capture_share", 0.6))
    groups = default_groups(prof, registry)
    rate = float(a.get("visits_per_resident_per_year", DEFAULT_VISIT_RATE))
    rate_src = t("plan.rate_from_scenarios", lang)
    log_rate = visit_rate(desk.table) if desk is not None else None
    if desk is not None and log_rate is not None:
        rate = log_rate
        rate_src = t("plan.rate_from_log", lang, first=min(desk.years), last=max(desk.years)) + (
            " (" + t("report.synthetic_short", lang) + ")" if desk.synthetic else "")
    inp = OptionInputs(acc.minutes, acc.points, _weights(prof, acc, registry, groups), groups, rate, acc.threshold,
                       capture)
    assumptions = [("mode", acc.mode), ("threshold_minutes", f"{acc.threshold:g}"),
                   ("visits_per_resident_per_year", f"{rate:.3f} ({rate_src})"), ("capture_share", f"{capture:g}"),
                   ("detour_factor", f"{acc.settings.detour_factor:g}"),
                   ("speed_kmh", f"{acc.settings.speeds[acc.mode]:g}")]
    rows = []
    for row, notes in option_rows(raw.get("option", []), inp, _pmedian_sites, lang):
        row["assumptions"] = "; ".join(_note_text(k, p, lang) for k, p in notes)
        rows.append(row)
    return OptionsResult(pd.DataFrame(rows), assumptions, groups, acc.synthetic)


def solve_orlib(path: Path, time_limit: float | None = None) -> dict[str, Any]:
    """Solve an OR-Library p-median instance (pmedN.txt): objective, proven bound, gap, seconds."""
    from wijkloket.plan.locate import solve_pmedian
    from wijkloket.plan.orlib import read_orlib

    dist, p = read_orlib(path)
    r = solve_pmedian(dist, p, time_limit=time_limit)
    return {"instance": path.name, "n": int(dist.shape[0]), "p": p, "objective": r.objective, "bound": r.bound,
            "gap": r.gap, "seconds": round(r.seconds, 3), "status": r.status, "method": r.method}
