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
from wijkloket.errors import InputFileError, WorkspaceError
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
    return ReportContext(
        lang=lang, table=prof.table, year=prof.year, gemeente=prof.gemeente,
        gemeente_name=prof.gemeente_name, registry=registry, inventory=srcs,
        geometry=ws.geometry(prof.year), districts=ws.districts(), notes=prof.notes,
        synthetic=any(bool(s["synthetic"]) for s in srcs),
    )


def write_report(ws: Workspace, registry: Registry, out_dir: Path, lang: str,
                 year: int | None = None) -> Path:
    from wijkloket.report.html import render

    return render(report_context(ws, registry, lang, year), out_dir)
