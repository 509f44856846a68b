"""Bad input: one clear message naming the file, the place and the fix; exit code 2; no
traceback; nothing half-written in the store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from wijkloket.store.workspace import Workspace

Cli = Callable[..., tuple[int, str, str]]


def _fails(result: tuple[int, str, str], *needles: str) -> str:
    code, out, err = result
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and "Traceback" not in out
    for n in needles:
        assert n in err, (n, err)
    return err


def _n_sources(ws: Path) -> int:
    with Workspace(ws, read_only=True) as w:
        return len(w.sources())


def test_missing_file(ws: Path, cli: Cli) -> None:
    _fails(cli("add", "cbs", "nope/kwb2024.csv", "-w", ws), "nope/kwb2024.csv", "Oplossing")


def test_directory_instead_of_file(ws: Path, tmp_path: Path, cli: Cli) -> None:
    _fails(cli("add", "cbs", tmp_path, "-w", ws), str(tmp_path), "map")


def test_unreadable_geopackage(ws: Path, tmp_path: Path, cli: Cli) -> None:
    bad = tmp_path / "kaart_2024.gpkg"
    bad.write_bytes(b"this is not a geopackage" * 10)
    _fails(cli("add", "cbs", bad, "-w", ws), "kaart_2024.gpkg")
    assert _n_sources(ws) == 0


def test_not_a_cbs_table(ws: Path, tmp_path: Path, cli: Cli) -> None:
    f = tmp_path / "visits_2024.csv"
    f.write_text("datum;product;postcode\n03-01-2024;Paspoort;2011AB\n", "utf-8")
    err = _fails(cli("add", "cbs", f, "-w", ws), "visits_2024.csv", "wijkcode", "Codering_3",
                 "datum, product, postcode")
    assert "Oplossing" in err


def test_gemeente_not_in_data_lists_close_matches(tmp_path: Path, data: Path, cli: Cli) -> None:
    folder = tmp_path / "w"
    cli("init", folder, "--gemeente", "GM0393")
    err = _fails(cli("add", "cbs", data / "cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer.gpkg",
                     "-w", folder), "GM0393", "GM0392 Haarlem", "GM0394 Haarlemmermeer")
    assert "Oplossing" in err
    assert _n_sources(folder) == 0


def test_bad_gemeente_code_at_init(tmp_path: Path, cli: Cli) -> None:
    _fails(cli("init", tmp_path / "x", "--gemeente", "Haarlem"), "'Haarlem'", "GM0392")


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        ("area_code,district\nWK039201,Centrum\nWK039299,Noord\n",
         ["1 onbekend (WK039299 (rij 3))", "20 ontbrekend"]),
        ("area_code,district\n" + "".join(f"WK0392{i:02d},D\n" for i in range(1, 22))
         + "WK039201,E\n", ["1 dubbel (WK039201 (rij 2/23))"]),
        ("code,stadsdeel\nWK039201,Centrum\n", ["area_code, district", "code, stadsdeel"]),
        ("area_code,district\nWK039201,Centrum\nBU03920101,Noord\n", ["mengt"]),
    ],
)
def test_district_file_problems(ws: Path, tmp_path: Path, data: Path, cli: Cli, content: str,
                                needles: list[str]) -> None:
    cli("add", "cbs", data / "cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer.gpkg", "-w", ws)
    f = tmp_path / "stadsdelen.csv"
    f.write_text(content, "utf-8")
    _fails(cli("add", "districts", f, "-w", ws), "stadsdelen.csv", *needles)
    with Workspace(ws, read_only=True) as w:
        assert w.districts() is None


def test_workspace_does_not_exist(tmp_path: Path, cli: Cli) -> None:
    _fails(cli("profile", "-w", tmp_path / "nowhere"), "nowhere", "wijkloket init")
    _fails(cli("sources", "-w", tmp_path), "wijkloket.toml")


def test_encoding_that_cannot_be_decoded(ws: Path, tmp_path: Path, cli: Cli) -> None:
    f = tmp_path / "kwb2024.csv"
    f.write_bytes(b"Codering,AantalInwoners_5\n" + b"WK039201,\x00\x81\xfe\n")
    _fails(cli("add", "cbs", f, "-w", ws), "kwb2024.csv", "regel 2", "--encoding")


def test_cp1252_file_is_read(ws: Path, tmp_path: Path, cli: Cli, data: Path) -> None:
    """Excel on Windows saves Windows-1252: read without asking, names intact."""
    src = (data / "cbs/kwb2024_gemeente_wijk_basis.csv").read_text("utf-8")
    f = tmp_path / "kwb2024_cp1252.csv"
    f.write_bytes(src.replace("Codering,", "Codering,").encode("cp1252")
                  + "\n".encode("cp1252"))
    assert cli("add", "cbs", f, "-w", ws)[0] == 0


def test_english_messages(ws: Path, cli: Cli) -> None:
    _fails(cli("add", "cbs", "missing.csv", "-w", ws, "--lang", "en"), "File not found", "Fix:")


def test_no_year(ws: Path, tmp_path: Path, cli: Cli) -> None:
    f = tmp_path / "kerncijfers.csv"
    f.write_text("Codering,AantalInwoners_5\nWK039201,100\n", "utf-8")
    _fails(cli("add", "cbs", f, "-w", ws), "kerncijfers.csv", "--year")
    assert cli("add", "cbs", f, "-w", ws, "--year", "2024")[0] == 0


def test_empty_and_header_only_files(ws: Path, tmp_path: Path, cli: Cli) -> None:
    empty = tmp_path / "kwb2024.csv"
    empty.write_text("", "utf-8")
    _fails(cli("add", "cbs", empty, "-w", ws), "kwb2024.csv", "leeg")
    header = tmp_path / "kwb2024b.csv"
    header.write_text("Codering,AantalInwoners_5\n", "utf-8")
    _fails(cli("add", "cbs", header, "-w", ws), "kwb2024b.csv", "geen gegevensrijen")


def test_profile_without_data(ws: Path, cli: Cli) -> None:
    _fails(cli("profile", "-w", ws), "wijkloket add cbs")


def test_bad_options(haarlem_ws: Path, cli: Cli) -> None:
    _fails(cli("profile", "--level", "straat", "-w", haarlem_ws), "straat", "district")
    _fails(cli("profile", "--format", "pdf", "-w", haarlem_ws), "pdf", "xlsx")
    _fails(cli("profile", "--format", "gpkg", "-w", haarlem_ws), "-o")
    _fails(cli("profile", "--year", "2019", "-w", haarlem_ws), "2019", "2024")
    _fails(cli("profile", "--indicator", "geluk", "-w", haarlem_ws), "geluk", "population")
