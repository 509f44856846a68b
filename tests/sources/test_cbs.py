"""The CBS adapters on the real files, checked against values read straight from the source with
the standard library (csv, sqlite3), not through the code under test."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from wijkloket.areas.codes import is_area_code, level_of, normalise_code
from wijkloket.indicators.registry import default_registry
from wijkloket.sources.cbs import parse_numbers, read_cbs

REG = default_registry()
KAART = "cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer"


def _attr_rows(data: Path, gm: str) -> list[dict[str, str]]:
    with open(data / f"{KAART}_attributes.csv", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["gemeentecode"] == gm]


def _pop(res: object) -> dict[str, float]:
    v = res.values  # type: ignore[attr-defined]
    sel = v[v["variable"] == "population"]
    return dict(zip(sel["area_code"], sel["value"], strict=True))


def test_codes() -> None:
    assert normalise_code('GM0363    ') == "GM0363"
    assert level_of("BU03630000") == "buurt"
    assert level_of("WK0363AA") == "wijk"  # Amsterdam's letter codes
    assert level_of("BU0363AA01") == "buurt"
    assert not is_area_code("WK03920") and not is_area_code("NL01")


def test_geopackage_haarlem(data: Path) -> None:
    res = read_cbs(data / f"{KAART}.gpkg", "GM0392", REG)
    assert res.kind == "cbs_kaart" and res.year == 2024
    assert res.rows_read == 39 and res.rows_accepted == 21 and res.rows_rejected == 18
    pop = _pop(res)
    assert sum(pop.values()) == 167_635  # PROVENANCE.md: Haarlem wijken sum to 167,635
    # Independently: straight from the GeoPackage with sqlite3.
    con = sqlite3.connect(data / f"{KAART}.gpkg")
    rows = dict(con.execute("SELECT wijkcode, aantalInwoners FROM wijken_haarlem "
                            "WHERE gemeentecode = 'GM0392'").fetchall())
    assert pop == {k: float(v) for k, v in rows.items()}
    # -99995 (not yet published) is a missing value with its reason, never a number.
    income = res.values[res.values["variable"] == "pct_low_income_households"]
    assert income["value"].isna().all() and set(income["status"]) == {"not_available"}
    assert res.geometry.crs.to_epsg() == 28992
    assert res.geometry.geometry.area.sum() / 10_000 == pytest.approx(3208, rel=0.01)


def test_geojson_is_reprojected_to_rd_new(data: Path) -> None:
    gj = read_cbs(data / f"{KAART}.geojson", "GM0394", REG)
    gp = read_cbs(data / f"{KAART}.gpkg", "GM0394", REG)
    assert gj.geometry.crs.to_epsg() == 28992
    a = gj.geometry.set_index("area_code").geometry.area
    b = gp.geometry.set_index("area_code").geometry.area
    assert (a / b.loc[a.index]).between(0.999, 1.001).all()
    assert _pop(gj) == {r["wijkcode"]: float(r["aantalInwoners"]) for r in _attr_rows(data,
                                                                                    "GM0394")}


def test_attribute_csv(data: Path) -> None:
    res = read_cbs(data / f"{KAART}_attributes.csv", "GM0394", REG)
    assert res.year == 2024 and res.rows_accepted == 18


def test_national_odata_file_all_municipalities(data: Path) -> None:
    res = read_cbs(data / "cbs/kwb2024_gemeente_wijk_basis.csv", None, REG)
    assert res.rows_read == 3735 and res.rows_rejected == 0
    levels = res.areas["level"].value_counts()
    assert levels["gemeente"] == 342 and levels["wijk"] == 3393
    gm = res.values[(res.values["variable"] == "population")
                    & res.values["area_code"].str.startswith("GM")]
    assert gm["value"].sum() == 17_942_942  # PROVENANCE.md: NL on 1 January 2024
    dwellings = res.values[res.values["variable"] == "dwellings"]
    assert (dwellings["status"] == "empty").sum() == 3  # 3 empty Woningvoorraad_35 cells


def test_statline_export_as_shipped(data: Path) -> None:
    path = data / "statline/ses_woa_2019_amsterdam_statline_export.csv"
    res = read_cbs(path, "GM0363", REG)
    assert res.kind == "cbs_statline" and res.year == 2019
    assert res.rows_read == 579 and res.rows_accepted == 579
    assert (res.areas["level"] == "buurt").sum() == 479
    # Count the suppressed '.' cells straight from the raw text.
    with open(path, encoding="utf-8-sig") as fh:
        raw = list(csv.reader(fh, delimiter=";"))
    header, body = raw[0], raw[1:]
    col = header.index("SES-WOA/Totaalscore/Gemiddelde score (Getal)")
    dots = sum(1 for r in body if r[col].strip() == ".")
    ses = res.values[res.values["variable"] == "ses_woa_score"]
    assert (ses["status"] == "suppressed").sum() == dots > 0
    first = {r[2].strip(): float(r[col]) for r in body if r[col].strip() != "."}
    got = dict(zip(ses["area_code"], ses["value"], strict=True))
    assert all(got[k] == pytest.approx(v) for k, v in first.items())


def test_statline_decimal_comma(tmp_path: Path, data: Path) -> None:
    src = (data / "statline/ses_woa_2019_amsterdam_statline_export.csv").read_text("utf-8-sig")
    lines = src.splitlines()
    converted = [lines[0]] + [
        ";".join(f.replace(".", ",") if f.strip('" ') not in (".",) else f
                 for f in line.split(";"))
        for line in lines[1:]
    ]
    path = tmp_path / "ses_comma_2019.csv"
    path.write_text("\ufeff" + "\n".join(converted), "utf-8")
    a = read_cbs(data / "statline/ses_woa_2019_amsterdam_statline_export.csv", "GM0363", REG)
    b = read_cbs(path, "GM0363", REG)
    np.testing.assert_allclose(a.values["value"].to_numpy(), b.values["value"].to_numpy(),
                               equal_nan=True)


def test_older_kaart_names_and_sentinels(fixtures: Path) -> None:
    res = read_cbs(fixtures / "old_kaart_2019.csv", "GM9999", REG)
    assert res.year == 2019
    got = res.values.set_index(["area_code", "variable"])
    assert got.loc[("BU99990101", "population"), "value"] == 350
    assert got.loc[("BU99990102", "pct_age_65_plus"), "status"] == "suppressed"
    assert np.isnan(got.loc[("BU99990102", "pct_age_65_plus"), "value"])
    assert set(res.areas["level"]) == {"buurt"}


def test_parse_numbers_symbols() -> None:
    import pandas as pd

    v, s = parse_numbers(pd.Series(["  2900", "   .", "", "-99995", "1,5", "-", "abc"]))
    assert v.iloc[0] == 2900 and v.iloc[4] == 1.5 and v.iloc[5] == 0
    assert list(s) == ["ok", "suppressed", "empty", "not_available", "ok", "ok", "invalid"]
