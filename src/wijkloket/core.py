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
        imp = exc.params.pop("import", None)
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
