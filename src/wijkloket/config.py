"""Workspace settings (`wijkloket.toml`) and data locations. Loaded at the edges (CLI, web) only."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from wijkloket.errors import ConfigError, WorkspaceError

SETTINGS_FILE = "wijkloket.toml"
STORE_FILE = "wijkloket.duckdb"
_GM = re.compile(r"^GM\d{4}$")


@dataclass(frozen=True)
class Settings:
    gemeente: str
    name: str
    lang: str = "nl"
    min_base: int | None = None  # [report] min_base: residents below which the key message leaves an area out

    def to_toml(self) -> str:
        return (
            "# wijkloket workspace settings\n[workspace]\n"
            f'gemeente = "{self.gemeente}"\nname = "{self.name}"\nlang = "{self.lang}"\n'
        )


def check_gemeente_code(code: str) -> str:
    norm = code.strip().upper()
    if not _GM.match(norm):
        raise ConfigError("error.bad_gemeente_code", code=code)
    return norm


def load_settings(folder: Path) -> Settings:
    path = folder / SETTINGS_FILE
    if not folder.is_dir() or not path.exists():
        raise WorkspaceError("error.workspace_missing", folder=str(folder))
    try:
        doc = tomllib.loads(path.read_text("utf-8"))
        raw = doc["workspace"]
        min_base = doc.get("report", {}).get("min_base")
        if min_base is not None and (not isinstance(min_base, int) or isinstance(min_base, bool) or min_base < 0):
            raise TypeError(f"[report] min_base = {min_base!r} is not a whole number of 0 or more")
        return Settings(
            gemeente=check_gemeente_code(raw["gemeente"]),
            name=str(raw.get("name", folder.name)),
            lang=str(raw.get("lang", "nl")),
            min_base=min_base,
        )
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise ConfigError("error.settings_invalid", file=str(path), detail=str(exc)) from None


def data_dir() -> Path:
    """Where the shared public data lives: `$WIJKLOKET_DATA`, else `../shared/data` beside the
    repository (found from this file), else relative to the working directory."""
    env = os.environ.get("WIJKLOKET_DATA")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[2]
    for cand in (repo.parent / "shared" / "data", Path.cwd().parent / "shared" / "data",
                 Path("../shared/data")):
        if cand.is_dir():
            return cand
    return repo.parent / "shared" / "data"
