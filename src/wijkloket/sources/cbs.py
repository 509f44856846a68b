"""CBS sources as CBS publishes them.

- Wijk- en buurtkaart: GeoPackage, GeoJSON, or its attribute table as CSV (PDOK attribute names
  such as `aantalInwoners`, or the older shapefile names such as `AANT_INW`).
- Kerncijfers wijken en buurten in OData naming (`Codering_3`, `AantalInwoners_5`, ...), as CSV or as
  TypedDataSet JSON (`{"value": [...]}` or the bare list); the 2013 table names its areas `RegioS`.
  Keys are matched by stem (CBS renumbers the `_NN` suffix); key-shaped columns that the registry does
  not know are reported in the add summary (a changed schema is reported, never silently dropped).
- StatLine CSV exports ("CSV met statistische symbolen": BOM, `;`, quoted, padded, `.` symbols).

Sentinel numbers (-99995, ...) and StatLine symbols (`.`, ...) become missing values with a status
that says why, never numbers. Column names are mapped to canonical variables through the variable
registry (`data/variables.csv`).
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wijkloket.areas.codes import gemeente_codes, levels_of, normalise_code
from wijkloket.areas.levels import RD_NEW
from wijkloket.errors import InputFileError, UnknownAreaError
from wijkloket.indicators.registry import Registry, Resolution, key_stem
from wijkloket.sources.base import REJECTION_COLUMNS, IngestResult
from wijkloket.sources.files import check_file, read_csv_text

PUBLISHER = "CBS"
DATASETS = {
    "kaart": "Wijk- en buurtkaart",
    "odata": "Kerncijfers wijken en buurten",
    "statline": "StatLine-export",
}
WARNINGS = ("invalid_cells", "implausible_values", "unknown_keys", "ambiguous_keys", "stem_other_year")
"""The kinds of warning `read_cbs` gives (the add summary shows `cli.warn_<kind>`)."""
MAX_LISTED = 25
"""At most this many keys are named in one warning; the rest are counted (all are in the source's report)."""


@lru_cache(maxsize=1)
def layout() -> dict[str, Any]:
    return tomllib.loads(resources.files("wijkloket.data").joinpath("cbs.toml").read_text("utf-8"))


def parse_numbers(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Values (float, NaN when missing) and a status per cell: ok, empty, invalid, or the
    meaning of a CBS sentinel or StatLine symbol (suppressed, not_available, not_applicable)."""
    lay = layout()
    sentinels = {float(k): v for k, v in lay["sentinels"].items()}
    status = pd.Series("ok", index=raw.index, dtype=object)
    if pd.api.types.is_numeric_dtype(raw):
        values = raw.astype("float64")
        status[values.isna()] = "empty"
    else:
        s = raw.astype(str).str.strip()
        empty = s.isin(["", "nan", "None"])
        status[empty] = "empty"
        for sym, meaning in lay["symbols"].items():
            hit = s == sym
            status[hit] = "ok" if meaning == "zero" else meaning
            s = s.where(~hit, "0" if meaning == "zero" else "")
        comma_decimal = s.str.contains(",", regex=False) & ~s.str.contains(".", regex=False)
        s = s.where(~comma_decimal, s.str.replace(",", ".", regex=False))
        values = pd.to_numeric(s.where(s != ""), errors="coerce").astype("float64")
        status[values.isna() & (status == "ok")] = "invalid"
    for sentinel, meaning in sentinels.items():
        hit = values == sentinel
        status[hit] = meaning
    values = values.where(status == "ok")
    return values, status


def _first(columns: list[str], candidates: list[str]) -> str | None:
    lower = {c.lower(): c for c in columns}
    for cand in candidates:
        if cand.lower() in lower:
            return lower[cand.lower()]
    return None


def detect_format(columns: list[str]) -> str | None:
    lay = layout()["formats"]
    if _first(columns, lay["kaart"]["code"]):
        return "kaart"
    if _first(columns, lay["odata"]["code"]):
        return "odata"
    if any(c.endswith(lay["statline"]["code_suffix"]) for c in columns):
        return "statline"
    return None


def _year_from(path: Path, frame: pd.DataFrame, candidates: list[str], given: int | None) -> int:
    if given is not None:
        return given
    col = _first(list(frame.columns), candidates)
    if col is not None:
        found = {m.group(0) for v in frame[col].astype(str) if (m := re.search(r"(19|20)\d\d", v))}
        if len(found) == 1:
            return int(found.pop())
        if len(found) > 1:
            raise InputFileError(
                "error.cbs_many_years", file=str(path), column=col, years=", ".join(sorted(found))
            )
    m = re.search(r"(?<!\d)(19[89]\d|20\d\d)(?!\d)", path.name)
    if m:
        return int(m.group(1))
    raise InputFileError("error.cbs_no_year", file=str(path))


def _read_odata_json(path: Path) -> pd.DataFrame | None:
    """An OData TypedDataSet saved as JSON (`{"value": [...]}`, or the list alone as python cbsodata
    saves it) as a table; None for GeoJSON (read as geodata)."""
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if b'"FeatureCollection"' in head or b'"features"' in head:
        return None
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputFileError("error.cbs_json_invalid", file=str(path), detail=str(exc)) from None
    rows = data.get("value") if isinstance(data, dict) else data
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InputFileError("error.cbs_json_shape", file=str(path))
    return pd.DataFrame(rows)


def _read_table(path: Path, layer: str | None, encoding: str | None) -> tuple[pd.DataFrame, Any]:
    """The attribute table (all columns) and the geometry (GeoSeries or None)."""
    suffix = path.suffix.lower()
    if suffix == ".json" and (odata := _read_odata_json(path)) is not None:
        return odata, None
    if suffix in (".gpkg", ".geojson", ".json", ".shp"):
        import geopandas as gpd
        import pyogrio

        try:
            layers = [str(name) for name, *_ in pyogrio.list_layers(path)]
        except Exception as exc:  # noqa: BLE001 - any GDAL failure means an unreadable file
            raise InputFileError("error.geo_unreadable", file=str(path), detail=str(exc)) from None
        if layer is None:
            layer = layers[0] if len(layers) == 1 else None
            for name in layers if layer is None else []:
                cols = list(pyogrio.read_info(path, layer=name)["fields"])
                if detect_format(cols):
                    layer = name
                    break
        if layer not in layers:
            raise InputFileError(
                "error.geo_layer", file=str(path), layer=layer, layers=", ".join(layers)
            )
        gdf = gpd.read_file(path, layer=layer)
        if gdf.crs is None:
            raise InputFileError("error.geo_no_crs", file=str(path))
        gdf = gdf.to_crs(RD_NEW)
        return pd.DataFrame(gdf.drop(columns="geometry")), gdf.geometry
    if suffix in (".csv", ".txt", ".tsv"):
        frame, _ = read_csv_text(path, encoding)
        return frame, None
    raise InputFileError("error.cbs_suffix", file=str(path), suffix=suffix or "(geen)")


def _identify(fmt: str, frame: pd.DataFrame, path: Path, year: int | None
              ) -> tuple[pd.Series, pd.Series, str | None, int]:
    """Each row's own area code and name, the column with the municipality's name, and the year."""
    columns = list(frame.columns)
    lay = layout()["formats"]
    gemeente_name_col = None
    if fmt == "kaart":
        code = pd.Series(np.nan, index=frame.index, dtype=object)
        name = pd.Series("", index=frame.index, dtype=object)
        for col in lay["kaart"]["code"]:
            src = _first(columns, [col])
            if src is None:
                continue
            vals = frame[src].astype(str).map(normalise_code)
            take = code.isna() & frame[src].notna() & (vals != "") & (vals != "NAN")
            code[take] = vals[take]
            name_col = _first(columns, lay["kaart"]["name"][col])
            if name_col:
                name[take] = frame.loc[take, name_col].astype(str).str.strip()
        code = code.fillna("")
        gemeente_name_col = _first(columns, lay["kaart"]["gemeente_name"])
    elif fmt == "odata":
        src = _first(columns, lay["odata"]["code"])
        code = frame[src].astype(str).map(normalise_code)
        name = pd.Series("", index=frame.index, dtype=object)
        gemeente_name_col = _first(columns, lay["odata"]["gemeente_name"])
    else:
        src = next(c for c in columns if c.endswith(lay["statline"]["code_suffix"]))
        code = frame[src].astype(str).map(normalise_code)
        name_col = _first(columns, lay["statline"]["name"])
        name = frame[name_col].astype(str).str.strip() if name_col else pd.Series("", index=frame.index)
    return code, name, gemeente_name_col, _year_from(path, frame, lay[fmt]["year"], year)


def _reasons(code: pd.Series, level: pd.Series, gm: pd.Series, gemeente: str | None) -> pd.Series:
    """Why each row is not kept ('' for a kept row): invalid code, other municipality, duplicate."""
    reason = pd.Series("", index=code.index, dtype=object)
    reason[level.isna()] = "invalid_code"
    if gemeente is not None:
        reason[(reason == "") & (gm != gemeente)] = "other_gemeente"
    reason[code.duplicated(keep="first") & (reason == "")] = "duplicate_code"
    return reason


def _gemeente_missing(path: Path, frame: pd.DataFrame, gemeente: str, gm: pd.Series, level: pd.Series,
                      gemeente_name_col: str | None) -> UnknownAreaError:
    """The error for a file without the asked municipality, naming the closest codes in it."""
    known = sorted(set(gm[level.notna()]))
    names: dict[str, str] = {}
    if gemeente_name_col:
        names = dict(zip(gm, frame[gemeente_name_col].astype(str).str.strip(), strict=True))
    close = difflib.get_close_matches(gemeente, known, n=5, cutoff=0.6)
    shown = ", ".join(f"{c} {names.get(c, '')}".strip() for c in close) or "-"
    return UnknownAreaError("error.gemeente_not_in_file", gemeente=gemeente, file=str(path), close=shown,
                            n=len(known))


PERCENT = (0.0, 100.0)
NOT_NEGATIVE = (0.0, np.inf)


def value_limits(registry: Registry) -> dict[str, tuple[float, float]]:
    """The values each variable can take, from what the indicator registry does with it: 0-100 for a
    percentage (a share's `percent`, a mean in `%`), 0 or more for a count (a count's variable, a share's
    or rate's count and base, a ratio's parts, a mean's weight) and for the other means (km, euro), none
    for a score (SES-WOA scores are negative below the national mean). Variables no indicator uses
    follow their names (`pct_*` per cent, `n_*` counts)."""
    limits: dict[str, tuple[float, float]] = {}
    for ind in registry.indicators.values():
        counts = [ind.count, ind.base, ind.numerator, ind.denominator, ind.weight]
        if ind.kind == "count":
            counts.append(ind.variable)
        limits.update({v: NOT_NEGATIVE for v in counts if v})
        if ind.percent:
            limits[ind.percent] = PERCENT
        if ind.kind == "mean" and ind.variable and ind.unit != "score":
            limits[ind.variable] = PERCENT if ind.unit == "%" else NOT_NEGATIVE
    for v in registry.variables - set(limits):
        if v.startswith("pct_"):
            limits[v] = PERCENT
        elif v.startswith("n_"):
            limits[v] = NOT_NEGATIVE
    return limits


def _limits_text(limits: tuple[float, float]) -> str:
    low, high = limits
    return f"{low:g}-{high:g}" if np.isfinite(high) else f">= {low:g}"


def _long_values(kept: pd.DataFrame, codes: np.ndarray, rows: pd.Series, mapping: dict[str, str],
                 limits: dict[str, tuple[float, float]]) -> tuple[pd.DataFrame, list[str], list[str]]:
    """One row per area and variable with its value and status, the columns with unreadable numbers
    (with their first row numbers), and the impossible values (a negative count, a percentage outside
    0-100: column, area, row, value and what is allowed), which become missing (`invalid`)."""
    long_frames = []
    invalid_cells: list[str] = []
    implausible: list[str] = []
    for col, variable in mapping.items():
        values, status = parse_numbers(kept[col])
        bad = status == "invalid"
        if bad.any():
            invalid_cells.append(f"{col} ({', '.join(rows[bad].head(3).astype(str).tolist())})")
        low, high = limits.get(variable, (-np.inf, np.inf))
        wrong = (status == "ok") & ((values < low) | (values > high))
        for i in np.flatnonzero(wrong.to_numpy()):
            implausible.append(f"{col}: {codes[i]}, {rows.iloc[i]}, {values.iloc[i]:g} ({_limits_text((low, high))})")
        status = status.where(~wrong, "invalid")
        values = values.where(~wrong)
        long_frames.append(pd.DataFrame({"area_code": codes, "variable": variable, "value": values.to_numpy(),
                                         "status": status.to_numpy()}))
    return pd.concat(long_frames, ignore_index=True), invalid_cells, implausible


def counts_above_base(values: pd.DataFrame, registry: Registry) -> tuple[pd.DataFrame, list[str]]:
    """A share's or rate's count above its base (more residents aged 65+, or with a state pension, than
    residents: a share above 100%) is impossible: the count becomes missing (`invalid`); returns the
    values and one item per such cell (count variable, area, count > base)."""
    wide = values[values["status"] == "ok"].pivot_table(index="area_code", columns="variable", values="value",
                                                        aggfunc="first")
    items: list[str] = []
    wrong_cells: set[tuple[str, str]] = set()
    for ind in registry.indicators.values():
        count, base = ind.count or "", ind.base or ""
        if ind.kind not in ("share", "rate") or count not in wide.columns or base not in wide.columns:
            continue
        over = wide[count] > wide[base]
        for area in sorted(over[over].index):
            if (area, count) not in wrong_cells:
                wrong_cells.add((area, count))
                items.append(f"{count}: {area}, {wide.at[area, count]:g} > {base} "
                             f"{wide.at[area, base]:g}")
    if wrong_cells:
        hit = pd.Series(list(zip(values["area_code"], values["variable"], strict=True)),
                        index=values.index).isin(wrong_cells)
        values = values.assign(value=values["value"].where(~hit), status=values["status"].where(~hit, "invalid"))
    return values, items


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:MAX_LISTED])
    return shown + (f" (+{len(items) - MAX_LISTED})" if len(items) > MAX_LISTED else "")


def key_warnings(res: Resolution, registry: Registry) -> list[str]:
    """Warnings about a file's OData keys: unknown ones (not in the registry nor among the topics known to
    be unused), registry keys whose stem the file holds more than once, and stems known from other years."""
    lay = layout()["formats"]["odata"]
    quiet = {s.lower() for s in lay["structural"] + lay["unused_topics"]} | registry.stems()
    unknown = [c for c in res.unmatched if key_stem(c) not in quiet]
    out = []
    if unknown:
        out.append(f"unknown_keys:{_listed(unknown)}")
    if res.ambiguous:
        out.append(f"ambiguous_keys:{_listed(sorted(set(res.ambiguous)))}")
    if res.other_year:
        out.append("stem_other_year:" + _listed([f"{c} ({y})" for c, y in res.other_year.items()]))
    return out


def derived_values(values: pd.DataFrame, registry: Registry, year: int) -> pd.DataFrame:
    """Rows for the variables defined as sums (registry format `sum`), where the file has all parts: the
    sum where every part is known, else missing with the first part's reason."""
    frames = [values]
    for variable, parts in registry.derived(year).items():
        have = values[values["variable"].isin(parts)]
        if variable in set(values["variable"]) or set(have["variable"]) != set(parts):
            continue
        wide = have.pivot(index="area_code", columns="variable", values="value")[list(parts)]
        status = have.pivot(index="area_code", columns="variable", values="status")[list(parts)]
        ok = (status == "ok").all(axis=1)
        first_bad = status.where(status != "ok").bfill(axis=1).iloc[:, 0]
        frames.append(pd.DataFrame({"area_code": wide.index, "variable": variable,
                                    "value": wide.sum(axis=1).where(ok).to_numpy(),
                                    "status": first_bad.where(~ok, "ok").to_numpy()}))
    return pd.concat(frames, ignore_index=True)


def dataset_name(fmt: str, levels: set[str], mapping: dict[str, str]) -> str:
    """The name the store keeps, which decides what a later file replaces: a file with buurten does not
    replace one with only wijken of the same year (and the other way round), a newer release of the same
    levels does."""
    dataset = DATASETS[fmt]
    if "buurt" in levels:
        dataset += " (wijken en buurten)" if "wijk" in levels else " (buurten)"
    if fmt == "statline":
        dataset += " (" + ", ".join(sorted(set(mapping.values()))) + ")"
    return dataset


def read_cbs(
    path: Path,
    gemeente: str | None,
    registry: Registry,
    year: int | None = None,
    layer: str | None = None,
    encoding: str | None = None,
) -> IngestResult:
    """Read one CBS file; keep the areas of `gemeente` (all municipalities when None)."""
    check_file(path)
    frame, geometry = _read_table(path, layer, encoding)
    columns = list(frame.columns)
    fmt = detect_format(columns)
    if fmt is None:
        lay = layout()["formats"]
        expected = ", ".join(lay["kaart"]["code"][:3] + lay["odata"]["code"][:2])
        raise InputFileError(
            "error.not_cbs", file=str(path), expected=expected,
            found=", ".join(columns[:12]) + (" ..." if len(columns) > 12 else ""),
        )
    if frame.empty:
        raise InputFileError("error.file_no_rows", file=str(path))
    first_row = 1 if geometry is not None else 2  # CSV: line 1 is the header
    row_numbers = pd.Series(np.arange(len(frame)) + first_row, index=frame.index)
    code, name, gemeente_name_col, year = _identify(fmt, frame, path, year)
    level = levels_of(code)
    gm = gemeente_codes(code)
    reason = _reasons(code, level, gm, gemeente)
    keep = reason == ""
    if gemeente is not None and not (keep & level.isin(["wijk", "buurt"])).any():
        raise _gemeente_missing(path, frame, gemeente, gm, level, gemeente_name_col)
    resolution = registry.resolve(fmt, year, columns)
    mapping = resolution.mapping
    if not mapping:
        raise InputFileError(
            "error.cbs_no_variables", file=str(path), year=year,
            expected=", ".join(registry.known_columns(fmt)[:8]) + ", ...",
        )
    values_long, invalid_cells, implausible = _long_values(frame[keep], code[keep].to_numpy(), row_numbers[keep],
                                                           mapping, value_limits(registry))
    values_long = derived_values(values_long, registry, year)
    values_long, over_base = counts_above_base(values_long, registry)
    implausible += over_base
    warnings = ["invalid_cells:" + "; ".join(invalid_cells)] if invalid_cells else []
    if implausible:
        more = f" (+{len(implausible) - MAX_LISTED})" if len(implausible) > MAX_LISTED else ""
        warnings.append("implausible_values:" + "; ".join(implausible[:MAX_LISTED]) + more)
    warnings += key_warnings(resolution, registry) if fmt == "odata" else []
    gem_names = (frame[gemeente_name_col].astype(str).str.strip() if gemeente_name_col
                 else pd.Series("", index=frame.index, dtype=object))
    areas = pd.DataFrame({
        "area_code": code[keep].to_numpy(), "level": level[keep].to_numpy(),
        "name": name[keep].replace({"nan": ""}).to_numpy(), "gemeente_code": gm[keep].to_numpy(),
        "gemeente_name": gem_names[keep].to_numpy(),
    })
    rejections = pd.DataFrame(
        {"row_number": row_numbers[~keep].to_numpy(), "column_name": "area_code",
         "value": code[~keep].to_numpy(), "reason": reason[~keep].to_numpy()},
        columns=REJECTION_COLUMNS,
    )
    geo = None
    if geometry is not None:
        import geopandas as gpd

        geo = gpd.GeoDataFrame({"area_code": code[keep].to_numpy(), "level": level[keep].to_numpy()},
                               geometry=geometry[keep].to_numpy(), crs=RD_NEW)
    dataset = dataset_name(fmt, set(level[keep]), mapping)
    return IngestResult(
        kind=f"cbs_{fmt}", dataset=dataset, publisher=PUBLISHER, year=int(year), areas=areas, values=values_long,
        rows_read=len(frame), rejections=rejections, geometry=geo, privacy="open", columns_mapped=mapping,
        columns_ignored=[c for c in columns if c not in mapping],
        warnings=warnings,
    )
