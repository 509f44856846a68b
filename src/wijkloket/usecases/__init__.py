"""What a user can ask for, shared by every door (CLI, web, report).

Each function takes a workspace (or a folder) and explicit arguments and returns result objects:
tables plus their metadata (year, synthetic, coverage). Nothing here prints, exits or reads
settings beyond the workspace it is handed; SQL stays in `store/`. An `Analysis` computes each
result once per call and hands it to whoever needs it (the report, the demo).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from wijkloket.store.workspace import Workspace


@contextmanager
def open_workspace(folder: Path, write: bool = False) -> Iterator[Workspace]:
    """The workspace in `folder`: read-only unless `write`; closed afterwards."""
    with Workspace(folder, read_only=not write) as ws:  # its exit names a damaged or full store
        yield ws
