"""Reading a sampling frame: synonyms, mappings, encodings, identifying columns and ids, every reason."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from wijkloket.errors import ConfigError, InputFileError
from wijkloket.sources.frame import Areas, assign_areas, identifying_headers, read_frame
from wijkloket.sources.logs import eleven_test

SURVEY = Path(__file__).parents[1] / "fixtures" / "survey"
YEAR = 2026


def _tiny_areas(districts: bool = True, postcodes: bool = True) -> Areas:
    """The hand-made municipality GM9999 of tests/fixtures/tiny_* (postcode shares as in tiny_postcodes.csv)."""
    pcs = pd.DataFrame([
        ("9991AA", "pc6", "BU99990101", 1.0), ("9991AB", "pc6", "BU99990101", 0.5),
        ("9991AB", "pc6", "BU99990102", 0.5), ("9992AA", "pc6", "BU99990201", 1.0),
        ("9992AB", "pc6", "BU99990202", 1.0), ("9991", "pc4", "BU99990101", 0.75),
        ("9991", "pc4", "BU99990102", 0.25), ("9992", "pc4", "BU99990201", 0.75),
        ("9992", "pc4", "BU99990202", 0.25)], columns=["postcode", "kind", "area_code", "share"])
    dist = pd.DataFrame({"area_code": ["WK999901", "WK999902"], "district": ["Noord", "Zuid"]})
    return Areas(pd.Series({"WK999901": "Dorpskern", "WK999902": "Polder"}),
                 {"BU99990101", "BU99990102", "BU99990201", "BU99990202"},
                 pcs if postcodes else pcs.iloc[0:0], dist if districts else None)


def test_standard_headers_and_every_reason() -> None:
    f = read_frame(SURVEY / "frame_tiny.csv", None, YEAR)
    t = assign_areas(f.table, _tiny_areas()).set_index("row_number")
    assert f.rows_read == 14 and f.encoding == "utf-8" and not f.synthetic
    # line numbers as in the file (header is line 1); reasons worked out by hand from frame_tiny.csv
    assert t["reason"].to_dict() == {
        2: "", 3: "", 4: "", 5: "", 6: "postcode_outside", 7: "bad_postcode", 8: "under_15", 9: "bad_age",
        10: "bad_sex", 11: "duplicate_person_id", 12: "missing_person_id", 13: "", 14: "bad_postcode", 15: ""}
    ok = t[t["reason"] == ""]
    assert ok["district"].to_dict() == {2: "Noord", 3: "Noord", 4: "Zuid", 5: "Zuid", 13: "Noord", 15: "Zuid"}
    # 9991AB spans BU99990101 and BU99990102 half and half: the tie goes to the first code
    assert ok["wijk"].to_dict()[3] == "WK999901"
    assert ok["lookup"].to_dict() == {2: "pc6", 3: "pc6_split", 4: "pc6", 5: "pc6", 13: "pc4_split",
                                      15: "pc4_split"}
    assert ok["sex"].tolist() == ["M", "V", "V", "M", "V", "V"]
    assert ok["language"].tolist() == ["nl", "nl", "en", "en", "nl", "nl"]
    assert f.language_defaulted == 1  # 'fr' on line 13
    assert ok["age"].tolist() == [30, 45, 70, 15, 33, 60]


def test_dutch_headers_windows_1252_and_area_codes() -> None:
    f = read_frame(SURVEY / "frame_dutch_cp1252.csv", None, YEAR)
    assert f.encoding == "cp1252"
    assert f.columns == {"person_id": "Pseudoniem", "area_code": "Wijkcode", "birth_year": "Geboortejaar",
                         "sex": "Geslacht"}
    t = assign_areas(f.table, _tiny_areas()).set_index("person_id")
    assert t["reason"].to_dict() == {"A1": "", "A2": "", "A3": "unknown_area", "A4": "unknown_area",
                                     "A5": "under_15", "A6": "bad_age"}
    assert t.loc["A1", "age"] == 36 and t.loc["A2", "age"] == 76  # 2026 - 1990, 2026 - 1950
    assert t.loc["A2", "wijk"] == "WK999902" and t.loc["A2", "district"] == "Zuid"  # buurt -> its wijk


def test_mapping_file_custom_delimiter_and_synthetic() -> None:
    f = read_frame(SURVEY / "frame_custom.csv", SURVEY / "frame_custom_mapping.toml", YEAR)
    assert f.synthetic
    assert f.table["person_id"].tolist() == ["X1", "X2"]
    assert "Opmerking" not in f.table.columns  # a column with no role is never read into the table


def test_synthetic_comment_line() -> None:
    f = read_frame(SURVEY / "frame_synthetic.csv", None, YEAR)
    assert f.synthetic and f.table["row_number"].tolist() == [3, 4]
    assert f.table["age"].tolist() == [46, 66]


def test_identifying_columns_refused_or_dropped() -> None:
    with pytest.raises(InputFileError) as exc:
        read_frame(SURVEY / "frame_identifying.csv", None, YEAR)
    assert exc.value.code == "error.frame_identifying"
    assert exc.value.params["columns"] == "BSN, Voornaam, Straat, Geboortedatum, Telefoon, E-mail"
    f = read_frame(SURVEY / "frame_identifying.csv", None, YEAR, drop_identifying=True)
    assert f.dropped == ["BSN", "Voornaam", "Straat", "Geboortedatum", "Telefoon", "E-mail"]
    assert list(f.table.columns) == ["row_number", "person_id", "postcode", "area_code", "age", "sex", "language",
                                     "reason"]
    cells = set(f.table.astype(str).to_numpy().ravel())
    assert not cells & {"111222333", "Anouk", "Dorpsstraat 1", "1994-05-15", "0612345678", "anouk@example.org"}


@pytest.mark.parametrize("header", ["bsn", "Burgerservicenummer", "naam", "Achternaam", "geslachtsnaam",
                                    "adres", "Huisnummer", "woonplaats", "geboortedatum", "Birth date",
                                    "telefoonnummer", "phone", "e-mail", "emailadres", "first_name", "A-nummer"])
def test_identifying_header_patterns(header: str) -> None:
    assert identifying_headers([header], set()) == [header]


@pytest.mark.parametrize("header", ["wijknaam", "buurtnaam", "gemeentenaam", "postcode", "geboortejaar",
                                    "leeftijd", "geslacht", "adres_id", "pseudoniem", "taal"])
def test_harmless_headers_pass(header: str) -> None:
    assert identifying_headers([header], set()) == []


def test_bsn_like_ids_refused() -> None:
    # 100023757: 9x1 + 8x0 + 7x0 + 6x0 + 5x2 + 4x3 + 3x7 + 2x5 - 7 = 55 = 5 x 11: a BSN by the eleven-test
    assert eleven_test("100023757")
    with pytest.raises(InputFileError) as exc:
        read_frame(SURVEY / "frame_bsn.csv", None, YEAR)
    assert exc.value.code == "error.frame_id_bsn" and exc.value.params["n"] == 6


def test_email_ids_refused() -> None:
    with pytest.raises(InputFileError) as exc:
        read_frame(SURVEY / "frame_email.csv", None, YEAR)
    assert exc.value.code == "error.frame_id_email" and exc.value.params["n"] == 1


def test_missing_roles_named() -> None:
    with pytest.raises(InputFileError) as exc:
        read_frame(SURVEY / "frame_noroles.csv", None, YEAR)
    assert exc.value.code == "error.frame_roles"
    assert exc.value.params["missing"] == "postcode | area_code, age | birth_year"
    assert exc.value.params["found"] == "person_id, woonwijk, geslacht"


def test_mapping_naming_a_missing_column(tmp_path: Path) -> None:
    m = tmp_path / "m.toml"
    m.write_text('[columns]\nperson_id = "Nummer"\n', "utf-8")
    with pytest.raises(InputFileError) as exc:
        read_frame(SURVEY / "frame_tiny.csv", m, YEAR)
    assert exc.value.code == "error.frame_mapped_missing" and exc.value.params["column"] == "Nummer"
    m.write_text('[columns]\nbsn = "x"\n', "utf-8")
    with pytest.raises(ConfigError):
        read_frame(SURVEY / "frame_tiny.csv", m, YEAR)


def test_xlsx_frame(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Pseudoniem", "Postcode", "Leeftijd", "Geslacht"])
    ws.append(["Q1", "9991AA", 44, "V"])
    ws.append(["Q2", "9992AA", 12, "M"])
    wb.save(tmp_path / "kader.xlsx")
    f = read_frame(tmp_path / "kader.xlsx", None, YEAR)
    t = assign_areas(f.table, _tiny_areas())
    assert t["reason"].tolist() == ["", "under_15"] and t["row_number"].tolist() == [2, 3]
    assert t["district"].tolist()[0] == "Noord"


def test_without_districts_the_area_still_places() -> None:
    f = read_frame(SURVEY / "frame_tiny.csv", None, YEAR)
    t = assign_areas(f.table, _tiny_areas(districts=False))
    assert set(t.loc[t["reason"] == "", "district"]) == {""}
    assert (t["reason"] == "").sum() == 6
