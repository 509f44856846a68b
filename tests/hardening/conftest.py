"""Fixtures of the hardening tests (issue 13): `ws`, a new empty Haarlem workspace made with `wijkloket init`;
`tiny`, the hand-made municipality GM9999 (the root `tiny_ws`); `logs`, the guard's crash-log folder of one test."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli.conftest import ws


@pytest.fixture
def tiny(tiny_ws: Path) -> Path:
    return tiny_ws


@pytest.fixture
def logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "logs"
    monkeypatch.setenv("WIJKLOKET_LOG_DIR", str(folder))
    monkeypatch.delenv("WIJKLOKET_DEBUG", raising=False)
    return folder


__all__ = ["logs", "tiny", "ws"]
