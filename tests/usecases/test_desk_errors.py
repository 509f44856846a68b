"""Bad desk-log input: one clear message, exit code 2, no traceback, nothing in the store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from wijkloket.store.workspace import Workspace

Cli = Callable[..., tuple[int, str, str]]
HEADER = "Datum afspraak;Product;Postcode;Status"


@pytest.fixture
def ws(tmp_path: Path, fixtures: Path, cli: Cli) -> Path:
    folder = tmp_path / "tiny"
    cli("init", folder, "--gemeente", "GM9999")
    cli("add", "cbs", fixtures / "tiny_kwb_2018.csv", "-w", folder)
    cli("add", "postcodes", fixtures / "tiny_postcodes.csv", "-w", folder)
    return folder


@pytest.fixture
def mapping(tmp_path: Path) -> Path:
    m = tmp_path / "m.toml"
    m.write_text('[columns]\ndate = "Datum afspraak"\nproduct = "Product"\npostcode = "Postcode"\n'
                 'status = "Status"\n', "utf-8")
    return m


def _fails(result: tuple[int, str, str], *needles: str) -> str:
    code, out, err = result
    assert code == 2, (code, out, err)
    assert "Traceback" not in err + out
    for n in needles:
        assert n in err, (n, err)
    return err


def _nothing_stored(ws: Path) -> None:
    with Workspace(ws, read_only=True) as w:
        assert w.con.execute("SELECT count(*) FROM events").fetchone()[0] == 0  # type: ignore[index]
        assert not (w.sources()["kind"] == "visit").any()


def test_mapping_names_a_column_that_is_not_there(ws: Path, tmp_path: Path, cli: Cli, mapping: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text("Datum;Product;Postcode;Status\n03-01-2024;Paspoort;9991AA;Afgerond\n", "utf-8")
    _fails(cli("add", "visits", f, "-m", mapping, "-w", ws), "a.csv", "date = 'Datum afspraak'",
           "Gevonden kolommen: Datum, Product, Postcode, Status")
    _nothing_stored(ws)


def test_mapping_missing_required_role(ws: Path, tmp_path: Path, cli: Cli) -> None:
    m = tmp_path / "m.toml"
    m.write_text('[columns]\ndate = "Datum"\n', "utf-8")
    f = tmp_path / "a.csv"
    f.write_text("Datum;Product\n03-01-2024;Paspoort\n", "utf-8")
    _fails(cli("add", "visits", f, "-m", m, "-w", ws), "m.toml", "product, postcode")


def test_mapping_not_valid_toml(ws: Path, tmp_path: Path, cli: Cli) -> None:
    m = tmp_path / "kapot.toml"
    m.write_text("[columns\ndate = ", "utf-8")
    f = tmp_path / "a.csv"
    f.write_text(HEADER + "\n03-01-2024;Paspoort;9991AA;Afgerond\n", "utf-8")
    _fails(cli("add", "visits", f, "-m", m, "-w", ws), "kapot.toml", "TOML")


def test_mapping_with_unknown_product_target(ws: Path, tmp_path: Path, cli: Cli, mapping: Path) -> None:
    mapping.write_text(mapping.read_text() + '[products]\n"Pas" = "paspoort"\n', "utf-8")
    f = tmp_path / "a.csv"
    f.write_text(HEADER + "\n03-01-2024;Pas;9991AA;Afgerond\n", "utf-8")
    _fails(cli("add", "visits", f, "-m", mapping, "-w", ws), "'Pas'", "'paspoort'", "passport, id_card")


def test_unreadable_date_in_row_n(ws: Path, tmp_path: Path, cli: Cli, mapping: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text(HEADER + "\n03-01-2024;Paspoort;9991AA;Afgerond\n2024-13-45;Paspoort;9991AA;Afgerond\n", "utf-8")
    _fails(cli("add", "visits", f, "-m", mapping, "-w", ws), "rij 3, kolom 'Datum afspraak': '2024-13-45'")
    _nothing_stored(ws)


def test_unknown_product_lists_known_ones(ws: Path, tmp_path: Path, cli: Cli, mapping: Path) -> None:
    f = tmp_path / "a.csv"
    f.write_text(HEADER + "\n03-01-2024;Paspoort;9991AA;Afgerond\n03-01-2024;Huwelijk;9991AA;Afgerond\n",
                 "utf-8")
    err = _fails(cli("add", "visits", f, "-m", mapping, "-w", ws), "'Huwelijk'", "[products]")
    assert "rij 3" in err
    # With a higher limit the row is rejected alone, and the output says how to add a synonym.
    code, out, _ = cli("add", "visits", f, "-m", mapping, "-w", ws, "--max-rejected", "60")
    assert code == 0 and "Onbekende producten: 'Huwelijk' (1)" in out and '"Huwelijk" = "other"' in out
    assert "passport, id_card, driving_licence" in out


def test_xlsx_with_several_sheets(ws: Path, tmp_path: Path, cli: Cli, mapping: Path) -> None:
    f = tmp_path / "export.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Toelichting"
    wb.active.append(["Export van het afsprakensysteem"])
    sh = wb.create_sheet("Afspraken")
    sh.append(HEADER.split(";"))
    sh.append(["03-01-2024", "Paspoort", "9991AA", "Afgerond"])
    sh.append(["04-01-2024", "Rijbewijs", "9992AB", "Afgerond"])
    wb.save(f)
    _fails(cli("add", "visits", f, "-m", mapping, "-w", ws), "export.xlsx", "Toelichting, Afspraken", "--sheet")
    _nothing_stored(ws)
    code, out, err = cli("add", "visits", f, "-m", mapping, "-w", ws, "--sheet", "Afspraken")
    assert code == 0, err
    assert "aanvaard 2" in out


def test_empty_file_and_header_only(ws: Path, tmp_path: Path, cli: Cli, mapping: Path) -> None:
    empty = tmp_path / "leeg.csv"
    empty.write_bytes(b"")
    _fails(cli("add", "visits", empty, "-m", mapping, "-w", ws), "leeg.csv", "leeg")
    header = tmp_path / "kop.csv"
    header.write_text(HEADER + "\n", "utf-8")
    _fails(cli("add", "visits", header, "-m", mapping, "-w", ws), "kop.csv", "geen gegevensrijen")
    _nothing_stored(ws)


def test_visits_need_a_postcode_table(tmp_path: Path, fixtures: Path, cli: Cli, mapping: Path) -> None:
    folder = tmp_path / "nopc"
    cli("init", folder, "--gemeente", "GM9999")
    cli("add", "cbs", fixtures / "tiny_kwb_2018.csv", "-w", folder)
    f = tmp_path / "a.csv"
    f.write_text(HEADER + "\n03-01-2024;Paspoort;9991AA;Afgerond\n", "utf-8")
    _fails(cli("add", "visits", f, "-m", mapping, "-w", folder), "wijkloket add postcodes")


def test_usage_without_logs(ws: Path, cli: Cli) -> None:
    _fails(cli("usage", "-w", ws), "wijkloket add visits")
    _fails(cli("issuances", "-w", ws), "wijkloket add issuances")


def test_postcode_table_of_unknown_layout(ws: Path, tmp_path: Path, cli: Cli) -> None:
    f = tmp_path / "pc.csv"
    f.write_text("pc,buurt\n9991AA,BU99990101\n", "utf-8")
    _fails(cli("add", "postcodes", f, "-w", ws), "pc.csv", "PC6;Huisnummer")
