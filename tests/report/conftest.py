"""Report fixtures: a tiny hand-made `ReportData`, real Haarlem workspaces (CBS data with a synthetic desk
log, and the same with synthetic service points), and ONE helper that turns a workspace into `ReportData`."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from wijkloket.indicators.profile import profile
from wijkloket.indicators.registry import Registry, load_registry
from wijkloket.report.context import ReportData


def report_data(folder: Path, lang: str = "nl") -> ReportData:
    """Everything the report shows for the workspace in `folder`, filled by the use case."""
    from wijkloket.usecases import open_workspace
    from wijkloket.usecases.analysis import Analysis
    from wijkloket.usecases.report import report_data as fill

    with open_workspace(folder) as ws:
        return fill(Analysis(ws, load_registry()), lang)


@pytest.fixture(scope="session")
def make_report_data() -> Callable[[Path, str], ReportData]:
    """`report_data` for the tests (conftest modules are not imported by tests)."""
    return report_data


def _cli(*args: str | os.PathLike[str]) -> None:
    """Run `wijkloket ARGS...` in this process (session fixtures cannot use the `cli` fixture)."""
    from wijkloket import cli as cli_module

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "argv", ["wijkloket", *map(str, args)])
        try:
            cli_module.main()
        except SystemExit as exc:
            assert not exc.code, f"wijkloket {' '.join(map(str, args))} exited with {exc.code}"


@pytest.fixture(scope="session")
def desk_ws(tmp_path_factory: pytest.TempPathFactory, data: Path) -> Path:
    """Haarlem with the real CBS kaart and Kerncijfers, the district file, and a synthetic desk log and
    issuance list for 2025 (with their synthetic postcode table)."""
    root = tmp_path_factory.mktemp("report_ws")
    ws, synth = root / "haarlem", root / "synth"
    _cli("init", ws, "--gemeente", "GM0392")
    for f in ("cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer.gpkg", "cbs/kwb2024_gemeente_wijk_basis.csv"):
        _cli("add", "cbs", data / f, "-w", ws)
    _cli("add", "districts", data / "haarlem/stadsdelen_2024.csv", "-w", ws)
    _cli("simulate", "--gemeente", "GM0392", "--years", "2025-2025", "--seed", "5", "-o", synth, "-w", ws)
    _cli("add", "postcodes", next(synth.glob("pc6hnr_*.csv")), "-w", ws)
    _cli("add", "visits", next(synth.glob("afspraken_*.csv")), "-m", synth / "jcc.toml", "-w", ws)
    _cli("add", "issuances", next(synth.glob("verstrekkingen_*.xlsx")), "-m", synth / "burgerzaken.toml", "-w", ws)
    return ws


@pytest.fixture(scope="session")
def points_ws(desk_ws: Path) -> Path:
    """`desk_ws` plus the synthetic service points `simulate` wrote beside the exports."""
    ws = desk_ws.parent / "haarlem_points"
    shutil.copytree(desk_ws, ws)
    _cli("add", "points", next((desk_ws.parent / "synth").glob("servicepunten_*.csv")), "-w", ws)
    return ws


# -- a tiny hand-made report ---------------------------------------------------------------------------

@dataclass
class TinyProfile:
    table: pd.DataFrame
    year: int = 2024
    gemeente: str = "GM9999"
    gemeente_name: str = "Teststad"
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


@dataclass
class TinyDesk:
    table: pd.DataFrame
    kind: str = "visit"
    years: list[int] = field(default_factory=lambda: [2024])
    population_year: int = 2024
    unmatched: float = 0.0
    synthetic: bool = True
    threshold: int = 10
    share_split: float = 0.05
    share_pc4: float = 0.0


TINY_AREAS = {"WK999901": "Oud", "WK999902": "Nieuw"}


def tiny_profile(registry: Registry) -> TinyProfile:
    """Two wijken, each its own district. Worked out by hand: the city has 100,000 + 67,635 = 167,635
    inhabitants; 65-plussers 20,000 + 7,157 = 27,157, i.e. 16.2001% of the city; Oud 20.0% (index
    123.5), Nieuw 7,157 / 67,635 = 10.58% (index 65.3)."""
    areas = pd.DataFrame({"level": "wijk", "name": list(TINY_AREAS.values()), "gemeente_code": "GM9999"},
                         index=list(TINY_AREAS))
    values = pd.DataFrame({"population": [100000.0, 67635.0], "n_age_65_plus": [20000.0, 7157.0]},
                          index=list(TINY_AREAS))
    inds = [registry.get("population"), registry.get("share_age_65_plus")]
    return TinyProfile(profile(areas, values, inds, None, gemeente_names={"GM9999": "Teststad"}))


def tiny_desk() -> TinyDesk:
    """Visits in 2024: Oud 60,000 (600.0 per 1000), Nieuw suppressed, the city 100,000 (596.5 per 1000)."""
    rows = []
    for level, code, name, visits, per_1000, suppressed in (
            ("gemeente", "GM9999", "Teststad", 100000.0, 596.5, False),
            ("district", "WK999901", "Oud", 60000.0, 600.0, False),
            ("district", "WK999902", "Nieuw", None, None, True),
            ("wijk", "WK999901", "Oud", 60000.0, 600.0, False),
            ("wijk", "WK999902", "Nieuw", None, None, True)):
        for indicator, value in (("visits", visits), ("visits_per_1000", per_1000)):
            rows.append({"level": level, "area_code": code, "area_name": name, "year": 2024, "product": "top",
                         "age_band": None, "indicator": indicator, "value": value, "suppressed": suppressed})
    rows.append({"level": "gemeente", "area_code": "GM9999", "area_name": "Teststad", "year": 2024,
                 "product": "passport", "age_band": None, "indicator": "visits", "value": 40000.0,
                 "suppressed": False})
    return TinyDesk(pd.DataFrame(rows))


def tiny_geometry() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"area_code": list(TINY_AREAS), "level": "wijk"},
                            geometry=[shapely.box(100000, 480000, 101000, 481000),
                                      shapely.box(101000, 480000, 102000, 481000)], crs="EPSG:28992")


TINY_SOURCE = {
    "kind": "cbs_kaart", "dataset": "Wijk- en buurtkaart", "filename": "wijken<script>.gpkg", "publisher": "CBS",
    "year": 2024, "levels": "wijk", "rows_accepted": 2, "rows_rejected": 0,
    "provides": ["population", "share_age_65_plus"], "lacks": {"share_low_income_households": "not_available"},
    "privacy": "open", "synthetic": False, "sha256": "0123456789abcdef" * 4,
}


@pytest.fixture
def tiny() -> ReportData:
    """A hand-made Dutch report: the tiny profile, its map, one CBS source, and a synthetic desk log."""
    registry = load_registry()
    districts = pd.DataFrame({"area_code": list(TINY_AREAS), "district_code": list(TINY_AREAS),
                              "district": list(TINY_AREAS.values())})  # a district file: each wijk its own
    return ReportData(lang="nl", registry=registry, profile=tiny_profile(registry), inventory=[dict(TINY_SOURCE)],
                      geometry=tiny_geometry(), districts=districts, desk={"visit": tiny_desk()})
