"""Calibrated synthetic exports (`simulate`) and synthetic service points, for demos and tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wijkloket.areas.levels import finest_level, gemeente_name
from wijkloket.errors import WijkloketError, WorkspaceError
from wijkloket.indicators.registry import Registry, default_registry
from wijkloket.sources.cbs import read_cbs
from wijkloket.store.workspace import Workspace
from wijkloket.usecases.profile import district_profile, latest_year

SIMULATION_COLUMNS = ["population", "households", "pct_age_0_15", "pct_age_15_25", "pct_age_25_45",
                      "pct_age_45_65", "pct_age_65_plus"]


def _areas_from_files(gemeente: str, registry: Registry, cbs_files: list[Path]) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                                          str]:
    last: WijkloketError | None = None
    for f in cbs_files:
        try:
            res = read_cbs(f, gemeente, registry)
        except WijkloketError as exc:
            last = exc
            continue
        a = res.areas.set_index("area_code")
        sub = a[a["level"] == finest_level(a["level"])]
        values = res.values.pivot(index="area_code", columns="variable", values="value").reindex(sub.index)
        return sub, values, gemeente_name(sub["gemeente_name"], gemeente)
    if last is not None:
        raise last
    raise WorkspaceError("error.no_cbs_data", folder=str(cbs_files))


def simulation_areas(gemeente: str, registry: Registry, cbs_files: list[Path],
                     ws: Workspace | None = None) -> tuple[pd.DataFrame, str]:
    """Areas with population, households and age shares for `simulate`: from the workspace when
    it holds this municipality, else from the first CBS file that does."""
    if ws is not None and ws.gemeente == gemeente:
        year = latest_year(ws)
        areas = ws.areas(year)
        sub = areas[areas["level"] == finest_level(areas["level"])]
        values = ws.values(year).reindex(sub.index)
        name = gemeente_name(sub["gemeente_name"], gemeente)
    else:
        sub, values, name = _areas_from_files(gemeente, registry, cbs_files)
    out = pd.DataFrame({"area_code": sub.index})
    for c in SIMULATION_COLUMNS:
        out[c] = values[c].to_numpy() if c in values else np.nan
    out = out[out["population"].fillna(0) > 0].reset_index(drop=True)
    out["population"] = out["population"].astype(int)
    return out, name


def simulate_exports(areas: pd.DataFrame, gemeente: str, gemeente_name: str, years: tuple[int, int], seed: int,
                     out_dir: Path) -> Any:
    from wijkloket.synthetic import simulate

    return simulate(areas, gemeente, years, seed, out_dir, gemeente_name=gemeente_name)


def simulate_frame(areas: pd.DataFrame, gemeente: str, seed: int, out_dir: Path) -> tuple[Path, Path]:
    """The synthetic sampling frame of the needs survey (residents 15+ of the same synthetic town as the
    exports: same seed, same postcodes), written as `steekproefkader.csv` with its mapping (synthetic)."""
    from wijkloket.synthetic.survey import synthetic_frame, write_frame

    return write_frame(synthetic_frame(areas, gemeente, seed), out_dir, seed)


def simulate_points(ws: Workspace, out_dir: Path, seed: int = 7) -> Path:
    """Synthetic service points for the workspace's municipality (there is no open list of them),
    written as CSV with WGS84 lon/lat and a `Synthetisch` column (see `synthetic.points`)."""
    from wijkloket.synthetic.points import service_points, write_points_csv

    year = latest_year(ws)
    geo = ws.geometry(year)
    if geo is None:
        raise WijkloketError("error.no_geometry", year=year)
    prof = district_profile(ws, default_registry(), year, ("wijk", "district", "gemeente"), ["population", "density"])
    t = prof.table
    wijk = t[(t["level"] == "wijk") & (t["indicator"] == "population")].set_index("area_code")
    dens = t[(t["level"] == "wijk") & (t["indicator"] == "density")].set_index("area_code")["value"]
    geo = geo[(geo["level"] == "wijk") & geo["area_code"].isin(wijk.index)].set_index("area_code")
    frame = service_points(geo, wijk, dens, seed)
    return write_points_csv(frame, out_dir, ws.gemeente)


@dataclass
class SimulateOutcome:
    exports: Any  # wijkloket.synthetic.SimulateResult
    points: Path | None  # synthetic service points, when the workspace has this municipality's geometry
    assumptions: list[tuple[str, str, str]]  # (name, value, source) of the simulator's propensities
    frame: tuple[Path, Path] | None = None  # the survey's synthetic sampling frame and its mapping


def simulate_all(gemeente: str, years: tuple[int, int], seed: int, out_dir: Path, registry: Registry,
                 cbs_files: list[Path], workspace: Path | None = None) -> SimulateOutcome:
    """Synthetic exports for `gemeente` from the workspace's CBS data (when it holds that
    municipality) or the CBS files, and synthetic service points when the workspace has its map."""
    from wijkloket.config import check_gemeente_code

    gemeente = check_gemeente_code(gemeente)
    points = None
    if workspace is not None:
        with Workspace(workspace, read_only=True) as ws:
            areas, name = simulation_areas(gemeente, registry, cbs_files, ws)
            if ws.gemeente == gemeente and ws.geometry(latest_year(ws)) is not None:
                points = simulate_points(ws, out_dir, seed)
    else:
        areas, name = simulation_areas(gemeente, registry, cbs_files)
    exports = simulate_exports(areas, gemeente, name, years, seed, out_dir)
    return SimulateOutcome(exports, points, propensity_summary(), simulate_frame(areas, gemeente, seed, out_dir))


def _short(value: Any, items: int = 4) -> str:
    """A value of the assumptions file in one short line (tables and lists cut after a few items)."""
    if isinstance(value, dict):
        shown = ", ".join(f"{k}: {_short(v)}" for k, v in list(value.items())[:items])
        return "{" + shown + (", ..." if len(value) > items else "") + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_short(v) for v in value[:items]) + (", ..." if len(value) > items else "") + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


def propensity_summary() -> list[tuple[str, str, str]]:
    """(name, value, source) of every propensity the simulator draws with (`data/synthetic_assumptions.toml`):
    the desk exports', then the survey's (the frame's sex and language, response and answers: `survey.*`)."""
    from wijkloket.synthetic.propensities import default_propensities
    from wijkloket.synthetic.survey import default_survey_assumptions

    desk = [(k, _short(a.value), a.source) for k, a in default_propensities().items.items()]
    survey = default_survey_assumptions().items
    return desk + [(".".join(("survey", k)), _short(a.value), a.source) for k, a in survey.items()]
