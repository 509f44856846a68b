"""Issue 13, helper A: the store keeps its own fingerprint key (a copy without hidden files keeps finding
duplicates), every way a store can be unusable has its own message (missing, cut short, damaged, held by
another process, not accessible, disk full at commit), every add stays all-or-nothing, a file that would
replace a table with far fewer rows or without its map asks for --replace, and postcode rows pointing at
areas the workspace does not have are rejected with their reason."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import numpy as np
import pytest
from fixtures.processes import held

from wijkloket.config import STORE_FILE
from wijkloket.store.workspace import SECRET_FILE, Workspace

Cli = Callable[..., tuple[int, str, str]]
LOG = "tiny_afspraken_2023_2024.csv"
# Opens the store read-write, says so, and holds it until its stdin is closed.
ENGINE_WORDS = ("IO Error", "DuckDB", "Traceback", "Conflicting lock", "checksum")




@pytest.fixture
def with_visits(tiny: Path, fixtures: Path, cli: Cli) -> Path:
    code, out, err = cli("add", "visits", fixtures / LOG, "-m", fixtures / "tiny_jcc.toml", "-w", tiny,
                         "--max-rejected", "50")
    assert code == 0, err
    assert "Rijen gelezen 11 = aanvaard 6" in out
    return tiny


def _second_export(fixtures: Path, folder: Path) -> Path:
    """Rows 1, 2 and 7 of the first export (accepted there) plus one new visit (9992AB: BU99990202 only)."""
    src = (fixtures / LOG).read_bytes().decode("cp1252").splitlines()
    extra = "11;20-01-2024;13:00;Rijbewijs aanvragen;Afgerond;Stadhuis – hal;;;01-01-1980;9992AB;5;"
    path = folder / "afspraken_jan_2024.csv"
    path.write_bytes(("\r\n".join([src[0], src[1], src[2], src[7], extra]) + "\r\n").encode("cp1252"))
    return path


def _events_per_source(ws: Path) -> dict[int, tuple[int, float]]:
    con = duckdb.connect(str(ws / STORE_FILE), read_only=True)
    try:
        rows = con.execute("SELECT source_id, count(*), sum(weight) FROM events GROUP BY 1 ORDER BY 1").fetchall()
    finally:
        con.close()
    return {int(s): (int(n), float(w)) for s, n, w in rows}


def _copy_without_dotfiles(ws: Path, to: Path) -> Path:
    shutil.copytree(ws, to, ignore=shutil.ignore_patterns(".*"))
    return to


def _as_version_2(ws: Path, key_file: bool) -> str:
    """Turn the store into one made before migration 3: no key in the store; the key in `.wijkloket-secret`
    beside it (as that release kept it) when `key_file`."""
    con = duckdb.connect(str(ws / STORE_FILE))
    key = str(con.execute("SELECT key FROM fingerprint_key").fetchall()[0][0])
    con.execute("DROP TABLE fingerprint_key")
    con.execute("DELETE FROM schema_migrations WHERE version = 3")
    con.close()
    if key_file:
        (ws / SECRET_FILE).write_text(key, "utf-8")
    return key


def _clean(text: str) -> None:
    for word in ENGINE_WORDS:
        assert word not in text, (word, text)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- point 1: the fingerprint key lives in the store --------------------------------------------------------

def test_copy_without_dotfiles_finds_the_duplicates(with_visits: Path, fixtures: Path, tmp_path: Path,
                                                     cli: Cli) -> None:
    assert not (with_visits / SECRET_FILE).exists()  # nothing outside the store holds the key
    copy = _copy_without_dotfiles(with_visits, tmp_path / "kopie")
    before = _events_per_source(copy)
    code, out, err = cli("add", "visits", _second_export(fixtures, tmp_path), "-m", fixtures / "tiny_jcc.toml",
                         "-w", copy)
    assert code == 0, err
    # 4 rows: 3 read before, 1 new; the message says so truthfully.
    assert "Rijen gelezen 4 = aanvaard 1 + afgewezen 3 (reden: al eerder ingelezen: 3)" in out
    assert "3 rijen waren al ingelezen en zijn niet dubbel geteld" in out
    after = _events_per_source(copy)
    new = set(after) - set(before)
    assert {k: after[k] for k in before} == before and len(new) == 1
    assert after[new.pop()] == (1, 1.0)  # one visit, wholly in BU99990202


def test_an_old_key_file_is_taken_over_by_the_migration(with_visits: Path, fixtures: Path, tmp_path: Path,
                                                        cli: Cli) -> None:
    key = _as_version_2(with_visits, key_file=True)
    with Workspace(with_visits, read_only=True):  # opening upgrades the store
        pass
    con = duckdb.connect(str(with_visits / STORE_FILE), read_only=True)
    assert con.execute("SELECT key, origin FROM fingerprint_key").fetchall() == [(key, SECRET_FILE)]
    con.close()
    assert not (with_visits / SECRET_FILE).exists()
    # The old fingerprints stay valid, also in a copy without hidden files.
    copy = _copy_without_dotfiles(with_visits, tmp_path / "kopie")
    code, out, err = cli("add", "visits", _second_export(fixtures, tmp_path), "-m", fixtures / "tiny_jcc.toml",
                         "-w", copy)
    assert code == 0, err
    assert "al eerder ingelezen: 3" in out


@pytest.mark.parametrize("key_file", ["absent", "empty"])
def test_events_without_their_key_stop_the_import(with_visits: Path, fixtures: Path, tmp_path: Path, cli: Cli,
                                                   key_file: str) -> None:
    key = _as_version_2(with_visits, key_file=False)
    copy = _copy_without_dotfiles(with_visits, tmp_path / "kopie")
    if key_file == "empty":  # what a full disk left behind in the old release
        (copy / SECRET_FILE).write_text("", "utf-8")
    before = _events_per_source(copy)
    second = _second_export(fixtures, tmp_path)
    for lang, words in (("nl", "zet het verborgen bestand .wijkloket-secret"), ("en", "put the hidden file")):
        code, _, err = cli("add", "visits", second, "-m", fixtures / "tiny_jcc.toml", "-w", copy, "--lang", lang)
        assert code == 2 and words in err and str(copy) in err, err
        _clean(err)
    assert _events_per_source(copy) == before
    # With the key file back, the import runs and finds the three rows read before.
    (copy / SECRET_FILE).write_text(key + "\n", "utf-8")
    code, out, err = cli("add", "visits", second, "-m", fixtures / "tiny_jcc.toml", "-w", copy)
    assert code == 0, err
    assert "al eerder ingelezen: 3" in out and not (copy / SECRET_FILE).exists()


def test_a_new_workspace_has_its_key_from_the_start(ws: Path) -> None:
    con = duckdb.connect(str(ws / STORE_FILE), read_only=True)
    rows = con.execute("SELECT key, origin FROM fingerprint_key").fetchall()
    con.close()
    assert len(rows) == 1 and rows[0][1] == "new" and len(rows[0][0]) == 64
    assert not (ws / SECRET_FILE).exists()


# -- point 6: store messages ---------------------------------------------------------------------------------

@pytest.mark.parametrize("keep", ["half", "5000_bytes"])
@pytest.mark.parametrize("command", [("sources",), ("usage",), ("add", "postcodes")])
def test_truncated_store(tiny: Path, fixtures: Path, cli: Cli, keep: str, command: tuple[str, ...]) -> None:
    store = tiny / STORE_FILE
    data = store.read_bytes()
    store.write_bytes(data[: len(data) // 2] if keep == "half" else data[:5000])
    before = _digest(store)
    args = [*command, fixtures / "tiny_postcodes.csv"] if command[0] == "add" else list(command)
    code, out, err = cli(*args, "-w", tiny)
    assert code == 2, err
    assert "onvolledig" in err and str(store) in err and "opnieuw en volledig" in err
    _clean(err)
    assert _digest(store) == before


def test_damaged_blocks_found_while_reading(tiny: Path, cli: Cli) -> None:
    # The headers are intact (the store opens), the data blocks fail their checksums when read.
    store = tiny / STORE_FILE
    data = bytearray(store.read_bytes())
    rng = np.random.default_rng(11)
    for start in range(3 * 4096 + 262144, len(data), 262144):
        data[start + 100:start + 400] = rng.bytes(300)
    store.write_bytes(bytes(data))
    for command in ("sources", "profile"):
        code, _, err = cli(command, "-w", tiny)
        assert code == 2, err
        assert "beschadigd" in err and str(store) in err and "reservekopie" in err
        _clean(err)


def test_missing_store(tiny: Path, cli: Cli) -> None:
    (tiny / STORE_FILE).unlink()
    code, _, err = cli("sources", "-w", tiny, "--lang", "en")
    assert code == 2 and "has no database" in err and str(tiny / STORE_FILE) in err, err
    _clean(err)
    assert not (tiny / STORE_FILE).exists()  # reading made no new, empty store




def test_store_held_by_another_process(tiny: Path, fixtures: Path, cli: Cli) -> None:
    with held(tiny / STORE_FILE) as holder:
        pid = holder.pid
        code, _, err_en = cli("sources", "-w", tiny, "--lang", "en")
        code_nl, _, err_nl = cli("add", "postcodes", fixtures / "tiny_postcodes.csv", "-w", tiny)
    assert code == 2 and code_nl == 2
    assert "in use by another wijkloket command" in err_en and f"PID {pid}" in err_en and "wait until" in err_en
    assert "in gebruik door een ander wijkloket-commando" in err_nl and f"PID {pid}" in err_nl
    for text in (err_en, err_nl):
        _clean(text)
    assert cli("sources", "-w", tiny)[0] == 0  # free again


SETPRIV = shutil.which("setpriv")


def _without_override(args: list[str], tmp: Path) -> subprocess.CompletedProcess[str]:
    """Run wijkloket in a process that file permissions apply to: as root, without the capabilities
    that let root read and write any file (util-linux setpriv)."""
    cmd = [sys.executable, "-c", "from wijkloket.cli import main; main()", *args]
    if os.geteuid() == 0:
        assert SETPRIV is not None
        cmd = [SETPRIV, "--bounding-set", "-dac_override,-dac_read_search", *cmd]
    env = {**os.environ, "WIJKLOKET_LOG_DIR": str(tmp / "logs")}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, check=False)


@pytest.mark.skipif(os.geteuid() == 0 and SETPRIV is None, reason="root without setpriv ignores file permissions")
def test_store_without_permission(ws: Path, fixtures: Path, tmp_path: Path) -> None:
    # A real refusal by the system, in a second process.
    store = ws / STORE_FILE
    before = _digest(store)
    try:
        store.chmod(0o000)  # may not even be read
        done = _without_override(["sources", "-w", str(ws)], tmp_path)
        assert done.returncode == 2, done.stderr
        assert "geen toegang tot" in done.stderr and str(store) in done.stderr, done.stderr
        _clean(done.stderr)
        store.chmod(0o444)  # may be read, not written
        done = _without_override(["add", "postcodes", str(fixtures / "tiny_postcodes.csv"), "-w", str(ws),
                                  "--lang", "en"], tmp_path)
        assert done.returncode == 2, done.stderr
        assert "no access to" in done.stderr and "read and write access" in done.stderr, done.stderr
        _clean(done.stderr)
    finally:
        store.chmod(0o644)
    assert _digest(store) == before


def _sources_and_postcodes(ws: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    con = duckdb.connect(str(ws / STORE_FILE), read_only=True)
    try:
        return (con.execute("SELECT source_id, kind, filename, sha256 FROM sources ORDER BY 1").fetchall(),
                con.execute("SELECT * FROM postcodes ORDER BY ALL").fetchall())
    finally:
        con.close()


def test_disk_full_at_commit(tiny: Path, fixtures: Path, tmp_path: Path, cli: Cli,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    before = _sources_and_postcodes(tiny)
    # DuckDB 2.0's own words when the WAL cannot be written at COMMIT (seen on a full tmpfs).
    message = (f'TransactionContext Error: Failed to commit: Could not write file "{tiny / STORE_FILE}.wal": '
               "No space left on device")

    def full(self: Workspace) -> None:
        raise duckdb.TransactionException(message)

    monkeypatch.setattr(Workspace, "_commit", full)
    bigger = tmp_path / "postcodes.csv"
    bigger.write_text("postcode,area_code,addresses\n9991AA,BU99990101,20\n9991AB,BU99990102,10\n"
                      "9992AA,BU99990201,30\n9992AB,BU99990202,5\n9992AC,BU99990202,5\n9991AC,BU99990101,3\n",
                      "utf-8")
    for args in (("add", "postcodes", bigger), ("add", "visits", fixtures / LOG, "-m", fixtures / "tiny_jcc.toml",
                                                "--max-rejected", "50")):
        code, _, err = cli(*args, "-w", tiny)
        assert code == 2, err
        assert "schijf van werkmap" in err and str(tiny) in err and "Er is niets opgeslagen" in err, err
        _clean(err)
    monkeypatch.undo()
    assert _sources_and_postcodes(tiny) == before  # all or nothing
    assert _events_per_source(tiny) == {}


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "klein"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mnt)], capture_output=True,
                          check=False)
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_disk_really_full(small_disk: Path, fixtures: Path, tmp_path: Path, cli: Cli) -> None:
    ws = small_disk / "ws"
    assert cli("init", ws, "--gemeente", "GM9999")[0] == 0
    assert cli("add", "cbs", fixtures / "tiny_kwb_2018.csv", "-w", ws)[0] == 0
    big = tmp_path / "veel_postcodes.csv"
    with big.open("w", encoding="utf-8") as f:
        f.write("postcode,area_code,addresses\n")
        for i in range(20_000):
            f.write(f"{1000 + i // 20:04d}{chr(65 + i % 20)}{chr(66 + i % 7)},BU9999{i % 2 + 1:02d}01,{i % 30 + 1}\n")
    free = shutil.disk_usage(small_disk).free
    (small_disk / "vol").write_bytes(b"\0" * free)
    try:
        code, _, err = cli("add", "postcodes", big, "-w", ws)
    finally:
        (small_disk / "vol").unlink()
    assert code == 2, err
    assert "schijf van werkmap" in err and "Er is niets opgeslagen" in err, err
    _clean(err)
    code, out, _ = cli("sources", "-w", ws, "--format", "csv")
    assert code == 0 and "veel_postcodes" not in out
    code, out, err = cli("add", "postcodes", big, "-w", ws)  # with room again it goes in
    assert code == 0, err


# -- point 4 (part): replacing a table with a few rows, postcodes of areas the workspace lacks ---------------

def _postcode_file(path: Path, n: int) -> Path:
    # n distinct PC6 in PC4 9991, alternately in the two buurten of WK999901.
    with path.open("w", encoding="utf-8") as f:
        f.write("postcode,area_code,addresses\n")
        for i in range(n):
            f.write(f"9991{chr(65 + i // 20)}{chr(65 + i % 20)},BU9999010{i % 2 + 1},10\n")
    return path


def _stored_postcode_rows(ws: Path) -> int:
    con = duckdb.connect(str(ws / STORE_FILE), read_only=True)
    try:
        return int(con.execute("SELECT count(*) FROM postcodes WHERE kind = 'pc6'").fetchall()[0][0])
    finally:
        con.close()


def test_a_few_rows_do_not_replace_a_postcode_table(tiny: Path, tmp_path: Path, cli: Cli) -> None:
    assert cli("add", "postcodes", _postcode_file(tmp_path / "alle.csv", 40), "-w", tiny, "--replace")[0] == 0
    assert _stored_postcode_rows(tiny) == 40
    code, _, err = cli("add", "postcodes", _postcode_file(tmp_path / "drie.csv", 3), "-w", tiny)
    assert code == 2, err
    assert "drie.csv zou alle.csv vervangen" in err and "3 in plaats van 40" in err and "--replace" in err
    assert _stored_postcode_rows(tiny) == 40
    # 19 of 40 is below half: refused; 20 is half: a release, replaced without asking.
    assert cli("add", "postcodes", _postcode_file(tmp_path / "negentien.csv", 19), "-w", tiny)[0] == 2
    code, out, err = cli("add", "postcodes", _postcode_file(tmp_path / "twintig.csv", 20), "-w", tiny)
    assert code == 0 and "Vervangen" in out, err
    assert _stored_postcode_rows(tiny) == 20
    code, out, err = cli("add", "postcodes", tmp_path / "drie.csv", "-w", tiny, "--replace", "--lang", "en")
    assert code == 0 and "Replaced" in out, err
    assert _stored_postcode_rows(tiny) == 3


def test_a_table_without_geometry_does_not_replace_the_map(haarlem_ws: Path, data: Path, cli: Cli) -> None:
    attributes = data / "cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer_attributes.csv"
    with attributes.open(encoding="utf-8") as f:
        haarlem = sum(1 for r in csv.DictReader(f) if r["gemeentecode"] == "GM0392")
    with Workspace(haarlem_ws, read_only=True) as w:
        assert len(w.geometry(2024)) > 0
        kept = w.geometry(2024)["area_code"].tolist()
    code, _, err = cli("add", "cbs", attributes, "-w", haarlem_ws)
    assert code == 2, err
    assert "geen kaartgeometrie" in err and "wijkenbuurten2024_wijken_haarlem_haarlemmermeer.gpkg" in err
    assert f"{haarlem} rijen zonder kaart" in err and "--replace" in err
    with Workspace(haarlem_ws, read_only=True) as w:
        assert w.geometry(2024)["area_code"].tolist() == kept
    code, out, err = cli("add", "cbs", attributes, "-w", haarlem_ws, "--replace")
    assert code == 0, err
    with Workspace(haarlem_ws, read_only=True) as w:
        assert w.geometry(2024) is None


def test_postcodes_of_areas_the_workspace_lacks(tiny: Path, tmp_path: Path, cli: Cli) -> None:
    # tiny_kwb_2018 has WK999901-02 and their buurten BU99990101-02, BU99990201-02.
    mixed = tmp_path / "gemengd.csv"
    mixed.write_text("postcode,area_code,addresses\n9991AA,BU99990101,20\n9991AC,BU99990999,20\n"
                     "9992AA,WK999977,5\n9992AB,BU99990201,5\n9992AC,WK999902,5\n", "utf-8")
    code, out, err = cli("add", "postcodes", mixed, "-w", tiny, "--replace")
    assert code == 0, err
    assert "Rijen gelezen 5 = aanvaard 3 + afgewezen 2 (reden: wijk of buurt niet in de werkmap: 2)" in out
    assert _stored_postcode_rows(tiny) == 3
    none = tmp_path / "vreemd.csv"
    none.write_text("postcode,area_code,addresses\n9991AC,BU99990999,20\n9992AA,WK999977,5\n", "utf-8")
    code, _, err = cli("add", "postcodes", none, "-w", tiny, "--replace")
    assert code == 2 and "BU99990999, WK999977" in err and "wijkloket add cbs" in err, err
    assert _stored_postcode_rows(tiny) == 3
