"""Options, costs and optimal locations (question 6)."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wijkloket.access.summary import group_weights, point_weights
from wijkloket.areas.levels import finest_level
from wijkloket.errors import InfeasibleModelError, WijkloketError
from wijkloket.i18n import assumption_label, fmt_number, fmt_plain, t, t_plural
from wijkloket.indicators.desk import DEFAULT_VISIT_RATE, visit_rate
from wijkloket.indicators.registry import Registry
from wijkloket.plan.coverage import coverage_table
from wijkloket.plan.options import GROUP_METRICS, Appraisal, OptionInputs, appraise, metric_ids
from wijkloket.plan.scenarios import Range, Scenario, check_draws, load_scenarios
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


def _capacities(pts: pd.DataFrame, cols: np.ndarray) -> np.ndarray:
    """Each site's capacity_per_week; an error naming the sites that have none."""
    caps = pts["capacity_per_week"].to_numpy(dtype=float)[cols]
    missing = [str(n) for n, c in zip(pts["name"].to_numpy()[cols], caps, strict=True) if not np.isfinite(c)]
    if missing:
        raise WijkloketError("error.plan_no_capacity", n=len(missing), sites=", ".join(missing[:5])
                             + (", …" if len(missing) > 5 else ""))
    return caps


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
            caps = _capacities(pts, cols)
        res = solve_pmedian(dist, p, weights=w, fixed=fixed, capacities=caps, time_limit=time_limit)
    else:
        res = solve_mclp(dist, p, acc.threshold, weights=w, fixed=fixed, time_limit=time_limit)
    chosen = [int(cols[j]) for j in res.open_sites if j not in fixed]
    before_best = mins[:, desk_cols].min(axis=1) if len(desk_cols) else np.full(len(w), np.inf)
    after_best = dist[:, res.open_sites].min(axis=1)
    return LocateOutcome(res, pts.iloc[chosen], pts.iloc[desk_cols],
                         _coverage(acc, before_best, w, prof.gemeente_name),
                         _coverage(acc, after_best, w, prof.gemeente_name), objective, weight, acc.mode,
                         acc.threshold, acc.synthetic or bool(capacity and desk is not None and desk.synthetic),
                         demand=acc.demand,
                         assigned=[int(cols[j]) if j >= 0 else -1 for j in res.assignment], points=pts,
                         geometry=acc.geometry)


@dataclass
class OptionsResult:
    """Every option's figures as a tidy table (`table`: one row per option and figure, the columns of
    TABLE_COLUMNS first), the assumptions with their sources, and the tornado of cost per visit."""

    table: pd.DataFrame
    assumptions: list[tuple[str, str]]  # (name, value with its range and source) printed beside the results
    groups: list[str]
    synthetic: bool
    tornado: pd.DataFrame  # option, label, assumption, input_low, input_high, at_low, at_high, base
    assumption_table: pd.DataFrame  # scope, assumption, low, mode, high, distribution, source
    threshold: float  # minutes: "nearby"
    faster_by: float  # minutes: "faster"
    draws: int
    seed: int
    distribution: str
    seconds: float  # time of the model, the draws and the tornado


HEADLINE = ("annual_cost", "visits_served", "unserved_visits", "cost_per_visit", "travel_hours_saved",
            "cost_per_travel_hour", "newly_within", "faster_by_n")
"""The figures a summary table shows (the per-group ones for the first target group)."""


def headline_metrics(groups: list[str]) -> list[str]:
    """The ids of the HEADLINE figures, the per-group ones for the first group other than residents."""
    target = next((g for g in groups if g != "population"), "population")
    return [f"{m}_{target}" if m in GROUP_METRICS else m for m in HEADLINE]


TABLE_COLUMNS = ("option", "label", "metric", "value", "low", "high", "unit", "applies", "synthetic", "reason",
                 "metric_label", "kind", "sites")


def scenario_assumptions(scenarios: Path | None) -> Scenario:
    """The checked scenarios of a file (or the built-in ones)."""
    return load_scenarios(scenarios)


def _pmedian_sites(dist: np.ndarray, p: int, weights: np.ndarray, fixed: list[int]) -> list[int]:
    from wijkloket.plan.locate import solve_pmedian

    return list(solve_pmedian(dist, p, weights=weights, fixed=fixed, time_limit=30).open_sites)


def _visit_rate(sc: Scenario, desk: DeskResult | None, lang: str) -> tuple[Range, bool]:
    """The visits per resident per year: the desk log's when there is one (one value), else the
    scenario's; and whether it comes from a synthetic log."""
    log_rate = visit_rate(desk.table) if desk is not None else None
    if desk is None or log_rate is None:
        return sc.assumptions["visits_per_resident_per_year"], False
    src = t("plan.rate_from_log", lang, first=min(desk.years), last=max(desk.years)) + (
        " (" + t("report.synthetic_short", lang) + ")" if desk.synthetic else "")
    return Range(log_rate, log_rate, log_rate, src, src), desk.synthetic


def _range_text(field: str, r: Range, distribution: str, lang: str) -> str:
    """An assumption's value in its unit (a share as a percentage), its range and its source, in `lang`."""
    name = t("plan.distribution." + distribution, lang)
    unit = assumption_label(field, lang)[1]
    scale = 100 if unit == "%" else 1
    low, mode, high = (fmt_plain(v * scale, lang) for v in (r.low, r.mode, r.high))
    value = (f"{mode}%" if unit == "%" else f"{mode} {unit}".rstrip())
    value += "" if r.fixed else f" ({low}–{high}{'%' if unit == '%' else ''}, {name})"
    return t("plan.assumption_text", lang, value=value, source=r.source_in(lang) or t("plan.source_none", lang))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _assumptions(sc: Scenario, shared: dict[str, Range], acc: AccessResult, lang: str
                 ) -> tuple[list[tuple[str, str]], pd.DataFrame]:
    """The assumptions as (name, text) lines and as a table (scope, name, low, mode, high, source)."""
    dist = t("plan.distribution." + sc.distribution, lang)
    settings: list[tuple[str, str | float]] = [("mode", t("mode." + acc.mode, lang)),
                                               ("threshold_minutes", acc.threshold),
                                               ("faster_by_minutes", sc.faster_by),
                                               ("detour_factor", acc.settings.detour_factor),
                                               ("speed_kmh", acc.settings.speeds[acc.mode]),
                                               ("uncertainty", t("plan.uncertainty_text", lang, distribution=dist,
                                                                 draws=fmt_number(sc.draws, lang), seed=sc.seed))]
    lines = [(_capital(assumption_label(k, lang)[0]),
              v if isinstance(v, str) else f"{fmt_plain(v, lang)} {assumption_label(k, lang)[1]}".rstrip())
             for k, v in settings]
    scoped = [("all", k, r) for k, r in shared.items()]
    scoped += [(o.id, f, r) for o in sc.options for f, r in o.values.items()]
    option_labels = {o.id: o.label(lang) for o in sc.options}
    lines += [(_capital(assumption_label(name, lang)[0]) if scope == "all" else
               t("plan.assumption_scoped", lang, option=option_labels[scope], name=assumption_label(name, lang)[0]),
               _range_text(name, r, sc.distribution, lang)) for scope, name, r in scoped]
    table = pd.DataFrame([(scope, name, r.low, r.mode, r.high, "fixed" if r.fixed else sc.distribution,
                           r.source_in(lang)) for scope, name, r in scoped],
                         columns=["scope", "assumption", "low", "mode", "high", "distribution", "source"])
    return lines, table


def _labels(registry: Registry, groups: list[str], sc: Scenario, lang: str) -> dict[str, str]:
    """Every figure's label in `lang` (the per-group ones with the group's short name)."""
    out = {}
    for metric in metric_ids(groups):
        base = next((m for m in GROUP_METRICS if metric.startswith(m + "_")), metric)
        group = registry.get(metric[len(base) + 1:]).short(lang) if base != metric else ""
        out[metric] = t("plan.metric." + base, lang, **({"group": group, "minutes": f"{sc.threshold:g}",
                                                         "n": f"{sc.faster_by:g}"} if group else {}))
    return out


RATE_METRICS = ("visits_demand", "visits_served", "unserved_visits", "cost_per_visit", "travel_hours_saved",
                "cost_per_travel_hour")
"""The figures of a desk or mobile desk that rest on the visit rate (from the desk log when there is one)."""


def row_synthetic(kind: pd.Series, metric: pd.Series, points: bool, rate: bool) -> pd.Series:
    """Whether each figure rests on synthetic input: on synthetic service points (every option but a
    campaign uses them: sites, libraries, travel time to the desks), or on a visit rate from a synthetic
    desk log (the visit and travel figures of a desk or mobile desk)."""
    uses_points = kind != "visibility"
    uses_rate = kind.isin(["desk", "mobile"]) & metric.isin(RATE_METRICS)
    return (uses_points & points) | (uses_rate & rate)


def _tidy(ap: Appraisal, sc: Scenario, inp: OptionInputs, registry: Registry, synthetic: tuple[bool, bool],
          lang: str) -> pd.DataFrame:
    specs = {o.id: o for o in sc.options}
    names = inp.points["name"].to_numpy()
    sites = {o: (t_plural("plan.sites_ido", len(rows), lang) if specs[o].kind == "library_hours"
                 else "; ".join(str(names[r]) for r in rows)) for o, rows in ap.sites.items()}
    labels = _labels(registry, inp.groups, sc, lang)

    def reason(note: Any) -> str:
        if note is None:
            return ""
        key, params = note
        return t(key, lang, **{k: registry.get(v).short(lang) if k == "group" else v for k, v in params.items()})

    f = ap.figures
    out = f.assign(label=f["option"].map(lambda o: specs[o].label(lang)),
                   reason=f["reason"].map(reason), metric_label=f["metric"].map(labels),
                   kind=f["option"].map(lambda o: specs[o].kind), sites=f["option"].map(sites))
    out["synthetic"] = row_synthetic(out["kind"], out["metric"], *synthetic)
    for col in ("value", "low", "high"):
        out[col] = out[col].round(4)
    return out[list(TABLE_COLUMNS)]


def plan_options(registry: Registry, prof: ProfileResult, acc: AccessResult, desk: DeskResult | None,
                 sc: Scenario, lang: str = "nl", draws: int | None = None, seed: int | None = None) -> OptionsResult:
    """Cost, capacity and reach of each option in the scenarios `sc`, with 80% intervals from `draws`
    seeded draws (the scenario's own when None) and every assumption stated with its source."""
    check_draws(sc.draws if draws is None else draws, sc.seed if seed is None else seed)
    sc = replace(sc, draws=sc.draws if draws is None else draws, seed=sc.seed if seed is None else seed)
    groups = default_groups(prof, registry)
    rate, synthetic_rate = _visit_rate(sc, desk, lang)
    shared = sc.assumptions | {"visits_per_resident_per_year": rate}
    inp = OptionInputs(acc.minutes, acc.points, _weights(prof, acc, registry, groups), groups, acc.threshold,
                       sc.faster_by)
    started = time.perf_counter()
    ap = appraise(sc.options, shared, inp, _pmedian_sites, sc.draws, sc.seed, sc.distribution)
    seconds = time.perf_counter() - started
    synthetic = acc.synthetic or synthetic_rate
    lines, table = _assumptions(sc, shared, acc, lang)
    labels = {o.id: o.label(lang) for o in sc.options}
    torn = ap.tornado.assign(label=ap.tornado["option"].map(labels))
    return OptionsResult(_tidy(ap, sc, inp, registry, (acc.synthetic, synthetic_rate), lang), lines, groups,
                         synthetic, torn, table,
                         acc.threshold, sc.faster_by, sc.draws, sc.seed, sc.distribution, seconds)


def solve_orlib(path: Path, time_limit: float | None = None) -> dict[str, Any]:
    """Solve an OR-Library p-median instance (pmedN.txt): objective, proven bound, gap, seconds."""
    from wijkloket.plan.locate import solve_pmedian
    from wijkloket.plan.orlib import read_orlib

    dist, p = read_orlib(path)
    r = solve_pmedian(dist, p, time_limit=time_limit)
    return {"instance": path.name, "n": int(dist.shape[0]), "p": p, "objective": r.objective, "bound": r.bound,
            "gap": r.gap, "seconds": round(r.seconds, 3), "status": r.status, "method": r.method}
