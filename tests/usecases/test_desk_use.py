"""Desk logs on a hand-made municipality (tests/fixtures/tiny_*): import, privacy, nothing lost,
and the usage figures worked out by hand in the comments."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from wijkloket.store.workspace import Workspace

Cli = Callable[..., tuple[int, str, str]]
LOG = "tiny_afspraken_2023_2024.csv"
IDENTIFYING = ["999990019", "José", "Müller", "Anouk", "Bakker", "15-05-1950", "1950-05-15", "jose@example.org",
               "Fatima"]




def _events(ws: Path) -> list[tuple[object, ...]]:
    with Workspace(ws, read_only=True) as w:
        return w.con.execute("SELECT product, status, area_code, weight, age_band, year FROM events "
                             "ORDER BY event_date, product, area_code").fetchall()


def test_postcodes_normalised_and_split(tiny_ws: Path) -> None:
    with Workspace(tiny_ws, read_only=True) as w:
        rows = w.con.execute("SELECT postcode, kind, area_code, share FROM postcodes ORDER BY 2 DESC, 1, 3").fetchall()
    # '9991 AA' and '9991ab' are normalised; 9991AB spans two buurten 10/10 -> 0.5 each;
    # PC4 9991 has 20 + 10 addresses in BU99990101 and 10 in BU99990102 -> 0.75 / 0.25.
    assert ("9991AA", "pc6", "BU99990101", 1.0) in rows
    assert ("9991AB", "pc6", "BU99990102", 0.5) in rows
    assert ("9991", "pc4", "BU99990101", 0.75) in rows and ("9992", "pc4", "BU99990202", 0.25) in rows


def test_too_many_rejected_rows_store_nothing(tiny_ws: Path, fixtures: Path, cli: Cli) -> None:
    code, out, err = cli("add", "visits", fixtures / LOG, "--mapping", fixtures / "tiny_jcc.toml", "-w", tiny_ws)
    assert code == 2 and "Traceback" not in err
    assert "4 van de 11 rijen" in err and "rij 5, kolom 'Datum afspraak': '31-02-2024 10:10'" in err
    assert "--max-rejected" in err
    assert _events(tiny_ws) == []
    with Workspace(tiny_ws, read_only=True) as w:
        assert len(w.sources()) == 3
    assert (tiny_ws / "afgewezen" / "tiny_afspraken_2023_2024_afgewezen.csv").exists()


def test_import_nothing_lost_privacy_and_hand_counts(tiny_ws: Path, fixtures: Path, tmp_path: Path,
                                                     cli: Cli) -> None:
    code, out, err = cli("add", "visits", fixtures / LOG, "-m", fixtures / "tiny_jcc.toml", "-w", tiny_ws,
                         "--max-rejected", "50")
    assert code == 0, err
    # 11 rows = 6 accepted + 5 rejected, each with its reason.
    assert "Rijen gelezen 11 = aanvaard 6 + afgewezen 5" in out
    for reason in ("onleesbare datum: 1", "onbekend product: 1", "postcode niet in de gemeente: 1",
                   "geen geldige postcode: 1", "dubbele rij: 1"):
        assert reason in out
    assert "kolom 'BSN' lijkt BSN's" in out
    assert "\"Onbekend\" = \"other\"" in out  # how to add a synonym
    # Rows 2 and 3 are passport applications, row 4 a collection, row 7 a no-show, row 8 a BRP
    # extract with only a PC4 (split 0.75/0.25), row 12 an ID card in 2023.
    ev = _events(tiny_ws)
    assert ("passport", "attended", "BU99990101", 1.0, "65+", 2024) in ev
    assert ("passport", "attended", "BU99990101", 0.5, "0-14", 2024) in ev
    assert ("passport", "attended", "BU99990102", 0.5, "0-14", 2024) in ev
    assert ("brp_extract", "attended", "BU99990201", 0.75, "25-44", 2024) in ev
    assert ("driving_licence", "no_show", "BU99990201", 1.0, "45-64", 2024) in ev
    assert ("id_card", "attended", "BU99990202", 1.0, "45-64", 2023) in ev
    assert sum(w for *_, w, _a, _y in ev) == pytest.approx(6.0)
    # Privacy: nothing identifying in the store file, the secret stays out of it.
    store = (tiny_ws / "wijkloket.duckdb").read_bytes()
    for s in IDENTIFYING:
        assert s.encode("utf-8") not in store and s.encode("cp1252") not in store, s
    # The rejected rows can be fixed and re-added: the row number, the reason and only the mapped columns
    # whose values are stored (no BSN, name, date of birth, house number or e-mail; issue 13).
    rejected = (tiny_ws / "afgewezen" / "tiny_afspraken_2023_2024_afgewezen.csv").read_text("cp1252")
    rows = list(csv.DictReader(io.StringIO(rejected), delimiter=";"))
    assert [r["reden_afwijzing"] for r in rows] == ["bad_date", "unknown_product", "postcode_outside",
                                                    "duplicate", "invalid_postcode"]
    assert list(rows[0]) == ["Datum afspraak", "Tijd", "Product", "Status", "Locatie", "Postcode",
                             "reden_afwijzing", "rij"]

    # Usage per district, worked out by hand (CBS 2018: Noord 600, Zuid 400, Testdorp 1000):
    # 2024 attended top products: Noord = 1 + 0.5 + 0.5 (passports) + 1 (collection) = 3,
    # Zuid = 1 (BRP extract, 0.75 + 0.25). Once every N years = residents / visits.
    code, out, err = cli("usage", "--format", "csv", "--min-count", "1", "-w", tiny_ws)
    assert code == 0, err
    got = {(r["level"], r["area_name"], r["year"], r["product"], r["age_band"], r["indicator"]): r
           for r in csv.DictReader(io.StringIO(out))}
    def v(*k: str) -> float:
        return float(got[k]["value"])
    assert v("district", "Noord", "2024", "top", "", "visits") == pytest.approx(3.0)
    assert v("district", "Noord", "2024", "top", "", "once_every_n_years") == pytest.approx(200.0)
    assert v("district", "Zuid", "2024", "top", "", "once_every_n_years") == pytest.approx(400.0)
    assert v("gemeente", "Testdorp", "2024", "top", "", "once_every_n_years") == pytest.approx(250.0)
    assert v("district", "Noord", "2024", "top", "", "visits_per_1000") == pytest.approx(5.0)
    # Representation: Noord has 3/4 of the visits and 600/1000 of the residents -> 125.
    assert v("district", "Noord", "2024", "top", "", "representation_index") == pytest.approx(125.0)
    assert v("district", "Noord", "2024", "passport", "", "visits") == pytest.approx(2.0)
    assert v("district", "Zuid", "2024", "top", "", "no_shows") == pytest.approx(1.0)
    assert v("district", "Zuid", "2023", "id_card", "", "visits") == pytest.approx(1.0)
    # 65+: one visit (row 2) and one collection (row 4) in Noord; 60 residents 65+ in WK999901.
    assert v("district", "Noord", "2024", "top", "65+", "visits") == pytest.approx(2.0)
    assert v("district", "Noord", "2024", "top", "65+", "visits_per_1000") == pytest.approx(2 / 60 * 1000)
    assert all(s not in out for s in IDENTIFYING)
    # The output says how much was allocated by address shares: rows 3 and 8 of 6 accepted.
    code, out, _ = cli("usage", "--min-count", "1", "-w", tiny_ws)
    assert "33,3% van de gebeurtenissen ligt in een postcode die over meerdere gebieden valt" in out
    assert "16,7% had alleen een bruikbare PC4" in out

    # Adding the same file again changes nothing.
    before = _events(tiny_ws)
    code, out, _ = cli("add", "visits", fixtures / LOG, "-m", fixtures / "tiny_jcc.toml", "-w", tiny_ws)
    assert code == 0 and "niets veranderd" in out
    assert _events(tiny_ws) == before
    # A second export that overlaps the first: the overlap is reported, not counted twice.
    src = (fixtures / LOG).read_bytes().decode("cp1252").splitlines()
    extra = "11;20-01-2024;13:00;Rijbewijs aanvragen;Afgerond;Stadhuis – hal;;;01-01-1980;9992AB;5;"
    second = tmp_path / "afspraken_jan_2024.csv"
    second.write_bytes(("\r\n".join([src[0], src[1], src[2], src[7], extra]) + "\r\n").encode("cp1252"))
    code, out, err = cli("add", "visits", second, "-m", fixtures / "tiny_jcc.toml", "-w", tiny_ws)
    assert code == 0, err
    assert "al eerder ingelezen: 3" in out and "overlapt met tiny_afspraken_2023_2024.csv" in out
    after = _events(tiny_ws)
    assert len(after) == len(before) + 1 and ("driving_licence", "attended", "BU99990202", 1.0, "25-44", 2024) in after


def test_small_counts_are_suppressed(tiny_ws: Path, fixtures: Path, cli: Cli) -> None:
    cli("add", "visits", fixtures / LOG, "-m", fixtures / "tiny_jcc.toml", "-w", tiny_ws, "--max-rejected", "50")
    code, out, _ = cli("usage", "--format", "csv", "-w", tiny_ws)  # default threshold 10
    rows = list(csv.DictReader(io.StringIO(out)))
    visits = [r for r in rows if r["indicator"] == "visits"]
    for r in visits:
        if r["value"] not in ("", "0.0"):
            assert float(r["value"]) >= 10
    assert any(r["suppressed"] == "primary" for r in visits)
    derived = [r for r in rows if r["indicator"] == "once_every_n_years" and r["level"] == "district"]
    assert all(r["value"] == "" for r in derived)  # derived from suppressed counts: suppressed too
