"""The core the doors call: workspace actions and the analyses, returning tables and values.

The CLI, the report and (later) the web app parse input, call these functions and format what
they return; nothing here prints, exits or reads settings beyond the workspace it is handed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wijkloket.areas.districts import read_district_file, validate_districts
from wijkloket.config import Settings, check_gemeente_code
from wijkloket.errors import InputFileError, WijkloketError, WorkspaceError
from wijkloket.indicators.profile import ALL_LEVELS, profile
from wijkloket.indicators.registry import Registry
from wijkloket.sources.base import IngestResult
from wijkloket.sources.cbs import read_cbs
from wijkloket.sources.files import check_file, sha256
from wijkloket.store.workspace import AddOutcome, Workspace, create_workspace

MISSING_REASONS = ("not_available", "not_applicable", "suppressed", "empty", "invalid")


def init_workspace(folder: Path, gemeente: str, lang: str = "nl") -> Path:
    settings = Settings(gemeente=check_gemeente_code(gemeente), name=folder.name, lang=lang)
    return create_workspace(folder, settings)


@dataclass
class AddReport:
    outcome: AddOutcome
    kind: str
    dataset: str
    year: int | None
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def add_cbs(ws: Workspace, path: Path, registry: Registry, year: int | None = None,
            layer: str | None = None, encoding: str | None = None) -> AddReport:
    check_file(path)
    digest = sha256(path)
    result: IngestResult = read_cbs(path, ws.gemeente, registry, year=year, layer=layer,
                                    encoding=encoding)
    outcome = ws.add_ingest(result, path, digest)
    reasons = result.rejections["reason"].value_counts().to_dict() if len(result.rejections) else {}
    return AddReport(outcome, result.kind, result.dataset, result.year, result.rows_read,
                     result.rows_accepted, result.rows_rejected,
                     {str(k): int(v) for k, v in reasons.items()}, result.warnings)


def latest_year(ws: Workspace) -> int:
    years = ws.years()
    if not years:
        raise WorkspaceError("error.no_cbs_data", folder=str(ws.folder))
    return years[-1]


def _area_codes(ws: Workspace, year: int) -> list[str]:
    areas = ws.areas(year)
    return [c for c, lv in areas["level"].items() if lv in ("wijk", "buurt")]


def add_districts(ws: Workspace, path: Path) -> AddReport:
    check_file(path)
    table = read_district_file(path)
    year = latest_year(ws)
    checked = validate_districts(table, ws.gemeente, _area_codes(ws, year), str(path), year)
    outcome = ws.add_districts(checked, path, sha256(path))
    return AddReport(outcome, "districts", "Indeling in stadsdelen", None, len(table),
                     len(table), 0)


# -- question 1: the source inventory --------------------------------------------------------

def inventory(ws: Workspace, registry: Registry) -> list[dict[str, Any]]:
    """One entry per source: what it is, what it covers, which indicators it provides and which
    it lacks, with the reason."""
    out = []
    for src in ws.sources().to_dict("records"):
        entry: dict[str, Any] = dict(src)
        provides: list[str] = []
        lacks: dict[str, str] = {}
        if src["kind"].startswith("cbs_"):
            status = ws.value_status(int(src["source_id"]))
            per_var: dict[str, dict[str, int]] = {}
            for row in status.itertuples():
                per_var.setdefault(str(row.variable), {})[str(row.status)] = int(row.n)
            for ind in registry.indicators.values():
                best: str | None = None
                for option in ind.options:
                    if all(per_var.get(v, {}).get("ok", 0) > 0 for v in option):
                        best = "ok"
                        break
                    for v in option:
                        counts = per_var.get(v)
                        if counts is None:
                            best = best or "not_in_file"
                        elif counts.get("ok", 0) == 0:
                            best = max(counts, key=lambda k: counts[k])
                if best == "ok":
                    provides.append(ind.id)
                else:
                    lacks[ind.id] = best or "not_in_file"
        entry["provides"] = provides
        entry["lacks"] = lacks
        out.append(entry)
    return out


# -- question 4: district profiles -----------------------------------------------------------

@dataclass
class ProfileResult:
    table: pd.DataFrame
    year: int
    gemeente: str
    gemeente_name: str
    notes: list[tuple[str, dict[str, Any]]]
    districts_from_file: bool


def district_profile(ws: Workspace, registry: Registry, year: int | None = None,
                     levels: tuple[str, ...] = ALL_LEVELS,
                     indicator_ids: list[str] | None = None) -> ProfileResult:
    year = year if year is not None else latest_year(ws)
    if year not in ws.years():
        raise InputFileError("error.year_not_in_store", year=year,
                             years=", ".join(map(str, ws.years())) or "-")
    areas = ws.areas(year)
    gm_rows = areas[areas["level"] == "gemeente"]
    sub = areas[areas["level"].isin(["wijk", "buurt"])].copy()
    values = ws.values(year)
    districts = ws.districts()
    from_file = districts is not None
    if districts is not None:
        # Check again against this year's areas: the CBS indeling changes from year to year.
        checked = districts.assign(row_number=range(2, len(districts) + 2))
        validate_districts(checked, ws.gemeente, list(sub.index), "districts", year)
        names = districts.set_index("area_code")["area_name"]
        fill = sub["name"].isna() | (sub["name"] == "")
        sub.loc[fill, "name"] = sub.index[fill].map(names)
    sub["name"] = sub["name"].fillna("").where(sub["name"].fillna("") != "", sub.index)
    gm_name = ""
    for cand in list(gm_rows.get("name", [])) + list(sub["gemeente_name"]):
        if isinstance(cand, str) and cand:
            gm_name = str(cand)
            break
    inds = ([registry.get(i) for i in indicator_ids] if indicator_ids
            else list(registry.indicators.values()))
    table = profile(sub, values, inds, districts, levels, {ws.gemeente: gm_name or ws.gemeente})
    notes: list[tuple[str, dict[str, Any]]] = []
    if ws.gemeente in values.index and "population" in values.columns:
        published = values.loc[ws.gemeente, "population"]
        summed = table[(table["level"] == "gemeente") & (table["indicator"] == "population")]
        if len(summed) and not np.isnan(published):
            notes.append(("note.population_check", {
                "published": int(published), "summed": int(summed["value"].iloc[0]),
            }))
    return ProfileResult(table, year, ws.gemeente, gm_name or ws.gemeente, notes, from_file)


# -- question 8: the report ------------------------------------------------------------------

def report_context(ws: Workspace, registry: Registry, lang: str, year: int | None = None) -> Any:
    from wijkloket.report.html import ReportContext

    prof = district_profile(ws, registry, year)
    srcs = inventory(ws, registry)
    extra: dict[str, Any] = {}
    for kind in ("visit", "issuance"):
        if any(s["kind"] == kind for s in srcs):
            extra[kind] = desk_use(ws, kind)
    if any(s["kind"] == "points" for s in srcs):
        extra["access"] = accessibility(ws, registry)
        if (ws.points()["kind"] == "candidate").any():
            extra["options"] = plan_options(ws, registry, None, lang)
            extra["locate"] = plan_locate(ws, registry, 1)
    return ReportContext(
        extra=extra,
        lang=lang, table=prof.table, year=prof.year, gemeente=prof.gemeente,
        gemeente_name=prof.gemeente_name, registry=registry, inventory=srcs,
        geometry=ws.geometry(prof.year), districts=ws.districts(), notes=prof.notes,
        synthetic=any(bool(s["synthetic"]) for s in srcs),
    )


def write_report(ws: Workspace, registry: Registry, out_dir: Path, lang: str,
                 year: int | None = None) -> Path:
    from wijkloket.report.html import render

    return render(report_context(ws, registry, lang, year), out_dir)


# -- questions 2 and 3: desk use and issuances by origin -------------------------------------

def add_postcodes(ws: Workspace, path: Path) -> AddReport:
    from wijkloket.sources.postcodes import read_postcodes

    check_file(path)
    result = read_postcodes(ws.con, path, ws.gemeente)
    outcome = ws.add_postcodes(result, path, sha256(path))
    return AddReport(outcome, "postcodes", "Postcode naar buurt/wijk", result.year, result.rows_read,
                     result.rows_accepted, result.rows_read - result.rows_accepted, result.rejected_by_reason)


@dataclass
class LogReport:
    add: AddReport
    period: tuple[str, str] | None
    columns_dropped: list[str]
    bsn_columns: list[str]
    unknown_products: dict[str, int]
    first_problems: list[dict[str, Any]]
    overlaps: list[dict[str, str]]
    rejected_file: Path | None
    synthetic: bool


def _write_rejected(ws: Workspace, path: Path, imp: Any, delimiter: str | None) -> Path | None:
    """Rejected rows beside the workspace, in the input's layout (identifying columns blanked) plus
    the reason, so they can be fixed and added again."""
    if imp is None or imp.rejected_rows.empty:
        return None
    out_dir = ws.folder / "afgewezen"
    out_dir.mkdir(exist_ok=True)
    out = out_dir / f"{path.stem}_afgewezen.csv"
    enc = "cp1252" if imp.encoding == "cp1252" else "utf-8"
    imp.rejected_rows.to_csv(out, sep=delimiter or ";", index=False, encoding=enc, errors="replace")
    return out


def add_log(ws: Workspace, path: Path, mapping_path: Path, kind: str, sheet: str | None = None,
            max_rejected: float = 2.0) -> LogReport:
    """Import a visit log (`kind="visit"`) or an issuance list (`kind="issuance"`)."""
    from wijkloket.errors import WijkloketError
    from wijkloket.sources.logs import load_mapping

    mapping = load_mapping(mapping_path)
    check_file(path)
    digest = sha256(path)
    try:
        outcome, imp = ws.add_log(kind, path, digest, mapping, sheet, max_rejected)
    except WijkloketError as exc:
        imp = exc.params.pop("_import", None)
        if imp is not None:
            written = _write_rejected(ws, path, imp, mapping.delimiter)
            exc.params["problems"] = str(exc.params.get("problems", "")) + (
                f" — {written}" if written else "")
        raise
    dataset = "Afsprakenlog" if kind == "visit" else "Verstrekkingen"
    if imp is None:
        src = ws.sources().set_index("source_id").loc[outcome.source_id]
        return LogReport(AddReport(outcome, kind, dataset, None, int(src["rows_read"]), int(src["rows_accepted"]),
                                   int(src["rows_rejected"])), None, [], [], {}, [], [], None, bool(src["synthetic"]))
    written = _write_rejected(ws, path, imp, mapping.delimiter)
    return LogReport(
        AddReport(outcome, kind, dataset, None, imp.rows_read, imp.rows_accepted,
                  imp.rows_read - imp.rows_accepted, imp.rejected_by_reason),
        imp.period, imp.columns_dropped, imp.bsn_columns, imp.unknown_products, imp.first_problems,
        imp.overlaps, written, imp.synthetic,
    )


@dataclass
class DeskResult:
    table: pd.DataFrame
    kind: str
    years: list[int]
    population_year: int
    unmatched: float
    synthetic: bool
    threshold: int
    share_split: float = 0.0  # share of events allocated over several areas by address shares
    share_pc4: float = 0.0  # share of events matched on their PC4 only


def desk_use(ws: Workspace, kind: str, min_count: int = 10) -> DeskResult:
    from wijkloket.indicators.desk import Geography, desk_indicators, population_by_band
    from wijkloket.indicators.profile import default_districts

    events = ws.con.execute(
        "SELECT area_code, year, product, status, age_band, sum(weight) AS n FROM events WHERE kind = ? "
        "GROUP BY ALL", [kind]).df()
    if events.empty:
        raise WorkspaceError("error.no_events_" + kind, folder=str(ws.folder))
    pop_year = latest_year(ws)
    areas = ws.areas(pop_year)
    sub = areas[areas["level"].isin(["wijk", "buurt"])]
    finest = "buurt" if (sub["level"] == "buurt").any() else "wijk"
    sub = sub[sub["level"] == finest]
    districts = ws.districts()
    if districts is None:
        districts = default_districts(sub)
    names = districts.set_index("area_code")["area_name"] if "area_name" in districts else pd.Series(dtype=str)
    sub = sub.copy()
    fill = sub["name"].isna() | (sub["name"] == "")
    sub.loc[fill, "name"] = sub.index[fill].map(lambda c: names.get(c) or c)
    gm_name = next((n for n in sub["gemeente_name"] if isinstance(n, str) and n), ws.gemeente)
    geo = Geography(sub, districts, ws.gemeente, gm_name)
    residents = population_by_band(ws.values(pop_year).reindex(sub.index))
    table, summary = desk_indicators(events, geo, residents, kind, min_count)
    split = ws.con.execute(
        "SELECT sum(weight), sum(weight) FILTER (WHERE weight < 1), sum(weight) FILTER (WHERE lookup = 'pc4') "
        "FROM events WHERE kind = ?", [kind]).fetchone()
    assert split is not None
    synthetic = bool(ws.con.execute(
        "SELECT coalesce(bool_or(synthetic), false) FROM sources WHERE kind IN (?, 'postcodes')", [kind]
    ).fetchone()[0])  # type: ignore[index]
    total = float(split[0] or 0.0)
    return DeskResult(table, kind, sorted(int(y) for y in events["year"].unique()), pop_year,
                      summary["unmatched"], synthetic, min_count,
                      share_split=float(split[1] or 0.0) / total if total else 0.0,
                      share_pc4=float(split[2] or 0.0) / total if total else 0.0)


# -- synthetic exports ------------------------------------------------------------------------

def simulation_areas(gemeente: str, registry: Registry, cbs_files: list[Path],
                     ws: Workspace | None = None) -> tuple[pd.DataFrame, str]:
    """Areas with population, households and age shares for `simulate`: from the workspace when
    it holds this municipality, else from the first CBS file that does."""
    cols = ["population", "households", "pct_age_0_15", "pct_age_15_25", "pct_age_25_45", "pct_age_45_65",
            "pct_age_65_plus"]
    if ws is not None and ws.gemeente == gemeente:
        year = latest_year(ws)
        areas = ws.areas(year)
        sub = areas[areas["level"] == ("buurt" if (areas["level"] == "buurt").any() else "wijk")]
        values = ws.values(year).reindex(sub.index)
        name = next((n for n in sub["gemeente_name"] if isinstance(n, str) and n), gemeente)
    else:
        last: Exception | None = None
        for f in cbs_files:
            try:
                res = read_cbs(f, gemeente, registry)
            except WijkloketError as exc:
                last = exc
                continue
            a = res.areas.set_index("area_code")
            level = "buurt" if (a["level"] == "buurt").any() else "wijk"
            sub = a[a["level"] == level]
            values = res.values.pivot(index="area_code", columns="variable", values="value").reindex(sub.index)
            name = next((n for n in sub["gemeente_name"] if isinstance(n, str) and n), gemeente)
            break
        else:
            if last is not None:
                raise last
            raise WorkspaceError("error.no_cbs_data", folder=str(cbs_files))
    out = pd.DataFrame({"area_code": sub.index})
    for c in cols:
        out[c] = values[c].to_numpy() if c in values else np.nan
    out = out[out["population"].fillna(0) > 0].reset_index(drop=True)
    out["population"] = out["population"].astype(int)
    return out, name


def simulate_exports(areas: pd.DataFrame, gemeente: str, gemeente_name: str, years: tuple[int, int], seed: int,
                     out_dir: Path) -> Any:
    from wijkloket.sources.synthetic import simulate

    return simulate(areas, gemeente, years, seed, out_dir, gemeente_name=gemeente_name)


# -- question 5: support points and accessibility --------------------------------------------

def municipality_shape(ws: Workspace) -> Any:
    """The municipality's outline (union of its finest areas) in RD New, or None without geometry."""
    geo = ws.geometry(latest_year(ws))
    if geo is None or len(geo) == 0:
        return None
    mine = geo[geo["area_code"].str.slice(2, 6) == ws.gemeente[2:6]]
    level = "buurt" if (mine["level"] == "buurt").any() else "wijk"
    return mine[mine["level"] == level].union_all()


def add_points(ws: Workspace, path: Path) -> tuple[AddReport, list[str]]:
    import shapely

    from wijkloket.sources.points import read_points

    res = read_points(path)
    table = res.table.copy()
    shape = municipality_shape(ws)
    if shape is not None:
        table["inside"] = shapely.contains(shape, shapely.points(table["x"].to_numpy(), table["y"].to_numpy()))
    else:
        table["inside"] = True
    outcome = ws.add_points(table, path, sha256(path), res.synthetic)
    outside = table.loc[~table["inside"], "name"].tolist()
    return AddReport(outcome, "points", "Servicepunten", None, res.rows_read, len(table), 0), outside


@dataclass
class AccessResult:
    table: pd.DataFrame  # level, area_code, area_name, district, group, kind, indicator, value
    points: pd.DataFrame
    demand: pd.DataFrame  # demand points with area_code, x, y, weight (population)
    minutes: np.ndarray  # demand points x points
    nearest: dict[str, np.ndarray]  # kind -> minutes to the nearest point per demand point
    mode: str
    threshold: float
    settings: Any
    method: str
    synthetic: bool


def group_weights(table: pd.DataFrame, registry: Registry, level: str, groups: list[str]) -> pd.DataFrame:
    """Residents (or households) of each group per area: the numerator of the group's indicator."""
    out = {}
    for g in groups:
        ind = registry.get(g)
        sel = table[(table["level"] == level) & (table["indicator"] == g)].set_index("area_code")
        out[g] = sel["numerator"] if ind.kind != "count" else sel["value"]
    return pd.DataFrame(out)


def accessibility(ws: Workspace, registry: Registry, mode: str = "bike", threshold: float | None = None,
                  groups: list[str] | None = None, grid_m: float | None = None) -> AccessResult:
    from wijkloket.access.distance import MODES, demand_points, minutes
    from wijkloket.access.measures import e2sfca, nearest

    settings = travel_settings(ws)
    if mode not in MODES:
        raise WijkloketError("error.unknown_mode", mode=mode, known=", ".join(MODES))
    threshold = float(threshold if threshold is not None else settings.thresholds[mode])
    pts = ws.points()
    if pts.empty:
        raise WorkspaceError("error.no_points", folder=str(ws.folder))
    prof = district_profile(ws, registry)
    t = prof.table
    base_level = "buurt" if (t["level"] == "buurt").any() else "wijk"
    geo = ws.geometry(prof.year)
    if geo is None:
        raise WijkloketError("error.no_geometry", year=prof.year)
    have = set(t.loc[t["value"].notna(), "indicator"])
    groups = groups or ["population"] + [i.id for i in registry.indicators.values()
                                         if i.key and i.kind in ("share", "rate") and i.id in have
                                         and registry.get(i.id).base == "population"]
    weights = group_weights(t, registry, base_level, groups)
    demand = demand_points(geo[geo["level"] == base_level], weights["population"], grid_m)
    km = _cached_km(ws, demand, pts, settings.detour_factor)
    mins = minutes(km, settings.speeds[mode])
    rows = []
    near: dict[str, np.ndarray] = {}
    # Per demand point, each group's weight: the area's group count spread like its population.
    share_of_area = demand["weight"] / demand.groupby("area_code")["weight"].transform("sum")
    own = ws.districts()
    if own is None:
        own = pd.DataFrame({"area_code": weights.index, "district_code": weights.index, "district": weights.index})
    dmap = own.set_index("area_code")
    names = t[t["level"].isin([base_level, "district", "gemeente"])].drop_duplicates("area_code").set_index(
        "area_code")["area_name"]
    key_of = {"district": demand["area_code"].map(dmap["district_code"]),
              base_level: demand["area_code"], "gemeente": pd.Series(ws.gemeente, index=demand.index)}
    for kind in sorted(pts["kind"].unique()):
        cols = np.flatnonzero((pts["kind"] == kind).to_numpy())
        _, best = nearest(mins[:, cols])
        near[kind] = best
        best_km = km[np.arange(len(demand)), cols[np.argmin(mins[:, cols], axis=1)]]
        for g in groups:
            w = demand["area_code"].map(weights[g]).fillna(0.0).to_numpy() * share_of_area.to_numpy()
            for level, keys in key_of.items():
                frame = pd.DataFrame({"key": keys.to_numpy(), "w": w, "m": best * w, "k": best_km * w,
                                      "in": (best <= threshold) * w})
                agg = frame.groupby("key")[["w", "m", "k", "in"]].sum()
                for code, r in agg.iterrows():
                    if r["w"] <= 0:
                        continue
                    for ind, val in (("minutes", r["m"] / r["w"]), ("km", r["k"] / r["w"]),
                                     ("share_within", 100.0 * r["in"] / r["w"])):
                        rows.append((level, code, g, kind, ind, val, r["w"]))
    # E2SFCA for the points that serve people at a desk: opening hours per week per 1000 residents.
    desks = np.flatnonzero(pts["kind"].isin(["desk", "library_ido", "mobile_stop"]).to_numpy())
    if len(desks):
        supply = pts["hours_per_week"].fillna(0.0).to_numpy()[desks]
        for g in groups:
            w = demand["area_code"].map(weights[g]).fillna(0.0).to_numpy() * share_of_area.to_numpy()
            score = e2sfca(mins[:, desks], w, supply, [threshold / 3, 2 * threshold / 3, threshold],
                           [1.0, 0.68, 0.22]) * 1000.0
            for level, keys in key_of.items():
                frame = pd.DataFrame({"key": keys.to_numpy(), "w": w, "s": score * w})
                agg = frame.groupby("key")[["w", "s"]].sum()
                for code, r in agg.iterrows():
                    if r["w"] > 0:
                        rows.append((level, code, g, "desk_hours", "e2sfca_per_1000", r["s"] / r["w"], r["w"]))
    out = pd.DataFrame(rows, columns=["level", "area_code", "group", "kind", "indicator", "value", "weight"])
    out["area_name"] = out["area_code"].map(names).fillna(out["area_code"])
    out["district"] = out["area_code"].map(dmap["district"]) if base_level == "wijk" else None
    synthetic = bool(ws.con.execute("SELECT coalesce(bool_or(synthetic), false) FROM sources WHERE kind = 'points'")
                     .fetchone()[0])  # type: ignore[index]
    method = "network" if ws.con.execute("SELECT count(*) FROM network_edges").fetchone()[0] else "straight"  # type: ignore[index]
    return AccessResult(out, pts, demand, mins, near, mode, threshold, settings, method, synthetic)


def travel_settings(ws: Workspace) -> Any:
    """Travel assumptions: the built-in ones, with the workspace's own `access.toml` on top."""
    import tomllib

    from wijkloket.access.distance import settings_with

    own = ws.folder / "access.toml"
    if not own.exists():
        return settings_with({})
    try:
        return settings_with(tomllib.loads(own.read_text("utf-8")))
    except (tomllib.TOMLDecodeError, ValueError, TypeError) as exc:
        raise WijkloketError("error.toml_invalid", file=str(own), detail=str(exc)) from None


def _cached_km(ws: Workspace, demand: pd.DataFrame, pts: pd.DataFrame, detour: float) -> np.ndarray:
    """Travel km demand x points: over the road network when one is added, else straight line x
    detour. Computed once per set of inputs and kept in the store."""
    import hashlib

    from wijkloket.access.distance import travel_km

    has_network = bool(ws.con.execute("SELECT count(*) FROM network_edges").fetchone()[0])  # type: ignore[index]
    key = hashlib.sha256(
        demand[["x", "y"]].round(1).to_numpy().tobytes() + pts[["x", "y"]].round(1).to_numpy().tobytes()
        + f"{detour}|{has_network}".encode()).hexdigest()
    cached = ws.con.execute("SELECT row_index, col_index, km FROM travel_cache WHERE key = ?", [key]).df()
    if len(cached) == len(demand) * len(pts) and len(cached):
        m = np.full((len(demand), len(pts)), np.nan)
        m[cached["row_index"].to_numpy(), cached["col_index"].to_numpy()] = cached["km"].to_numpy()
        return m
    if has_network:
        from wijkloket.access.network import network_km

        nodes = ws.con.execute("SELECT node, x, y FROM network_nodes").df()
        edges = ws.con.execute("SELECT a, b, metres FROM network_edges").df()
        m = network_km(nodes, edges, demand[["x", "y"]].to_numpy(), pts[["x", "y"]].to_numpy(),
                       list(pts["name"]))
    else:
        m = travel_km(demand["x"].to_numpy(), demand["y"].to_numpy(), pts["x"].to_numpy(), pts["y"].to_numpy(),
                      detour)
    if not ws.read_only:
        r, c = np.indices(m.shape)
        ws.con.register("_tc", pd.DataFrame({"key": key, "row_index": r.ravel(), "col_index": c.ravel(),
                                             "km": m.ravel()}))
        ws.con.execute("INSERT INTO travel_cache SELECT key, row_index, col_index, km FROM _tc")
        ws.con.unregister("_tc")
    return m


def add_network(ws: Workspace, path: Path) -> AddReport:
    from wijkloket.access.network import read_network

    check_file(path)
    digest = sha256(path)
    existing = ws._find(digest)
    if existing is not None:
        return AddReport(AddOutcome("unchanged", existing), "network", "Wegennet", None, 0, 0, 0)
    nodes, edges = read_network(path)
    old = ws.con.execute("SELECT source_id FROM sources WHERE kind = 'network'").fetchone()

    def work() -> AddOutcome:
        if old is not None:
            ws._delete(int(old[0]))
        ws.con.execute("DELETE FROM travel_cache")
        sid = ws._insert_source(path, digest, "network", "Wegennet", "OpenStreetMap" if path.suffix == ".osm"
                                else "GraphML", None, len(edges), len(edges), 0, "netwerk", len(nodes), "open",
                                False, {"nodes": len(nodes), "edges": len(edges)})
        ws.con.register("_n", nodes.assign(source_id=sid))
        ws.con.execute("INSERT INTO network_nodes SELECT source_id, node, x, y FROM _n")
        ws.con.register("_e", edges.assign(source_id=sid))
        ws.con.execute("INSERT INTO network_edges SELECT source_id, a, b, metres FROM _e")
        return AddOutcome("replaced" if old is not None else "added", sid)

    outcome = ws._transaction(work)
    return AddReport(outcome, "network", "Wegennet", None, len(edges), len(edges), 0)


def simulate_points(ws: Workspace, out_dir: Path, seed: int = 7) -> Path:
    """Synthetic service points for a municipality (there is no open list of them): one central
    desk, library IDO points (about one per 40,000 residents), a community centre and a social team
    per district, and a candidate site in every wijk, at representative points of the areas. Written
    as CSV with WGS84 lon/lat and a `Synthetisch` column, as a municipality might keep such a list."""
    from pyproj import Transformer

    year = latest_year(ws)
    geo = ws.geometry(year)
    if geo is None:
        raise WijkloketError("error.no_geometry", year=year)
    prof = district_profile(ws, default_registry_for_points(), year, ("wijk", "district", "gemeente"),
                            ["population", "density"])
    t = prof.table
    wijk = t[(t["level"] == "wijk") & (t["indicator"] == "population")].set_index("area_code")
    dens = t[(t["level"] == "wijk") & (t["indicator"] == "density")].set_index("area_code")["value"]
    geo = geo[(geo["level"] == "wijk") & geo["area_code"].isin(wijk.index)].set_index("area_code")
    rng = np.random.default_rng(seed)
    rows: list[tuple[Any, ...]] = []

    def at(code: str, jitter: float = 150.0) -> tuple[float, float]:
        p = geo.loc[code, "geometry"].representative_point()
        for _ in range(20):
            x, y = p.x + rng.normal(0, jitter), p.y + rng.normal(0, jitter)
            import shapely

            if geo.loc[code, "geometry"].contains(shapely.Point(x, y)):
                return x, y
        return p.x, p.y

    centre = str(dens.idxmax())
    rows.append(("Stadhuis, balie Burgerzaken", "desk", *at(centre, 50), 40, 900, 0))
    total = float(wijk["value"].sum())
    n_lib = max(1, round(total / 40000))
    by_pop = wijk["value"].sort_values(ascending=False).index
    for code in by_pop[:n_lib]:
        rows.append((f"Bibliotheek {wijk.loc[code, 'area_name']} (IDO)", "library_ido", *at(code), 30, 60, 25000))
    for dcode, grp in wijk.groupby("district"):
        code = str(grp["value"].idxmax())
        rows.append((f"Buurthuis {dcode}", "community_centre", *at(code), 40, 200, 0))
        rows.append((f"Sociaal wijkteam {dcode}", "social_team", *at(code), 36, 80, 0))
    for code in wijk.index:
        rows.append((f"Kandidaatlocatie {wijk.loc[code, 'area_name']}", "candidate", *at(code, 80), np.nan, 150,
                     410000))
    frame = pd.DataFrame(rows, columns=["name", "kind", "x", "y", "hours_per_week", "capacity_per_week",
                                        "annual_cost"])
    lon, lat = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True).transform(
        frame["x"].to_numpy(), frame["y"].to_numpy())
    frame = frame.drop(columns=["x", "y"]).assign(lon=np.round(lon, 6), lat=np.round(lat, 6), Synthetisch="ja")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"servicepunten_{ws.gemeente}_synthetisch.csv"
    frame[["name", "kind", "lon", "lat", "hours_per_week", "capacity_per_week", "annual_cost", "Synthetisch"]].to_csv(
        path, index=False)
    return path


def default_registry_for_points() -> Registry:
    from wijkloket.indicators.registry import default_registry

    return default_registry()


# -- question 6: options, costs and optimal locations ----------------------------------------

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


def _plan_inputs(ws: Workspace, registry: Registry, weight: str, mode: str, threshold: float | None
                 ) -> tuple[AccessResult, np.ndarray, pd.DataFrame, np.ndarray]:
    acc = accessibility(ws, registry, mode, threshold, groups=sorted({"population", weight}))
    mins = acc.minutes
    prof = district_profile(ws, registry)
    base_level = "buurt" if (prof.table["level"] == "buurt").any() else "wijk"
    w_area = group_weights(prof.table, registry, base_level, [weight])[weight]
    share = acc.demand["weight"] / acc.demand.groupby("area_code")["weight"].transform("sum")
    w = (acc.demand["area_code"].map(w_area).fillna(0.0) * share).to_numpy()
    return acc, mins, acc.points, w


def _gemeente_name(ws: Workspace) -> str:
    areas = ws.areas(latest_year(ws))
    return next((n for n in areas["gemeente_name"] if isinstance(n, str) and n), ws.gemeente)


def _coverage_table(acc: AccessResult, best: np.ndarray, w: np.ndarray, threshold: float, ws: Workspace
                    ) -> pd.DataFrame:
    d = acc.demand
    dist = ws.districts()
    dmap = dist.set_index("area_code")["district"] if dist is not None else pd.Series(dtype=str)
    frame = pd.DataFrame({"area": d["area_code"], "district": d["area_code"].map(dmap).fillna(d["area_code"]),
                          "w": w, "m": best * w, "in": (best <= threshold) * w})
    rows = []
    for level, key in (("district", "district"), ("gemeente", None)):
        g = frame.groupby(key)[["w", "m", "in"]].sum() if key else frame[["w", "m", "in"]].sum().to_frame(
            _gemeente_name(ws)).T
        for code, r in g.iterrows():
            rows.append((level, code, r["m"] / r["w"] if r["w"] else np.nan,
                         100 * r["in"] / r["w"] if r["w"] else np.nan, r["w"]))
    return pd.DataFrame(rows, columns=["level", "area", "mean_minutes", "share_within", "weight"])


def plan_locate(ws: Workspace, registry: Registry, add: int = 1, objective: str = "pmedian",
                weight: str = "population", mode: str = "bike", threshold: float | None = None,
                time_limit: float | None = 60.0, capacity: bool = False) -> LocateOutcome:
    """Choose `add` new sites among the candidates, existing desks fixed, to minimise weighted travel
    time (p-median) or maximise the weight within the threshold (MCLP). With `capacity`, each site
    serves at most its `capacity_per_week` visits, demand being the residents' visits per week."""
    from wijkloket.errors import InfeasibleModelError
    from wijkloket.plan.locate import solve_mclp, solve_pmedian

    registry.get(weight)
    if objective not in ("pmedian", "mclp"):
        raise WijkloketError("error.unknown_objective", objective=objective, known="pmedian, mclp")
    acc, mins, pts, w = _plan_inputs(ws, registry, weight, mode, threshold)
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
            rate = 1 / 3  # visits per resident per year: "once every three years" (the note)
            if ws.con.execute("SELECT count(*) FROM events WHERE kind = 'visit'").fetchone()[0]:  # type: ignore[index]
                du = desk_use(ws, "visit")
                c = du.table[(du.table["level"] == "gemeente") & (du.table["product"] == "top")
                             & du.table["age_band"].isna() & (du.table["indicator"] == "visits_per_1000")]
                rate = float(c["value"].mean()) / 1000.0
            w = w * rate / 52.0  # visits per week
            caps = pts["capacity_per_week"].to_numpy()[cols].astype(float)
        res = solve_pmedian(dist, p, weights=w, fixed=fixed, capacities=caps, time_limit=time_limit)
    else:
        res = solve_mclp(dist, p, acc.threshold, weights=w, fixed=fixed, time_limit=time_limit)
    chosen = [int(cols[j]) for j in res.open_sites if j not in fixed]
    before_best = mins[:, desk_cols].min(axis=1) if len(desk_cols) else np.full(len(w), np.inf)
    after_best = dist[:, res.open_sites].min(axis=1)
    return LocateOutcome(res, pts.iloc[chosen], pts.iloc[desk_cols],
                         _coverage_table(acc, before_best, w, acc.threshold, ws),
                         _coverage_table(acc, after_best, w, acc.threshold, ws), objective, weight, mode,
                         acc.threshold, acc.synthetic, demand=acc.demand,
                         assigned=[int(cols[j]) if j >= 0 else -1 for j in res.assignment], points=pts)


@dataclass
class OptionsResult:
    table: pd.DataFrame  # one row per option
    assumptions: list[tuple[str, str]]  # (name, value with its source) printed beside the results
    groups: list[str]
    synthetic: bool


def load_scenarios(path: Path | None) -> dict[str, Any]:
    import tomllib
    from importlib import resources

    if path is None:
        return tomllib.loads(resources.files("wijkloket.data").joinpath("scenarios.toml").read_text("utf-8"))
    check_file(path)
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise WijkloketError("error.toml_invalid", file=str(path), detail=str(exc)) from None
    known = {"desk", "mobile", "home_visits", "library_hours", "visibility"}
    for i, opt in enumerate(raw.get("option", []), start=1):
        if opt.get("kind") not in known:
            raise WijkloketError("error.scenario_kind", file=str(path), n=i, kind=opt.get("kind"),
                                 known=", ".join(sorted(known)))
    return raw


def plan_options(ws: Workspace, registry: Registry, scenarios: Path | None = None, lang: str = "nl"
                 ) -> OptionsResult:
    from wijkloket.plan.locate import solve_pmedian

    raw = load_scenarios(scenarios)
    a = raw.get("assumptions", {})
    mode = str(a.get("mode", "bike"))
    threshold = float(a.get("threshold_minutes", 15))
    capture = float(a.get("capture_share", 0.6))
    prof = district_profile(ws, registry)
    have = set(prof.table.loc[prof.table["value"].notna(), "indicator"])
    groups = ["population"] + [i.id for i in registry.indicators.values() if i.key and i.id in have
                               and i.kind in ("share", "rate") and i.base == "population"]
    acc = accessibility(ws, registry, mode, threshold, groups)
    mins = acc.minutes
    pts = acc.points
    base_level = "buurt" if (prof.table["level"] == "buurt").any() else "wijk"
    gw = group_weights(prof.table, registry, base_level, groups)
    share = (acc.demand["weight"] / acc.demand.groupby("area_code")["weight"].transform("sum")).to_numpy()
    W = {g: acc.demand["area_code"].map(gw[g]).fillna(0.0).to_numpy() * share for g in groups}
    pop = W["population"]
    # Visits per resident per year: from the desk log when there is one, else the stated assumption.
    rate = float(a.get("visits_per_resident_per_year", 1 / 3))
    rate_src = "scenarios"
    if ws.con.execute("SELECT count(*) FROM events WHERE kind = 'visit'").fetchone()[0]:  # type: ignore[index]
        du = desk_use(ws, "visit")
        c = du.table[(du.table["level"] == "gemeente") & (du.table["product"] == "top") & du.table["age_band"].isna()
                     & (du.table["indicator"] == "visits_per_1000")]
        # The mean over the log's years: one year can sit in the dip or the peak of the renewal cycle.
        if len(c) and c["value"].notna().all():
            rate = float(c["value"].mean()) / 1000.0
            rate_src = f"desk log {min(du.years)}-{max(du.years)}" + (" (synthetic)" if du.synthetic else "")
    desk_cols = np.flatnonzero((pts["kind"] == "desk").to_numpy())
    cand_cols = np.flatnonzero((pts["kind"] == "candidate").to_numpy())
    before = mins[:, desk_cols].min(axis=1) if len(desk_cols) else np.full(len(pop), np.inf)
    assumptions = [("mode", mode), ("threshold_minutes", f"{threshold:g}"),
                   ("visits_per_resident_per_year", f"{rate:.3f} ({rate_src})"), ("capture_share", f"{capture:g}"),
                   ("detour_factor", f"{acc.settings.detour_factor:g}"),
                   ("speed_kmh", f"{acc.settings.speeds[mode]:g}")]
    rows = []
    for opt in raw.get("option", []):
        kind = opt["kind"]
        label = opt.get(f"label_{lang}") or opt.get("label_nl") or opt["id"]
        row: dict[str, Any] = {"option": opt["id"], "label": label, "kind": kind}
        note = []
        if kind in ("desk", "mobile"):
            count = int(opt.get("count", 1))
            if opt.get("sites", "best") == "best":
                if count > len(cand_cols):
                    from wijkloket.errors import InfeasibleModelError

                    raise InfeasibleModelError("error.plan_infeasible_sites", asked=len(desk_cols) + count,
                                               candidates=len(cand_cols) + len(desk_cols), fixed=len(desk_cols))
                cols = np.concatenate([desk_cols, cand_cols])
                res = solve_pmedian(mins[:, cols], len(desk_cols) + count, weights=pop,
                                    fixed=list(range(len(desk_cols))), time_limit=30)
                new = [int(cols[j]) for j in res.open_sites if j >= len(desk_cols)]
            else:
                names = list(opt["sites"])
                unknown = [n for n in names if n not in set(pts["name"])]
                if unknown:
                    raise WijkloketError("error.scenario_site", site=unknown[0],
                                         known=", ".join(pts.loc[cand_cols, "name"]))
                new = [int(pts.index[pts["name"] == n][0]) for n in names]
            after = np.minimum(before, mins[:, new].min(axis=1))
            switch = after < before
            cost = float(opt.get("annual_cost", 0.0)) if kind == "desk" else \
                float(opt.get("cost_per_day", 0.0)) * float(opt.get("days_per_year", 0.0))
            availability = 1.0 if kind == "desk" else min(1.0, float(opt.get("days_per_year", 0)) / 250.0)
            visits = float(np.sum(pop[switch])) * rate * capture * availability
            saved = float(np.sum(pop[switch] * (before - after)[switch])) * rate * capture * availability / 60.0
            row.update(annual_cost=cost, visits_served=visits, travel_hours_saved=saved,
                       sites="; ".join(pts.loc[new, "name"]))
            for g in groups:
                row[f"newly_within_{g}"] = float(np.sum(W[g][(before > threshold) & (after <= threshold)]))
                row[f"reached_{g}"] = float(np.sum(W[g][switch]))
            note.append(f"{len(new)} site(s); capture {capture:g}; availability {availability:.2f}")
        elif kind == "home_visits":
            g = opt.get("eligible_group", "share_age_65_plus")
            eligible = float(np.sum(W.get(g, pop)))
            visits = eligible * float(opt.get("uptake", 0.01))
            cost = visits * float(opt.get("cost_per_visit", 0.0))
            wmean = float(np.sum(W.get(g, pop) * before) / max(eligible, 1e-9))
            row.update(annual_cost=cost, visits_served=visits, travel_hours_saved=visits * wmean / 60.0,
                       sites="")
            for gg in groups:
                row[f"newly_within_{gg}"] = np.nan
                row[f"reached_{gg}"] = visits if gg == g else np.nan
            note.append(f"eligible {g}: {eligible:,.0f}; uptake {opt.get('uptake')}")
        elif kind == "library_hours":
            libs = int((pts["kind"] == "library_ido").sum())
            hours = float(opt.get("extra_hours_per_week", 0.0)) * 52 * libs
            visits = hours * float(opt.get("helped_per_hour", 1.0))
            row.update(annual_cost=hours * float(opt.get("cost_per_hour", 0.0)), visits_served=visits,
                       travel_hours_saved=np.nan, sites=f"{libs} IDO")
            for g in groups:
                row[f"newly_within_{g}"] = np.nan
                row[f"reached_{g}"] = visits if g == "population" else np.nan
            note.append(f"{libs} library IDO point(s)")
        else:  # visibility
            g = opt.get("target_group", "share_age_65_plus")
            reach = float(np.sum(W.get(g, pop))) * float(opt.get("reach_share", 0.0))
            row.update(annual_cost=float(opt.get("annual_cost", 0.0)), visits_served=np.nan,
                       travel_hours_saved=np.nan, sites="")
            for gg in groups:
                row[f"newly_within_{gg}"] = np.nan
                row[f"reached_{gg}"] = reach if gg == g else np.nan
            note.append(f"reach share {opt.get('reach_share')} of {g}")
        row["cost_per_visit"] = row["annual_cost"] / row["visits_served"] if row.get("visits_served") else np.nan
        target = next((g for g in groups if g != "population" and row.get(f"reached_{g}") == row.get(f"reached_{g}")
                       and row.get(f"reached_{g}")), "population")
        reached = row.get(f"reached_{target}") or np.nan
        row["target_group"] = target
        row["cost_per_target_reached"] = row["annual_cost"] / reached if reached == reached and reached else np.nan
        row["assumptions"] = "; ".join(note + [f"{k} = {v}" for k, v in opt.items()
                                               if k not in ("id", "kind", "label_nl", "label_en")])
        rows.append(row)
    return OptionsResult(pd.DataFrame(rows), assumptions, groups, acc.synthetic)
