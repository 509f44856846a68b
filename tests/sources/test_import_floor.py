"""Desk logs read in chunks (issue 14): encodings decided on the whole file without holding it, errors
that name the line and byte far into the file, and the file's hash equal to hashlib's."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from wijkloket.errors import InputFileError
from wijkloket.sources.files import CHUNK, detect_encoding, has_c1, sha256, transcode
from wijkloket.store.workspace import Workspace

Cli = Callable[..., tuple[int, str, str]]
HEADER = "Datum afspraak;Tijd;Product;Status;Locatie;Postcode;Huisnr\r\n"
ROW = "03-01-2024;09:15;Paspoort aanvragen;Afgerond;Stadhuis;9991AA;12\r\n"
SPECIAL = "03-01-2024;09:25;Paspoort aanvragen;Afgerond;Stadhuis € – hal;9991AB;3\r\n"
MAPPING = """[file]
{encoding}delimiter = ";"
date_format = "%d-%m-%Y"
[columns]
date = "Datum afspraak"
time = "Tijd"
product = "Product"
postcode = "Postcode"
house_number = "Huisnr"
status = "Status"
location = "Locatie"
"""


def _rows(n: int) -> str:
    # distinct house numbers: no duplicates
    return "".join(ROW.replace(";12\r\n", f";{i}\r\n") for i in range(n))


def _big_log(tmp_path: Path, encoding: str, declared: str | None) -> tuple[Path, Path, int]:
    """A log whose first rows (more than 1 MB, more than one read chunk) are plain ASCII and whose last
    row holds € and an en dash. Returns (log, mapping, rows)."""
    n = CHUNK // len(ROW) + 1000
    log = tmp_path / "afspraken.csv"
    log.write_bytes((HEADER + _rows(n) + SPECIAL).encode(encoding))
    assert log.stat().st_size > max(CHUNK, 1 << 20)
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING.format(encoding=f'encoding = "{declared}"\n' if declared else ""), "utf-8")
    return log, mapping, n + 1


def _locations(ws: Path) -> dict[str, int]:
    with Workspace(ws, read_only=True) as w:
        rows = w.con.execute("SELECT location, round(sum(weight)) FROM events GROUP BY 1").fetchall()
    return {str(r[0]): int(r[1]) for r in rows}


@pytest.mark.parametrize("declared", [None, "windows-1252"])
def test_cp1252_euro_beyond_first_mb(tiny_ws: Path, tmp_path: Path, cli: Cli, declared: str | None) -> None:
    log, mapping, n = _big_log(tmp_path, "cp1252", declared)
    code, out, err = cli("add", "visits", log, "-m", mapping, "-w", tiny_ws)
    assert code == 0, err
    assert _locations(tiny_ws) == {"Stadhuis": n - 1, "Stadhuis € – hal": 1}
    assert not list((tiny_ws / ".tmp").glob("*")), "the transcoded copy is removed"


def test_utf16_file(tiny_ws: Path, tmp_path: Path, cli: Cli) -> None:
    log, mapping, n = _big_log(tmp_path, "utf-16", None)
    code, out, err = cli("add", "visits", log, "-m", mapping, "-w", tiny_ws)
    assert code == 0, err
    assert _locations(tiny_ws) == {"Stadhuis": n - 1, "Stadhuis € – hal": 1}
    assert not list((tiny_ws / ".tmp").glob("*"))


@pytest.mark.parametrize("declared", [None, "utf-8"])
def test_bad_byte_beyond_first_mb_names_line(tiny_ws: Path, tmp_path: Path, cli: Cli, declared: str | None
                                             ) -> None:
    n = CHUNK // len(ROW) + 1000
    log = tmp_path / "afspraken.csv"
    # UTF-8 text with one byte that is neither UTF-8 nor Windows-1252 text (0x81 is unassigned there),
    # on line 1 (header) + n + 1.
    log.write_bytes((HEADER + _rows(n)).encode("utf-8") + b"03-01-2024;09:25;Paspoort;Afgerond;St\x81;9991AB;3\r\n")
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING.format(encoding=f'encoding = "{declared}"\n' if declared else ""), "utf-8")
    code, out, err = cli("add", "visits", log, "-m", mapping, "-w", tiny_ws)
    assert code == 2 and "Traceback" not in err
    assert f"{n + 2:,}".replace(",", ".") in err or str(n + 2) in err, err
    assert "0x81" in err, err
    with Workspace(tiny_ws, read_only=True) as w:
        assert w.con.execute("SELECT count(*) FROM events").fetchone() == (0,)


def test_detect_encoding_in_chunks(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    ascii_part = b"a;b\n" * (CHUNK // 4 + 10)
    f.write_bytes(ascii_part + "é".encode())
    assert detect_encoding(f) == "utf-8" and not has_c1(f)
    f.write_bytes(ascii_part + "é€".encode("cp1252"))
    assert detect_encoding(f) == "cp1252" and has_c1(f)
    f.write_bytes(ascii_part + b"\x00\xe9")
    with pytest.raises(InputFileError) as info:
        detect_encoding(f)
    assert info.value.params["line"] == CHUNK // 4 + 11 and info.value.params["byte"] == "0xe9"
    # a multi-byte character cut by the chunk border still decodes
    f.write_bytes(b"x" * (CHUNK - 1) + "€".encode())
    assert detect_encoding(f) == "utf-8"
    out = tmp_path / "y.csv"
    f.write_bytes(("a\n" * CHUNK + "€").encode("utf-16"))
    transcode(f, "utf-16", out)
    assert out.read_bytes() == ("a\n" * CHUNK + "€").encode("utf-8")


def test_sha256_equals_hashlib(tmp_path: Path) -> None:
    f = tmp_path / "x.bin"
    data = bytes(range(256)) * (3 * CHUNK // 256 + 7)
    f.write_bytes(data)
    assert sha256(f) == hashlib.sha256(data).hexdigest()
    f.write_bytes(b"")
    assert sha256(f) == hashlib.sha256(b"").hexdigest()
