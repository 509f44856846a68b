"""`fetch cbs`: the Kerncijfers and the Wijk- en buurtkaart of one municipality and year from the internet
(CBS OData, PDOK OGC API), written as the files `add cbs` reads and, with a workspace, added to it.

Files go to `<workspace>/downloads/cbs/` (or the folder given); the HTTP cache to `<workspace>/.cache/fetch`,
or without a workspace to the user's cache folder, so a second fetch costs a 304 and `--offline` works from
what was fetched before.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wijkloket.config import check_gemeente_code, load_settings
from wijkloket.errors import WijkloketError
from wijkloket.indicators.registry import Registry
from wijkloket.sources import cbs_odata, pdok
from wijkloket.sources.cbs_odata import SchemaReport
from wijkloket.sources.http import FetchClient
from wijkloket.usecases import ingest, open_workspace

DOWNLOADS = Path("downloads") / "cbs"
WORKSPACE_CACHE = Path(".cache") / "fetch"
LEVELS = cbs_odata.LEVELS
Progress = Callable[[str, int, "int | None"], None]


@dataclass
class FetchedFile:
    """One written file: what it is (`kerncijfers`, `kaart`), its rows, the pages they took, its schema."""

    kind: str
    path: Path
    rows: int
    pages: int
    schema: SchemaReport


@dataclass
class FetchResult:
    gemeente: str
    year: int
    level: str
    table_id: str
    folder: Path
    files: list[FetchedFile] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)  # requests, from_cache, retries (the client's)
    codes_missing: list[str] = field(default_factory=list)  # regions of the table without a data row
    kaart_skipped: bool = False  # no PDOK OGC API for this year
    added: list[tuple[ingest.AddReport, Path]] = field(default_factory=list)
    modified: str = ""  # the table's TableInfos `Modified`: its version


def user_cache_dir() -> Path:
    """The user's cache folder for wijkloket (platformdirs when installed, else `~/.cache/wijkloket`)."""
    try:
        import platformdirs
    except ImportError:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "wijkloket"
    else:
        base = Path(platformdirs.user_cache_dir("wijkloket", appauthor=False))
    return base / "fetch"


def latest_year() -> int:
    return max(cbs_odata.tables())


def _target(workspace: Path | None, gemeente: str | None, out_dir: Path | None, add: bool
            ) -> tuple[str, Path, Path]:
    """(municipality, download folder, cache folder), checked before anything is fetched."""
    if workspace is None:
        if out_dir is None or add:
            raise WijkloketError("error.fetch_needs_target")
        if gemeente is None:
            raise WijkloketError("error.fetch_needs_gemeente")
        return check_gemeente_code(gemeente), out_dir, user_cache_dir()
    settings = load_settings(workspace)  # a missing workspace is said before any request
    code = check_gemeente_code(gemeente) if gemeente is not None else settings.gemeente
    if add and code != settings.gemeente:
        raise WijkloketError("error.fetch_gemeente_mismatch", gemeente=code, workspace=str(workspace),
                             ws_gemeente=settings.gemeente)
    return code, out_dir if out_dir is not None else workspace / DOWNLOADS, workspace / WORKSPACE_CACHE


def fetch_files(client: FetchClient, gemeente: str, year: int, level: str, folder: Path, registry: Registry,
                result: FetchResult) -> None:
    """Fetch and write the Kerncijfers (DataProperties first) and, where PDOK has it, the kaart of `year`."""
    kwb = cbs_odata.fetch_kerncijfers(client, gemeente, year, level)
    result.table_id, result.modified = kwb.table.table_id, str(kwb.table_infos.get("Modified", ""))
    result.codes_missing = kwb.codes_missing
    csv_path = cbs_odata.write_kerncijfers(kwb, folder)
    odata_schema = cbs_odata.schema_report("odata", year, cbs_odata.topic_keys(kwb.properties), registry)
    if kwb.table.kaart != "ogc":
        result.kaart_skipped = True
    else:
        kaart = pdok.fetch_kaart(client, gemeente, year, level)
        kaart_path = pdok.write_kaart(kaart, folder)
        # the registry's kaart rows also cover other kaart-like files (camelCase downloads, PC4): no "missing"
        kaart_schema = cbs_odata.schema_report("kaart", year, kaart.property_names(), registry, complete=False)
        result.files.append(FetchedFile("kaart", kaart_path, kaart.n_features, kaart.pages, kaart_schema))
    result.files.append(FetchedFile("kerncijfers", csv_path, len(kwb.rows), kwb.pages, odata_schema))


def fetch_cbs(workspace: Path | None, gemeente: str | None, year: int | None, level: str, out_dir: Path | None,
              add: bool, offline: bool, progress: Progress | None = None, *, registry: Registry,
              cache_dir: Path | None = None, client: FetchClient | None = None) -> FetchResult:
    """Fetch, write and (with `add` and a workspace) add the CBS files of `gemeente` and `year` (default: the
    municipality of the workspace and the latest year in `data/cbs_tables.csv`) at `level` (wijk or buurt).

    Without a workspace `out_dir` is required and nothing is added. The kaart is added before the Kerncijfers,
    as the demo does; every add goes through `ingest.add_cbs`, so the same file again changes nothing."""
    cbs_odata.check_level(level)
    year = latest_year() if year is None else year
    table = cbs_odata.table_for(year)
    code, folder, cache = _target(workspace, gemeente, out_dir, add)
    result = FetchResult(code, year, level, table.table_id, folder)
    own = client is None
    http = client if client is not None else FetchClient(cache_dir or cache, offline=offline, progress=progress)
    try:
        fetch_files(http, code, year, level, folder, registry, result)
    finally:
        if own:
            http.close()
    result.stats = dict(http.stats)
    if add and workspace is not None:
        with open_workspace(workspace, write=True) as ws:
            for f in result.files:
                result.added.append((ingest.add_cbs(ws, f.path, registry, year=year), f.path))
    return result

