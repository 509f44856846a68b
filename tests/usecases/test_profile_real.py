"""The whole chain on real data: Haarlem with its district file, Haarlemmermeer with one of our
own, and all 342 municipalities of the national file. Expected values are computed in the test
straight from the source files with the csv module."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from wijkloket.indicators.profile import profile
from wijkloket.indicators.registry import default_registry
from wijkloket.sources.cbs import read_cbs
from wijkloket.store.workspace import Workspace
from wijkloket.usecases.profile import district_profile

REG = default_registry()
ATTR = "cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer_attributes.csv"


def _rows(data: Path, gm: str) -> list[dict[str, str]]:
    with open(data / ATTR, encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["gemeentecode"] == gm]


def _districts(path: Path) -> dict[str, str]:
    with open(path, encoding="utf-8") as fh:
        return {r["area_code"]: r["district"] for r in csv.DictReader(fh)}


def _check_districts(table: pd.DataFrame, data: Path, gm: str, dmap: dict[str, str]) -> None:
    rows = _rows(data, gm)
    pop: dict[str, float] = defaultdict(float)
    old: dict[str, float] = defaultdict(float)
    single: dict[str, float] = defaultdict(float)
    hh: dict[str, float] = defaultdict(float)
    for r in rows:
        d = dmap[r["wijkcode"]]
        pop[d] += float(r["aantalInwoners"])
        old[d] += float(r["percentagePersonen65JaarEnOuder"]) * float(r["aantalInwoners"]) / 100
        hh[d] += float(r["aantalHuishoudens"])
        single[d] += float(r["percentageEenpersoonshuishoudens"]) * float(r["aantalHuishoudens"]) / 100
    dist = table[table["level"] == "district"].set_index(["area_name", "indicator"])
    for d in pop:
        assert dist.loc[(d, "population"), "value"] == pop[d]
        # The district's share 65+ is the population-weighted mean of its wijken.
        assert dist.loc[(d, "share_age_65_plus"), "value"] == pytest.approx(old[d] / pop[d] * 100)
        assert dist.loc[(d, "share_single_person_households"), "value"] == pytest.approx(
            single[d] / hh[d] * 100)
    city = table[(table["level"] == "gemeente")].set_index("indicator")
    assert city.loc["population", "value"] == sum(pop.values())
    assert city.loc["share_age_65_plus", "value"] == pytest.approx(
        sum(old.values()) / sum(pop.values()) * 100)
    idx = dist.loc[(next(iter(pop)), "share_age_65_plus"), "index_city"]
    assert idx == pytest.approx(
        dist.loc[(next(iter(pop)), "share_age_65_plus"), "value"]
        / city.loc["share_age_65_plus", "value"] * 100)


def test_haarlem_district_profile(haarlem_ws: Path, data: Path) -> None:
    with Workspace(haarlem_ws, read_only=True) as ws:
        result = district_profile(ws, REG)
    assert result.year == 2024 and result.gemeente_name == "Haarlem"
    t = result.table
    assert t.loc[(t["level"] == "gemeente") & (t["indicator"] == "population"),
                 "value"].iloc[0] == 167_635
    _check_districts(t, data, "GM0392", _districts(data / "haarlem/stadsdelen_2024.csv"))
    assert set(t.loc[t["level"] == "district", "area_name"]) == {
        "Centrum", "Noord", "Oost", "Schalkwijk", "Zuid-West"}
    # CBS publishes 167,636 for the municipality: the difference is noted, not hidden.
    assert ("note.population_check", {"published": 167_636, "summed": 167_635}) in result.notes
    # Income is -99995 in 2024 for every wijk: no value, coverage 0, flagged.
    inc = t[(t["level"] == "district") & (t["indicator"] == "share_low_income_households")]
    assert inc["value"].isna().all() and (inc["coverage"] == 0).all() and inc["low_coverage"].all()


def test_haarlemmermeer_with_own_district_file(tmp_path: Path, data: Path, fixtures: Path,
                                               cli: Callable[..., tuple[int, str, str]]) -> None:
    ws = tmp_path / "hlmmeer"
    assert cli("init", ws, "--gemeente", "GM0394")[0] == 0
    assert cli("add", "cbs", data / "cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer.geojson",
               "-w", ws)[0] == 0
    code, out, err = cli("add", "districts", fixtures / "haarlemmermeer_districts.csv", "-w", ws)
    assert code == 0, err
    with Workspace(ws, read_only=True) as w:
        t = district_profile(w, REG).table
    _check_districts(t, data, "GM0394", _districts(fixtures / "haarlemmermeer_districts.csv"))


def test_without_district_file_each_wijk_is_a_district(tmp_path: Path, data: Path,
                                                       cli: Callable[..., tuple[int, str, str]]
                                                       ) -> None:
    ws = tmp_path / "w"
    cli("init", ws, "--gemeente", "GM0394")
    cli("add", "cbs", data / "cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer.gpkg", "-w", ws)
    with Workspace(ws, read_only=True) as w:
        t = district_profile(w, REG).table
    d = t[(t["level"] == "district") & (t["indicator"] == "population")]
    assert len(d) == 18 and set(d["area_code"]) == {r["wijkcode"] for r in _rows(data, "GM0394")}


def test_all_342_municipalities_at_wijk_level(data: Path) -> None:
    res = read_cbs(data / "cbs/kwb2024_gemeente_wijk_basis.csv", None, REG)
    areas = res.areas.set_index("area_code")
    areas = areas[areas["level"] == "wijk"]
    values = res.values.pivot(index="area_code", columns="variable", values="value")
    t = profile(areas, values, list(REG.indicators.values()), levels=("wijk", "gemeente"))
    city = t[(t["level"] == "gemeente") & (t["indicator"] == "population")].set_index(
        "gemeente_code")["value"]
    assert len(city) == 342
    wijk_sum: dict[str, float] = defaultdict(float)
    published: dict[str, float] = {}
    n_wijk: dict[str, int] = defaultdict(int)
    land: dict[str, float] = defaultdict(float)
    with open(data / "cbs/kwb2024_gemeente_wijk_basis.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["SoortRegio"] == "Wijk":
                gm = "GM" + r["Codering"][2:6]
                wijk_sum[gm] += float(r["AantalInwoners_5"])
                land[gm] += float(r["OppervlakteLand_123"])
                n_wijk[gm] += 1
            else:
                published[r["Codering"]] = float(r["AantalInwoners_5"])
    for gm, total in wijk_sum.items():
        assert city[gm] == total
        # Wijk counts are rounded (to 5), so the sum differs a little from CBS's own total:
        # at most 5 per wijk or 0.1 % (Velsen, GM0453: 61 on 10 wijken).
        assert abs(total - published[gm]) <= max(5 * n_wijk[gm], 0.001 * published[gm])
    dens = t[(t["level"] == "gemeente") & (t["indicator"] == "density")].set_index(
        "gemeente_code")["value"]
    assert dens["GM0363"] == pytest.approx(wijk_sum["GM0363"] / land["GM0363"] * 100)
    # Every wijk's index is its share of the municipality's population.
    w = t[(t["level"] == "wijk") & (t["indicator"] == "population")]
    assert w.groupby("gemeente_code")["index_city"].sum().round(6).eq(100).all()
