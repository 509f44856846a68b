"""Outputs are inert and reproducible (issue 13, points 2, 7 and the output paths of 5).

- A name from the input that a spreadsheet would run (`=HYPERLINK(...)`, `+`, `-`, `@`, tab, CR) is a text
  cell in every XLSX and has a leading `'` in every CSV; numbers, negative ones too, are left alone.
- A name with Rich markup (`[/]`, `[bold]`) or a terminal escape (ESC) is shown literally in the terminal:
  no crash, no escape sequence sent (ESC is shown as U+241B).
- The same command twice on an unchanged workspace writes the same CSV bytes (two processes), and the
  order of the rows of a desk export does not change the usage figures.
- An output path that cannot be written is a user error naming the path, before any work is done.

The workspace is a copy of the demo (CBS, synthetic desk logs, survey) with a district file and a points
file whose names are hostile; the exports and terminal tables run in two worker processes side by side,
each running its commands one after another in itself (`_worker`); the other commands run as separate
processes of the venv's `wijkloket`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import queue
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

Cli = Callable[..., tuple[int, str, str]]
WIJKLOKET = str(Path(sys.executable).with_name("wijkloket"))
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HYPERLINK = '=HYPERLINK("http://x","x")'
ESC_NAME = "\x1b[31mred"
DISTRICT_NAMES = {"Centrum": "[/]", "Zuid-West": HYPERLINK, "Noord": ESC_NAME, "Oost": "-Oost",
                  "Schalkwijk": "@Schalk"}
POINT_NAMES = [HYPERLINK, "[/]", ESC_NAME, "@SUM(1)", "-2+3", "+31 6", "[bold]vet[/bold]", "[link=http://x]x[/link]"]
CSV_COMMANDS = {
    "profile": ["profile", "--level", "all"], "usage": ["usage", "--level", "all"],
    "issuances": ["issuances", "--level", "all"], "access": ["access", "--level", "all"],
    "options": ["plan", "options"], "locate": ["plan", "locate"], "underuse": ["underuse", "--level", "all"],
    "forecast": ["forecast"], "sources": ["sources"], "monitor": ["survey", "monitor"],
    "results": ["survey", "results", "--by", "district"]}
XLSX_COMMANDS = {k: v for k, v in CSV_COMMANDS.items() if k != "sources"}
TABLE_COMMANDS = {"profile": ["profile", "--level", "district"], "usage": ["usage", "--level", "district"],
                  "access": ["access", "--level", "district"], "locate": ["plan", "locate"],
                  "underuse": ["underuse"], "forecast": ["forecast"], "sources": ["sources"]}
REPRODUCIBLE = ("profile", "usage", "access", "locate", "underuse", "forecast")


def run(*args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
    """`wijkloket ARGS` in its own process, as a user runs it (no terminal; 200 columns)."""
    env = {**os.environ, "COLUMNS": "200", "PYTHONWARNINGS": "ignore"}
    return subprocess.run([WIJKLOKET, *map(str, args)], capture_output=True, text=True, env=env, check=False)


def _hostile_inputs(folder: Path, data: Path, fixtures: Path) -> tuple[Path, Path]:
    with (data / "haarlem" / "stadsdelen_2024.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["district"] = DISTRICT_NAMES[r["district"]]
    districts = folder / "hostile_districts.csv"
    with districts.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with (fixtures / "points_haarlem.csv").open(encoding="utf-8", newline="") as fh:
        points_rows = list(csv.DictReader(fh))
    for r, name in zip(points_rows, POINT_NAMES, strict=False):
        r["name"] = name
    points = folder / "hostile_points.csv"
    with points.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(points_rows[0]))
        w.writeheader()
        w.writerows(points_rows)
    return districts, points


# A worker: reads jobs (JSON lines: [name, arguments]) from its standard input and runs each as
# `wijkloket ARGS` in itself (`run_in_process`), one after another; answers each with a JSON line
# [name, code, stdout, stderr] on its own standard output.
WORKER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from fixtures.processes import run_in_process
answer = sys.stdout
for line in sys.stdin:
    name, args = json.loads(line)
    answer.write(json.dumps([name, *run_in_process(*args)]) + "\\n")
    answer.flush()
"""
Jobs = dict[str, list[str | os.PathLike[str]]]


def _worker(own: Jobs, shared: queue.Queue[tuple[str, list[str | os.PathLike[str]]]]
            ) -> dict[str, subprocess.CompletedProcess[str]]:
    """One new process of the venv's Python (no terminal; 200 columns, as `run`): first its own jobs, then
    jobs from the shared queue until it is empty."""
    env = {**os.environ, "COLUMNS": "200", "PYTHONWARNINGS": "ignore"}
    errors = tempfile.TemporaryFile("w+", encoding="utf-8")  # not a pipe: nobody reads it while jobs run
    proc = subprocess.Popen([sys.executable, "-c", WORKER, str(Path(__file__).parents[1])], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=errors, text=True, env=env)
    assert proc.stdin is not None and proc.stdout is not None
    done: dict[str, subprocess.CompletedProcess[str]] = {}

    def jobs() -> Iterator[tuple[str, list[str | os.PathLike[str]]]]:
        yield from own.items()
        while True:
            try:
                yield shared.get_nowait()
            except queue.Empty:
                return

    try:
        for name, args in jobs():
            proc.stdin.write(json.dumps([name, [str(a) for a in args]]) + "\n")
            proc.stdin.flush()
            answer = proc.stdout.readline()
            if not answer:
                errors.seek(0)
                raise AssertionError(f"{name}: the worker stopped: {errors.read()[-3000:]}")
            _, code, out, err = json.loads(answer)
            done[name] = subprocess.CompletedProcess(args, code, out, err)
    finally:
        proc.stdin.close()
        proc.wait(timeout=120)
        errors.close()
    return done


def _run_all(own: tuple[Jobs, Jobs], shared: Jobs) -> dict[str, subprocess.CompletedProcess[str]]:
    """Two worker processes side by side: each runs its own jobs first (what must run in two different
    processes), then takes jobs from the shared ones until none are left."""
    todo: queue.Queue[tuple[str, list[str | os.PathLike[str]]]] = queue.Queue()
    for item in shared.items():
        todo.put(item)
    with ThreadPoolExecutor(2) as pool:
        done = [pool.submit(_worker, jobs, todo) for jobs in own]
    return {name: res for f in done for name, res in f.result().items()}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, demo_ws: Path, data: Path) -> Iterator[dict[str, object]]:
    """The demo with hostile district and point names, every CSV and XLSX export written twice (CSV) or once
    (XLSX, the report's workbook, plan locate's GeoPackage with its CSV), and the terminal tables."""
    root = tmp_path_factory.mktemp("hostile")
    ws = root / "ws"
    shutil.copytree(demo_ws, ws)
    districts, points = _hostile_inputs(root, data, Path(__file__).parents[1] / "fixtures")
    for kind, file in (("districts", districts), ("points", points)):
        added = run("add", kind, file, "-w", ws)
        assert added.returncode == 0, added.stderr
    out1, out2, xlsx = root / "run1", root / "run2", root / "xlsx"
    # Two worker processes; the CSVs of REPRODUCIBLE are written first in each (run1 in one, run2 in the
    # other), so the byte comparison is between two fresh processes; the rest is shared out.
    first: Jobs = {}
    second: Jobs = {}
    shared: Jobs = {}
    for name, args in CSV_COMMANDS.items():
        (first if name in REPRODUCIBLE else shared)[f"csv1_{name}"] = [
            *args, "--format", "csv", "-o", out1 / f"{name}.csv", "-w", ws]
    for name in reversed(REPRODUCIBLE):
        second[f"csv2_{name}"] = [*CSV_COMMANDS[name], "--format", "csv", "-o", out2 / f"{name}.csv", "-w", ws]
    shared["xlsx_report"] = ["report", "--format", "xlsx", "-o", xlsx / "report", "-w", ws]
    for name, args in XLSX_COMMANDS.items():
        shared[f"xlsx_{name}"] = [*args, "--format", "xlsx", "-o", xlsx / f"{name}.xlsx", "-w", ws]
    shared["gpkg_locate"] = ["plan", "locate", "--format", "gpkg", "-o", root / "gpkg" / "locate.gpkg", "-w", ws]
    for name, args in TABLE_COMMANDS.items():
        shared[f"table_{name}"] = [*args, "-w", ws]
    results = _run_all((first, second), shared)
    yield {"ws": ws, "run1": out1, "run2": out2, "xlsx": xlsx, "gpkg": root / "gpkg", "results": results}


def _ok(hostile: dict[str, object], job: str) -> subprocess.CompletedProcess[str]:
    results: dict[str, subprocess.CompletedProcess[str]] = hostile["results"]  # type: ignore[assignment]
    res = results[job]
    assert res.returncode == 0, f"{job}: {res.stderr[-2000:]}"
    assert "Traceback" not in res.stderr
    return res


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv_fields(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [f for row in csv.reader(fh) for f in row]


def _assert_csv_inert(path: Path) -> list[str]:
    fields = _csv_fields(path)
    live = [f for f in fields if f.startswith(FORMULA_START) and not _is_number(f)]
    assert live == [], f"{path.name}: cells a spreadsheet would run: {live[:5]}"
    return fields


@pytest.mark.parametrize("name", sorted(CSV_COMMANDS))
def test_csv_exports_prefix_every_formula_like_text(hostile: dict[str, object], name: str) -> None:
    _ok(hostile, f"csv1_{name}")
    _assert_csv_inert(Path(str(hostile["run1"])) / f"{name}.csv")


def test_hostile_names_reach_the_csvs_prefixed(hostile: dict[str, object]) -> None:
    """The names are there (so the check above had something to check), with the apostrophe."""
    run1 = Path(str(hostile["run1"]))
    profile = _csv_fields(run1 / "profile.csv")
    assert "'" + HYPERLINK in profile and "'-Oost" in profile and "'@Schalk" in profile
    assert "[/]" in profile and ESC_NAME in profile  # not formulas: written as they are
    for name in ("usage", "access", "underuse", "forecast"):
        assert "'" + HYPERLINK in _csv_fields(run1 / f"{name}.csv"), name


def test_negative_numbers_stay_numbers_and_negative_names_get_the_prefix() -> None:
    from wijkloket.report.exports import csv_text

    frame = pd.DataFrame({"area_name": ["-Oost", "=1+1", "+31", "@x", "\tTab", "\rCR", "Noord", "-3.5"],
                          "value": [-3.5, -0.25, 1.0, -12.0, 0.0, 2.5, -1e-3, 7.0]})
    rows = list(csv.reader(io.StringIO(csv_text(frame), newline="")))
    assert rows[1:] == [["'-Oost", "-3.5"], ["'=1+1", "-0.25"], ["'+31", "1.0"], ["'@x", "-12.0"],
                        ["'\tTab", "0.0"], ["'\rCR", "2.5"], ["Noord", "-0.001"], ["'-3.5", "7.0"]]


def test_plan_locate_gpkg_writes_an_inert_csv_beside_it(hostile: dict[str, object]) -> None:
    _ok(hostile, "gpkg_locate")
    _assert_csv_inert(Path(str(hostile["gpkg"])) / "locate.csv")


def _xlsx_cells(path: Path) -> list[openpyxl.cell.cell.Cell]:
    book = openpyxl.load_workbook(path)
    return [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]


@pytest.mark.parametrize("name", [*sorted(XLSX_COMMANDS), "report"])
def test_xlsx_exports_hold_text_as_text_never_a_formula(hostile: dict[str, object], name: str) -> None:
    _ok(hostile, f"xlsx_{name}")
    xlsx = Path(str(hostile["xlsx"]))
    path = xlsx / "report" / "report.xlsx" if name == "report" else xlsx / f"{name}.xlsx"
    cells = _xlsx_cells(path)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    for c in cells:
        if isinstance(c.value, str) and c.value.startswith("="):
            assert c.data_type == "s"
        assert c.hyperlink is None
    if name not in ("options", "monitor", "results"):  # those show no district or point name
        found = {c.value for c in cells if c.data_type == "s"}
        assert HYPERLINK in found, f"{name}: the hostile district name is not in the workbook"


def test_the_terminal_shows_markup_and_escapes_literally(hostile: dict[str, object]) -> None:
    for name in TABLE_COMMANDS:
        res = _ok(hostile, f"table_{name}")
        assert "\x1b" not in res.stdout + res.stderr, name
    profile = _ok(hostile, "table_profile").stdout
    assert "[/]" in profile and HYPERLINK in profile and "\u241b[31mred" in profile
    locate = _ok(hostile, "table_locate").stdout
    assert "[bold]vet[/bold]" in locate or "[/]" in locate or "\u241b[31mred" in locate


def test_visible_replaces_every_control_character_but_the_line_break() -> None:
    from wijkloket.cli.common import visible

    assert visible("a\x1b[31mb\rc\td\x07e\x00\x7f\x9b\u202eZ\nf") == "a␛[31mb␍c␉d␇e␀␡\\x9b\\u202eZ\nf"
    assert visible("Stadsdeel [/] Noord") == "Stadsdeel [/] Noord"


def test_errors_show_a_file_name_with_escapes_literally(cli: Cli, ws: Path, tmp_path: Path) -> None:
    code, out, err = cli("add", "points", tmp_path / "\x1b[2Jgone[/].csv", "-w", ws)
    assert code == 2 and "Traceback" not in err
    assert "\x1b" not in err and "\u241b[2Jgone[/].csv" in err


@pytest.mark.parametrize("name", REPRODUCIBLE)
def test_the_same_command_twice_writes_the_same_bytes(hostile: dict[str, object], name: str) -> None:
    _ok(hostile, f"csv1_{name}")
    _ok(hostile, f"csv2_{name}")
    first = (Path(str(hostile["run1"])) / f"{name}.csv").read_bytes()
    second = (Path(str(hostile["run2"])) / f"{name}.csv").read_bytes()
    assert first == second


def test_published_floats_are_cut_to_twelve_digits() -> None:
    """Sums of the same figures in another order differ in the 15th-17th digit: both publish the same."""
    from wijkloket.report.exports import csv_text

    a = (0.1 + 0.2) + 0.3  # 0.6000000000000001 in one order,
    b = 0.1 + (0.2 + 0.3)  # 0.6 in the other
    assert a != b
    frame = pd.DataFrame({"v": [a, b, -0.0, 1140.0, float("nan")], "n": [1, 2, 3, 4, 5]})
    assert csv_text(frame).splitlines() == ["v,n", "0.6,1", "0.6,2", "0.0,3", "1140.0,4", ",5"]


def test_shuffled_desk_export_gives_the_same_usage(haarlem_ws: Path, demo_ws: Path, tmp_path: Path) -> None:
    """The same 40,000 visits in another row order: the same usage CSV, byte for byte."""
    synth = demo_ws / "synthetisch"
    lines = (synth / "afspraken_GM0392_2019_2025.csv").read_text("cp1252").splitlines()
    header, body = lines[0], [line for line in lines[1:] if line][:40_000]
    shuffled = body[:]
    random.Random(13).shuffle(shuffled)
    outputs = []
    for name, rows in (("ordered", body), ("shuffled", shuffled)):
        ws = tmp_path / name
        shutil.copytree(haarlem_ws, ws)
        export = tmp_path / f"{name}_afspraken.csv"
        export.write_text("\n".join([header, *rows]) + "\n", "cp1252")
        assert run("add", "postcodes", synth / "pc6hnr_GM0392_synthetisch.csv", "-w", ws).returncode == 0
        added = run("add", "visits", export, "--mapping", synth / "jcc.toml", "-w", ws)
        assert added.returncode == 0, added.stderr
        used = run("usage", "--level", "all", "--format", "csv", "-o", tmp_path / f"{name}.csv", "-w", ws)
        assert used.returncode == 0, used.stderr
        outputs.append((tmp_path / f"{name}.csv").read_bytes())
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) > 500  # figures, not an empty table


# Output paths: the error names the path and the fix, before any work is done (exit 2, no traceback).

def test_output_in_a_path_through_a_file(cli: Cli, haarlem_ws: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file", "utf-8")
    for fmt in ("csv", "xlsx", "gpkg"):
        code, out, err = cli("profile", "--format", fmt, "-o", blocker / "sub" / f"p.{fmt}", "-w", haarlem_ws)
        assert code == 2 and "Traceback" not in err
        assert f"{blocker} is een bestand, geen map" in err and "Oplossing" in err, err


def test_output_that_is_a_folder(cli: Cli, haarlem_ws: Path, tmp_path: Path) -> None:
    code, out, err = cli("profile", "--format", "csv", "-o", tmp_path, "-w", haarlem_ws)
    assert code == 2 and "Traceback" not in err
    assert f"{tmp_path} is een map" in err and "Oplossing: geef een bestandsnaam" in err


def test_report_folder_that_is_a_file(cli: Cli, haarlem_ws: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "report.out"
    blocker.write_text("a file", "utf-8")
    for fmt in ("html", "xlsx", "pdf"):
        code, out, err = cli("report", "--format", fmt, "-o", blocker, "-w", haarlem_ws, "--lang", "en")
        assert code == 2 and "Traceback" not in err
        assert f"{blocker} is a file; a folder is needed here" in err and "Fix" in err, err


def test_output_folder_without_write_permission(cli: Cli, haarlem_ws: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Read-only folders cannot be made for root (which the tests may run as): the permission check is
    made to say no for that one folder."""
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access

    def access(path: object, mode: int, **kw: object) -> bool:
        if Path(str(path)) == locked and mode & os.W_OK:
            return False
        return real_access(path, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", access)
    for args in (["profile", "--format", "csv", "-o", locked / "p.csv"], ["report", "-o", locked / "r"],
                 ["report", "-o", locked, "--format", "xlsx"]):
        code, out, err = cli(*args, "-w", haarlem_ws)
        assert code == 2 and "Traceback" not in err
        assert f"in de map {locked} mag u niet schrijven" in err, err
    assert list(locked.iterdir()) == []


def test_missing_output_folders_are_made(cli: Cli, haarlem_ws: Path, tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "profiel.csv"
    code, out, err = cli("profile", "--format", "csv", "-o", target, "-w", haarlem_ws)
    assert code == 0, err
    assert target.read_text("utf-8").startswith("level,")


def test_a_full_disk_while_writing_names_the_file(cli: Cli, haarlem_ws: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    target = tmp_path / "profiel.csv"

    def full(self: Path, *args: object, **kw: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_text", full)
    code, out, err = cli("profile", "--format", "csv", "-o", target, "-w", haarlem_ws)
    assert code == 2 and "Traceback" not in err
    assert str(target) in err and "de schijf is vol" in err


def test_rejected_row_file_is_inert(cli: Cli, fixtures: Path, tmp_path: Path) -> None:
    """The tiny export with formula-like locations and products: the rejected rows' file prefixes them."""
    ws = tmp_path / "tiny"
    assert cli("init", ws, "--gemeente", "GM9999")[0] == 0
    assert cli("add", "cbs", fixtures / "tiny_kwb_2018.csv", "-w", ws)[0] == 0
    assert cli("add", "postcodes", fixtures / "tiny_postcodes.csv", "-w", ws)[0] == 0
    text = (fixtures / "tiny_afspraken_2023_2024.csv").read_text("cp1252")
    hostile = [HYPERLINK, "@SUM(1)", "+31", "-Hal"]
    lines = text.splitlines()
    out_lines = [lines[0]]
    for i, line in enumerate(lines[1:]):
        cells = line.split(";")
        cells[5] = hostile[i % len(hostile)]  # Locatie
        if cells[3] == "Onbekend":
            cells[3] = "=1+1"  # an unknown product, rejected with its value
        out_lines.append(";".join(cells))
    export = tmp_path / "hostile_afspraken.csv"
    export.write_text("\n".join(out_lines) + "\n", "cp1252")
    code, out, err = cli("add", "visits", export, "--mapping", fixtures / "tiny_jcc.toml", "--max-rejected", "100",
                         "-w", ws)
    assert code == 0, err
    rejected = ws / "afgewezen" / "hostile_afspraken_afgewezen.csv"
    with rejected.open(encoding="cp1252", newline="") as fh:
        fields = [f for row in csv.reader(fh, delimiter=";") for f in row]
    assert [f for f in fields if f.startswith(FORMULA_START) and not _is_number(f)] == []
    assert "'=1+1" in fields


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_a_workbook_on_a_full_disk_leaves_no_traceback(haarlem_ws: Path) -> None:
    """A full disk while a workbook is written: the guard's message, and no 'Exception ignored' traceback
    printed later by the interpreter for a zip file left open (workbooks are zipped in memory first)."""
    run = subprocess.run([WIJKLOKET, "profile", "--format", "xlsx", "-o", "/dev/full", "-w", str(haarlem_ws)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 2, run.stderr
    assert "schijf is vol" in run.stderr and "Traceback" not in run.stderr and "Exception" not in run.stderr
