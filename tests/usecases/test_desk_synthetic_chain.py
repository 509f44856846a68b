"""The whole desk chain on synthetic exports of a small real municipality (Ameland, GM0060, from
the national CBS file): simulate -> add -> usage/issuances in every format -> report. Everything
derived from synthetic data says so."""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pyogrio
import pytest

Cli = Callable[..., tuple[int, str, str]]


def test_synthetic_chain_is_labelled_everywhere(tmp_path: Path, data: Path, cli: Cli) -> None:
    kwb = data / "cbs/kwb2024_gemeente_wijk_basis.csv"
    ws = tmp_path / "ameland"
    synth = tmp_path / "synth"
    code, out, err = cli("simulate", "--gemeente", "GM0060", "--years", "2023-2025", "--seed", "3", "-o", synth,
                         "--cbs", kwb)
    assert code == 0, err
    assert "geen echte inwoners" in out
    # simulate prints every assumption it draws with, as the assumptions file states it
    assumptions = tomllib.loads((Path(__file__).parents[2] / "src/wijkloket/data/synthetic_assumptions.toml")
                                .read_text("utf-8"))
    assert "  nationality.share = 0.05 (bron: " in out and assumptions["nationality"]["share"]["value"] == 0.05
    assert all(f"  {section}.{name} = " in out for section, entries in assumptions.items() for name in entries
               if section != "survey")
    # the survey's assumptions (frame, response, answers) by their full names, [survey.answers.base] too
    survey = assumptions["survey"]
    names = [n for n in survey if n != "answers"] + [f"answers.{n}" for n in survey["answers"]]
    assert len(names) > 6 and all(f"  survey.{name} = " in out for name in names)
    assert cli("init", ws, "--gemeente", "GM0060")[0] == 0
    assert cli("add", "cbs", kwb, "-w", ws)[0] == 0
    pcs = next(synth.glob("pc6hnr_*.csv"))
    assert cli("add", "postcodes", pcs, "-w", ws)[0] == 0
    code, out, err = cli("add", "visits", next(synth.glob("afspraken_*.csv")), "-m", synth / "jcc.toml", "-w", ws)
    assert code == 0, err
    assert "synthetisch" in out and "BSN" in out
    code, out, err = cli("add", "issuances", next(synth.glob("verstrekkingen_*.xlsx")), "-m",
                         synth / "burgerzaken.toml", "-w", ws)
    assert code == 0, err

    code, out, err = cli("usage", "--level", "all", "--format", "csv", "-w", ws)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and all(r["synthetic"] == "True" for r in rows)
    assert {r["year"] for r in rows} == {"2023", "2024", "2025"}
    city = {(r["year"], r["indicator"]): float(r["value"]) for r in rows
            if r["level"] == "gemeente" and r["product"] == "top" and not r["age_band"] and r["value"]}
    # Once every N years = residents / visits; residents summed from the CBS file's wijk rows.
    with open(kwb, encoding="utf-8") as fh:
        residents = sum(float(r["AantalInwoners_5"]) for r in csv.DictReader(fh)
                        if r["Codering"].startswith("WK0060"))
    assert city[("2024", "once_every_n_years")] == pytest.approx(residents / city[("2024", "visits")])
    code, out, _ = cli("usage", "-w", ws)
    assert code == 0 and "SYNTHETISCH" in out

    code, out, err = cli("issuances", "--level", "wijk", "--format", "csv", "-w", ws)
    assert code == 0, err
    irows = list(csv.DictReader(io.StringIO(out)))
    assert {r["product"] for r in irows} == {"passport", "id_card", "driving_licence", "all"}
    # Published counts are never below the threshold.
    assert all(float(r["value"]) >= 10 or float(r["value"]) == 0 for r in irows
               if r["indicator"] == "issuances" and r["value"])
    xlsx = tmp_path / "i.xlsx"
    assert cli("issuances", "--format", "xlsx", "-o", xlsx, "-w", ws)[0] == 0
    assert "Toelichting" in openpyxl.load_workbook(xlsx).sheetnames

    code, out, err = cli("report", "-o", tmp_path / "out", "-w", ws)
    assert code == 0, err
    html = (tmp_path / "out/report.html").read_text("utf-8")
    assert 'class="synthetic"' in html and "SYNTHETISCH" in html
    assert 'id="baliegebruik"' in html and 'id="verstrekkingen"' in html
    assert "&lt;p&gt;" not in html


def test_usage_gpkg_opens_with_layers(haarlem_ws: Path, tmp_path: Path, fixtures: Path, cli: Cli) -> None:
    synth = tmp_path / "s"
    assert cli("simulate", "--gemeente", "GM0392", "--years", "2025-2025", "-o", synth, "-w", haarlem_ws)[0] == 0
    cli("add", "postcodes", next(synth.glob("pc6hnr_*.csv")), "-w", haarlem_ws)
    code, _, err = cli("add", "visits", next(synth.glob("afspraken_*.csv")), "-m", synth / "jcc.toml",
                       "-w", haarlem_ws)
    assert code == 0, err
    gpkg = tmp_path / "u.gpkg"
    code, out, err = cli("usage", "--level", "all", "--format", "gpkg", "-o", gpkg, "-w", haarlem_ws)
    assert code == 0, err
    layers = {str(n) for n, *_ in pyogrio.list_layers(gpkg)}
    assert {"wijk", "district", "gemeente"} <= layers
    assert "once_every_n_years" in list(pyogrio.read_info(gpkg, layer="district")["fields"])
