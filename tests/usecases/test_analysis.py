"""One report computes each result once: the district profile, accessibility and desk use."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from wijkloket.indicators.registry import load_registry
from wijkloket.usecases import access, desk, open_workspace, profile
from wijkloket.usecases.analysis import Analysis
from wijkloket.usecases.report import write_report


def test_one_report_computes_each_result_once(demo_ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    calls: Counter[str] = Counter()

    def counting(module: Any, name: str) -> None:
        real = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counting(profile, "district_profile")
    counting(access, "accessibility")
    counting(desk, "desk_use")
    with open_workspace(demo_ws) as ws:
        an = Analysis(ws, load_registry())
        path = write_report(ws, an.registry, tmp_path / "out", "nl", analysis=an)
        # asking again after the report computes nothing new
        an.profile(), an.access(), an.desk("visit"), an.locate(1), an.options()
    assert path.exists()
    assert calls == {"district_profile": 1, "accessibility": 1, "desk_use": 2}  # visits and issuances
    assert an.computed == {"profile": 1, "inventory": 1, "desk_visit": 1, "desk_issuance": 1, "access": 1,
                           "options": 1, "locate": 1, "underuse": 1, "forecast": 1}


def test_read_paths_leave_the_store_unchanged(demo_ws: Path) -> None:
    store = demo_ws / "wijkloket.duckdb"
    before = store.stat().st_mtime_ns, store.read_bytes()
    with open_workspace(demo_ws) as ws:
        Analysis(ws, load_registry()).access(mode="walk")
    assert (store.stat().st_mtime_ns, store.read_bytes()) == before
