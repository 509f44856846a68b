"""CBS statistics per four-digit postcode (PC4), spread to wijken and buurten with a crosswalk.

PC4 areas do not follow wijk or buurt boundaries, so a PC4 figure reaches an area only through a
crosswalk that says which share of each PC4 lies in it (area or address weights). Counts are
spread as they are: count(area) = sum over PC4 of weight(pc4, area) x count(pc4). A percentage is
spread as the count it implies, share x base / 100 (CBS publishes the PC4 share, not its count),
so the area's share is recomputed from the spread counts and never averaged. Every spread figure
is an estimate (status `estimate`), with its method kept beside it in the store.

Column layout and sentinels: `data/pc4.toml` (columns) and `data/cbs.toml` (sentinels -99995, ...).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wijkloket.areas.codes import gemeente_codes, levels_of, normalise_code
from wijkloket.errors import InputFileError
from wijkloket.sources.base import REJECTION_COLUMNS, IngestResult
from wijkloket.sources.cbs import parse_numbers
from wijkloket.sources.files import read_csv_text

PUBLISHER = "CBS"
KIND = "cbs_pc4"
DATASET = "Kerncijfers per postcode (PC4)"
PC4_REJECT_REASONS = ("invalid_code", "duplicate_code", "not_in_crosswalk")
"""Why a row of a PC4 table is not kept: no PC4, the same PC4 twice, no piece in the municipality."""
MISSING_ORDER = ("suppressed", "not_available", "not_applicable", "invalid", "empty")
"""When PC4 figures behind an area are missing, the area's status is the first of these among them."""
_PC4 = re.compile(r"^[1-9]\d{3}$")


@lru_cache(maxsize=1)
def layout() -> dict[str, Any]:
    return tomllib.loads(resources.files("wijkloket.data").joinpath("pc4.toml").read_text("utf-8"))


def _first(columns: list[str], candidates: list[str]) -> str | None:
    lower = {c.lower(): c for c in columns}
    return next((lower[c.lower()] for c in candidates if c.lower() in lower), None)


def is_pc4_table(columns: list[str]) -> bool:
    """A PC4 statistics table: a postcode column, a PC4 measure, and no CBS area code column."""
    lay = layout()
    if _first(columns, lay["crosswalk"]["area"]) is not None:
        return False
    return _first(columns, lay["code"]) is not None and _first(columns, list(lay["columns"])) is not None


def header_columns(path: Path) -> list[str]:
    """The column names of a CSV's header line, read from its first 64 KiB only (for recognising a table
    before reading it whole); [] when it is not a text table."""
    if path.suffix.lower() not in (".csv", ".txt", ".tsv"):
        return []
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    text = head.decode("utf-8-sig", errors="replace") if head[:2] not in (b"\xff\xfe", b"\xfe\xff") else ""
    lines = text.splitlines()
    if not lines:
        return []
    sep = ";" if lines[0].count(";") > lines[0].count(",") else ","
    return [c.strip().strip('"').strip() for c in lines[0].split(sep)]


def pc4_year(path: Path, given: int | None = None) -> int:
    """The reference year: given, or the one year in the file name (`pc4_2022_...`)."""
    if given is not None:
        return given
    years = set(re.findall(r"(?<!\d)(?:19[89]\d|20\d\d)(?!\d)", path.name))
    if len(years) == 1:
        return int(years.pop())
    raise InputFileError("error.pc4_no_year", file=str(path))


@dataclass
class Crosswalk:
    """PC4 -> area weights as used (slivers dropped, renormalised per PC4) and where they come from."""

    table: pd.DataFrame  # pc4, area_code, name, weight (weights of one PC4 sum to 1)
    file: str
    weight_column: str
    min_share: float
    dropped: int  # pieces below min_share


def _crosswalk_columns(frame: pd.DataFrame, path: Path) -> tuple[str, str, str | None, str]:
    lay = layout()["crosswalk"]
    cols = list(frame.columns)
    pc4, area, weight = (_first(cols, lay[k]) for k in ("pc4", "area", "weight"))
    if pc4 is None or area is None or weight is None:
        missing = [k for k, c in (("pc4", pc4), ("area", area), ("weight", weight)) if c is None]
        raise InputFileError("error.pc4_crosswalk_columns", file=str(path), missing=", ".join(missing),
                             expected=" / ".join(lay["pc4"][:2] + lay["area"][:2] + lay["weight"][:2]),
                             found=", ".join(cols[:12]))
    return pc4, area, _first(cols, lay["name"]), weight


def read_crosswalk(path: Path, min_share: float | None = None) -> Crosswalk:
    """An area crosswalk (PC4, target code, weight per row; e.g. `pc4_2020_x_wijk_2024_area_crosswalk.csv`).
    A crosswalk with buurt codes spreads to buurten, one with wijk codes to wijken."""
    frame, _ = read_csv_text(path)
    pc4_col, area_col, name_col, weight_col = _crosswalk_columns(frame, path)
    pc4 = frame[pc4_col].astype(str).str.strip().str.zfill(4)
    area = frame[area_col].map(normalise_code)
    weight = pd.to_numeric(frame[weight_col].str.replace(",", ".", regex=False), errors="coerce")
    bad = ~pc4.str.match(_PC4) | levels_of(area).isna() | weight.isna() | (weight < 0) | (weight > 1)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputFileError("error.pc4_crosswalk_row", file=str(path), row=i + 2,
                             value=f"{pc4.iloc[i]}, {area.iloc[i]}, {frame[weight_col].iloc[i]}")
    min_share = float(layout()["crosswalk"]["min_share"] if min_share is None else min_share)
    table = pd.DataFrame({"pc4": pc4, "area_code": area, "weight": weight.astype("float64"),
                          "name": frame[name_col].str.strip() if name_col else ""})
    table = table.groupby(["pc4", "area_code"], as_index=False).agg(weight=("weight", "sum"), name=("name", "first"))
    keep = table["weight"] >= min_share
    table = table[keep].copy()
    table["weight"] = table["weight"] / table.groupby("pc4")["weight"].transform("sum")
    return Crosswalk(table.reset_index(drop=True), path.name, weight_col, min_share, int((~keep).sum()))


def read_pc4_table(path: Path, encoding: str | None = None) -> tuple[pd.DataFrame, str, str]:
    """The table as strings, its postcode column and the encoding used."""
    frame, used = read_csv_text(path, encoding)
    lay = layout()
    code_col = _first(list(frame.columns), lay["code"])
    if code_col is None or not is_pc4_table(list(frame.columns)):
        raise InputFileError("error.pc4_not_pc4", file=str(path), expected=", ".join(lay["code"]),
                             found=", ".join(list(frame.columns)[:12]))
    long_col = _first(list(frame.columns), lay["long_markers"])
    if long_col is not None:
        raise InputFileError("error.pc4_long_table", file=str(path), column=long_col)
    if frame.empty:
        raise InputFileError("error.file_no_rows", file=str(path))
    return frame, code_col, used


def _row_reasons(pc4: pd.Series, crosswalk: pd.DataFrame) -> pd.Series:
    reason = pd.Series("", index=pc4.index, dtype=object)
    reason[~pc4.str.match(_PC4)] = "invalid_code"
    reason[(reason == "") & pc4.duplicated(keep="first")] = "duplicate_code"
    reason[(reason == "") & ~pc4.isin(set(crosswalk["pc4"]))] = "not_in_crosswalk"
    return reason


def pc4_counts(frame: pd.DataFrame) -> tuple[dict[str, tuple[pd.Series, pd.Series]], dict[str, str]]:
    """Per canonical variable, the PC4 count to spread and its status (a percentage becomes the count
    it implies: share x base / 100, missing when either is), and column -> variable of what was read."""
    spec = layout()["columns"]
    cols = list(frame.columns)
    parsed: dict[str, tuple[pd.Series, pd.Series]] = {}
    mapping: dict[str, str] = {}
    for name, entry in spec.items():
        col = _first(cols, [name])
        if col is None or entry["variable"] in parsed:
            continue
        values, status = parse_numbers(frame[col])
        if entry["kind"] == "percent":
            base_col = _first(cols, [entry["base"]])
            if base_col is None:
                continue
            base, base_status = parse_numbers(frame[base_col])
            values = values * base / 100.0
            status = status.where(status != "ok", base_status)
        parsed[entry["variable"]] = (values, status)
        mapping[col] = entry["variable"]
    return parsed, mapping


def spread(pc4: pd.Series, counts: dict[str, tuple[pd.Series, pd.Series]], crosswalk: pd.DataFrame
           ) -> pd.DataFrame:
    """Area values (VALUE_COLUMNS) from PC4 counts: sum of weight x count per area, status `estimate`.
    An area any of whose PC4 pieces lacks the figure gets no value, with the missing figure's status
    (a PC4 of the crosswalk absent from the table counts as `empty`)."""
    frames = []
    for variable, (values, status) in counts.items():
        per_pc4 = pd.DataFrame({"pc4": pc4.to_numpy(), "v": values.to_numpy(), "s": status.to_numpy()})
        per_pc4 = per_pc4.drop_duplicates("pc4")
        pieces = crosswalk.merge(per_pc4, on="pc4", how="left")
        pieces["s"] = pieces["s"].fillna("empty")
        pieces["part"] = pieces["weight"] * pieces["v"]
        rank = {s: i for i, s in enumerate(MISSING_ORDER)}
        pieces["r"] = pieces["s"].map(rank).fillna(len(MISSING_ORDER))  # ok ranks after every missing status
        by = pieces.groupby("area_code", sort=True)
        out = pd.DataFrame({"value": by["part"].sum(min_count=1), "r": by["r"].min()})
        statuses = (*MISSING_ORDER, "estimate")
        out["status"] = [statuses[int(r)] for r in out["r"]]
        out.loc[out["status"] != "estimate", "value"] = np.nan
        frames.append(pd.DataFrame({"area_code": out.index, "variable": variable, "value": out["value"].to_numpy(),
                                    "status": out["status"].to_numpy()}))
    return pd.concat(frames, ignore_index=True)


@dataclass
class Pc4Result(IngestResult):
    """An IngestResult whose accepted rows are the PC4 rows kept (its areas are the crosswalk's targets)."""

    pc4_kept: int = 0

    @property
    def rows_accepted(self) -> int:
        return self.pc4_kept


def read_pc4(path: Path, gemeente: str, crosswalk: Crosswalk, area_year: int, year: int | None = None,
             encoding: str | None = None) -> Pc4Result:
    """Read a PC4 table and spread it to the areas of `gemeente` in `crosswalk`. The values are stored
    with `area_year`, the year of the wijk/buurt indeling the crosswalk targets; the PC4 reference year
    is in the dataset name and the method."""
    frame, code_col, used = read_pc4_table(path, encoding)
    ref_year = pc4_year(path, year)
    cw = crosswalk.table[gemeente_codes(crosswalk.table["area_code"]) == gemeente]
    if cw.empty:
        raise InputFileError("error.pc4_crosswalk_no_gemeente", file=crosswalk.file, gemeente=gemeente)
    pc4 = frame[code_col].astype(str).str.strip().str.zfill(4)
    reason = _row_reasons(pc4, cw)
    keep = reason == ""
    counts, mapping = pc4_counts(frame[keep])
    if not counts:
        raise InputFileError("error.pc4_no_variables", file=str(path),
                             expected=", ".join(list(layout()["columns"])[:6]))
    values = spread(pc4[keep], counts, cw)
    areas = cw.drop_duplicates("area_code").sort_values("area_code")
    areas = pd.DataFrame({"area_code": areas["area_code"].to_numpy(),
                          "level": levels_of(areas["area_code"]).to_numpy(), "name": areas["name"].to_numpy(),
                          "gemeente_code": gemeente, "gemeente_name": ""})
    rows = pd.Series(np.arange(len(frame)) + 2, index=frame.index)
    rejections = pd.DataFrame({"row_number": rows[~keep].to_numpy(), "column_name": code_col,
                               "value": pc4[~keep].to_numpy(), "reason": reason[~keep].to_numpy()},
                              columns=REJECTION_COLUMNS)
    absent = sorted(set(cw["pc4"]) - set(pc4[keep]))
    method = {"estimate": "spread_from_pc4", "pc4_year": ref_year, "area_year": area_year,
              "crosswalk": crosswalk.file, "weights": crosswalk.weight_column, "min_share": crosswalk.min_share,
              "slivers_dropped": crosswalk.dropped, "pc4_used": sorted(set(pc4[keep])),
              "pc4_absent": absent, "percent_as_count": [c for c, v in mapping.items()
                                                         if layout()["columns"][c.lower()]["kind"] == "percent"]}
    return Pc4Result(
        kind=KIND, dataset=f"{DATASET} {ref_year}", publisher=PUBLISHER, year=area_year, areas=areas,
        values=values, rows_read=len(frame), rejections=rejections, privacy="open", columns_mapped=mapping,
        columns_ignored=[c for c in frame.columns if c not in mapping and c != code_col],
        warnings=["pc4_absent:" + ", ".join(absent)] if absent else [], encoding=used, method=method,
        pc4_kept=int(keep.sum()),
    )
