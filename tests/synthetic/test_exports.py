"""Synthetic municipal exports: layouts, labels, fake identifiers and calibration, checked on the
written files with the csv module, tomllib and openpyxl (not with the generator's own code)."""

from __future__ import annotations

import collections
import csv
import dataclasses
import functools
import io
import os
import re
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from wijkloket.synthetic import SimulateResult, simulate

DATA = Path(os.environ.get("WIJKLOKET_DATA", Path(__file__).resolve().parents[2].parent / "shared" / "data"))
ATTRIBUTES = DATA / "cbs" / "wijkenbuurten2024_wijken_haarlem_haarlemmermeer_attributes.csv"
HAARLEM_POPULATION = 167_635
VISIT_HEADER = ("Afspraaknummer;Datum afspraak;Tijd;Product;Status;Locatie;BSN;Naam;Geboortedatum;Postcode;"
                "Huisnr;E-mail;Telefoon;Synthetisch")
ISSUANCE_HEADER = ("Datum verstrekking", "Documentsoort", "Documentnummer", "Postcode", "Huisnummer",
                   "Geboortedatum", "Synthetisch")
PC6_HEADER = "PC6;Huisnummer;Buurt2024;Wijk2024;Gemeente2024;Synthetisch"
TRAVEL_APPLICATIONS = {"Paspoort aanvragen", "Paspoort aanvragen (spoed)", "Identiteitskaart aanvragen",
                       "Identiteitskaart aanvragen (spoed)"}
TOP_PRODUCTS = {"passport", "id_card", "driving_licence", "collect_document", "collect_licence", "brp_extract",
                "declaration"}
CANONICAL_PRODUCTS = TOP_PRODUCTS | {"other"}


def haarlem_areas(codes: list[str] | None = None) -> pd.DataFrame:
    """The areas frame from the CBS Wijk- en buurtkaart 2024 attribute table (Haarlem, GM0392)."""
    raw = pd.read_csv(ATTRIBUTES)
    raw = raw[raw["gemeentecode"] == "GM0392"]
    if codes:
        raw = raw[raw["wijkcode"].isin(codes)]
    return pd.DataFrame({
        "area_code": raw["wijkcode"], "population": raw["aantalInwoners"], "households": raw["aantalHuishoudens"],
        "pct_age_0_15": raw["percentagePersonen0Tot15Jaar"], "pct_age_15_25": raw["percentagePersonen15Tot25Jaar"],
        "pct_age_25_45": raw["percentagePersonen25Tot45Jaar"], "pct_age_45_65": raw["percentagePersonen45Tot65Jaar"],
        "pct_age_65_plus": raw["percentagePersonen65JaarEnOuder"],
    })


def eleven_test(bsn: str) -> bool:
    digits = [int(c) for c in bsn]
    return len(digits) == 9 and (sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=False))
                                 - digits[8]) % 11 == 0


def read_visits(path: Path) -> tuple[bytes, list[str], list[list[str]]]:
    raw = path.read_bytes()
    rows = list(csv.reader(io.StringIO(raw.decode("cp1252"), newline=""), delimiter=";"))
    return raw, rows[0], rows[1:]


@functools.cache
def parse_date(text: str) -> datetime | None:
    """dd-mm-yyyy, or None where the date is unreadable (cached: a log has a few thousand distinct days)."""
    try:
        return datetime.strptime(text, "%d-%m-%Y")
    except ValueError:
        return None


@pytest.fixture(scope="session")
def haarlem(once: Any) -> SimulateResult:
    """Haarlem 2019-2025, seed 7: simulated once per test session for all workers."""
    assert ATTRIBUTES.exists(), f"real data not found at {ATTRIBUTES}; set WIJKLOKET_DATA"

    def build(folder: Path) -> dict[str, object]:
        res = simulate(haarlem_areas(), "GM0392", (2019, 2025), 7, folder, "Haarlem")
        return {k: str(v) if isinstance(v, Path) else v for k, v in dataclasses.asdict(res).items()}

    record = once("synthetic-haarlem", build)
    paths = {f.name for f in dataclasses.fields(SimulateResult) if f.type in ("Path", Path)}
    return SimulateResult(**{k: Path(v) if k in paths else v for k, v in record.items()})


@pytest.fixture(scope="module")
def visits(haarlem: SimulateResult) -> tuple[bytes, list[str], list[list[str]]]:
    return read_visits(haarlem.visits_csv)


@pytest.fixture(scope="module")
def postcodes(haarlem: SimulateResult) -> list[list[str]]:
    text = haarlem.postcodes_csv.read_text("utf-8")
    assert text.splitlines()[0] == PC6_HEADER
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))[1:]


def test_files_and_names(haarlem: SimulateResult) -> None:
    folder = haarlem.visits_csv.parent
    assert sorted(p.name for p in folder.iterdir()) == sorted([
        "afspraken_GM0392_2019_2025.csv", "jcc.toml", "verstrekkingen_GM0392_2019_2025.xlsx", "burgerzaken.toml",
        "pc6hnr_GM0392_synthetisch.csv", "LEESMIJ_SYNTHETISCH.txt",
        "geplante_effecten_GM0392_synthetisch.csv"])
    readme = haarlem.readme.read_text("utf-8")
    assert "SYNTHETISCH" in readme and "seed 7" in readme and "9 maart 2014" in readme and "Haarlem" in readme


def test_visit_log_layout(haarlem: SimulateResult, visits: tuple[bytes, list[str], list[list[str]]]) -> None:
    raw, header, rows = visits
    assert raw.startswith(VISIT_HEADER.encode("cp1252") + b"\r\n")
    assert raw.count(b"\n") == raw.count(b"\r\n") == len(rows) + 1
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # accented names are single cp1252 bytes
    text = raw.decode("cp1252")
    assert "ë" in text and "é" in text
    assert len(rows) == haarlem.n_visits and all(len(r) == len(header) for r in rows)
    assert {r[-1] for r in rows} == {"ja"}
    good_dates = [d for d in (parse_date(r[1]) for r in rows) if d]
    assert min(good_dates) >= datetime(2019, 1, 1) and max(good_dates) <= datetime(2025, 12, 31)
    assert all(d.weekday() < 6 for d in good_dates)
    saturday = sum(d.weekday() == 5 for d in good_dates) / len(good_dates)
    assert 0 < saturday < 0.02
    times = {r[2] for r in rows}
    assert min(times) >= "08:30" and max(times) <= "16:30" and all(t[-1] == "0" for t in times)
    statuses = collections.Counter(r[4] for r in rows)
    assert set(statuses) == {"Afgerond", "Niet verschenen", "Geannuleerd"}
    assert 0.88 < statuses["Afgerond"] / len(rows) < 0.93
    styles = {("space" if " " in r[9] else "nospace", r[9][-2:].isupper()) for r in rows if len(r[9]) >= 6}
    assert len(styles) >= 3  # postcodes typed as '2011 AB', '2011AB', '2011ab'
    assert collections.Counter(r[5] for r in rows).most_common(1)[0][0] == "Stadhuis"


def test_bsns_are_test_numbers(visits: tuple[bytes, list[str], list[list[str]]]) -> None:
    _, header, rows = visits
    bsns = {r[header.index("BSN")] for r in rows}
    assert all(999_990_000 <= int(b) <= 999_999_999 for b in bsns)
    assert all(eleven_test(b) for b in bsns)
    assert len(bsns) > 800  # nearly all 909 valid test numbers are used
    assert all(r[header.index("Naam")] and r[header.index("Geboortedatum")] for r in rows)
    phones = {r[header.index("Telefoon")] for r in rows} - {""}
    assert all(re.fullmatch(r"06-0\d{7}", p) for p in phones)
    assert all(e.endswith("@example.com") for e in {r[header.index("E-mail")] for r in rows} - {""})


def test_bad_rows_counted(haarlem: SimulateResult, visits: tuple[bytes, list[str], list[list[str]]]) -> None:
    _, _, rows = visits
    products = tomllib.loads(haarlem.visits_mapping.read_text("utf-8"))["products"]
    pattern = re.compile(r"[1-9]\d{3} ?[A-Za-z]{2}")
    bad = [r for r in rows if parse_date(r[1]) is None or not pattern.fullmatch(r[9]) or r[3] not in products]
    assert len(bad) == haarlem.n_bad_rows
    assert 0.001 < len(bad) / len(rows) < 0.004
    assert {"--", "0000 XX", "", "Onbekend"} <= {r[1] for r in bad} | {r[9] for r in bad} | {r[3] for r in bad}
    assert any(r[1].startswith("31-02-") for r in bad)


def test_visit_mapping(haarlem: SimulateResult, visits: tuple[bytes, list[str], list[list[str]]]) -> None:
    text = haarlem.visits_mapping.read_text("utf-8")
    assert text.startswith("# Synthetic export: made by wijkloket simulate (seed 7). Not real residents.\n")
    mapping = tomllib.loads(text)
    assert mapping["file"] == {"encoding": "cp1252", "delimiter": ";", "date_format": "%d-%m-%Y",
                               "birth_date_format": "%d-%m-%Y", "synthetic": True}
    _, header, rows = visits
    assert set(mapping["columns"].values()) <= set(header)
    assert mapping["columns"]["house_number"] == "Huisnr" and mapping["columns"]["date"] == "Datum afspraak"
    assert set(mapping["products"].values()) == CANONICAL_PRODUCTS
    assert {r[3] for r in rows} - set(mapping["products"]) == {"Onbekend"}
    assert mapping["statuses"] == {"Afgerond": "attended", "Niet verschenen": "no_show", "Geannuleerd": "cancelled"}


def test_issuance_list(haarlem: SimulateResult) -> None:
    mapping = tomllib.loads(haarlem.issuances_mapping.read_text("utf-8"))
    assert mapping["file"]["synthetic"] is True
    assert mapping["columns"] == {"date": "Datum verstrekking", "product": "Documentsoort", "postcode": "Postcode",
                                  "house_number": "Huisnummer", "birth_date": "Geboortedatum"}
    wb = openpyxl.load_workbook(haarlem.issuances_xlsx, read_only=True)
    assert wb.sheetnames == ["Verstrekkingen (synthetisch)"]
    ws = wb["Verstrekkingen (synthetisch)"]
    assert ws.max_row == haarlem.n_issuances + 1
    rows = ws.iter_rows(values_only=True)
    assert next(rows) == ISSUANCE_HEADER
    head = [r for _, r in zip(range(3000), rows, strict=False)]
    wb.close()
    assert all(isinstance(r[0], datetime) and isinstance(r[5], datetime) for r in head)
    assert all(r[1] in mapping["products"] and r[6] == "ja" for r in head)
    assert all(re.fullmatch(r"[1-9]\d{3}[A-Z]{2}", r[3]) and isinstance(r[4], int) for r in head)
    assert len({r[2] for r in head}) == len(head)
    assert {mapping["products"][r[1]] for r in head} == {"passport", "id_card", "driving_licence"}


def test_postcode_table(haarlem: SimulateResult, postcodes: list[list[str]]) -> None:
    assert len(postcodes) == haarlem.n_addresses and {r[-1] for r in postcodes} == {"ja"}
    assert {r[4] for r in postcodes} == {"392"}
    areas = haarlem_areas()
    per_wijk = collections.Counter(r[3] for r in postcodes)
    expected = {str(int(c[2:])): int(h) for c, h in zip(areas["area_code"], areas["households"], strict=True)}
    assert per_wijk == expected  # one address per household
    assert all(r[2] == r[3] + "00" for r in postcodes)  # synthetic buurt of a wijk-level municipality
    assert len({(r[0], r[1]) for r in postcodes}) == len(postcodes)
    assert all(re.fullmatch(r"[1-9]\d{3}[A-Z]{2}", r[0]) and r[0][4:] not in ("SA", "SD", "SS") for r in postcodes)
    pc6_sizes = collections.Counter(r[0] for r in postcodes)
    assert 14 <= len(postcodes) / len(pc6_sizes) <= 20
    wijken_per_pc4: dict[str, set[str]] = collections.defaultdict(set)
    wijken_per_pc6: dict[str, set[str]] = collections.defaultdict(set)
    for r in postcodes:
        wijken_per_pc4[r[0][:4]].add(r[3])
        wijken_per_pc6[r[0]].add(r[3])
    assert sum(len(w) > 1 for w in wijken_per_pc4.values()) >= 2
    assert 1 <= sum(len(w) > 1 for w in wijken_per_pc6.values()) <= 3


def test_visits_proportional_to_population(visits: tuple[bytes, list[str], list[list[str]]],
                                           postcodes: list[list[str]]) -> None:
    _, _, rows = visits
    wijk_of = {(r[0], r[1]): r[3] for r in postcodes}
    per_wijk: collections.Counter[str] = collections.Counter()
    for r in rows:
        key = (r[9].replace(" ", "").upper(), r[10])
        if r[4] == "Afgerond" and key in wijk_of:
            per_wijk[wijk_of[key]] += 1
    areas = haarlem_areas()
    population = {str(int(c[2:])): int(p) for c, p in zip(areas["area_code"], areas["population"], strict=True)}
    overall = sum(per_wijk.values()) / sum(population.values())
    ratios = {w: per_wijk[w] / p / overall for w, p in population.items() if p >= 2000}
    assert all(0.7 < r < 1.3 for r in ratios.values()), ratios
    assert max(ratios.values()) - min(ratios.values()) > 0.05  # areas differ, modestly


def test_dip_and_peak_of_travel_documents(visits: tuple[bytes, list[str], list[list[str]]]) -> None:
    _, _, rows = visits
    per_year = collections.Counter(r[1][-4:] for r in rows if r[3] in TRAVEL_APPLICATIONS and r[4] == "Afgerond")
    dip = sum(per_year[str(y)] for y in range(2019, 2024)) / 5
    peak = (per_year["2024"] + per_year["2025"]) / 2
    assert peak > 1.3 * dip, per_year
    assert per_year["2021"] < per_year["2019"] and per_year["2025"] > per_year["2023"]


def test_seasonality(visits: tuple[bytes, list[str], list[list[str]]]) -> None:
    _, _, rows = visits
    months = collections.Counter(d.month for d in (parse_date(r[1]) for r in rows) if d)
    q2 = months[4] + months[5] + months[6]
    q4 = months[10] + months[11] + months[12]
    assert q2 > 1.1 * q4
    assert min(months, key=lambda m: months[m]) == 12


def test_once_every_three_years(haarlem: SimulateResult, visits: tuple[bytes, list[str], list[list[str]]]) -> None:
    _, _, rows = visits
    products = tomllib.loads(haarlem.visits_mapping.read_text("utf-8"))["products"]
    top = sum(1 for r in rows if r[4] == "Afgerond" and products.get(r[3]) in TOP_PRODUCTS)
    per_resident_year = top / HAARLEM_POPULATION / 7
    assert 1 / 4 < per_resident_year < 1 / 2


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    areas = haarlem_areas(["WK039201", "WK039217", "WK039218"])
    a = simulate(areas, "GM0392", (2023, 2024), 7, tmp_path / "a")
    b = simulate(areas, "GM0392", (2023, 2024), 7, tmp_path / "b")
    c = simulate(areas, "GM0392", (2023, 2024), 8, tmp_path / "c")
    for name in ("visits_csv", "visits_mapping", "issuances_xlsx", "issuances_mapping", "postcodes_csv", "readme"):
        assert getattr(a, name).read_bytes() == getattr(b, name).read_bytes(), name
    for name in ("visits_csv", "issuances_xlsx", "postcodes_csv"):
        assert getattr(a, name).read_bytes() != getattr(c, name).read_bytes(), name
    # the whole issuance sheet, read independently
    wb = openpyxl.load_workbook(a.issuances_xlsx, read_only=True)
    rows = list(wb["Verstrekkingen (synthetisch)"].iter_rows(values_only=True))
    wb.close()
    assert rows[0] == ISSUANCE_HEADER and len(rows) == a.n_issuances + 1
    assert all(r[6] == "ja" and isinstance(r[0], datetime) and 2023 <= r[0].year <= 2024 for r in rows[1:])


def test_municipality_with_buurten(tmp_path: Path) -> None:
    areas = pd.DataFrame({
        "area_code": ["BU03630000", "BU03630001", "BU03630102"],
        "population": [900, 420, 2100],
        "households": [430, float("nan"), 1000],
        "pct_age_0_15": [10, float("nan"), 18], "pct_age_15_25": [15, 12, 10], "pct_age_25_45": [40, 25, 25],
        "pct_age_45_65": [20, 26, 27], "pct_age_65_plus": [15, 21, 20],
    })
    result = simulate(areas, "GM0363", (2024, 2024), 3, tmp_path, "Amsterdam")
    rows = list(csv.reader(io.StringIO(result.postcodes_csv.read_text("utf-8"), newline=""), delimiter=";"))
    assert ";".join(rows[0]) == PC6_HEADER
    per_buurt = collections.Counter((r[2], r[3], r[4]) for r in rows[1:])
    assert per_buurt == {("3630000", "36300", "363"): 430, ("3630001", "36300", "363"): 200,
                         ("3630102", "36301", "363"): 1000}
    _, header, visit_rows = read_visits(result.visits_csv)
    assert len(visit_rows) == result.n_visits > 100
    known = {(r[0], r[1]) for r in rows[1:]}
    located = [r for r in visit_rows if (r[9].replace(" ", "").upper(), r[10]) in known]
    assert len(located) >= len(visit_rows) - result.n_bad_rows
    assert "Amsterdam (GM0363)" in result.readme.read_text("utf-8")


def test_areas_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="do not lie in GM0394"):
        simulate(haarlem_areas(["WK039201"]), "GM0394", (2024, 2024), 1, tmp_path)
    with pytest.raises(ValueError, match="missing column"):
        simulate(pd.DataFrame({"area_code": ["WK039201"]}), "GM0392", (2024, 2024), 1, tmp_path)
