"""Shared fixtures: where the real public data lives, and a way to run the CLI in-process."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from wijkloket.config import data_dir

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def data() -> Path:
    """The shared real data (../shared/data or $WIJKLOKET_DATA). Its absence is a set-up error."""
    path = data_dir()
    assert (path / "cbs").is_dir(), f"real data not found at {path}; set WIJKLOKET_DATA"
    return path


@pytest.fixture(scope="session", autouse=True)
def crash_logs(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Crash logs of the command line's guard (cli/errors.py) go to the session's temporary folder."""
    with pytest.MonkeyPatch.context() as mp:
        if not os.environ.get("WIJKLOKET_LOG_DIR"):
            mp.setenv("WIJKLOKET_LOG_DIR", str(tmp_path_factory.getbasetemp() / "crash-logs"))
        yield


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
        ) -> Callable[..., tuple[int, str, str]]:
    """Run `wijkloket ARGS...` in this process; returns (exit code, stdout, stderr)."""
    from wijkloket import cli as cli_module

    def run(*args: str | os.PathLike[str]) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["wijkloket", *map(str, args)])
        monkeypatch.setenv("COLUMNS", "200")
        code = 0
        try:
            cli_module.main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def haarlem_ws(tmp_path: Path, data: Path, cli: Callable[..., tuple[int, str, str]]) -> Path:
    """A Haarlem workspace with the 2024 kaart, the national Kerncijfers and the district file."""
    ws = tmp_path / "haarlem"
    assert cli("init", ws, "--gemeente", "GM0392")[0] == 0
    for f in ("cbs/wijkenbuurten2024_wijken_haarlem_haarlemmermeer.gpkg",
              "cbs/kwb2024_gemeente_wijk_basis.csv"):
        assert cli("add", "cbs", data / f, "--workspace", ws)[0] == 0
    assert cli("add", "districts", data / "haarlem/stadsdelen_2024.csv", "--workspace", ws)[0] == 0
    return ws


@pytest.fixture
def tiny_ws(tmp_path: Path, fixtures: Path, cli: Callable[..., tuple[int, str, str]]) -> Path:
    """The hand-made municipality GM9999 (tests/fixtures/tiny_*): CBS 2018, districts and postcodes
    (9991AA, 9991AB, 9992AA, 9992AB)."""
    ws = tmp_path / "tiny"
    assert cli("init", ws, "--gemeente", "GM9999")[0] == 0
    assert cli("add", "cbs", fixtures / "tiny_kwb_2018.csv", "-w", ws)[0] == 0
    assert cli("add", "districts", fixtures / "tiny_districts_wijk.csv", "-w", ws)[0] == 0
    code, _, err = cli("add", "postcodes", fixtures / "tiny_postcodes.csv", "-w", ws)
    assert code == 0, err
    return ws


def built_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], dict[str, Any]]
               ) -> dict[str, Any]:
    """Build something expensive ONCE per test session, shared by all xdist workers: the first
    worker runs `build(folder)` under a file lock and records what it returns (JSON); the others
    wait for it and read the record. Treat the folder as read-only (copy it to change it)."""
    from filelock import FileLock

    # xdist gives each worker its own base folder inside the session's; without xdist the base
    # folder is the session's own (its parent is shared by every session and must not be used).
    root = factory.getbasetemp().parent if os.environ.get("PYTEST_XDIST_WORKER") else factory.getbasetemp()
    record = root / f"{name}.json"
    with FileLock(str(root / f"{name}.lock")):
        if not record.exists():
            record.write_text(json.dumps(build(root / name)), "utf-8")
    result: dict[str, Any] = json.loads(record.read_text("utf-8"))
    return result


@pytest.fixture(scope="session")
def once(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, Callable[[Path], dict[str, Any]]], dict[str, Any]]:
    """`once(name, build)`: see `built_once`."""
    return lambda name, build: built_once(tmp_path_factory, name, build)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory, data: Path) -> dict[str, Any]:
    """`wijkloket demo` run once through the command line (in this process): its folder, exit
    code, standard output and error. The workspace is Haarlem with CBS data, districts, synthetic
    desk exports and service points, and the report."""
    from fixtures.processes import run_in_process

    def build(folder: Path) -> dict[str, Any]:
        code, out, err = run_in_process("demo", folder)
        return {"folder": str(folder), "code": code, "out": out, "err": err}

    return built_once(tmp_path_factory, "shared-demo", build)


@pytest.fixture(scope="session")
def demo_ws(demo_run: dict[str, Any]) -> Path:
    """The demo workspace (see `demo_run`); read-only: copy it with `shutil.copytree` to change it."""
    assert demo_run["code"] == 0, demo_run["err"]
    return Path(demo_run["folder"])
