"""Scenario files for `plan options`: the built-in `data/scenarios.toml` or a user's own copy,
checked when loaded (rules as data)."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from wijkloket.errors import WijkloketError
from wijkloket.sources.files import check_file

OPTION_KINDS = ("desk", "mobile", "home_visits", "library_hours", "visibility")


def load_scenarios(path: Path | None) -> dict[str, Any]:
    """The scenarios as a dict (`assumptions`, `option` list); a user's file is checked first."""
    if path is None:
        return tomllib.loads(resources.files("wijkloket.data").joinpath("scenarios.toml").read_text("utf-8"))
    check_file(path)
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise WijkloketError("error.toml_invalid", file=str(path), detail=str(exc)) from None
    for i, opt in enumerate(raw.get("option", []), start=1):
        if opt.get("kind") not in OPTION_KINDS:
            raise WijkloketError("error.scenario_kind", file=str(path), n=i, kind=opt.get("kind"),
                                 known=", ".join(sorted(OPTION_KINDS)))
    return raw
