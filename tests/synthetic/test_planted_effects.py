"""The propensities file and the effects the simulator plants between areas, checked on the written files
(csv module, openpyxl), not with the generator's own code."""

from __future__ import annotations

import collections
import csv
import io
import math
from importlib import resources
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from wijkloket.errors import ConfigError
from wijkloket.synthetic import simulate
from wijkloket.synthetic.propensities import default_propensities, parse_propensities

AREAS = pd.DataFrame({
    "area_code": ["WK039201", "WK039202"], "population": [2500, 1500], "households": [1300, 700],
    "pct_age_0_15": [15, 16], "pct_age_15_25": [12, 12], "pct_age_25_45": [30, 25], "pct_age_45_65": [25, 27],
    "pct_age_65_plus": [18, 20],
})
BUILT_IN = resources.files("wijkloket.data").joinpath("synthetic_assumptions.toml").read_text("utf-8")
NAMED = "value = { WK039201 = 0.15, WK039219 = 0.25, WK039221 = 0.20 }"
TRAVEL = ("Paspoort aanvragen", "Identiteitskaart aanvragen", "Reisdocument ophalen")
OPTIONAL = ("Uittreksel BRP", "Verklaring omtrent gedrag (VOG)", "Attestatie de vita")


def test_built_in_file_is_valid_and_sourced() -> None:
    props = default_propensities()
    assert all(a.source.strip() for a in props.items.values())
    assert props["possession.passport_adult"] == 0.70 and props.replacement(0) == 0.015
    assert props.id_with_passport == pytest.approx((0.60 - 0.30 * 0.90) / 0.70)  # 60% of adults overall
    assert props.non_dutch_share(["WK039219", "BU03921901", "WK039202"]).tolist() == [0.25, 0.25, 0.05]
    assert props.distance_km("GM0392", ["WK039220", "WK039210"]).tolist() == [4.86, 0.0]
    assert math.isnan(props.distance_km("GM0394", ["WK039401"])[0])  # no distances: no decay
    assert props.distance_factor(props.distance_km("GM0394", ["WK039401"])).tolist() == [1.0]


@pytest.mark.parametrize("old, new, field", [
    ('[nationality.share]\nvalue = 0.05', '[nationality.share]\nvalue = 1.5', "value"),
    ('[distance.per_km]\nvalue = 0.10', '[distance.per_km]\nvalue = -1', "value"),
    (NAMED, 'value = { XX0001 = 0.3 }', "value"),
    ('value = ["brp_extract", "declaration"]', 'value = ["passport"]', "value"),
    ('[replacement.driving_licence]\nvalue = 0.005\nsource = "assumption"\n',
     '[replacement.driving_licence]\nvalue = 0.005\nsource = ""\n', "source"),
])
def test_bad_values_are_refused_with_the_place(old: str, new: str, field: str) -> None:
    assert old in BUILT_IN
    with pytest.raises(ConfigError) as info:
        parse_propensities(BUILT_IN.replace(old, new), "mine.toml")
    assert info.value.code == "error.registry_bad_value"
    assert info.value.params["file"] == "mine.toml" and info.value.params["field"] == field


def test_missing_and_unknown_assumptions_are_refused() -> None:
    with pytest.raises(ConfigError) as info:
        parse_propensities(BUILT_IN.replace("[variation.other_products]", "[variation.other_thing]"), "m.toml")
    assert info.value.code == "error.registry_bad_value" and info.value.params["entry"] == "variation.other_thing"
    gone = BUILT_IN[:BUILT_IN.index("[distance.km]")]
    with pytest.raises(ConfigError) as info:
        parse_propensities(gone, "m.toml")
    assert info.value.code == "error.registry_missing_field" and info.value.params["field"] == "km"
    with pytest.raises(ConfigError) as info:
        parse_propensities("not toml [", "m.toml")
    assert info.value.code == "error.toml_invalid"


def _per_wijk(folder: Path) -> tuple[collections.Counter[tuple[str, str]], collections.Counter[tuple[str, str]]]:
    """Attended visits (wijk, product) and issued documents (wijk, kind), located with the postcode table."""
    pcs = list(csv.reader(io.StringIO(next(folder.glob("pc6hnr_*.csv")).read_text("utf-8")), delimiter=";"))[1:]
    wijk = {(r[0], r[1]): r[3] for r in pcs}
    raw = next(folder.glob("afspraken_*.csv")).read_bytes().decode("cp1252")
    visits: collections.Counter[tuple[str, str]] = collections.Counter()
    for r in list(csv.reader(io.StringIO(raw, newline=""), delimiter=";"))[1:]:
        key = (r[9].replace(" ", "").upper(), r[10])
        if r[4] == "Afgerond" and key in wijk:
            visits[(wijk[key], r[3].removesuffix(" (spoed)"))] += 1
    wb = openpyxl.load_workbook(next(folder.glob("verstrekkingen_*.xlsx")), read_only=True)
    issued: collections.Counter[tuple[str, str]] = collections.Counter()
    for row in list(wb.worksheets[0].iter_rows(values_only=True))[1:]:
        issued[(wijk[(row[3], str(row[4]))], str(row[1]))] += 1
    wb.close()
    return visits, issued


def test_residents_without_dutch_nationality_hold_no_dutch_travel_documents(tmp_path: Path) -> None:
    # Everyone in Haarlemmerhoutkwartier (WK039202) without Dutch nationality, nobody elsewhere; no other effect.
    text = (BUILT_IN.replace(NAMED, "value = { WK039202 = 1.0 }")
            .replace("[nationality.share]\nvalue = 0.05", "[nationality.share]\nvalue = 0.0"))
    props = parse_propensities(text, "test.toml")
    result = simulate(AREAS, "GM0392", (2023, 2024), 5, tmp_path, propensities=props)
    visits, issued = _per_wijk(tmp_path)
    for product in TRAVEL:
        assert visits[("39202", product)] == 0 and visits[("39201", product)] > 100, product
    assert issued[("39202", "Nationaal paspoort")] == issued[("39202", "Nederlandse identiteitskaart")] == 0
    assert visits[("39202", "Rijbewijs aanvragen")] > 20 and issued[("39202", "Rijbewijs")] > 20
    assert visits[("39202", "Uittreksel BRP")] > 10
    planted = pd.read_csv(result.planted_csv)
    whole = planted[planted["year"].isna()].set_index(["area_code", "kind", "product"])
    assert whole.loc[("WK039202", "visit", "passport"), "planted_ratio"] == 0.0
    assert whole.loc[("WK039202", "issuance", "id_card"), "planted_ratio"] == 0.0
    assert whole.loc[("WK039202", "visit", "passport"), "non_dutch_drawn"] == 1.0
    assert whole.loc[("WK039201", "visit", "passport"), "planted_ratio"] > 140  # all documents from here
    assert abs(whole.loc[("WK039202", "visit", "driving_licence"), "planted_ratio"] - 100) < 5


def test_distance_decay_for_optional_visits(tmp_path: Path) -> None:
    # WK039202 4 km from the desk at 0.5 per km: extracts and certificates at exp(-2) = 0.135 of the rate.
    text = (BUILT_IN.replace("[distance.per_km]\nvalue = 0.10", "[distance.per_km]\nvalue = 0.5")
            .replace("[variation.other_products]\nvalue = 0.05", "[variation.other_products]\nvalue = 0.0"))
    text = text[:text.index("[distance.km]")] + (
        '[distance.km]\nvalue = { GM0392 = { WK039201 = 0.0, WK039202 = 4.0 } }\nsource = "test"\n')
    result = simulate(AREAS, "GM0392", (2022, 2024), 6, tmp_path, propensities=parse_propensities(text, "t.toml"))
    visits, _ = _per_wijk(tmp_path)
    near = sum(visits[("39201", p)] for p in OPTIONAL) / 2500
    far = sum(visits[("39202", p)] for p in OPTIONAL) / 1500
    assert near > 0.05 and far / near < 0.3  # exp(-2) = 0.135, with a similar age structure
    travel_near = sum(visits[("39201", p)] for p in TRAVEL) / 2500
    travel_far = sum(visits[("39202", p)] for p in TRAVEL) / 1500
    assert 0.8 < travel_far / travel_near < 1.25  # documents need a visit wherever one lives
    planted = pd.read_csv(result.planted_csv)
    far_row = planted[planted["year"].isna() & (planted["area_code"] == "WK039202")
                      & (planted["product"] == "brp_extract")].iloc[0]
    assert far_row["distance_factor"] == pytest.approx(0.1353, abs=1e-4) and far_row["effects"] == "distance"


def test_planted_file_is_labelled_and_deterministic(tmp_path: Path) -> None:
    a = simulate(AREAS, "GM0392", (2024, 2024), 7, tmp_path / "a")
    b = simulate(AREAS, "GM0392", (2024, 2024), 7, tmp_path / "b")
    assert a.planted_csv.name == "geplante_effecten_GM0392_synthetisch.csv"
    assert a.planted_csv.read_bytes() == b.planted_csv.read_bytes()
    rows = list(csv.DictReader(io.StringIO(a.planted_csv.read_text("utf-8"))))
    assert rows and {r["Synthetisch"] for r in rows} == {"ja"}
    assert {r["product"] for r in rows} >= {"passport", "brp_extract", "top", "all"}
    readme = a.readme.read_text("utf-8")
    assert "Geplante effecten" in readme and a.planted_csv.name in readme and "WK039219 25%" in readme
