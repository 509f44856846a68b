"""The variable registry for the Kerncijfers years 2013-2025: every OData key of a year resolves against
that year's recorded DataProperties (CBS's own metadata, tests/fixtures/recorded/dataproperties), keys are
matched by stem because CBS renumbers the `_NN` suffix, and the PDOK OGC API's snake_case names are known."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wijkloket.indicators.registry import default_registry, is_odata_key, key_stem

REG = default_registry()
RECORDED = Path(__file__).parents[1] / "fixtures" / "recorded" / "dataproperties"
# year -> recorded DataProperties of that year's table (more years: add a file named <TABLE>_<YEAR>_...)
METADATA = {int(p.name.split("_")[1]): p for p in RECORDED.glob("*_DataProperties.json")}

# The unit CBS gives each kind of variable in DataProperties (read off the 2024 metadata by hand).
UNITS = {
    "population": "aantal", "households": "aantal", "dwellings": "aantal", "land_area_ha": "ha",
    "population_density": "aantal inwoners per km²", "avg_woz_value": "x 1 000 euro",
    "avg_income_per_inhabitant": "x 1 000 euro", "avg_income_per_recipient": "x 1 000 euro",
}


def _unit(variable: str) -> str:
    if variable in UNITS:
        return UNITS[variable]
    if variable.startswith("n_"):
        return "aantal"
    if variable.startswith("pct_"):
        return "%"
    assert variable.startswith("dist_"), variable
    return "km"


def _topics(path: Path) -> tuple[dict[str, dict[str, object]], dict[int, str]]:
    entries = json.loads(path.read_text("utf-8"))["value"]
    groups = {int(e["ID"]): str(e["Title"]) for e in entries if e["Type"] == "TopicGroup"}
    return {str(e["Key"]): e for e in entries if e["Type"] == "Topic"}, groups


def _odata_variables(year: int) -> set[str]:
    return {vc.variable for vc in REG.columns if vc.format == "odata" and vc.first_year <= year <= vc.last_year}


def test_recorded_metadata_present() -> None:
    assert 2024 in METADATA


@pytest.mark.parametrize("year", sorted(METADATA))
def test_every_registry_key_of_the_year_resolves_against_its_metadata(year: int) -> None:
    topics, groups = _topics(METADATA[year])
    res = REG.resolve("odata", year, list(topics))
    assert _odata_variables(year) - set(res.mapping.values()) == set()
    assert res.ambiguous == [] and res.other_year == {}
    for key, variable in res.mapping.items():
        assert topics[key]["Unit"] == _unit(variable), (key, variable)
    # The three BuitenEuropa_ keys are one stem: only the one under "Herkomstland" is the population count.
    outside = [k for k, v in res.mapping.items() if v == "n_origin_outside_europe"]
    assert [groups[int(topics[k]["ParentID"])] for k in outside] == ["Herkomstland"]  # type: ignore[call-overload]


def test_2024_keys_read_by_hand_from_the_metadata() -> None:
    topics, _ = _topics(METADATA[2024])
    res = REG.resolve("odata", 2024, list(topics))
    inverse = {v: k for k, v in res.mapping.items()}
    # DataProperties of 2025-03-27: positions after the energy block are those of this revision.
    assert inverse["population"] == "AantalInwoners_5"
    assert inverse["n_social_assistance"] == "PersonenPerSoortUitkeringBijstand_94"
    assert inverse["avg_income_per_inhabitant"] == "GemiddeldInkomenPerInwoner_83"
    assert inverse["n_education_low"] == "BasisonderwijsVmboMbo1_75"
    assert inverse["dist_gp_km"] == "AfstandTotHuisartsenpraktijk_117"
    assert inverse["land_area_ha"] == "OppervlakteLand_123"
    assert inverse["pct_households_lowest40_income"] == "k_40HuishoudensMetLaagsteInkomen_87"


def test_later_revision_of_the_same_table_id_resolves_by_stem() -> None:
    # The later 85984NED layout and 86165NED (2025) moved every key after the energy block by -5/-8.
    later = ["Codering_3", "AantalInwoners_5", "GemiddeldInkomenPerInwoner_78", "PersonenPerSoortUitkeringBijstand_87",
             "OppervlakteLand_116", "BasisonderwijsVmboMbo1_67", "PersonenInArmoede_81"]
    res = REG.resolve("odata", 2024, later)
    assert res.mapping["GemiddeldInkomenPerInwoner_78"] == "avg_income_per_inhabitant"
    assert res.mapping["PersonenPerSoortUitkeringBijstand_87"] == "n_social_assistance"
    assert res.mapping["OppervlakteLand_116"] == "land_area_ha"
    # A position nobody has seen is accepted too, as long as the stem occurs once in the file.
    odd = REG.resolve("odata", 2024, ["AantalInwoners_5", "OppervlakteLand_140"])
    assert odd.mapping["OppervlakteLand_140"] == "land_area_ha"
    assert odd.by_stem == {"OppervlakteLand_140": "OppervlakteLand_123"}
    assert "PersonenInArmoede_81" in res.unmatched  # units not seen: deliberately not mapped


def test_a_stem_twice_in_the_file_matches_only_exactly() -> None:
    res = REG.resolve("odata", 2024, ["BuitenEuropa_19", "BuitenEuropa_22", "BuitenEuropa_24"])
    assert res.mapping == {"BuitenEuropa_19": "n_origin_outside_europe"}
    res = REG.resolve("odata", 2024, ["BuitenEuropa_22", "BuitenEuropa_24"])
    assert res.mapping == {} and len(res.ambiguous) == 1 and "BuitenEuropa_19" in res.ambiguous[0]


def test_wrong_rows_of_before_are_fixed() -> None:
    def key(variable: str, year: int) -> set[str]:
        return {vc.column for vc in REG.columns if vc.format == "odata" and vc.variable == variable
                and vc.first_year <= year <= vc.last_year}

    assert key("population", 2013) == {"AantalInwoners_4"}  # RegioS-era layout, shifted by -1
    assert key("n_age_0_15", 2013) == {"k_0Tot15Jaar_7"}
    assert key("n_social_assistance", 2023) == {"PersonenPerSoortUitkeringBijstand_92"}  # not _87
    assert key("n_pension", 2023) == {"PersonenPerSoortUitkeringAOW_95"}
    assert key("land_area_ha", 2025) == {"OppervlakteLand_116"}  # not _123
    assert key("land_area_ha", 2018) == {"OppervlakteLand_111"}
    assert key("pct_low_income_households", 2025) == set()  # gone from the 2025 layout


def test_every_year_2013_2025_has_the_population_and_a_mapping() -> None:
    for year in range(2013, 2026):
        assert "population" in _odata_variables(year), year


def test_a_stem_means_one_variable_in_every_year() -> None:
    meaning: dict[str, set[str]] = {}
    for vc in REG.columns:
        if vc.format == "odata":
            meaning.setdefault(key_stem(vc.column), set()).add(vc.variable)
    assert {s: v for s, v in meaning.items() if len(v) > 1} == {}


def test_key_shape() -> None:
    assert key_stem("k_0Tot15Jaar_8") == "k_0tot15jaar" and key_stem("AantalInwoners_5") == "aantalinwoners"
    assert is_odata_key("HboWo_77") and is_odata_key("k_65JaarOfOuder_12")
    assert not is_odata_key("WijkenEnBuurten") and not is_odata_key("aantalInwoners")


def test_pdok_ogc_api_snake_case_names() -> None:
    page = {"buurtcode": "BU03920301", "aantal_inwoners": 1985, "aantal_huishoudens": 970,
            "percentage_personen_0_tot_15_jaar": 16, "percentage_personen_65_jaar_en_ouder": 18,
            "percentage_eenpersoonshuishoudens": 42, "oppervlakte_land_in_ha": 19,
            "bevolkingsdichtheid_inwoners_per_km2": 10451, "percentage_met_herkomstland_buiten_europa": 15,
            "huisartsenpraktijk_gemiddelde_afstand_in_km": 0.6}
    got = REG.column_map("kaart", 2023, page)
    assert got == {
        "aantal_inwoners": "population", "aantal_huishoudens": "households",
        "percentage_personen_0_tot_15_jaar": "pct_age_0_15", "percentage_personen_65_jaar_en_ouder": "pct_age_65_plus",
        "percentage_eenpersoonshuishoudens": "pct_single_person_households", "oppervlakte_land_in_ha": "land_area_ha",
        "bevolkingsdichtheid_inwoners_per_km2": "population_density",
        "percentage_met_herkomstland_buiten_europa": "pct_origin_outside_europe",
        "huisartsenpraktijk_gemiddelde_afstand_in_km": "dist_gp_km",
    }


def test_new_indicators_use_counts_or_weighted_means() -> None:
    # Shares are recomputed from counts (or published percentage x base), never averaged percentages;
    # averages carry the base CBS averages over as weight.
    weights = {"avg_income_per_inhabitant": "population", "avg_income_per_recipient": "n_income_recipients",
               "dist_supermarket_km": "population", "dist_school_km": "population", "avg_woz_value": "dwellings"}
    for ind_id, weight in weights.items():
        ind = REG.get(ind_id)
        assert ind.kind == "mean" and ind.weight == weight
    for ind_id in ("share_households_lowest40_income", "share_persons_lowest40_income", "share_education_low"):
        assert REG.get(ind_id).kind == "share"
    assert REG.derived(2024) == {"n_education_known": ("n_education_low", "n_education_mid", "n_education_high")}
