"""PC4 statistics spread to wijken with a crosswalk: sentinels, suppression, rejected rows and the
spread itself, on tiny hand-made files (values worked out by hand) and on the real PC4 files."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from wijkloket.errors import InputFileError
from wijkloket.sources.pc4 import header_columns, is_pc4_table, read_crosswalk, read_pc4, read_pc4_table

CROSSWALK = """postcode,wijkcode,wijknaam,share_of_pc4_area
1111,WK099901,Een,1.0
2222,WK099901,Een,0.6
2222,WK099902,Twee,0.4
3333,WK099902,Twee,0.995
3333,WK099903,Drie,0.005
4444,WK088801,Elders,1.0
6666,WK099903,Drie,1.0
7777,WK099904,Vier,1.0
"""
# cp1252, ';', decimal commas, CBS sentinels: as a StatLine-style export of the PC4 figures could come.
PC4_TABLE = """pc4;plaats;aantal_part_huishoudens;percentage_laag_inkomen_huishouden
1111;Caf\u00e9;1000;40,0
2222;B;500;30
3333;C;200;-99995
4444;D;300;10
12A4;E;5;5
1111;dubbel;1;1
5555;F;50;50
6666;G;-99997;20
"""


def _files(tmp_path: Path) -> tuple[Path, Path]:
    cw = tmp_path / "pc4_x_wijk.csv"
    cw.write_text(CROSSWALK, "utf-8")
    table = tmp_path / "pc4_2022_test.csv"
    table.write_bytes(PC4_TABLE.encode("cp1252"))
    return table, cw


def _value(values: pd.DataFrame, area: str, variable: str) -> tuple[float, str]:
    row = values[(values["area_code"] == area) & (values["variable"] == variable)].iloc[0]
    return float(row["value"]), str(row["status"])


def test_crosswalk_drops_slivers_and_renormalises(tmp_path: Path) -> None:
    _, cw_path = _files(tmp_path)
    cw = read_crosswalk(cw_path)
    table = cw.table.set_index(["pc4", "area_code"])["weight"]
    assert ("3333", "WK099903") not in table.index  # 0.005 < 0.01: a sliver
    assert table[("3333", "WK099902")] == pytest.approx(1.0)  # 0.995 / 0.995
    assert table[("2222", "WK099901")] == pytest.approx(0.6)
    assert cw.dropped == 1 and cw.weight_column == "share_of_pc4_area"


def test_spread_counts_and_implied_counts_by_hand(tmp_path: Path) -> None:
    table, cw = _files(tmp_path)
    res = read_pc4(table, "GM0999", read_crosswalk(cw), area_year=2024)
    v = res.values
    # WK099901 = all of 1111 + 0.6 of 2222: households 1000 + 300; bottom 40%: 0.40 x 1000 + 0.6 x 0.30 x 500.
    assert _value(v, "WK099901", "households_pc4") == (pytest.approx(1300.0), "estimate")
    assert _value(v, "WK099901", "n_households_bottom40_income_pc4") == (pytest.approx(490.0), "estimate")
    # WK099902 = 0.4 of 2222 + all of 3333 (renormalised); 3333's share is -99995: no estimate for the count.
    assert _value(v, "WK099902", "households_pc4") == (pytest.approx(400.0), "estimate")
    value, status = _value(v, "WK099902", "n_households_bottom40_income_pc4")
    assert value != value and status == "not_available"
    # WK099903 = 6666 only, whose households are -99997: both figures not applicable.
    assert _value(v, "WK099903", "households_pc4")[1] == "not_applicable"
    assert _value(v, "WK099903", "n_households_bottom40_income_pc4")[1] == "not_applicable"
    # WK099904 = 7777, in the crosswalk but not in the table: empty, and said so.
    assert _value(v, "WK099904", "households_pc4")[1] == "empty"
    assert res.warnings == ["pc4_absent:7777"]
    assert set(v["area_code"]) == {"WK099901", "WK099902", "WK099903", "WK099904"}  # not WK088801
    assert res.encoding == "cp1252" and res.year == 2024 and res.dataset.endswith("2022")
    assert res.method is not None and res.method["pc4_year"] == 2022 and res.method["crosswalk"] == cw.name
    assert res.method["percent_as_count"] == ["percentage_laag_inkomen_huishouden"]


def test_every_row_accepted_or_rejected_with_its_reason(tmp_path: Path) -> None:
    table, cw = _files(tmp_path)
    res = read_pc4(table, "GM0999", read_crosswalk(cw), area_year=2024)
    assert res.rows_read == 8 and res.rows_accepted == 4 and res.rows_rejected == 4
    got = dict(zip(res.rejections["value"], res.rejections["reason"], strict=True))
    assert got == {"4444": "not_in_crosswalk", "12A4": "invalid_code", "1111": "duplicate_code",
                   "5555": "not_in_crosswalk"}
    assert list(res.rejections["row_number"]) == [5, 6, 7, 8]  # line numbers, the header is line 1
    assert res.columns_ignored == ["plaats"]


def test_real_crosswalk_one_pc4_and_split_wijk(data: Path) -> None:
    """Haarlemmerhoutkwartier (WK039202) lies in PC4 2012 only (its other pieces are slivers); Vogelenwijk
    (WK039214) is split over 2022, 2025 and 2026. Expected values from the files with the csv module."""
    cw_path = data / "haarlem/pc4_2020_x_wijk_2024_area_crosswalk.csv"
    res = read_pc4(data / "cbs/pc4_2022_income_woz_ses_nl.csv", "GM0392", read_crosswalk(cw_path), 2024)
    with open(data / "cbs/pc4_2022_income_woz_ses_nl.csv", encoding="utf-8") as fh:
        src = {r["pc4"]: r for r in csv.DictReader(fh)}
    with open(cw_path, encoding="utf-8") as fh:
        pieces = [r for r in csv.DictReader(fh) if float(r["share_of_pc4_area"]) >= 0.01]
    kept = {p: sum(float(r["share_of_pc4_area"]) for r in pieces if r["postcode"] == p)
            for p in ("2022", "2025", "2026")}
    # by hand: 2012 has 6,130 households of which 31.1 % in the bottom 40 %
    assert _value(res.values, "WK039202", "households_pc4")[0] == pytest.approx(6130.0)
    assert _value(res.values, "WK039202", "n_households_bottom40_income_pc4")[0] == pytest.approx(0.311 * 6130)
    hh = n = 0.0
    for r in pieces:
        if r["wijkcode"] == "WK039214":
            w = float(r["share_of_pc4_area"]) / kept[r["postcode"]]
            base = float(src[r["postcode"]]["aantal_part_huishoudens"])
            hh += w * base
            n += w * base * float(src[r["postcode"]]["percentage_laag_inkomen_huishouden"]) / 100
    assert {r["postcode"] for r in pieces if r["wijkcode"] == "WK039214"} == {"2022", "2025", "2026"}
    assert _value(res.values, "WK039214", "households_pc4")[0] == pytest.approx(hh)
    assert _value(res.values, "WK039214", "n_households_bottom40_income_pc4")[0] == pytest.approx(n)
    assert 100 * n / hh == pytest.approx(38.5, abs=0.05)
    assert res.rows_read == 4070 and res.rows_accepted == 20  # Haarlem's 19 PC4 + 2141 (part of Meerwijk)


def test_the_published_pc4_files(data: Path) -> None:
    cw = read_crosswalk(data / "haarlem/pc4_2020_x_wijk_2024_area_crosswalk.csv")
    res = read_pc4(data / "cbs/pc4_2025_population_nl.csv", "GM0392", cw, 2024)
    assert res.dataset.endswith("2025") and res.rows_read == 4064
    assert "0999" in set(res.rejections["value"])  # "postcode unknown" is not a PC4 of the crosswalk
    with open(data / "cbs/pc4_2025_population_nl.csv", encoding="utf-8") as fh:
        pop = {r["pc4"]: float(r["inwoners"]) for r in csv.DictReader(fh)}
    assert _value(res.values, "WK039202", "population_pc4")[0] == pytest.approx(pop["2012"])
    sex = read_pc4(data / "cbs/pc4_2021_population_sex_nl.csv", "GM0392", cw, 2024)
    assert {"population_pc4", "n_men_pc4", "n_women_pc4"} <= set(sex.values["variable"])
    with pytest.raises(InputFileError) as exc:
        read_pc4_table(data / "cbs/pc4_2021_age5_sex_nl.csv")
    assert exc.value.code == "error.pc4_long_table"


def test_what_is_a_pc4_table(data: Path, tmp_path: Path) -> None:
    table, cw = _files(tmp_path)
    assert is_pc4_table(header_columns(table)) and not is_pc4_table(header_columns(cw))
    assert is_pc4_table(header_columns(data / "cbs/pc4_2022_income_woz_ses_nl.csv"))
    assert not is_pc4_table(header_columns(data / "cbs/kwb2024_gemeente_wijk_basis.csv"))
    assert not is_pc4_table(header_columns(data / "cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer_attributes.csv"))
    assert header_columns(data / "cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer.gpkg") == []
    assert is_pc4_table(["pc4", "aantal_part_huishoudens"])
    assert is_pc4_table(["postcode", "inwoners", "plaats"])
    assert not is_pc4_table(["postcode", "wijkcode", "share_of_pc4_area"])  # a crosswalk
    assert not is_pc4_table(["Codering", "AantalInwoners_5"])
    assert not is_pc4_table(["postcode", "straat"])


def test_bad_crosswalk_named(tmp_path: Path) -> None:
    bad = tmp_path / "cw.csv"
    bad.write_text("postcode,wijkcode,share_of_pc4_area\n1111,WK099901,1.5\n", "utf-8")
    with pytest.raises(InputFileError) as exc:
        read_crosswalk(bad)
    assert exc.value.code == "error.pc4_crosswalk_row" and exc.value.params["row"] == 2
    bad.write_text("postcode,wijk\n1111,WK099901\n", "utf-8")
    with pytest.raises(InputFileError) as exc:
        read_crosswalk(bad)
    assert exc.value.code == "error.pc4_crosswalk_columns"


def test_buurt_crosswalk_with_address_shares(tmp_path: Path) -> None:
    """A crosswalk to buurten (address weights) fills buurt rows: 0.25 x 800 and 0.75 x 800 households."""
    cw = tmp_path / "pc4_x_buurt.csv"
    cw.write_text("pc4,buurtcode,buurtnaam,share_of_pc4_addresses\n1111,BU09990101,Noord,0.25\n"
                  "1111,BU09990102,Zuid,0.75\n", "utf-8")
    table = tmp_path / "pc4_2023.csv"
    table.write_text("postcode,aantal_part_huishoudens,percentage_laag_inkomen_huishouden\n1111,800,50\n", "utf-8")
    res = read_pc4(table, "GM0999", read_crosswalk(cw), area_year=2023)
    assert set(res.areas["level"]) == {"buurt"} and list(res.areas["name"]) == ["Noord", "Zuid"]
    assert _value(res.values, "BU09990101", "households_pc4")[0] == pytest.approx(200.0)
    assert _value(res.values, "BU09990102", "n_households_bottom40_income_pc4")[0] == pytest.approx(300.0)
    assert res.method is not None and res.method["weights"] == "share_of_pc4_addresses"
