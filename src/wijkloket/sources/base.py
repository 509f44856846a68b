"""What every adapter returns: canonical tables plus an ingest report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

VALUE_COLUMNS = ["area_code", "variable", "value", "status"]
AREA_COLUMNS = ["area_code", "level", "name", "gemeente_code"]
REJECTION_COLUMNS = ["row_number", "column_name", "value", "reason"]
VALUE_STATUSES = ("ok", "estimate", "empty", "invalid", "suppressed", "not_available", "not_applicable")
"""Why a cell has (no) figure: known, estimated (e.g. spread from PC4 with a crosswalk, the method in the
source's report), empty, unreadable, or a CBS sentinel / StatLine symbol's meaning."""
PRIVACY_CLASSES = ("open", "internal", "personal")
AREA_REJECT_REASONS = ("invalid_code", "other_gemeente", "duplicate_code")
"""Why a row of an area table is not kept."""


@dataclass
class IngestResult:
    """A source read and validated, ready for the store.

    `areas`: AREA_COLUMNS; `values`: VALUE_COLUMNS (long; `value` NaN where `status` is not ok);
    `rejections`: REJECTION_COLUMNS, one row per rejected input row; `geometry`: GeoDataFrame with
    `area_code` and geometry in EPSG:28992, or None.
    """

    kind: str
    dataset: str
    publisher: str
    year: int
    areas: pd.DataFrame
    values: pd.DataFrame
    rows_read: int
    rejections: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=REJECTION_COLUMNS)
    )
    geometry: Any = None
    privacy: str = "open"
    synthetic: bool = False
    columns_mapped: dict[str, str] = field(default_factory=dict)
    columns_ignored: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encoding: str | None = None
    method: dict[str, Any] | None = None  # how `estimate` values were made (kept in the source's report)

    @property
    def rows_accepted(self) -> int:
        return int(len(self.areas))

    @property
    def rows_rejected(self) -> int:
        return int(self.rejections["row_number"].nunique()) if len(self.rejections) else 0
