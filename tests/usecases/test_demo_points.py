"""The demo's service points are the real public buildings of the polling-station list
(../shared/data/locations): nothing synthetic about them, the report names them, and `plan locate`
chooses among the real community centres. Synthetic points only for a data folder without the list."""

from __future__ import annotations

import csv
from pathlib import Path

from wijkloket.i18n import t
from wijkloket.indicators.registry import load_registry
from wijkloket.sources.points import POLLING_PUBLISHER
from wijkloket.usecases import open_workspace
from wijkloket.usecases.analysis import Analysis
from wijkloket.usecases.demo import POINTS_FILE, demo_points_file

COMMUNITY = ("buurthuis", "buurtcentrum", "wijkcentrum", "wijkgebouw", "activiteitencentrum",
             "ontmoetingscentrum", "centrum van ontmoeting", "trefpunt")


def _haarlem_community_centres(data: Path) -> set[str]:
    """Independently of the rules file: Haarlem's community buildings by keyword (13, counted by hand)."""
    with open(data / POINTS_FILE, encoding="utf-8", newline="") as f:
        return {r["Naam stembureau"] for r in csv.DictReader(f) if r["CBS gemeentecode"] == "GM0392"
                and any(w in r["Naam stembureau"].lower() for w in COMMUNITY)}


def test_no_point_is_synthetic(demo_ws: Path, data: Path) -> None:
    with open_workspace(demo_ws) as ws:
        assert not ws.is_synthetic(("points",))
        src = ws.sources().set_index("kind").loc["points"]
        assert src["filename"] == Path(POINTS_FILE).name and src["publisher"] == POLLING_PUBLISHER
        points = ws.points()
    assert set(points.loc[points["kind"] == "desk", "name"]) == {"Gemeente Haarlem Zijlpoort", "Publiekshal Raakspoort"}
    centres = _haarlem_community_centres(data)
    assert len(centres) == 13
    assert set(points.loc[points["kind"] == "candidate", "name"]) == centres


def test_report_names_the_real_points_and_the_chosen_site(demo_ws: Path, data: Path) -> None:
    html = (demo_ws / "out" / "report.html").read_text("utf-8")
    assert "Raakspoort" in html and "Open State Foundation" in html
    assert t("report.points_synthetic") not in html
    with open_workspace(demo_ws) as ws:
        chosen = list(Analysis(ws, load_registry()).locate(1).chosen["name"])
    assert len(chosen) == 1 and chosen[0] in _haarlem_community_centres(data)
    assert chosen[0] in html


def test_synthetic_points_without_the_list(demo_ws: Path, tmp_path: Path) -> None:
    with open_workspace(demo_ws) as ws:
        assert demo_points_file(ws, tmp_path / "no-data", tmp_path / "synth").name == \
            "servicepunten_GM0392_synthetisch.csv"
