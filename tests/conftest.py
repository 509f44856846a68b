"""Shared fixtures: where the real public data lives, and a way to run the CLI in-process."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from wijkloket.config import data_dir

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def data() -> Path:
    """The shared real data (../shared/data or $WIJKLOKET_DATA). Its absence is a set-up error."""
    path = data_dir()
    assert (path / "cbs").is_dir(), f"real data not found at {path}; set WIJKLOKET_DATA"
    return path


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


@pytest.fixture(scope="session")
def demo_ws(tmp_path_factory: pytest.TempPathFactory, data: Path) -> Path:
    """The demo workspace (Haarlem: CBS data, districts, synthetic desk exports and service points,
    the report), built ONCE per test session and shared by all xdist workers: the first worker
    builds it under a file lock, the others wait and reuse it. Treat it as read-only; copy it with
    `shutil.copytree` to change it."""
    from filelock import FileLock

    from wijkloket.indicators.registry import load_registry
    from wijkloket.usecases.demo import run_demo

    root = tmp_path_factory.getbasetemp().parent  # shared by the workers of this session
    folder = root / "shared-demo"
    done = root / "shared-demo.done"
    with FileLock(str(root / "shared-demo.lock")):
        if not done.exists():
            run_demo(folder, "GM0392", "nl", load_registry(), data)
            done.write_text("ok", "utf-8")
    return folder
