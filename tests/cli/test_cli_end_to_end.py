"""The CLI end to end on real data: every output format, idempotent adding. Help texts, the error path
and the table renderer are tested in tests/cli/."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pyogrio
import pytest

from wijkloket.store.workspace import Workspace

Cli = Callable[..., tuple[int, str, str]]


def test_sources_inventory(haarlem_ws: Path, cli: Cli) -> None:
    code, out, _ = cli("sources", "--workspace", haarlem_ws, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["kind"] for r in rows] == ["cbs_kaart", "cbs_odata", "districts"]
    kaart, odata, _ = rows
    assert kaart["rows_read"] == "39" and kaart["rows_accepted"] == "21"
    assert "share_age_65_plus" in kaart["provides"].split()
    assert "share_low_income_households=not_available" in kaart["lacks"].split()
    assert odata["rows_read"] == "3735" and odata["rows_rejected"] == "3713"
    assert "share_age_65_plus=not_in_file" in odata["lacks"].split()
    assert kaart["privacy"] == "open" and kaart["synthetic"] == "False"
    assert re.fullmatch(r"[0-9a-f]{64}", kaart["sha256"])
    code, out, _ = cli("sources", "--workspace", haarlem_ws)
    assert code == 0 and "nog niet gepubliceerd door CBS" in out


def test_adding_twice_changes_nothing_and_newer_replaces(haarlem_ws: Path, data: Path,
                                                         tmp_path: Path, cli: Cli) -> None:
    def counts() -> tuple[int, ...]:
        with Workspace(haarlem_ws, read_only=True) as ws:
            return tuple(ws.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
                         for t in ("sources", "areas", "area_values", "geometries",
                                   "rejections", "districts"))

    before = counts()
    code, out, _ = cli("add", "cbs", data / "cbs/kwb2024_gemeente_wijk_basis.csv",
                       "-w", haarlem_ws)
    assert code == 0 and "niets veranderd" in out
    assert counts() == before
    # A newer release of the same table (CBS updates figures): it replaces the old one.
    newer = tmp_path / "kwb2024_gemeente_wijk_basis.csv"
    text = (data / "cbs/kwb2024_gemeente_wijk_basis.csv").read_text("utf-8")
    newer.write_text(text.replace("WK039201,Wijk,14745", "WK039201,Wijk,14750"), "utf-8")
    code, out, _ = cli("add", "cbs", newer, "-w", haarlem_ws)
    assert code == 0 and "Vervangen" in out
    assert counts() == before
    with Workspace(haarlem_ws, read_only=True) as ws:
        assert ws.values(2024).loc["WK039201", "population"] in (14745, 14750)
        assert len(ws.sources()) == 3


def test_profile_formats(haarlem_ws: Path, tmp_path: Path, cli: Cli) -> None:
    code, out, _ = cli("profile", "--level", "district", "-w", haarlem_ws)
    assert code == 0 and "Schalkwijk" in out and "167.635" in out
    csv_path = tmp_path / "wijk.csv"
    code, _, _ = cli("profile", "--level", "wijk", "--format", "csv", "-o", csv_path,
                     "-w", haarlem_ws)
    assert code == 0
    with open(csv_path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for col in ("level", "area_code", "area_name", "indicator", "value", "numerator",
                "denominator", "coverage", "index_city"):
        assert col in rows[0]
    wijk = [r for r in rows if r["level"] == "wijk" and r["indicator"] == "population"]
    assert len(wijk) == 21 and wijk[0]["area_name"] == "Oude Stad"
    assert {r["level"] for r in rows} == {"wijk", "gemeente"}
    code, out, _ = cli("profile", "--level", "district", "--format", "csv", "-w", haarlem_ws)
    drows = list(csv.DictReader(io.StringIO(out)))
    assert {r["area_name"] for r in drows if r["level"] == "district"} == {
        "Centrum", "Noord", "Oost", "Schalkwijk", "Zuid-West"}

    xlsx = tmp_path / "p.xlsx"
    assert cli("profile", "--level", "all", "--format", "xlsx", "-o", xlsx, "-w", haarlem_ws)[0] == 0
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["Stadsdeel", "Wijk", "Definities", "Toelichting"]
    assert wb["Stadsdeel"].max_row == 8  # title, header, 5 districts and the city

    gpkg = tmp_path / "p.gpkg"
    assert cli("profile", "--level", "all", "--format", "gpkg", "-o", gpkg, "-w", haarlem_ws)[0] == 0
    layers = {str(name) for name, *_ in pyogrio.list_layers(gpkg)}
    assert layers == {"wijk", "district", "gemeente"}
    info = pyogrio.read_info(gpkg, layer="district")
    assert info["features"] == 5 and "28992" in info["crs"]
    assert "share_age_65_plus" in list(info["fields"])


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_report_is_self_contained(haarlem_ws: Path, tmp_path: Path, cli: Cli, lang: str) -> None:
    out_dir = tmp_path / f"out_{lang}"
    code, out, err = cli("report", "-o", out_dir, "-w", haarlem_ws, "--lang", lang)
    assert code == 0, err
    html = (out_dir / "report.html").read_text("utf-8")
    # Nothing is fetched when the file is opened: no external src/href/url() at all.
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", html)
    assert "url(http" not in html and "@import" not in html
    assert html.count("data:image/svg+xml;base64,") >= 3
    for section in ("kernboodschap", "stadsdelen", "kaarten", "bronnen", "methode"):
        assert f'id="{section}"' in html
    assert "Schalkwijk" in html
    if lang == "nl":
        assert "Kernboodschap" in html and "lang=\"nl\"" in html
    else:
        assert "Key message" in html and "Kernboodschap" not in html
    assert "synthetisch" not in html.lower() or lang == "en"


def test_demo(demo_run: dict[str, Any]) -> None:
    """The demo through the command line (run once per session, shared with other tests)."""
    code, out, err = demo_run["code"], demo_run["out"], demo_run["err"]
    assert code == 0, err
    assert (Path(demo_run["folder"]) / "out/report.html").exists()
    assert "Schalkwijk" in out
