"""The demo: a whole workspace for the embedded data in one go (CBS data, districts, calibrated
synthetic desk exports, the real service points of the published polling-station list, the report),
and the figures to show afterwards."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wijkloket.config import SETTINGS_FILE
from wijkloket.errors import WijkloketError
from wijkloket.indicators.registry import Registry
from wijkloket.sources.points import polling_gemeenten
from wijkloket.store.workspace import Workspace
from wijkloket.usecases import ingest, simulate
from wijkloket.usecases.analysis import Analysis
from wijkloket.usecases.desk import DeskResult
from wijkloket.usecases.plan import LocateOutcome
from wijkloket.usecases.profile import ProfileResult
from wijkloket.usecases.report import write_report

CBS_FILES = ("cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer.gpkg", "cbs/kwb2024_gemeente_wijk_basis.csv")
DISTRICT_FILES = {"GM0392": "haarlem/stadsdelen_2024.csv"}
POINTS_FILE = "locations/stemlokalen_tk2023_haarlem_haarlemmermeer.csv"
"""Real public buildings (town halls, libraries, community centres) of Haarlem and Haarlemmermeer."""
STEPS = 7  # CBS x2, districts, simulate, postcodes, visits, issuances + points + report


@dataclass
class DemoEvent:
    """What the demo just did: `added` (report, path), `simulated` (result), or a finished `step`."""

    kind: str
    report: ingest.AddReport | None = None
    path: Path | None = None
    simulated: Any = None


@dataclass
class DemoResult:
    folder: Path
    profile: ProfileResult
    usage: DeskResult
    located: LocateOutcome
    report: Path
    computed: dict[str, int]


def run_demo(folder: Path, gemeente: str, lang: str, registry: Registry, data: Path,
             on_event: Callable[[DemoEvent], None] = lambda e: None) -> DemoResult:
    """Build the demo workspace in `folder` (replacing an earlier demo there) from the shared data
    in `data`. Desk logs do not exist as open data: the demo makes calibrated synthetic ones and reads
    them through the same import path a municipality would use. The service points are the real
    desks, libraries and community centres of the polling-station list (`POINTS_FILE`) read as
    published; only a municipality without rows there gets synthetic points."""
    cbs_files = [data / f for f in CBS_FILES]
    if not all(p.exists() for p in cbs_files):
        raise WijkloketError("error.demo_data_missing", folder=str(data))
    if (folder / SETTINGS_FILE).exists():
        shutil.rmtree(folder)
    ingest.init_workspace(folder, gemeente, lang)

    def added(report: ingest.AddReport, path: Path) -> None:
        on_event(DemoEvent("added", report, path))

    with Workspace(folder) as ws:
        for f in cbs_files:
            added(ingest.add_cbs(ws, f, registry), f)
            on_event(DemoEvent("step"))
        district_file = data / DISTRICT_FILES.get(gemeente, "-")
        if gemeente in DISTRICT_FILES and district_file.exists():
            added(ingest.add_districts(ws, district_file), district_file)
        on_event(DemoEvent("step"))
        synth_dir = folder / "synthetisch"
        areas, name = simulate.simulation_areas(gemeente, registry, cbs_files, ws)
        synth = simulate.simulate_exports(areas, gemeente, name, (2019, 2025), 7, synth_dir)
        on_event(DemoEvent("simulated", simulated=synth, path=synth_dir))
        on_event(DemoEvent("step"))
        added(ingest.add_postcodes(ws, synth.postcodes_csv), synth.postcodes_csv)
        on_event(DemoEvent("step"))
        for kind, file, mapping in (("visit", synth.visits_csv, synth.visits_mapping),
                                    ("issuance", synth.issuances_xlsx, synth.issuances_mapping)):
            added(ingest.add_log(ws, file, mapping, kind).add, file)
            on_event(DemoEvent("step"))
        points_file = demo_points_file(ws, data, synth_dir)
        added(ingest.add_points(ws, points_file).add, points_file)
    with Workspace(folder, read_only=True) as ws:
        an = Analysis(ws, registry)
        path = write_report(ws, registry, folder / "out", lang, analysis=an)
        on_event(DemoEvent("step"))
        return DemoResult(folder, an.profile(), an.desk("visit"), an.locate(1), path, dict(an.computed))


def demo_points_file(ws: Workspace, data: Path, synth_dir: Path) -> Path:
    """The published polling-station list when it has rows of the workspace's municipality; else
    synthetic service points written to `synth_dir` (labelled so in the file and the report)."""
    real = data / POINTS_FILE
    if real.exists() and ws.gemeente in polling_gemeenten(real):
        return real
    return simulate.simulate_points(ws, synth_dir)
