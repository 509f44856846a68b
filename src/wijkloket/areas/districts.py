"""A municipality's own districts (stadsdelen), read from its own file.

CSV with columns `area_code,district` (extra columns allowed; `district_code` and `area_name` are
used when present). `area_code` holds wijk or buurt codes. Every area of the municipality at that
level must be in the file exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from wijkloket.areas.codes import level_of, normalise_code
from wijkloket.errors import DistrictFileError, InputFileError
from wijkloket.sources.files import read_csv_text

REQUIRED = ("area_code", "district")


def read_district_file(path: Path, encoding: str | None = None) -> pd.DataFrame:
    """The file as a table: `row_number`, `area_code`, `district`, `district_code`, `area_name`."""
    frame, _ = read_csv_text(path, encoding)
    cols = {c.strip().lower(): c for c in frame.columns}
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        raise InputFileError(
            "error.missing_columns", file=str(path), missing=", ".join(missing),
            found=", ".join(frame.columns), expected=", ".join(REQUIRED),
        )
    if frame.empty:
        raise InputFileError("error.file_no_rows", file=str(path))
    out = pd.DataFrame(
        {
            "row_number": range(2, len(frame) + 2),
            "area_code": frame[cols["area_code"]].map(normalise_code),
            "district": frame[cols["district"]].astype(str).str.strip(),
            "district_code": (
                frame[cols["district_code"]].astype(str).str.strip()
                if "district_code" in cols else ""
            ),
            "area_name": (
                frame[cols["area_name"]].astype(str).str.strip() if "area_name" in cols else ""
            ),
        }
    )
    empty = out[out["district"] == ""]
    if len(empty):
        raise InputFileError(
            "error.district_empty_name", file=str(path),
            rows=", ".join(map(str, empty["row_number"].head(10))),
        )
    return out


def validate_districts(
    table: pd.DataFrame, gemeente: str, area_codes: Iterable[str], path: str, year: int
) -> pd.DataFrame:
    """Check that `table` covers the municipality's areas exactly once; give district codes.

    `area_codes`: the municipality's codes in the data (wijk and/or buurt codes) for `year`.
    Returns `area_code`, `district_code`, `district`, `area_name`.
    """
    codes = set(area_codes)
    levels = {lv for c in table["area_code"] if (lv := level_of(c))}
    if len(levels) > 1:
        raise DistrictFileError("error.district_mixed_levels", file=path,
                                levels=", ".join(sorted(levels)))
    level = levels.pop() if levels else "wijk"
    expected = {c for c in codes if level_of(c) == level}
    if not expected and level == "wijk":  # buurt-only data: wijk codes follow from buurt codes
        expected = {"WK" + c[2:8] for c in codes if level_of(c) == "buurt"}
    problems: dict[str, tuple[int, Any]] = {}
    unknown = table[~table["area_code"].isin(expected)]
    if len(unknown):
        items = [{"_key": "error.code_at_rows", "code": c, "rows": r}
                 for c, r in zip(unknown["area_code"], unknown["row_number"], strict=True)]
        problems["unknown"] = (len(items), items[:10])
    dups = table[table["area_code"].duplicated(keep=False) & table["area_code"].isin(expected)]
    if len(dups):
        grouped = dups.groupby("area_code")["row_number"].apply(lambda r: "/".join(map(str, r)))
        items = [{"_key": "error.code_at_rows", "code": c, "rows": rows} for c, rows in grouped.items()]
        problems["duplicate"] = (len(items), items[:10])
    missing = sorted(expected - set(table["area_code"]))
    if missing:
        problems["missing"] = (len(missing), ", ".join(missing[:10]))
    if problems:
        counts = {kind: problems.get(kind, (0, "-")) for kind in ("unknown", "duplicate", "missing")}
        raise DistrictFileError(
            "error.district_coverage", file=path, gemeente=gemeente, year=year, level=level,
            unknown=counts["unknown"][0], unknown_list=counts["unknown"][1],
            duplicate=counts["duplicate"][0], duplicate_list=counts["duplicate"][1],
            missing=counts["missing"][0], missing_list=counts["missing"][1],
        )
    out = table[["area_code", "district", "district_code", "area_name"]].copy()
    if (out["district_code"] == "").any():
        names = sorted(out["district"].unique())
        gen = {n: f"DS{gemeente[2:6]}{i:02d}" for i, n in enumerate(names, start=1)}
        out["district_code"] = out["district_code"].where(out["district_code"] != "",
                                                          out["district"].map(gen))
    return out.reset_index(drop=True)
