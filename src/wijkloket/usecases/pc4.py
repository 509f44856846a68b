"""Adding CBS PC4 statistics: spread to the workspace's wijken or buurten with a stated crosswalk.

The spread figures are stored as estimates on the areas of the workspace year whose indeling the
crosswalk targets (a PC4 2022 table through a PC4 2020 x wijk 2024 crosswalk lands on the 2024
wijken); the PC4 year, the crosswalk and its weights are kept as the method in the source's report.
Adding the same table with the same crosswalk again changes nothing; another crosswalk replaces it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from wijkloket.errors import InputFileError, WorkspaceError
from wijkloket.sources.files import check_file, sha256
from wijkloket.sources.pc4 import Pc4Result, header_columns, is_pc4_table, read_crosswalk, read_pc4
from wijkloket.store.workspace import AddOutcome, Workspace


def is_pc4_file(path: Path) -> bool:
    """Whether `path` is a CBS PC4 statistics table (CSV with a postcode column and PC4 measures)."""
    return is_pc4_table(header_columns(path))


def target_year(ws: Workspace, targets: set[str]) -> tuple[int, list[str]]:
    """The newest workspace year holding all the crosswalk's target areas (else the one holding the most),
    and the targets that year lacks."""
    best: tuple[int, set[str]] | None = None
    for year in reversed(ws.years()):
        have = targets & set(ws.areas(year).index)
        if have == targets:
            return year, []
        if have and (best is None or len(have) > len(best[1])):
            best = (year, have)
    if best is None:
        raise WorkspaceError("error.pc4_no_areas", folder=str(ws.folder), areas=", ".join(sorted(targets)[:5]),
                             years=", ".join(map(str, ws.years())) or "-")
    return best[0], sorted(targets - best[1])


def add_pc4(ws: Workspace, path: Path, crosswalk: Path | None, year: int | None = None,
            encoding: str | None = None, replace: bool = False) -> tuple[AddOutcome, Pc4Result]:
    """Read a PC4 table, spread it to the workspace's areas with `crosswalk`, store it as estimates
    (`replace`: see `Workspace.add_ingest`)."""
    check_file(path)
    if crosswalk is None:
        raise InputFileError("error.pc4_needs_crosswalk", file=str(path))
    check_file(crosswalk)
    cw = read_crosswalk(crosswalk)
    mine = cw.table[cw.table["area_code"].str.slice(2, 6) == ws.gemeente[2:6]]
    area_year, unknown = target_year(ws, set(mine["area_code"]))
    result = read_pc4(path, ws.gemeente, cw, area_year, year=year, encoding=encoding)
    if unknown:
        result.warnings.append("pc4_areas_unknown:" + ", ".join(unknown))
    # The fingerprint covers the table, the crosswalk and the sliver threshold: the same table spread
    # with another crosswalk is another source (it replaces the old one: same kind, dataset and year).
    digest = hashlib.sha256(f"{sha256(path)}:{sha256(crosswalk)}:{cw.min_share}".encode()).hexdigest()
    return ws.add_ingest(result, path, digest, replace=replace), result
