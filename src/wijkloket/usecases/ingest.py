"""Adding sources to a workspace: CBS tables, districts, postcode tables, desk logs, service
points and road networks. Every add is all-or-nothing and adding the same file twice changes nothing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wijkloket.areas.districts import read_district_file, validate_districts
from wijkloket.config import Settings, check_gemeente_code
from wijkloket.errors import WijkloketError
from wijkloket.indicators.registry import Registry
from wijkloket.sources.base import IngestResult
from wijkloket.sources.cbs import read_cbs
from wijkloket.sources.files import check_file, sha256
from wijkloket.store.workspace import AddOutcome, Workspace, create_workspace
from wijkloket.usecases.pc4 import add_pc4, is_pc4_file
from wijkloket.usecases.profile import latest_year
from wijkloket.usecases.vintages import indeling_warnings

DATASETS = {"districts": "Indeling in stadsdelen", "postcodes": "Postcode naar buurt/wijk",
            "visit": "Afsprakenlog", "issuance": "Verstrekkingen", "points": "Servicepunten", "network": "Wegennet"}
"""The names the store keeps for the sources wijkloket itself defines (doors show `dataset.<kind>`)."""


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
            layer: str | None = None, encoding: str | None = None, crosswalk: Path | None = None) -> AddReport:
    """A CBS file; a PC4 statistics table is spread to the workspace's areas with `crosswalk` (estimates)."""
    check_file(path)
    result: IngestResult
    if is_pc4_file(path):
        outcome, result = add_pc4(ws, path, crosswalk, year=year, encoding=encoding)
    else:
        digest = sha256(path)
        result = read_cbs(path, ws.gemeente, registry, year=year, layer=layer, encoding=encoding)
        outcome = ws.add_ingest(result, path, digest)
        result.warnings += indeling_warnings(ws, result.year)
    reasons = result.rejections["reason"].value_counts().to_dict() if len(result.rejections) else {}
    return AddReport(outcome, result.kind, result.dataset, result.year, result.rows_read,
                     result.rows_accepted, result.rows_rejected,
                     {str(k): int(v) for k, v in reasons.items()}, result.warnings)


def add_districts(ws: Workspace, path: Path) -> AddReport:
    check_file(path)
    table = read_district_file(path)
    year = latest_year(ws)
    areas = ws.areas(year)
    codes = [c for c, lv in areas["level"].items() if lv in ("wijk", "buurt")]
    checked = validate_districts(table, ws.gemeente, codes, str(path), year)
    outcome = ws.add_districts(checked, path, sha256(path))
    return AddReport(outcome, "districts", DATASETS["districts"], None, len(table), len(table), 0)


def add_postcodes(ws: Workspace, path: Path) -> AddReport:
    check_file(path)
    outcome, result = ws.add_postcodes(path, sha256(path))
    return AddReport(outcome, "postcodes", DATASETS["postcodes"], result.year, result.rows_read,
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
    known_products: list[str] = field(default_factory=list)  # canonical products, for the fix of unknown ones


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
    from wijkloket.sources.logs import load_mapping, synonyms

    mapping = load_mapping(mapping_path)
    check_file(path)
    digest = sha256(path)
    try:
        outcome, imp = ws.add_log(kind, path, digest, mapping, sheet, max_rejected)
    except WijkloketError as exc:
        imp = exc.params.pop("_import", None)
        if imp is not None:
            exc.params["rejected_file"] = str(_write_rejected(ws, path, imp, mapping.delimiter) or "-")
        raise
    dataset = DATASETS[kind]
    if imp is None:
        src = ws.sources().set_index("source_id").loc[outcome.source_id]
        return LogReport(AddReport(outcome, kind, dataset, None, int(src["rows_read"]), int(src["rows_accepted"]),
                                   int(src["rows_rejected"])), None, [], [], {}, [], [], None, bool(src["synthetic"]))
    written = _write_rejected(ws, path, imp, mapping.delimiter)
    return LogReport(
        AddReport(outcome, kind, dataset, None, imp.rows_read, imp.rows_accepted,
                  imp.rows_read - imp.rows_accepted, imp.rejected_by_reason),
        imp.period, imp.columns_dropped, imp.bsn_columns, imp.unknown_products, imp.first_problems,
        imp.overlaps, written, imp.synthetic, list(synonyms()["meta"]["canonical_products"]),
    )


def municipality_shape(ws: Workspace) -> Any:
    """The municipality's outline (union of its finest areas) in RD New, or None without geometry."""
    from wijkloket.areas.levels import finest_level

    geo = ws.geometry(latest_year(ws))
    if geo is None or len(geo) == 0:
        return None
    mine = geo[geo["area_code"].str.slice(2, 6) == ws.gemeente[2:6]]
    return mine[mine["level"] == finest_level(mine["level"])].union_all()


@dataclass
class PointsReport:
    add: AddReport
    outside: list[str]  # points outside the municipality (kept: they serve residents nearby)
    kinds: dict[str, int]  # points stored per kind
    skipped: dict[str, list[str]]  # names of the rows not stored, per reason (other municipalities left out)
    rules: str | None  # the kind rules that read a polling-station list


def add_points(ws: Workspace, path: Path, rules: Path | None = None) -> PointsReport:
    """Service points; those outside the municipality are kept and named. A polling-station list
    keeps the workspace's rows and takes its kinds from `rules` (built-in: data/point_kinds.toml);
    a rules file of the user's own is part of the source's fingerprint, so adding the same list
    with other rules replaces the old kinds, and the same list with the same rules changes nothing."""
    import pandas as pd
    import shapely

    from wijkloket.sources.points import KINDS, load_point_rules, read_points

    res = read_points(path, ws.gemeente, load_point_rules(rules) if rules is not None else None)
    table = res.table.copy()
    shape = municipality_shape(ws)
    if shape is not None:
        table["inside"] = shapely.contains(shape, shapely.points(table["x"].to_numpy(), table["y"].to_numpy()))
    else:
        table["inside"] = True
    digest = sha256(path)
    report: dict[str, Any] = {}
    if res.rules is not None:
        report = {"format": "polling_stations", "rules": res.rules.where, "rules_sha256": res.rules.digest,
                  "file_sha256": digest, "rejected_by_reason": res.rejected_by_reason}
        if rules is not None:
            digest = hashlib.sha256(f"{digest}:{res.rules.digest}".encode()).hexdigest()
    rejected = pd.DataFrame({"row_number": [r["row"] for r in res.rejected], "column_name": "Naam stembureau",
                             "value": [r["name"] for r in res.rejected], "reason": [r["reason"] for r in res.rejected]})
    outcome = ws.add_points(table, path, digest, res.synthetic, res.publisher, res.rows_read, rejected, report)
    skipped: dict[str, list[str]] = {}
    for r in res.rejected:
        if r["reason"] != "other_gemeente":
            skipped.setdefault(r["reason"], []).append(r["name"])
    counts = table["kind"].value_counts()
    kinds = {k: int(counts[k]) for k in KINDS if k in counts.index}
    add = AddReport(outcome, "points", DATASETS["points"], None, res.rows_read, res.rows_accepted, len(res.rejected),
                    res.rejected_by_reason)
    return PointsReport(add, table.loc[~table["inside"], "name"].tolist(), kinds, skipped,
                        res.rules.where if res.rules is not None else None)


def add_network(ws: Workspace, path: Path) -> AddReport:
    """A road network (OSM XML or GraphML); travel times then follow the roads."""
    from wijkloket.access.network import read_network

    check_file(path)
    digest = sha256(path)
    existing = ws.find_source(digest)
    if existing is not None:
        return AddReport(AddOutcome("unchanged", existing), "network", DATASETS["network"], None, 0, 0, 0)
    nodes, edges = read_network(path)
    publisher = "OpenStreetMap" if path.suffix == ".osm" else "GraphML"
    outcome = ws.add_network(nodes, edges, path, digest, publisher)
    return AddReport(outcome, "network", DATASETS["network"], None, len(edges), len(edges), 0)
