"""Command results as files: tidy CSV for machines, GeoPackage for QGIS, and Excel for people.

The CSV keeps stable machine column names and one row per figure, with a `synthetic` column that says
whether that row's inputs include synthetic data. Text cells that a spreadsheet would run as a formula
(starting with `=`, `+`, `-`, `@`, a tab or a carriage return) get a leading apostrophe (OWASP, "CSV
injection"); numbers are never touched. The Excel files are built as the report's workbook
(`report.workbook.write_book`, see `report.xlsx_exports`).
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wijkloket.areas.levels import RD_NEW
from wijkloket.errors import InputFileError, WijkloketError
from wijkloket.report.formatting import visible

CSV_COLUMNS = ["level", "area_code", "area_name", "district", "indicator", "value", "numerator",
               "denominator", "coverage", "low_coverage", "index_city", "n_areas",
               "gemeente_code", "year", "synthetic", "estimate"]


def tidy(table: pd.DataFrame, year: int, synthetic: bool = False) -> pd.DataFrame:
    out = table.assign(year=year, synthetic=synthetic)
    for col in ("value", "numerator", "denominator", "index_city"):
        out[col] = out[col].round(4)
    out["coverage"] = out["coverage"].round(4)
    return out[[c for c in CSV_COLUMNS if c in out.columns]]


def wide(table: pd.DataFrame, level: str, with_index: bool = False) -> pd.DataFrame:
    """One row per area of `level`, one column per indicator (and `<id>_index` if asked)."""
    sel = table[table["level"] == level]
    order = list(dict.fromkeys(sel["indicator"]))
    meta = sel.drop_duplicates("area_code").set_index("area_code")[["area_name", "district"]]
    parts = [meta, sel.pivot(index="area_code", columns="indicator", values="value")[order]]
    if with_index:
        idx = sel.pivot(index="area_code", columns="indicator", values="index_city")[order]
        parts.append(idx.add_suffix("_index"))
    out = pd.concat(parts, axis=1).reset_index()
    out.columns.name = None
    return out


def check_output(path: Path, folder: bool = False) -> None:
    """Raise the error that writing `path` (a file, or with `folder` a folder of files) would meet, before
    any work is done: a folder where a file is meant (or a file where a folder is), a file in the way of a
    folder of the path, or a folder the user may not write in (no permission, read-only disk). Folders
    that do not exist yet are fine: the writer makes them."""
    if folder and path.exists() and not path.is_dir():
        raise InputFileError("error.output_folder_is_file", file=str(path))
    if not folder and path.is_dir():
        raise InputFileError("error.output_is_folder", file=str(path), example=f"{path}/{path.name or 'uitvoer'}.csv")
    parent = path if folder else path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise InputFileError("error.output_parent_is_file", file=str(path), parent=str(parent))
    if not folder and path.exists() and os.access(path, os.W_OK):
        return  # an existing file (or /dev/stdout) that may be written over
    writable = path if folder and path.is_dir() else parent
    if not os.access(writable, os.W_OK | os.X_OK):
        raise InputFileError("error.output_no_permission", file=str(path), folder=str(writable))


def writing(path: Path, folder: bool = False) -> None:
    """Ready `path` to be written (see `check_output`): the missing folders made. Every writer of a
    command's output calls this first; an OSError while writing names its file and goes to the guard
    (`cli.errors`), which says the reason in the user's language."""
    check_output(path, folder)
    (path if folder else path.parent).mkdir(parents=True, exist_ok=True)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _defused(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every text cell that a spreadsheet would read as a formula prefixed by `'`."""
    out = frame.copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].map(_defused)
    return out


PUBLISHED_DIGITS = 12
"""Significant digits of a published float. Sums over the same figures in another order (DuckDB adds in
parallel) differ in the 15th-17th digit; at 12 digits the same workspace gives the same CSV bytes."""


def _published(value: float) -> float:
    return float(f"{value:.{PUBLISHED_DIGITS}g}") + 0.0  # + 0.0: no -0.0


def published(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every float rounded to `PUBLISHED_DIGITS` significant digits: the nearest float to that
    decimal, so the CSV shows it short (`316.333333333`, `1140.0`) and the same on every run."""
    floats = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
    if not floats:
        return frame
    out = frame.copy()
    for col in floats:
        out[col] = [_published(v) for v in out[col].to_numpy(dtype="float64", na_value=np.nan)]
    return out


def _has_cr(frame: pd.DataFrame) -> bool:
    texts = [frame[c] for c in frame.columns
             if not (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]))]
    return any(col.map(lambda v: isinstance(v, str) and "\r" in v).any() for col in texts)


def csv_text(frame: pd.DataFrame) -> str:
    """The CSV of a command's result as published: floats rounded (`published`), formula-safe (`csv_safe`),
    no index, LF line ends; CRLF (RFC 4180) when a text holds a carriage return, because Python's csv
    writer quotes a field only for the characters of the line end it uses, and an unquoted CR would
    split the row for a reader."""
    safe = csv_safe(published(frame))
    return str(safe.to_csv(index=False, lineterminator="\r\n" if _has_cr(safe) else "\n"))


def write_csv(frame: pd.DataFrame, path: Path | None) -> None:
    """The tidy CSV (`csv_text`: rounded where published, formula-safe) to `path`, or to standard output
    when None (control characters made visible when that is a terminal)."""
    import sys

    if path is None:
        text = csv_text(frame)
        # On a terminal the CSV is read, not stored: an escape sequence in a name is shown, not obeyed.
        sys.stdout.write(visible(text) if sys.stdout.isatty() else text)
        return
    writing(path)
    path.write_text(csv_text(frame), encoding="utf-8")


def write_gpkg(table: pd.DataFrame, geometry: Any, districts: pd.DataFrame | None,
               path: Path, year: int) -> list[str]:
    """One layer per level, indicators (and their city index) as columns, in EPSG:28992."""
    import geopandas as gpd

    if geometry is None or len(geometry) == 0:
        raise WijkloketError("error.no_geometry", year=year)
    writing(path)
    if path.exists():
        path.unlink()
    layers = []
    geo = geometry.set_index("area_code")
    for level in ("buurt", "wijk", "district", "gemeente"):
        if not (table["level"] == level).any():
            continue
        if level == "district" and districts is None and "wijk" in layers:
            continue  # without a district file every wijk is its own district: the same layer again
        attrs = wide(table, level, with_index=True)
        if level in ("buurt", "wijk"):
            shapes = geo[geo["level"] == level].geometry
            g = attrs.merge(shapes.rename("geometry"), left_on="area_code", right_index=True,
                            how="inner")
        else:
            base_level = "buurt" if (districts is not None and
                                     districts["area_code"].str.startswith("BU").any()) else "wijk"
            base = geo[geo["level"] == base_level].reset_index()
            gm_of = base["area_code"].str.slice(2, 6).radd("GM")
            if level == "district":
                dmap = (districts.set_index("area_code")["district_code"] if districts is not None
                        else pd.Series(base["area_code"].to_numpy(), index=base["area_code"]))
                base["key"] = base["area_code"].map(dmap)
            else:
                base["key"] = gm_of
            shapes = gpd.GeoDataFrame(base, geometry="geometry", crs=geometry.crs)
            dissolved = shapes.dissolve(by="key").geometry
            g = attrs.merge(dissolved.rename("geometry"), left_on="area_code", right_index=True,
                            how="inner")
        if g.empty:
            continue
        gdf = gpd.GeoDataFrame(g, geometry="geometry", crs=RD_NEW)
        gdf.to_file(path, layer=level, driver="GPKG")
        layers.append(level)
    return layers


def desk_wide(frame: pd.DataFrame, level: str, year: int | None = None) -> pd.DataFrame:
    """Desk figures for the product total, one row per area of `level`, a column per indicator
    (and year, when `year` is None)."""
    sel = frame[(frame["level"] == level) & frame["age_band"].isna()
                & frame["product"].isin(["top", "all"])]
    if year is not None:
        sel = sel[sel["year"] == year]
        cols = sel["indicator"]
    else:
        cols = sel["indicator"] + "_" + sel["year"].astype(str)
    meta = sel.drop_duplicates("area_code").set_index("area_code")[["area_name", "district"]]
    vals = sel.assign(col=cols).pivot_table(index="area_code", columns="col", values="value", aggfunc="first",
                                            dropna=False)
    out = meta.join(vals).reset_index()
    out.columns.name = None
    return out


def write_frames_xlsx(path: Path, sheets: Sequence[tuple[str, pd.DataFrame]]) -> None:
    """Plain tables as sheets, in order (a name each, cut to Excel's 31 characters). Written with
    xlsxwriter as the report's workbook (`report.workbook.XLSX_OPTIONS`): a text is always a text cell,
    never a formula, number or link, whatever it starts with; control characters are stored escaped."""
    from wijkloket.report.workbook import XLSX_OPTIONS

    writing(path)
    buffer = io.BytesIO()  # zipped in memory, then written in one go (see `report.workbook._close`)
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": XLSX_OPTIONS}) as xl:
        for name, frame in sheets:
            frame.to_excel(xl, sheet_name=name[:31], index=False)
    path.write_bytes(buffer.getvalue())


def write_levels_xlsx(frame: pd.DataFrame, path: Path, wide_of: Any,
                      extra: Sequence[tuple[str, pd.DataFrame]] = ()) -> None:
    """A sheet per level (`wide_of(frame, level)`), the tidy table, then the `extra` sheets."""
    levels = [(level, wide_of(frame, level)) for level in ("gemeente", "district", "wijk", "buurt")
              if (frame["level"] == level).any()]
    write_frames_xlsx(path, [*levels, ("tidy", frame), *extra])


def write_desk_gpkg(frame: pd.DataFrame, geometry: Any, districts: pd.DataFrame | None, path: Path,
                    year: int) -> list[str]:
    """Per level, the latest year's desk figures for the product total, on the area polygons."""
    latest = int(frame["year"].max())
    shaped = frame[frame["year"] == latest].copy()
    table = shaped[shaped["product"].isin(["top", "all"]) & shaped["age_band"].isna()]
    return write_gpkg(
        table.assign(index_city=float("nan")), geometry, districts, path, year)


def access_wide(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    sel = frame[frame["level"] == level]
    cols = sel["group"] + "_" + sel["kind"] + "_" + sel["indicator"]
    meta = sel.drop_duplicates("area_code").set_index("area_code")[["area_name"]]
    vals = sel.assign(col=cols).pivot_table(index="area_code", columns="col", values="value", aggfunc="first")
    out = meta.join(vals).reset_index()
    out.columns.name = None
    return out


def write_access_gpkg(frame: pd.DataFrame, res: Any, geometry: Any, districts: pd.DataFrame | None,
                      path: Path) -> list[str]:
    """Points, areas with their access figures (population), and lines from each demand point to its
    nearest desk-like point, in EPSG:28992."""
    import geopandas as gpd
    import shapely

    if geometry is None:
        raise WijkloketError("error.no_geometry", year="")
    writing(path)
    if path.exists():
        path.unlink()
    layers = []
    pts = res.points
    gpd.GeoDataFrame(pts.drop(columns=["x", "y"]), geometry=shapely.points(pts["x"], pts["y"]),
                     crs=RD_NEW).to_file(path, layer="points", driver="GPKG")
    layers.append("points")
    for level in ("buurt", "wijk"):
        sel = frame[(frame["level"] == level) & (frame["group"] == "population")]
        if sel.empty:
            continue
        wide_t = access_wide(sel, level)
        g = geometry[geometry["level"] == level].merge(wide_t, on="area_code", how="inner")
        gpd.GeoDataFrame(g, geometry="geometry", crs=RD_NEW).drop(columns=["level"]).to_file(
            path, layer=f"{level}_access", driver="GPKG")
        layers.append(f"{level}_access")
    desks = pts["kind"].isin(["desk", "library_ido", "mobile_stop"]).to_numpy()
    if desks.any():
        d = res.demand
        dx = d["x"].to_numpy()[:, None] - pts["x"].to_numpy()[None, desks]
        dy = d["y"].to_numpy()[:, None] - pts["y"].to_numpy()[None, desks]
        j = pts.index[desks][np.argmin(np.hypot(dx, dy), axis=1)]
        lines = shapely.linestrings(np.stack([np.stack([d["x"], pts.loc[j, "x"].to_numpy()], axis=1),
                                              np.stack([d["y"], pts.loc[j, "y"].to_numpy()], axis=1)], axis=2))
        gpd.GeoDataFrame({"area_code": d["area_code"], "point": pts.loc[j, "name"].to_numpy()}, geometry=lines,
                         crs=RD_NEW).to_file(path, layer="to_nearest_desk", driver="GPKG")
        layers.append("to_nearest_desk")
    return layers


def write_locate_gpkg(out: Any, geometry: Any, path: Path) -> list[str]:
    """Existing desks, chosen sites, and the areas' travel figures before and after."""
    import geopandas as gpd
    import shapely

    writing(path)
    if path.exists():
        path.unlink()
    layers = []
    for name, pts in (("existing_desks", out.fixed), ("chosen_sites", out.chosen)):
        if len(pts):
            gpd.GeoDataFrame(pts.drop(columns=["x", "y"]), geometry=shapely.points(pts["x"], pts["y"]),
                             crs=RD_NEW).to_file(path, layer=name, driver="GPKG")
            layers.append(name)
    if out.demand is not None and out.assigned is not None and out.points is not None:
        d = out.demand
        ok = np.array(out.assigned) >= 0
        j = np.array(out.assigned)[ok]
        px, py = out.points["x"].to_numpy()[j], out.points["y"].to_numpy()[j]
        lines = shapely.linestrings(np.stack([np.stack([d["x"].to_numpy()[ok], px], axis=1),
                                              np.stack([d["y"].to_numpy()[ok], py], axis=1)], axis=2))
        gpd.GeoDataFrame({"area_code": d["area_code"].to_numpy()[ok], "site": out.points["name"].to_numpy()[j]},
                         geometry=lines, crs=RD_NEW).to_file(path, layer="assignment", driver="GPKG")
        layers.append("assignment")
        if geometry is not None:
            areas = geometry[geometry["area_code"].isin(set(d["area_code"]))][["area_code", "geometry"]]
            site = pd.Series(out.points["name"].to_numpy()[j], index=d["area_code"].to_numpy()[ok])
            areas = areas.assign(site=areas["area_code"].map(site.groupby(level=0).first()))
            gpd.GeoDataFrame(areas, geometry="geometry", crs=RD_NEW).to_file(path, layer="areas",
                                                                                   driver="GPKG")
            layers.append("areas")
    summary = out.before.merge(out.after, on=["level", "area"], suffixes=("_now", "_new"))
    write_csv(summary, path.with_suffix(".csv"))
    return layers


# Excel for people: the tables as the report's workbook shows them (see `report.workbook.write_book`).

LEVEL_ORDER = ("gemeente", "district", "wijk", "buurt")
ACCESS_KINDS = ("desk", "library_ido", "mobile_stop", "community_centre", "social_team", "candidate")
UNIT_KEYS = {"EUR/year": "eur_year", "EUR/visit": "eur_visit", "EUR/hour": "eur_hour", "visits/year": "visits_year",
             "hours/year": "hours_year", "residents": "residents", "sessions/year": "sessions_year"}


def _tr(key: str, lang: str, **params: Any) -> str:
    from wijkloket.i18n import t

    return t(key, lang, **params)


def _yes_no(flag: bool, lang: str) -> str:
    return _tr("export.yes" if flag else "export.no", lang)


def _area_rows(sel: pd.DataFrame, cells_of: Any) -> list[Any]:
    """Rows per area in the table's order, the municipality (the total) last and emphasised."""
    from wijkloket.report.blocks import Cell, Row

    rows: list[Any] = []
    total: list[Any] = []
    for (level, _code), grp in sel.groupby(["level", "area_code"], sort=False):
        row = Row((Cell(str(grp["area_name"].iloc[0])), *cells_of(grp)), emphasis=level == "gemeente")
        (total if row.emphasis else rows).append(row)
    return rows + total


def _figure(value: Any, suppressed: Any = False, flag: bool = False) -> Any:
    from wijkloket.report.blocks import Cell

    if bool(suppressed) and suppressed == suppressed:
        return Cell(suppressed=True)
    if value is None or value != value:
        return Cell()
    return Cell(float(value), flag=flag)


def _level_title(key: str, level: str, lang: str, **params: Any) -> str:
    return _tr(key, lang, level=_tr("level." + level, lang), **params)


def _sheet_of(level: str, lang: str) -> str:
    """A level's sheet name: the level as a reader says it, e.g. `Stadsdeel` (`City district` in English)."""
    return _tr("level." + level, lang).split(" (")[0].capitalize()


def _levels(frame: pd.DataFrame) -> list[str]:
    """The levels with areas below the municipality (the municipality alone when there are none)."""
    have = set(frame["level"])
    below = [lv for lv in LEVEL_ORDER[1:] if lv in have]
    return below or ["gemeente"]


def _with_total(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    return frame[frame["level"].isin({level, "gemeente"})]


def profile_sheets(table: pd.DataFrame, registry: Any, year: int, lang: str) -> list[Any]:
    """A sheet per level: the areas (the municipality last) with every indicator as a column, with its
    unit, coloured by its index against the city as in the report; then the definitions."""
    from wijkloket.report.blocks import Cell, Column, Row, Table
    from wijkloket.report.sections.profile import indicator_column, tone
    from wijkloket.report.workbook import Chart, Sheet

    have = set(table.loc[table["value"].notna(), "indicator"])
    inds = [i for i in registry.indicators.values() if i.id in have]
    sheets = []
    for level in _levels(table):
        def cells(grp: pd.DataFrame, level: str = level) -> list[Any]:
            by = grp.set_index("indicator")
            out = []
            for ind in inds:
                if ind.id not in by.index:
                    out.append(Cell())
                    continue
                r = by.loc[ind.id]
                city = r["level"] == "gemeente"
                index = float(r["index_city"])
                colour = None if city or not ind.key or index != index else tone(index, ind.concern)
                out.append(Cell(None if r["value"] != r["value"] else float(r["value"]), tone=colour,
                                flag=bool(r["low_coverage"])))
            return out

        columns = (Column("area", _tr("level." + level, lang).capitalize(), "text"),
                   *(indicator_column(i, lang) for i in inds))
        body = _area_rows(_with_total(table, level), cells)
        sheets.append(Sheet(_level_title("export.profile_title", level, lang, year=year), Table(columns, tuple(body)),
                            Chart("bar", ("population",)) if level != "gemeente" else None, _sheet_of(level, lang)))
    defs = Table((Column("indicator", _tr("export.indicator", lang), "code"),
                  Column("label", _tr("export.label", lang), "text"), Column("unit", _tr("export.unit", lang), "text"),
                  Column("source", _tr("export.cbs_variables", lang), "code")),
                 tuple(Row((Cell(i.id), Cell(i.label(lang)), Cell(i.unit),
                            Cell(" / ".join(str(v) for v in (i.count or i.variable or i.numerator or i.percent,
                                                             i.base or i.weight or i.denominator) if v))))
                       for i in inds))
    return [*sheets, Sheet(_tr("export.definitions", lang), defs)]


def profile_notes(year: int, lang: str) -> list[tuple[str, str]]:
    return [(_tr("export.source", lang), _tr("export.source_cbs", lang, year=year)),
            (_tr("export.year", lang), str(year)),
            (_tr("export.synthetic", lang), _tr("export.synthetic_cbs", lang)),
            (_tr("export.colours", lang), _tr("cli.profile_legend", lang)),
            (_tr("export.machine", lang), _tr("export.machine_text", lang, command="profile --level all"))]


def write_profile_xlsx(table: pd.DataFrame, path: Path, registry: Any, year: int, lang: str) -> None:
    """The profile for people (see `profile_sheets`), with the notes sheet."""
    from wijkloket.report.workbook import write_book

    write_book(path, profile_sheets(table, registry, year, lang), profile_notes(year, lang), lang)


DESK_INDICATORS = {"visit": ("visits", "visits_per_1000", "once_every_n_years", "representation_index"),
                   "issuance": ("issuances", "issuances_per_1000", "representation_index")}


def desk_sheets(frame: pd.DataFrame, res: Any, lang: str) -> list[Any]:
    """A sheet per level: per area (the municipality last) and year, the figures for the product total
    (suppressed as `x`); then the municipality's counts per year and product with a line chart."""
    from wijkloket.report.blocks import Column, Table
    from wijkloket.report.workbook import Chart, Sheet, trend_table

    kind = res.kind
    total = "top" if kind == "visit" else "all"
    sel = frame[(frame["product"] == total) & frame["age_band"].isna()
                & frame["indicator"].isin(DESK_INDICATORS[kind])]
    years = sorted(int(y) for y in sel["year"].unique())
    inds = [i for i in DESK_INDICATORS[kind] if i in set(sel["indicator"])]
    columns = [Column(f"{i}_{y}", str(y), "count" if i in ("visits", "issuances") else "number",
                      group=_tr("desk." + i, lang)) for i in inds for y in years]
    sheets = []
    for level in _levels(sel):
        def cells(grp: pd.DataFrame) -> list[Any]:
            by = grp.set_index(["indicator", "year"])
            return [_figure(by.loc[(i, y), "value"], by.loc[(i, y), "suppressed"]) if (i, y) in by.index
                    else _figure(None) for i in inds for y in years]

        body = _area_rows(_with_total(sel, level), cells)
        rate = f"{kind}s_per_1000_{years[-1]}" if years else ""
        sheets.append(Sheet(_level_title(f"export.desk_title_{kind}", level, lang), Table(
            (Column("area", _tr("level." + level, lang).capitalize(), "text"), *columns), tuple(body),
            synthetic=bool(res.synthetic)), Chart("bar", (rate,)) if level != "gemeente" else None,
            _sheet_of(level, lang)))
    trend = trend_table(res, lang)
    if trend.rows:
        title = _tr(f"export.trend_{kind}", lang)
        sheets.append(Sheet(title, trend, Chart("line", tuple(c.key for c in trend.columns[1:]), title),
                            _tr("export.trend", lang).capitalize()))
    return sheets


def desk_notes(res: Any, lang: str) -> list[tuple[str, str]]:
    command = "usage" if res.kind == "visit" else "issuances"
    return [(_tr("export.source", lang), _tr(f"export.source_{res.kind}", lang, year=res.population_year)),
            (_tr("export.years", lang), f"{min(res.years)}–{max(res.years)}" if res.years else "-"),
            (_tr("export.synthetic", lang), _tr("export.synthetic_log" if res.synthetic else "export.synthetic_none",
                                                lang)),
            (_tr("export.suppressed", lang), _tr(f"cli.desk_legend_{res.kind}", lang, n=res.threshold,
                                                 year=res.population_year)),
            (_tr("export.machine", lang), _tr("export.machine_text", lang, command=f"{command} --level all"))]


def write_desk_xlsx(frame: pd.DataFrame, res: Any, path: Path, lang: str) -> None:
    from wijkloket.report.workbook import write_book

    write_book(path, desk_sheets(frame, res, lang), desk_notes(res, lang), lang)


def _group_label(group: str, registry: Any, lang: str) -> str:
    return _tr("export.residents", lang) if group == "population" else str(registry.get(group).short(lang))


def access_sheets(frame: pd.DataFrame, res: Any, registry: Any, lang: str) -> list[Any]:
    """A sheet per level: per area (the municipality last), target group and kind of point, the mean
    travel time per resident and the share within the threshold."""
    from wijkloket.report.blocks import Column, Table
    from wijkloket.report.workbook import Chart, Sheet

    kinds = [k for k in ACCESS_KINDS if k in set(frame["kind"])]
    groups = list(dict.fromkeys(frame["group"]))
    within = _tr("report.access_within", lang, minutes=f"{res.threshold:g}")
    columns = []
    for g in groups:
        for k in kinds:
            head = f"{_group_label(g, registry, lang)} – {_tr('kind.' + k, lang)}"
            columns += [Column(f"{g}_{k}_minutes", _tr("report.access_minutes", lang), "minutes", unit="min",
                               decimals=1, group=head),
                        Column(f"{g}_{k}_share_within", within, "percent", decimals=0, group=head)]
    sheets = []
    for level in _levels(frame):
        def cells(grp: pd.DataFrame) -> list[Any]:
            by = grp.set_index(["group", "kind", "indicator"])["value"]
            return [_figure(by.get((g, k, ind))) for g in groups for k in kinds for ind in ("minutes", "share_within")]

        body = _area_rows(_with_total(frame, level), cells)
        title = _level_title("export.access_title", level, lang, mode=_tr("mode." + res.mode, lang))
        sheets.append(Sheet(title, Table((Column("area", _tr("level." + level, lang).capitalize(), "text"), *columns),
                                         tuple(body), synthetic=bool(res.synthetic)),
                            Chart("bar", ("population_desk_minutes",)) if level != "gemeente" else None,
                            _sheet_of(level, lang)))
    return sheets


def access_notes(res: Any, year: int | None, lang: str) -> list[tuple[str, str]]:
    return [(_tr("export.source", lang), _tr("export.source_access", lang, year=year if year else "-")),
            (_tr("export.synthetic", lang), _tr("export.synthetic_points" if res.synthetic else "export.synthetic_none",
                                                lang)),
            (_tr("export.method", lang), _tr("cli.access_legend", lang, method=_tr("method." + res.method, lang),
                                             detour=f"{res.settings.detour_factor:g}",
                                             speed=f"{res.settings.speeds[res.mode]:g}")),
            (_tr("export.machine", lang), _tr("export.machine_text", lang, command="access --level all"))]


def write_access_xlsx(frame: pd.DataFrame, res: Any, registry: Any, year: int | None, path: Path, lang: str) -> None:
    from wijkloket.report.workbook import write_book

    write_book(path, access_sheets(frame, res, registry, lang), access_notes(res, year, lang), lang)


def _metric_column(metric: str, label: str, unit: str, lang: str) -> Any:
    from wijkloket.report.blocks import Column

    unit_text = _tr("export.unit_of." + UNIT_KEYS[unit], lang) if unit in UNIT_KEYS else unit
    return Column(metric, label, "money" if unit.startswith("EUR") else "count", unit=unit_text)


def _option_cell(r: Any, lang: str) -> Any:
    """A figure with its 80% interval as a note, or n.v.t. with the reason as a note (as in the report)."""
    from wijkloket.report.blocks import Cell

    if not bool(r["applies"]):
        return Cell(not_applicable=True, note=str(r["reason"]))
    value, low, high = float(r["value"]), float(r["low"]), float(r["high"])
    from wijkloket.i18n import fmt_number

    note = "" if low == high == value else _tr("plan.interval", lang, low=fmt_number(low, lang),
                                               high=fmt_number(high, lang))
    return Cell(value, note=note)


def options_sheets(res: Any, lang: str) -> list[Any]:
    """The options (a row each) with their headline figures and a bar chart of their cost; every figure
    with its 80% interval and whether it rests on synthetic data; the assumptions; the tornado."""
    from wijkloket.report.blocks import Cell, Column, Row, Table
    from wijkloket.report.workbook import Chart, Sheet
    from wijkloket.usecases.plan import headline_metrics

    t_ = res.table
    first = t_.drop_duplicates("metric").set_index("metric")
    metrics = [m for m in headline_metrics(res.groups) if m in first.index]
    columns = (Column("option", _tr("cli.opt_option", lang), "text"),
               *(_metric_column(m, str(first.loc[m, "metric_label"]), str(first.loc[m, "unit"]), lang)
                 for m in metrics))
    rows = []
    for _, grp in t_.groupby("option", sort=False):
        by = grp.set_index("metric")
        head = by.iloc[0]
        rows.append(Row((Cell(str(head["label"]), note=str(head["sites"] or "")),
                         *(_option_cell(by.loc[m], lang) for m in metrics))))
    overview = Table(columns, tuple(rows), synthetic=bool(res.synthetic))
    figures = Table((Column("option", _tr("cli.opt_option", lang), "text"),
                     Column("metric", _tr("export.figure", lang), "text"),
                     Column("value", _tr("export.value", lang), "number"),
                     Column("low", _tr("export.p10", lang), "number"),
                     Column("high", _tr("export.p90", lang), "number"),
                     Column("unit", _tr("export.unit", lang), "text"),
                     Column("reason", _tr("export.reason", lang), "text"),
                     Column("synthetic", _tr("export.synthetic", lang), "text")),
                    tuple(Row((Cell(str(r["label"])), Cell(str(r["metric_label"])),
                               *(_figure(r[c] if r["applies"] else None) for c in ("value", "low", "high")),
                               Cell(str(r["unit"])), Cell(str(r["reason"] or "")),
                               Cell(_yes_no(bool(r["synthetic"]), lang))))
                          for r in t_.to_dict("records")), synthetic=bool(t_["synthetic"].any()))
    return [Sheet(_tr("cli.options_title", lang), overview, Chart("bar", ("annual_cost",)),
                  _tr("export.options", lang)),
            Sheet(_tr("export.all_figures", lang), figures),
            Sheet(_tr("report.assumptions", lang), _plain_table(res.assumption_table, lang)),
            Sheet(_tr("export.tornado", lang), _plain_table(res.tornado, lang))]


def _plain_table(frame: pd.DataFrame, lang: str) -> Any:
    """A table as it is: its column names as headers (they name assumptions), numbers as numbers."""
    from wijkloket.report.blocks import Cell, Column, Row, Table

    kinds = ["number" if pd.api.types.is_numeric_dtype(frame[c]) else "text" for c in frame.columns]
    columns = tuple(Column(str(c), str(c), k, decimals=None if k == "text" else 4)  # type: ignore[arg-type]
                    for c, k in zip(frame.columns, kinds, strict=True))
    rows = tuple(Row(tuple(_figure(v) if k == "number" else Cell("" if v is None else str(v))
                           for v, k in zip(r, kinds, strict=True)), ) for r in frame.itertuples(index=False))
    return Table(columns, rows, row_headers=False)


def options_notes(res: Any, lang: str) -> list[tuple[str, str]]:
    synthetic = set(res.table.loc[res.table["synthetic"], "metric_label"])
    return [(_tr("export.source", lang), _tr("export.source_options", lang)),
            (_tr("export.synthetic", lang), _tr("export.synthetic_rows", lang, figures=", ".join(sorted(synthetic)))
             if synthetic else _tr("export.synthetic_none", lang)),
            (_tr("export.interval_title", lang), _tr("plan.interval_text", lang, draws=res.draws,
                                                     distribution=_tr("plan.distribution." + res.distribution, lang),
                                                     seed=res.seed)),
            (_tr("export.machine", lang), _tr("export.machine_text", lang, command="plan options"))]


def write_options_xlsx(res: Any, path: Path, lang: str) -> None:
    from wijkloket.report.workbook import write_book

    write_book(path, options_sheets(res, lang), options_notes(res, lang), lang)


def locate_sheets(out: Any, lang: str) -> list[Any]:
    """Per area (the municipality last): mean travel time and share within the threshold now and with
    the new sites; then the sites, existing and new."""
    from wijkloket.report.blocks import Cell, Column, Row, Table
    from wijkloket.report.workbook import Chart, Sheet

    within = _tr("report.access_within", lang, minutes=f"{out.threshold:g}")
    columns = (Column("area", _tr("cli.locate_area", lang), "text"),
               Column("level", _tr("export.level", lang), "text"),
               Column("now_minutes", _tr("report.access_minutes", lang), "minutes", "min", 1, _tr("export.now", lang)),
               Column("now_within", within, "percent", decimals=0, group=_tr("export.now", lang)),
               Column("new_minutes", _tr("report.access_minutes", lang), "minutes", "min", 1, _tr("export.new", lang)),
               Column("new_within", within, "percent", decimals=0, group=_tr("export.new", lang)),
               Column("weight", _tr("export.weight", lang), "count"))
    after = out.after.set_index(["level", "area"])
    rows: list[Any] = []
    total: list[Any] = []
    for r in out.before.to_dict("records"):
        a = after.loc[(r["level"], r["area"])]
        row = Row((Cell(str(r["area"])), Cell(_tr("level." + str(r["level"]), lang)), _figure(r["mean_minutes"]),
                   _figure(r["share_within"]), _figure(a["mean_minutes"]), _figure(a["share_within"]),
                   _figure(r["weight"])), emphasis=r["level"] == "gemeente")
        (total if row.emphasis else rows).append(row)
    areas = Table(columns, tuple(rows + total), synthetic=bool(out.synthetic))
    sites = [(str(n), _tr("export.site_existing", lang)) for n in out.fixed["name"]]
    sites += [(str(n), _tr("export.site_new", lang)) for n in out.chosen["name"]]
    site_table = Table((Column("name", _tr("export.site", lang), "text"), Column("state", _tr("export.state", lang),
                                                                                  "text")),
                       tuple(Row((Cell(n), Cell(s))) for n, s in sites), synthetic=bool(out.synthetic))
    return [Sheet(_tr("export.locate_title", lang), areas, Chart("bar", ("now_minutes", "new_minutes")),
                  _tr("export.travel_time", lang)),
            Sheet(_tr("export.sites", lang), site_table)]


def locate_notes(out: Any, lang: str, unit: str) -> list[tuple[str, str]]:
    from wijkloket.i18n import fmt_number

    r = out.result
    return [(_tr("export.source", lang), _tr("export.source_access", lang, year="-")),
            (_tr("export.synthetic", lang), _tr("export.synthetic_points" if out.synthetic else "export.synthetic_none",
                                                lang)),
            (_tr("export.objective", lang), _tr("export.objective_text", lang, objective=out.objective,
                                                value=fmt_number(r.objective, lang, 1),
                                                bound=fmt_number(r.bound, lang, 1), unit=unit,
                                                gap=fmt_number(100 * r.gap, lang, 2), status=r.status)),
            (_tr("export.machine", lang), _tr("export.machine_text", lang, command="plan locate"))]


def write_locate_xlsx(out: Any, path: Path, lang: str, unit: str) -> None:
    from wijkloket.report.workbook import write_book

    write_book(path, locate_sheets(out, lang), locate_notes(out, lang, unit), lang)


def design_sheets(res: Any, lang: str) -> list[Any]:
    """The survey's sample design (`usecases.survey_design.DesignResult`) as one sheet, the total last."""
    from wijkloket.report.blocks import Cell, Column, Row, Table
    from wijkloket.report.workbook import Sheet

    labels = {"population": _tr("survey.design.population", lang), "net_sample": _tr("survey.design.net_sample", lang),
              "gross_sample": _tr("survey.design.gross_sample", lang)}
    keys = tuple(labels)
    columns = (Column("stratum", _tr("survey.design.stratum", lang), "text"),
               *(Column(k, labels[k], "count") for k in keys),
               Column("moe_achieved", _tr("survey.design.moe", lang), "number", decimals=1))
    rows = [Row((Cell(str(r.stratum)), *(Cell(float(getattr(r, k))) for k in keys), Cell(float(r.moe_achieved))))
            for r in res.table.itertuples()]
    rows.append(Row((Cell(_tr("survey.design.total", lang)), *(Cell(float(res.table[k].sum())) for k in keys), Cell()),
                    emphasis=True))
    title = _tr("survey.design.title", lang, level=_tr("level." + res.level, lang), year=res.year)
    return [Sheet(title, Table(columns, tuple(rows)))]


def write_design_xlsx(res: Any, path: Path, lang: str) -> None:
    from wijkloket.report.workbook import write_book

    notes = [(_tr("export.source", lang), _tr("survey.design.source", lang, year=res.year))]
    write_book(path, design_sheets(res, lang), notes, lang)
