"""Fixtures of the CLI tests: `ws`, a new empty workspace for Haarlem made with `wijkloket init` (a test module
that needs another workspace defines its own `ws`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def ws(tmp_path: Path, cli: Callable[..., tuple[int, str, str]]) -> Path:
    folder = tmp_path / "ws"
    assert cli("init", folder, "--gemeente", "GM0392")[0] == 0
    return folder
