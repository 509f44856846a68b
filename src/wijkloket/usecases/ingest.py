"""Adding sources to a workspace: CBS tables, districts, postcode tables, desk logs, service
points and road networks. Every add is all-or-nothing and adding the same file twice changes nothing."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
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
            layer: str | None = None, encoding: str | None = None, crosswalk: Path | None = None,
            replace: bool = False) -> AddReport:
    """A CBS file; a PC4 statistics table is spread to the workspace's areas with `crosswalk` (estimates).
    A file that would replace a stored one with far fewer rows, or a map with a table without geometry,
    is refused unless `replace`."""
    check_file(path)
    result: IngestResult
    if is_pc4_file(path):
        outcome, result = add_pc4(ws, path, crosswalk, year=year, encoding=encoding, replace=replace)
    else:
        digest = sha256(path)
        result = read_cbs(path, ws.gemeente, registry, year=year, layer=layer, encoding=encoding)
        outcome = ws.add_ingest(result, path, digest, replace=replace)
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


def add_postcodes(ws: Workspace, path: Path, replace: bool = False) -> AddReport:
    """A postcode table; one with far fewer rows than the stored one replaces it only with `replace`."""
    check_file(path)
    outcome, result = ws.add_postcodes(path, sha256(path), replace=replace)
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
    """Rejected rows beside the store, so they can be fixed and added again: the row number, the reason
    and only the mapped columns whose values are stored anyway (never names, BSNs, dates of birth or
    other unmapped columns, whatever their headers), formula-safe. Written whole or not at all (a
    temporary file in the same folder, then `os.replace`); a file left from an earlier import of an
    export with the same name goes when this one has no rejected rows."""
    from wijkloket.report.exports import csv_safe

    out = ws.folder / "afgewezen" / f"{path.stem}_afgewezen.csv"
    if imp is None:
        return None
    if imp.rejected_rows.empty:
        out.unlink(missing_ok=True)
        return None
    out.parent.mkdir(exist_ok=True)
    enc = "cp1252" if imp.encoding == "cp1252" else "utf-8"
    fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding=enc, errors="replace", newline="") as fh:
            csv_safe(imp.rejected_rows).to_csv(fh, sep=delimiter or ";", index=False)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def _log_digest(file_sha: str, mapping_sha: str) -> str:
    """What makes a desk log import the same: the export's bytes and what its mapping says."""
    return hashlib.sha256(f"{file_sha}:{mapping_sha}".encode()).hexdigest()


def _same_export(ws: Workspace, kind: str, file_sha: str) -> int | None:
    """The source of `kind` imported from these same bytes with another mapping (a source stored before
    mappings counted has the file's own SHA-256)."""
    sources = ws.sources()
    for row in sources[sources["kind"] == kind].itertuples():
        report = row.report if isinstance(row.report, dict) else json.loads(row.report or "{}")
        mapping_sha = report.get("mapping_sha256")
        if row.sha256 == file_sha or (mapping_sha and _log_digest(file_sha, mapping_sha) == row.sha256):
            return int(row.source_id)
    return None


def add_log(ws: Workspace, path: Path, mapping_path: Path, kind: str, sheet: str | None = None,
            max_rejected: float = 2.0) -> LogReport:
    """Import a visit log (`kind="visit"`) or an issuance list (`kind="issuance"`). The same export with
    the same mapping changes nothing; with another mapping it replaces what that mapping imported."""
    from wijkloket.sources.logs import load_mapping, synonyms

    mapping = load_mapping(mapping_path)
    mapping.sheet = sheet or mapping.sheet  # the sheet read is part of what makes the import the same
    check_file(path)
    file_sha = sha256(path)
    digest = _log_digest(file_sha, mapping.digest)
    replaces = None if ws.find_source(digest) is not None else _same_export(ws, kind, file_sha)
    try:
        outcome, imp = ws.add_log(kind, path, digest, mapping, mapping.sheet, max_rejected, replaces)
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
    from wijkloket.access.network import MAX_SNAP_M, check_reach, read_network, snap_metres

    check_file(path)
    digest = sha256(path)
    existing = ws.find_source(digest)
    if existing is not None:
        return AddReport(AddOutcome("unchanged", existing), "network", DATASETS["network"], None, 0, 0, 0)
    nodes, edges = read_network(path)
    pts = ws.points()
    if not pts.empty:
        # A network near none of the service points covers another place: refused before it is stored. One
        # that misses some points or homes is refused, naming them, when travel times are computed.
        snap = snap_metres(nodes, pts[["x", "y"]].to_numpy())
        if (snap > MAX_SNAP_M).all():
            check_reach(snap, list(pts["name"]), "points")
    publisher = "OpenStreetMap" if path.suffix == ".osm" else "GraphML"
    outcome = ws.add_network(nodes, edges, path, digest, publisher)
    return AddReport(outcome, "network", DATASETS["network"], None, len(edges), len(edges), 0)
