"""Every Kerncijfers year readable: TypedDataSet JSON beside CSV, the 2013 `RegioS` dimension, keys
renumbered by CBS (matched by stem), unknown keys reported in the add summary, buurt files filling the
buurt level. Expected values are read from the source files with the standard library (csv)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from wijkloket.indicators.registry import default_registry
from wijkloket.sources.cbs import read_cbs
from wijkloket.usecases import open_workspace
from wijkloket.usecases.ingest import add_cbs, init_workspace
from wijkloket.usecases.profile import district_profile

REG = default_registry()
KWB = "cbs/kwb2024_gemeente_wijk_basis.csv"


def _haarlem_rows(data: Path) -> list[dict[str, str]]:
    with open(data / KWB, encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["Codering"][2:6] == "0392"]


def _by(res: object, variable: str) -> dict[str, float]:
    v = res.values  # type: ignore[attr-defined]
    sel = v[v["variable"] == variable]
    return dict(zip(sel["area_code"], sel["value"], strict=True))


def _typed_rows(rows: list[dict[str, str]]) -> list[dict[str, object]]:
    """The CSV rows as the TypedDataSet sends them: codes padded to 10 characters, numbers typed, null."""
    out = []
    for r in rows:
        row: dict[str, object] = {"ID": len(out), "WijkenEnBuurten": r["Codering"].ljust(10)}
        for k, v in r.items():
            if k.endswith(tuple("0123456789")):
                row[k] = None if v == "" else (float(v) if "." in v else int(v))
        out.append(row)
    return out


@pytest.mark.parametrize("envelope", [True, False])
def test_typed_data_set_json(tmp_path: Path, data: Path, envelope: bool) -> None:
    rows = _haarlem_rows(data)
    typed = _typed_rows(rows)
    body = {"odata.metadata": "recorded", "value": typed} if envelope else typed
    path = tmp_path / "85984NED_TypedDataSet_2024.json"
    path.write_text(json.dumps(body), "utf-8")
    res = read_cbs(path, "GM0392", REG)
    assert res.kind == "cbs_odata" and res.year == 2024
    assert res.rows_accepted == len(rows) == 22  # GM0392 + 21 wijken
    assert _by(res, "population") == {r["Codering"]: float(r["AantalInwoners_5"]) for r in rows}
    assert _by(res, "population")["GM0392"] == 167_636  # PROVENANCE.md
    assert _by(res, "land_area_ha")["WK039203"] == 65
    assert res.warnings == []  # OppervlakteTotaal_122 / Water_124: topics known to be unused


def test_geojson_named_json_is_still_geodata(tmp_path: Path, data: Path) -> None:
    src = data / "cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer.geojson"
    path = tmp_path / "wijken_2024.json"
    shutil.copy(src, path)
    res = read_cbs(path, "GM0392", REG)
    assert res.kind == "cbs_kaart" and res.geometry is not None and res.rows_accepted == 21


def test_json_that_is_no_table(tmp_path: Path) -> None:
    from wijkloket.errors import InputFileError

    path = tmp_path / "kwb_2024.json"
    path.write_text('{"value": 3}', "utf-8")
    with pytest.raises(InputFileError) as exc:
        read_cbs(path, "GM0392", REG)
    assert exc.value.code == "error.cbs_json_shape"


def test_renumbered_keys_match_by_stem_and_unknown_keys_are_reported(tmp_path: Path, data: Path) -> None:
    rows = _haarlem_rows(data)
    renamed = {"OppervlakteLand_123": "OppervlakteLand_116", "Woningvoorraad_35": "Woningvoorraad_31"}
    path = tmp_path / "kwb_2024_later_revision.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fields = [renamed.get(k, k) for k in rows[0]] + ["NieuwOnderwerp_200"]
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for r in rows:
            w.writerow({**{renamed.get(k, k): v for k, v in r.items()}, "NieuwOnderwerp_200": "1"})
    res = read_cbs(path, "GM0392", REG)
    assert _by(res, "land_area_ha") == {r["Codering"]: float(r["OppervlakteLand_123"]) for r in rows}
    assert _by(res, "dwellings")["GM0392"] == 79_434  # PROVENANCE.md
    assert res.warnings == ["unknown_keys:NieuwOnderwerp_200"]
    assert "NieuwOnderwerp_200" in res.columns_ignored


def test_add_summary_names_unknown_keys(tmp_path: Path, data: Path, cli) -> None:  # type: ignore[no-untyped-def]
    rows = _haarlem_rows(data)
    path = tmp_path / "kwb_2024_new.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["Codering", "AantalInwoners_5", "Raadselachtig_99"])
        w.writeheader()
        for r in rows:
            w.writerow({"Codering": r["Codering"], "AantalInwoners_5": r["AantalInwoners_5"], "Raadselachtig_99": 7})
    ws = tmp_path / "ws"
    assert cli("init", ws, "--gemeente", "GM0392")[0] == 0
    code, out, _ = cli("add", "cbs", path, "--workspace", ws)
    assert code == 0 and "Raadselachtig_99" in out and "gewijzigd schema" in out


def test_2013_regios_dimension(tmp_path: Path) -> None:
    # The 2013 table (82339NED) names its areas RegioS and has its keys one position earlier.
    path = tmp_path / "82339NED_2013.csv"
    path.write_text(
        "ID,RegioS,Gemeentenaam_1,AantalInwoners_4,Mannen_5,k_65JaarOfOuder_11,PersonenMetEenWWBUitkeringTotaal_73\n"
        "0,GM0392    ,Haarlem,155000,75000,23000,5000\n"
        "1,WK039200  ,Haarlem,20000,9800,3000,400\n"
        "2,BU03920000,Haarlem,3000,1500,500,50\n", "utf-8")
    res = read_cbs(path, "GM0392", REG)
    assert res.year == 2013 and res.warnings == []
    assert _by(res, "population") == {"GM0392": 155_000, "WK039200": 20_000, "BU03920000": 3000}
    assert _by(res, "n_social_assistance")["WK039200"] == 400
    assert _by(res, "n_age_65_plus")["BU03920000"] == 500
    assert set(res.areas["level"]) == {"gemeente", "wijk", "buurt"}


def test_education_counts_give_a_share_of_the_known(tmp_path: Path) -> None:
    path = tmp_path / "kwb_2024_opleiding.csv"
    path.write_text("Codering_3,AantalInwoners_5,BasisonderwijsVmboMbo1_75,HavoVwoMbo24_76,HboWo_77\n"
                    "WK039201,14745,1000,3000,6000\n"
                    "WK039202,13090,2000,,5000\n", "utf-8")
    res = read_cbs(path, "GM0392", REG)
    known = res.values[res.values["variable"] == "n_education_known"].set_index("area_code")
    assert known.loc["WK039201", "value"] == 10_000 and known.loc["WK039201", "status"] == "ok"
    assert known.loc["WK039202", "status"] == "empty"  # a part is missing: no total


def _buurt_json(folder: Path) -> Path:
    rows = [{"WijkenEnBuurten": "BU03920301", "AantalInwoners_5": 1985, "Mannen_6": 975, "Vrouwen_7": 1010},
            {"WijkenEnBuurten": "BU03920302", "AantalInwoners_5": 6310, "Mannen_6": 3080, "Vrouwen_7": 3225}]
    path = folder / "85984NED_buurten_2024.json"
    path.write_text(json.dumps({"value": rows}), "utf-8")
    return path


def test_buurt_file_fills_the_buurt_level_beside_the_wijk_file(tmp_path: Path, data: Path) -> None:
    ws_dir = tmp_path / "ws"
    init_workspace(ws_dir, "GM0392")
    with open_workspace(ws_dir, write=True) as ws:
        first = add_cbs(ws, data / KWB, REG)
        second = add_cbs(ws, _buurt_json(tmp_path), REG)
        # Before issue 12 the buurt file replaced the wijk file of the same year.
        assert first.outcome.status == "added" and second.outcome.status == "added"
        levels = ws.areas(2024)["level"].value_counts()
        assert levels["wijk"] == 21 and levels["buurt"] == 2
        table = district_profile(ws, REG, indicator_ids=["population"]).table
    pop = table.set_index(["level", "area_code"])["value"]
    assert pop[("buurt", "BU03920301")] == 1985 and pop[("buurt", "BU03920302")] == 6310
    assert pop[("wijk", "WK039203")] == 8295  # the wijk as CBS publishes it, not the sum of two buurten


def test_pdok_ogc_api_page_with_snake_case_properties(tmp_path: Path) -> None:
    # The shape of a PDOK OGC API Features page (wijken-en-buurten, collection buurten): properties
    # as recorded by a PDOK client for Haarlem's Garenkokerskwartier (issue 12 samples).
    props = {"buurtcode": "BU03920301", "buurtnaam": "Garenkokerskwartier", "wijkcode": "WK039203",
             "gemeentecode": "GM0392", "aantal_inwoners": 1985, "aantal_huishoudens": 970,
             "percentage_personen_0_tot_15_jaar": 16, "percentage_personen_65_jaar_en_ouder": 18,
             "percentage_eenpersoonshuishoudens": 42, "oppervlakte_land_in_ha": 19}
    ring = [[4.625, 52.384], [4.635, 52.384], [4.635, 52.392], [4.625, 52.392], [4.625, 52.384]]
    page = {"type": "FeatureCollection", "links": [], "numberReturned": 1,
            "features": [{"type": "Feature", "properties": props,
                          "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    path = tmp_path / "pdok_buurten_2023.json"
    path.write_text(json.dumps(page), "utf-8")
    res = read_cbs(path, "GM0392", REG)
    assert res.kind == "cbs_kaart" and res.year == 2023
    assert list(res.areas["level"]) == ["buurt"] and list(res.areas["name"]) == ["Garenkokerskwartier"]
    got = {v: _by(res, v)["BU03920301"] for v in ("population", "households", "pct_age_0_15", "land_area_ha")}
    assert got == {"population": 1985, "households": 970, "pct_age_0_15": 16, "land_area_ha": 19}
