"""Issue 13, point 3 and parts of 4-6: personal data never lands in a file, temporary copies stay in the
workspace and go, mappings and encodings that cannot be right are refused with the key to fix, the
mapping is part of what makes an import the same, and visits after today are rejected.

The identities below are synthetic; 111222333 and 123456782 pass the BSN eleven-test
(9*1+8*1+7*1+6*2+5*2+4*2+3*3+2*3 - 3 = 66 = 6*11; 9*1+8*2+7*3+6*4+5*5+4*6+3*7+2*8 - 2 = 154 = 14*11)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from wijkloket.sources.personal import column_kind, content_kind, eleven_test, header_kind, looks_like_name
from wijkloket.store.workspace import Workspace

Cli = Callable[..., tuple[int, str, str]]

MAPPING = '[columns]\ndate = "Datum"\nproduct = "Product"\npostcode = "Postcode"\nstatus = "Status"\n'
IDENTITY_HEADER = ["Naam aanvrager", "Mobiel nummer", "Geboortedatum aanvrager", "E-mailadres",
                   "Burgerservicenr", "Adres", "Opmerking"]
PEOPLE = [
    ["Jan Jansen", "0612345678", "01-02-1980", "jan@example.org", "111222333", "Kerkstraat 12", "belt terug"],
    ["Piet de Vries", "06-87654321", "03-04-1975", "piet@example.org", "123456782", "Dorpsweg 3a", "Jan weet het"],
    ["Anna van der Berg", "+31 6 11223344", "05-06-1990", "anna@example.org", "111222333", "Laan 7", ""],
    ["Kees Bakker", "020-1234567", "07-08-1965", "kees@example.org", "123456782", "Plein 8", ""],
]
# Every identifying value above, as it must never appear in any file of the workspace.
SECRETS = [v for p in PEOPLE for v in p[:6]]




def _mapping(tmp_path: Path, text: str = MAPPING, name: str = "m.toml") -> Path:
    m = tmp_path / name
    m.write_text(text, "utf-8")
    return m


def _visits_with_people(tmp_path: Path) -> Path:
    """Four visits, three of them rejected (product, postcode, date), each with a person's data."""
    rows = [["03-01-2024", "Paspoort", "9991AA", "Afgerond"], ["04-01-2024", "Onbekend ding", "9991AA", "Afgerond"],
            ["05-01-2024", "Paspoort", "0000XX", "Afgerond"], ["31-02-2024", "Paspoort", "9991AB", "Afgerond"]]
    f = tmp_path / "export.csv"
    f.write_text("\n".join(";".join(r) for r in [["Datum", "Product", "Postcode", "Status", *IDENTITY_HEADER],
                                                 *[a + p for a, p in zip(rows, PEOPLE, strict=True)]]) + "\n", "utf-8")
    return f


def _all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def _events(ws: Path) -> int:
    with Workspace(ws, read_only=True) as w:
        return int(w.con.execute("SELECT count(*) FROM events").fetchone()[0])


def _fails(result: tuple[int, str, str], *needles: str) -> str:
    code, out, err = result
    assert code == 2, (code, out, err)
    assert "Traceback" not in out + err
    for n in needles:
        assert n in err, (n, err)
    return err


# --- the file of rejected rows ------------------------------------------------------------------------

def test_rejected_rows_keep_only_mapped_columns_whatever_the_headers(tiny: Path, tmp_path: Path, cli: Cli) -> None:
    code, out, err = cli("add", "visits", _visits_with_people(tmp_path), "-m", _mapping(tmp_path), "-w", tiny,
                         "--max-rejected", "100")
    assert code == 0, err
    rejected = tiny / "afgewezen" / "export_afgewezen.csv"
    with rejected.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[0] == ["Datum", "Product", "Postcode", "Status", "reden_afwijzing", "rij"]
    # rows 3, 4, 5 of the file (line 1 is the header): product, postcode and date rejected
    assert [(r[-2], r[-1]) for r in rows[1:]] == [("unknown_product", "3"), ("invalid_postcode", "4"),
                                                  ("bad_date", "5")]
    blob = _all_bytes(tiny)  # the store, the settings and the rejected rows
    assert [s for s in SECRETS if s.encode() in blob] == []
    assert not any(s in out + err for s in SECRETS)
    assert not list(tiny.rglob("*.tmp")) and not list((tiny / "afgewezen").glob(".*"))


def test_rejected_rows_of_a_workbook_keep_only_mapped_columns(tiny: Path, tmp_path: Path, cli: Cli) -> None:
    f = tmp_path / "export.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Datum", "Product", "Postcode", "Status", *IDENTITY_HEADER])
    wb.active.append(["03-01-2024", "Paspoort", "9991AA", "Afgerond", *PEOPLE[0]])
    wb.active.append(["03-01-2024", "Huwelijk", "9991AA", "Afgerond", *PEOPLE[1]])
    wb.save(f)
    code, _, err = cli("add", "issuances", f, "-m", _mapping(tmp_path), "-w", tiny, "--max-rejected", "100")
    assert code == 0, err
    frame = pd.read_csv(tiny / "afgewezen" / "export_afgewezen.csv", sep=";", dtype=str)
    assert list(frame.columns) == ["Datum", "Product", "Postcode", "Status", "reden_afwijzing", "rij"]
    assert frame.values.tolist() == [["03-01-2024", "Huwelijk", "9991AA", "Afgerond", "unknown_product", "3"]]
    assert [s for s in SECRETS if s.encode() in _all_bytes(tiny)] == []


def test_personal_data_typed_into_a_mapped_column_is_redacted(tiny: Path, tmp_path: Path, cli: Cli) -> None:
    f = tmp_path / "a.csv"
    f.write_text("Datum;Product;Postcode;Status\n03-01-2024;Paspoort;9991AA;Afgerond\n"
                 "03-01-2024;jan@example.org;9991AA;Afgerond\n03-01-2024;Paspoort;111222333;Afgerond\n"
                 "04-01-2024;Paspoort;9991AA;Afgerond\n", "utf-8")
    code, out, err = cli("add", "visits", f, "-m", _mapping(tmp_path), "-w", tiny, "--max-rejected", "100")
    assert code == 0, err
    text = (tiny / "afgewezen" / "a_afgewezen.csv").read_text("utf-8")
    assert "jan@example.org" not in text + out and "111222333" not in text + out
    assert text.splitlines()[1:] == ["03-01-2024;***;9991AA;Afgerond;unknown_product;3",
                                     "03-01-2024;Paspoort;***;Afgerond;invalid_postcode;4"]


def test_rejected_file_is_written_whole_or_not_at_all(tiny: Path, tmp_path: Path, cli: Cli,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from wijkloket.store.workspace import Workspace as W
    from wijkloket.usecases import ingest

    out = tiny / "afgewezen" / "export_afgewezen.csv"
    out.parent.mkdir()
    out.write_text("earlier;file\n", "utf-8")
    real = pd.DataFrame.to_csv

    def half_then_full_disk(self: pd.DataFrame, buf: io.TextIOBase, **kw: object) -> None:
        buf.write(real(self, **kw)[:20])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_full_disk)
    with W(tiny) as ws, pytest.raises(OSError):
        ingest.add_log(ws, _visits_with_people(tmp_path), _mapping(tmp_path), "visit", max_rejected=100)
    assert out.read_text("utf-8") == "earlier;file\n"  # the old file intact, no truncated one
    assert [p.name for p in out.parent.iterdir()] == ["export_afgewezen.csv"]  # no temporary file left


# --- a stored role pointing at personal data ---------------------------------------------------------

@pytest.mark.parametrize(("role", "column", "words"), [
    ("location", "Naam aanvrager", "namen van personen"),
    ("location", "Burgerservicenr", "burgerservicenummers"),
    ("status", "E-mailadres", "e-mailadressen"),
    ("location", "Mobiel nummer", "telefoonnummers"),
    ("location", "Geboortedatum aanvrager", "(geboorte)datums"),
    ("location", "Adres", "adressen"),
])
def test_mapping_a_stored_role_to_personal_data_is_refused(tiny: Path, tmp_path: Path, cli: Cli, role: str,
                                                           column: str, words: str) -> None:
    base = MAPPING.replace('status = "Status"\n', "")
    m = _mapping(tmp_path, base + f'{role} = "{column}"\n')
    _fails(cli("add", "visits", _visits_with_people(tmp_path), "-m", m, "-w", tiny, "--max-rejected", "100"),
           f"koppelt {role} aan kolom '{column}'", words, "Er is niets opgeslagen")
    assert _events(tiny) == 0 and not (tiny / "afgewezen").exists()


@pytest.mark.parametrize(("index", "words"), [(0, "namen van personen"), (1, "burgerservicenummers"),
                                              (2, "telefoonnummers"), (3, "(geboorte)datums")])
def test_personal_data_is_recognised_by_its_values_under_any_header(tiny: Path, tmp_path: Path, cli: Cli,
                                                                    index: int, words: str) -> None:
    names = ["Jan Jansen", "Piet de Vries", "Anna van der Berg", "Kees Bakker", "Fatima El Amrani", "J. de Boer"]
    bsns = ["111222333", "123456782"] * 3
    phones = ["0612345678", "+31 20 123 45 67", "06-87654321"] * 2
    births = [f"0{i + 1}-02-19{50 + i}" for i in range(6)]
    f = tmp_path / "a.csv"
    lines = ["Datum;Product;Postcode;Kolom A;Kolom B;Kolom C;Kolom D"]
    lines += [f"03-01-2024;Paspoort;9991AA;{a};{b};{c};{d}" for a, b, c, d in zip(names, bsns, phones, births,
                                                                                    strict=True)]
    f.write_text("\n".join(lines) + "\n", "utf-8")
    column = "Kolom " + "ABCD"[index]
    m = _mapping(tmp_path, MAPPING.replace('"Status"', f'"{column}"'))
    _fails(cli("add", "visits", f, "-m", m, "-w", tiny), f"status aan kolom '{column}'", words)
    assert _events(tiny) == 0


def test_desk_names_are_not_mistaken_for_people() -> None:
    # A location column repeats a few desks, even when they are capitalised words like names.
    desks = ["Stadskantoor Zijlpoort", "Stadhuis Centrum", "Stadskantoor Zijlpoort", "Stadhuis Centrum"] * 10
    assert content_kind(desks) is None
    assert column_kind("Naam locatie", desks) is None  # 'naam' in a header that names a desk
    assert column_kind("Locatie", ["Stadhuis – hal"] * 5) is None
    assert content_kind(["Paspoort aanvragen", "Rijbewijs", "ID-kaart"]) is None
    assert content_kind(["03-01-2024", "04-01-2024"], dates_expected=True) is None
    assert looks_like_name("Anna van der Berg") and looks_like_name("J. de Boer")
    assert not looks_like_name("Stadhuis – hal") and not looks_like_name("Paspoort")
    assert header_kind("Geboortedatum aanvrager") == "birth_date" and header_kind("Mobiel nummer") == "phone"
    assert header_kind("E-mailadres") == "email" and header_kind("Postcode") is None
    assert eleven_test("111222333") and eleven_test("123456782") and not eleven_test("123456789")


# --- temporary copies --------------------------------------------------------------------------------

def _cp1252_export(tmp_path: Path, broken: bool) -> Path:
    """A Windows-1252 export with curly quotes (bytes 0x93/0x94, so it needs a UTF-8 copy); `broken`
    adds an unterminated quote in row 3, which DuckDB refuses."""
    rows = ["Datum;Product;Postcode;Status;Naam",
            "03-01-2024;Paspoort;9991AA;Afgerond;Jos\u00e9 \u201cM\u00fcller\u201d"]
    rows.append('04-01-2024;"Paspoort;9991AA;Afgerond;X' if broken else "04-01-2024;Paspoort;9991AB;Afgerond;X")
    f = tmp_path / "in" / "export.csv"
    f.parent.mkdir(exist_ok=True)
    f.write_bytes(("\n".join(rows) + "\n").encode("cp1252"))
    return f


def test_no_copy_beside_the_input_nor_in_the_workspace_after_an_error(tiny: Path, tmp_path: Path, cli: Cli) -> None:
    f = _cp1252_export(tmp_path, broken=True)
    _fails(cli("add", "visits", f, "-m", _mapping(tmp_path), "-w", tiny), "export.csv")
    assert sorted(p.name for p in f.parent.iterdir()) == ["export.csv"]
    assert not list((tiny / ".tmp").glob("*")) if (tiny / ".tmp").exists() else True
    code, _, err = cli("add", "visits", _cp1252_export(tmp_path, broken=False), "-m", _mapping(tmp_path), "-w", tiny)
    assert code == 0, err
    assert sorted(p.name for p in f.parent.iterdir()) == ["export.csv"]
    assert list((tiny / ".tmp").glob("wijkloket-copy-*")) == []


def test_the_copy_is_owner_only_in_the_workspace_and_goes_on_an_interrupt(
        tiny: Path, tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import wijkloket.store.log_import as log_import

    seen: list[tuple[Path, int, int]] = []

    def interrupted(path: Path, delim: str, enc: str) -> dict[str, str]:
        seen.append((path, path.stat().st_mode & 0o777, path.parent.stat().st_mode & 0o777))
        raise KeyboardInterrupt

    monkeypatch.setattr(log_import, "csv_columns", interrupted)
    f = _cp1252_export(tmp_path, broken=False)
    code, _, _ = cli("add", "visits", f, "-m", _mapping(tmp_path), "-w", tiny)
    assert code == 130
    [(copy, mode, folder_mode)] = seen
    assert copy.parent == tiny / ".tmp" and (mode, folder_mode) == (0o600, 0o700)
    assert not copy.exists() and sorted(p.name for p in f.parent.iterdir()) == ["export.csv"]


def test_a_copy_left_by_a_killed_import_goes_at_the_next_open(tiny: Path, tmp_path: Path, cli: Cli) -> None:
    left = tiny / ".tmp" / "wijkloket-copy-abc123.csv"
    left.parent.mkdir(exist_ok=True)
    left.write_text("Datum;Naam\n03-01-2024;Jan Jansen\n", "utf-8")
    other = tiny / ".tmp" / "duckdb_spill.tmp"  # not ours: stays
    other.write_bytes(b"x")
    with Workspace(tiny, read_only=True):
        assert left.exists()  # a reader never removes anything (the writer may be using it)
    with Workspace(tiny):
        pass
    assert not left.exists() and other.exists()


# --- mappings, encodings and old Excel ---------------------------------------------------------------

@pytest.mark.parametrize(("line", "needles"), [
    ('date_format = "%Q"', ["m.toml", "date_format = '%Q'", "geen datumformaat"]),
    ('date_format = "%H:%M"', ["m.toml", "date_format = '%H:%M'", "een jaar, een maand en een dag"]),
    ('date_format = "%Y/%m/%d"', ["m.toml", "date_format = '%Y/%m/%d' leest geen enkele datum", "'03-01-2024'"]),
    ('delimiter = "ab"', ["m.toml", "delimiter = 'ab'", "precies één leesteken"]),
    ('encoding = "klingon"', ["m.toml", "encoding = 'klingon'", "niet bestaat"]),
    ('dateformat = "%d-%m-%Y"', ["m.toml", "onbekende instelling 'dateformat'", "date_format"]),
    ("synthetic = 1", ["m.toml", "synthetic = 1", "true / false"]),
])
def test_mapping_file_settings_that_cannot_be_right(tiny: Path, tmp_path: Path, cli: Cli, line: str,
                                                    needles: list[str]) -> None:
    f = tmp_path / "a.csv"
    f.write_text("Datum;Product;Postcode;Status\n03-01-2024;Paspoort;9991AA;Afgerond\n", "utf-8")
    _fails(cli("add", "visits", f, "-m", _mapping(tmp_path, f"[file]\n{line}\n" + MAPPING), "-w", tiny), *needles)
    assert _events(tiny) == 0


def test_birth_date_format_that_reads_nothing_names_the_key_not_the_dates(tiny: Path, tmp_path: Path,
                                                                          cli: Cli) -> None:
    f = tmp_path / "a.csv"
    f.write_text("Datum;Product;Postcode;Status;Geb\n03-01-2024;Paspoort;9991AA;Afgerond;01-02-1980\n", "utf-8")
    m = _mapping(tmp_path, '[file]\nbirth_date_format = "%Y%m%d"\n' + MAPPING + 'birth_date = "Geb"\n')
    err = _fails(cli("add", "visits", f, "-m", m, "-w", tiny), "birth_date_format = '%Y%m%d'", "kolom 'Geb'")
    assert "1980" not in err


def test_encodings_declared_in_the_mapping(tiny: Path, tmp_path: Path, cli: Cli) -> None:
    text = "Datum;Product;Postcode;Status;Naam\n" + "".join(f"{d:02d}-01-2024;Paspoort;9991AA;Afgerond;X\n"
                                                             for d in range(1, 31))
    text += "04-01-2024;Paspoort;9991AB;Afgerond;Jos\u00e9\n"
    cp = tmp_path / "cp.csv"
    cp.write_bytes(text.encode("cp1252"))
    # Said to be UTF-8 but it is not: the line (32) and byte (é = 0xe9) are named, with the mapping's key.
    _fails(cli("add", "visits", cp, "-m", _mapping(tmp_path, '[file]\nencoding = "utf-8"\n' + MAPPING), "-w", tiny),
           "cp.csv, regel 32", "utf-8", "0xe9", "[file] van de mapping")
    # UTF-16 (not read by DuckDB itself) is read through a UTF-8 copy: 31 visits, none rejected.
    u16 = tmp_path / "u16.csv"
    u16.write_bytes(text.encode("utf-16"))
    code, out, err = cli("add", "visits", u16, "-m", _mapping(tmp_path, '[file]\nencoding = "utf-16"\n' + MAPPING),
                         "-w", tiny)
    assert code == 0, err
    assert "Rijen gelezen 31 = aanvaard 31" in out
    assert list((tiny / ".tmp").glob("wijkloket-copy-*")) == []


def test_utf8_export_broken_far_down_is_a_user_error(tiny: Path, tmp_path: Path, cli: Cli) -> None:
    f = tmp_path / "big.csv"  # more than 1 MiB, then a byte that is neither UTF-8 nor Windows-1252 (issue 14:
    # the whole file is scanned in chunks, so a Windows-1252 byte such as 0xe9 there is read as Windows-1252)
    f.write_bytes(b"Datum;Product;Postcode;Status\n" + b"03-01-2024;Paspoort;9991AA;Afgerond\n" * 40000
                  + b"04-01-2024;Paspoort;9991AA;Afgerond \x81\n")
    _fails(cli("add", "visits", f, "-m", _mapping(tmp_path), "-w", tiny), "big.csv", "40002", "0x81")
    assert _events(tiny) == 0


def test_unknown_encoding_option_names_the_encoding(tiny: Path, fixtures: Path, cli: Cli) -> None:
    _fails(cli("add", "cbs", fixtures / "tiny_kwb_2018.csv", "--encoding", "klingon", "-w", tiny),
           "tiny_kwb_2018.csv", "'klingon'", "bestaat niet")


@pytest.mark.parametrize("kind", ["visits", "issuances"])
def test_old_excel_is_refused_with_the_fix(tiny: Path, tmp_path: Path, cli: Cli, kind: str) -> None:
    for name in ("export.xls", "export_als_csv.csv"):  # recognised by its first bytes, whatever its name
        f = tmp_path / name
        f.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 504)
        _fails(cli("add", kind, f, "-m", _mapping(tmp_path), "-w", tiny), name, "oud Excel-bestand", ".xlsx")


def test_old_excel_refused_for_cbs_too(tiny: Path, tmp_path: Path, cli: Cli) -> None:
    f = tmp_path / "kwb.xls"
    f.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 504)
    _fails(cli("add", "cbs", f, "-w", tiny), "kwb.xls", "oud Excel-bestand")


# --- the mapping makes an import the same ------------------------------------------------------------

def test_same_export_with_a_corrected_mapping_replaces_it(tiny: Path, tmp_path: Path, cli: Cli) -> None:
    f = tmp_path / "r.csv"
    f.write_text("Datum;Product;Postcode;Status\n03-01-2024;Paspoort;9991AA;Afgerond\n"
                 "04-01-2024;Pas;9991AA;Afgerond\n05-01-2024;Paspoort;9991AB;Afgerond\n", "utf-8")
    m = _mapping(tmp_path)
    code, out, _ = cli("add", "visits", f, "-m", m, "-w", tiny, "--max-rejected", "50")
    assert code == 0 and "aanvaard 2 + afgewezen 1" in out
    assert (tiny / "afgewezen" / "r_afgewezen.csv").exists()
    # The same mapping in another file with a comment: the same import, nothing changes.
    same = _mapping(tmp_path, "# copy\n" + MAPPING, "same.toml")
    code, out, _ = cli("add", "visits", f, "-m", same, "-w", tiny)
    assert code == 0 and out.startswith("Al aanwezig")
    # A corrected mapping ("Pas" is a passport): the import is replaced, not added to.
    fixed = _mapping(tmp_path, MAPPING + '[products]\n"Pas" = "passport"\n', "fixed.toml")
    code, out, err = cli("add", "visits", f, "-m", fixed, "-w", tiny)
    assert code == 0, err
    assert out.startswith("Vervangen") and "aanvaard 3 + afgewezen 0" in out
    # A visit is one event row per area it falls in, with weights that add up to 1 (9991AB is split).
    with Workspace(tiny, read_only=True) as w:
        visits = w.sources().query("kind == 'visit'")
        total = w.con.execute("SELECT round(sum(weight)) FROM events").fetchone()[0]
    assert len(visits) == 1 and total == 3  # three visits, not 2 + 3
    assert not (tiny / "afgewezen" / "r_afgewezen.csv").exists()  # the old rejected rows are gone


# --- visits after today ------------------------------------------------------------------------------

def test_visits_after_today_are_rejected(tiny: Path, tmp_path: Path, cli: Cli) -> None:
    today, tomorrow = date.today(), date.today() + timedelta(days=1)
    f = tmp_path / "a.csv"
    f.write_text("Datum;Product;Postcode;Status\n"
                 + "".join(f"{d:%d-%m-%Y};Paspoort;9991AA;Afgerond\n" for d in (date(2024, 1, 3), today, tomorrow)),
                 "utf-8")
    code, out, err = cli("add", "visits", f, "-m", _mapping(tmp_path), "-w", tiny, "--max-rejected", "50")
    assert code == 0, err
    assert "aanvaard 2 + afgewezen 1 (reden: datum na vandaag: 1)" in out
    assert f"Periode: 2024-01-03 t/m {today.isoformat()}." in out  # the rejected date is not in the period
    assert f"rij 4, kolom 'Datum': '{tomorrow:%d-%m-%Y}' (datum na vandaag)" in out
    with Workspace(tiny, read_only=True) as w:
        assert str(w.con.execute("SELECT max(event_date) FROM events").fetchone()[0]) == today.isoformat()
    # Over the limit (1 of 3 rows is 33%), the whole file is refused.
    f2 = tmp_path / "b.csv"
    f2.write_text(f.read_text("utf-8").replace("03-01-2024", "02-01-2024"), "utf-8")
    _fails(cli("add", "visits", f2, "-m", _mapping(tmp_path), "-w", tiny), "datum na vandaag")
