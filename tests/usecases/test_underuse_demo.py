"""The under-use index on the demo (Haarlem, synthetic desk logs with planted effects): it finds what the
simulator planted, within its intervals, and flags no more than chance where nothing was planted. The
planted ratios come from the simulator's own file (`geplante_effecten_GM0392_synthetisch.csv`), computed
from its parameters and its residents, not from the index.

Criteria (each cell is one area, kind, product and year, or the whole log):
- every planted effect (the named wijken with more residents without Dutch nationality, for passports
  and ID cards; the distance decay of extracts and declarations; at wijk and district level, over the
  whole log) lies inside the exact 99.8% interval of the observed count (the funnel's outer limit);
- over all published cells, the planted ratio lies outside the 95% interval no more often than a
  Binomial(n, 0.05) count exceeds with probability 0.001;
- for the products without a planted effect (driving licences, collecting them), the flags (one-sided,
  2.5% by chance) are no more than a Binomial(n, 0.025) count exceeds with probability 0.001.
Cells of a district are sums of its wijken and the whole log the sum of the years, so the cells are not
independent; the 0.001 quantile leaves room for that."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from scipy.stats import binom

from wijkloket.indicators.registry import load_registry
from wijkloket.indicators.underuse import COLUMNS, poisson_interval
from wijkloket.synthetic.propensities import default_propensities
from wijkloket.usecases import open_workspace
from wijkloket.usecases import underuse as uc_underuse
from wijkloket.usecases.analysis import Analysis

Cli = Callable[..., tuple[int, str, str]]
KEYS = ["level", "area_code", "kind", "product", "year"]
NATIONALITY = {("visit", "passport"), ("visit", "id_card"), ("visit", "collect_document"), ("issuance", "passport"),
               ("issuance", "id_card")}
DISTANCE = {("visit", "brp_extract"), ("visit", "declaration")}
UNPLANTED = {("visit", "driving_licence"), ("visit", "collect_licence"), ("issuance", "driving_licence")}


@pytest.fixture(scope="module")
def demo(demo_ws: Path) -> dict[str, Any]:
    """The index, the desk tables, the districts and the planted ratios (wijk and district level)."""
    with open_workspace(demo_ws) as ws:
        an = Analysis(ws, load_registry())
        res = an.underuse()
        desks = {k: an.desk(k) for k in ("visit", "issuance")}
        districts = ws.districts()
        assert districts is not None
        planted = pd.read_csv(demo_ws / "synthetisch" / "geplante_effecten_GM0392_synthetisch.csv",
                              dtype={"year": "Int64"})
        adjusted = uc_underuse.underuse(
            ws, desks, 10, non_dutch=planted.drop_duplicates("area_code").set_index("area_code")["non_dutch_drawn"])
    of = districts.set_index("area_code")["district_code"]
    expected = ["expected_true", "expected_index"]
    sums = planted.assign(area_code=planted["area_code"].map(of)).groupby(
        ["area_code", "kind", "product", "year"], dropna=False, as_index=False)[expected].sum()
    sums["planted_ratio"] = 100 * sums["expected_true"] / sums["expected_index"]
    both = pd.concat([planted.assign(level="wijk"), sums.assign(level="district")], ignore_index=True)
    cells = res.table.merge(both, on=KEYS, how="left", suffixes=("", "_planted"))
    assert cells["planted_ratio"].notna().all()
    return {"res": res, "desks": desks, "cells": cells, "planted": planted, "adjusted": adjusted}


def _published(cells: pd.DataFrame) -> pd.DataFrame:
    return cells[cells["suppressed"] == ""]


def _inside(cells: pd.DataFrame, level: float) -> pd.Series:
    low, high = poisson_interval(cells["observed"].to_numpy(dtype="float64"), level)
    e = cells["expected"].to_numpy(dtype="float64")
    return pd.Series((100 * low / e <= cells["planted_ratio"]) & (cells["planted_ratio"] <= 100 * high / e),
                     index=cells.index)


def test_each_planted_effect_lies_inside_its_interval(demo: dict[str, Any]) -> None:
    cells = _published(demo["cells"])
    whole = cells[cells["year"].isna()]
    default = default_propensities()["nationality.share"]
    named = set(demo["planted"].loc[demo["planted"]["non_dutch_share"] > default, "area_code"])
    assert named == {"WK039201", "WK039219", "WK039221"}
    districts = set(whole.loc[whole["area_code"].isin(named), "district"])
    pair = pd.Series(list(zip(whole["kind"], whole["product"], strict=True)), index=whole.index)
    where = whole["area_code"].isin(named) | (whole["level"].eq("district") & whole["area_name"].isin(districts))
    nationality = whole[pair.isin(NATIONALITY) & where]
    distance = whole[pair.isin(DISTANCE)]
    effects = pd.concat([nationality, distance])
    assert len(nationality) >= 20 and len(distance) >= 25
    assert (nationality["planted_ratio"] < 90).sum() >= 6 and (distance["planted_ratio"] < 85).sum() >= 2
    outside = effects[~_inside(effects, 0.998)]
    assert outside[["area_name", "kind", "product", "ratio", "planted_ratio"]].empty, outside


def test_the_95_interval_covers_the_planted_ratio_as_often_as_it_should(demo: dict[str, Any]) -> None:
    cells = _published(demo["cells"])
    cells = cells[cells["level"].isin(["wijk", "district"])]
    misses = int((~_inside(cells, 0.95)).sum())
    assert len(cells) > 2000
    assert misses <= binom.ppf(0.999, len(cells), 0.05), (misses, len(cells))


def test_no_more_flags_than_chance_where_nothing_was_planted(demo: dict[str, Any]) -> None:
    cells = _published(demo["cells"])
    none = cells[[p in UNPLANTED for p in zip(cells["kind"], cells["product"], strict=True)]]
    # the simulator planted nothing there: 100 but for the drawn residents of small areas (Spaarndam, 595)
    assert (none.loc[none["year"].isna(), "planted_ratio"] - 100).abs().max() < 5
    flags = int(none["flag"].sum())
    assert len(none) > 500
    assert flags <= binom.ppf(0.999, len(none), 0.025), (flags, len(none))


def test_the_index_finds_the_planted_areas(demo: dict[str, Any]) -> None:
    t = demo["res"].table
    whole = t[t["year"].isna() & t["flag"]]
    found = set(zip(whole["area_name"], whole["kind"], whole["product"], strict=True))
    for area in ("Oude Stad", "Boerhaavewijk", "Meerwijk", "Centrum", "Schalkwijk"):
        for kind, product in (("visit", "passport"), ("issuance", "passport"), ("issuance", "id_card")):
            assert (area, kind, product) in found, (area, kind, product)
    for area in ("Molenwijk", "Meerwijk", "Schalkwijk"):
        assert (area, "visit", "brp_extract") in found
    assert not any(kind == "issuance" and product == "driving_licence" for _, kind, product in found)


def test_expected_counts_match_the_simulators_own(demo: dict[str, Any]) -> None:
    # The simulator computes the index's expectation from its residents and events (independently of
    # indicators.underuse): the two agree to a fraction of a per cent (events split over two areas by
    # address shares, rejected rows and birthdays near the year's end account for the rest).
    cells = _published(demo["cells"])
    cells = cells[(cells["level"] == "wijk") & (cells["expected_index"] > 100)]
    ratio = cells["expected"] / cells["expected_index"]
    assert abs(ratio.median() - 1) < 0.005 and (ratio - 1).abs().max() < 0.05


def test_suppression_is_that_of_the_desk_tables(demo: dict[str, Any]) -> None:
    t = demo["res"].table
    for kind, desk in demo["desks"].items():
        noun = "visits" if kind == "visit" else "issuances"
        d = desk.table[(desk.table["indicator"] == noun) & desk.table["age_band"].isna()
                       & desk.table["level"].isin(["wijk", "district"])]
        years = t[(t["kind"] == kind) & t["year"].notna()].astype({"year": "int64"})
        merged = years.merge(d[["level", "area_code", "year", "product", "suppressed"]],
                             on=["level", "area_code", "year", "product"], suffixes=("", "_desk"))
        assert len(merged) == len(years) and (merged["suppressed"] == merged["suppressed_desk"]).all()
        assert (merged.loc[merged["suppressed"] == "", "observed"].dropna() >= 10).all() | (
            merged.loc[merged["suppressed"] == "", "observed"] == 0).all()
        hidden_years = years.groupby(["level", "area_code", "product"])["suppressed"].apply(lambda s: (s != "").any())
        whole = t[(t["kind"] == kind) & t["year"].isna()].set_index(["level", "area_code", "product"])
        assert ((whole["suppressed"] != "") == hidden_years.reindex(whole.index)).all()
    hidden = t[t["suppressed"] != ""]
    assert len(hidden) and hidden[["observed", "expected", "ratio", "ci_low", "ci_high"]].isna().all().all()


def test_the_nationality_share_explains_the_passport_flags(demo: dict[str, Any]) -> None:
    # With the share of residents without Dutch nationality (here the simulator's own) in the expectation,
    # the named wijken are as expected for passports and ID cards again; their extracts stay as they were.
    t = demo["adjusted"].table
    assert demo["adjusted"].nationality
    whole = t[t["year"].isna() & (t["level"] == "wijk")].set_index(["area_name", "kind", "product"])
    for area in ("Boerhaavewijk", "Meerwijk", "Oude Stad"):
        for kind, product in (("visit", "passport"), ("issuance", "id_card")):
            row = whole.loc[(area, kind, product)]
            assert bool(row["nationality_adjusted"]) and not bool(row["flag"]) and 94 < row["ratio"] < 106
        assert not bool(whole.loc[(area, "visit", "driving_licence"), "nationality_adjusted"])
    assert bool(whole.loc[("Meerwijk", "visit", "brp_extract"), "flag"])


def test_report_section(demo_ws: Path) -> None:
    html = (demo_ws / "out" / "report.html").read_text("utf-8")
    start = html.index('id="ondergebruik"')
    section = html[start:html.index("</section>", start)]
    assert "Minder gebruik dan verwacht?" in section and 'id="ondergebruik" data-synthetic="true"' in html
    assert section.count("data:image/svg+xml;base64,") >= 3  # the funnel plot and two maps
    assert "Boerhaavewijk" in section and "nationaliteit" in section and "SYNTHETISCH" in section


def test_command_line(demo_ws: Path, tmp_path: Path, cli: Cli) -> None:
    code, out, err = cli("underuse", "-w", demo_ws, "--level", "wijk")
    assert code == 0, err
    assert "Boerhaavewijk" in out and "▼" in out and "SYNTHETISCH" in out and "nationaliteit" in out
    code, out, err = cli("underuse", "-w", demo_ws, "--level", "all", "--format", "csv", "--lang", "en")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == COLUMNS and {r["synthetic"] for r in rows} == {"True"}
    assert {r["level"] for r in rows} == {"wijk", "district"}
    png, xlsx = tmp_path / "f.png", tmp_path / "u.xlsx"
    code, out, err = cli("underuse", "-w", demo_ws, "--format", "xlsx", "-o", xlsx, "--product", "passport",
                         "--year", "2024", "--funnel", png)
    assert code == 0, err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    wb = openpyxl.load_workbook(xlsx, read_only=True)
    assert {"district", "tidy", "notes"} <= set(wb.sheetnames)
    tidy = list(wb["tidy"].iter_rows(values_only=True))
    wb.close()
    assert {r[tidy[0].index("product")] for r in tidy[1:]} == {"passport"}
    assert {r[tidy[0].index("year")] for r in tidy[1:]} == {2024}
    code, _, err = cli("underuse", "-w", demo_ws, "--product", "nope")
    assert code == 2 and "nope" in err and "passport" in err
    code, _, err = cli("underuse", "-w", demo_ws, "--level", "buurt")
    assert code == 2 and "buurt" in err
    assert np.isfinite(float(rows[0]["expected"]))
