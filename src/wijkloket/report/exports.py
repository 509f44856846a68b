"""Profile tables as files analysts reuse: tidy CSV, Excel, GeoPackage (opens in QGIS)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wijkloket.areas.levels import RD_NEW
from wijkloket.errors import InputFileError, WijkloketError
from wijkloket.indicators.registry import Registry

CSV_COLUMNS = ["level", "area_code", "area_name", "district", "indicator", "value", "numerator",
               "denominator", "coverage", "low_coverage", "index_city", "n_areas",
               "gemeente_code", "year", "synthetic"]


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


def _writing(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputFileError("error.output_unwritable", file=str(path), detail=exc.strerror) from None


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    _writing(path)
    try:
        frame.to_csv(path, index=False, encoding="utf-8")
    except OSError as exc:
        raise WijkloketError("error.output_unwritable", file=str(path), detail=exc.strerror) from None


def write_xlsx(table: pd.DataFrame, path: Path, registry: Registry, year: int, lang: str,
               synthetic: bool = False) -> None:
    """A sheet per level (indicators as columns), the tidy table, and the definitions."""
    _writing(path)
    defs = pd.DataFrame([
        {"indicator": i.id, "label": i.label(lang), "unit": i.unit, "kind": i.kind,
         "numerator/variable": i.count or i.variable or i.numerator or i.percent,
         "base/weight": i.base or i.weight or i.denominator}
        for i in registry.indicators.values()
    ])
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for level in ("gemeente", "district", "wijk", "buurt"):
            if (table["level"] == level).any():
                wide(table, level).to_excel(xl, sheet_name=level, index=False)
        tidy(table, year, synthetic).to_excel(xl, sheet_name="tidy", index=False)
        defs.to_excel(xl, sheet_name="definities" if lang == "nl" else "definitions",
                      index=False)


def write_gpkg(table: pd.DataFrame, geometry: Any, districts: pd.DataFrame | None,
               path: Path, year: int) -> list[str]:
    """One layer per level, indicators (and their city index) as columns, in EPSG:28992."""
    import geopandas as gpd

    if geometry is None or len(geometry) == 0:
        raise WijkloketError("error.no_geometry", year=year)
    _writing(path)
    if path.exists():
        path.unlink()
    layers = []
    geo = geometry.set_index("area_code")
    for level in ("buurt", "wijk", "district", "gemeente"):
        if not (table["level"] == level).any():
            continue
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


def write_levels_xlsx(frame: pd.DataFrame, path: Path, wide_of: Any) -> None:
    """A sheet per level (`wide_of(frame, level)`) and the tidy table."""
    _writing(path)
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for level in ("gemeente", "district", "wijk", "buurt"):
            if (frame["level"] == level).any():
                wide_of(frame, level).to_excel(xl, sheet_name=level, index=False)
        frame.to_excel(xl, sheet_name="tidy", index=False)


def write_desk_xlsx(frame: pd.DataFrame, path: Path) -> None:
    write_levels_xlsx(frame, path, desk_wide)


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


def write_access_xlsx(frame: pd.DataFrame, path: Path) -> None:
    write_levels_xlsx(frame, path, access_wide)


def write_access_gpkg(frame: pd.DataFrame, res: Any, geometry: Any, districts: pd.DataFrame | None,
                      path: Path) -> list[str]:
    """Points, areas with their access figures (population), and lines from each demand point to its
    nearest desk-like point, in EPSG:28992."""
    import geopandas as gpd
    import shapely

    if geometry is None:
        raise WijkloketError("error.no_geometry", year="")
    _writing(path)
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

    _writing(path)
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
    summary.to_csv(path.with_suffix(".csv"), index=False)
    return layers


def write_options_xlsx(frame: pd.DataFrame, assumptions: pd.DataFrame, tornado: pd.DataFrame, path: Path) -> None:
    """The options' figures (the tidy table of the CSV), the assumptions they rest on with their ranges
    and sources, and the tornado of cost per visit, one sheet each."""
    _writing(path)
    try:
        with pd.ExcelWriter(path, engine="openpyxl") as xl:
            frame.to_excel(xl, sheet_name="opties", index=False)
            assumptions.to_excel(xl, sheet_name="aannames", index=False)
            tornado.to_excel(xl, sheet_name="tornado", index=False)
    except OSError as exc:
        raise WijkloketError("error.output_unwritable", file=str(path), detail=exc.strerror) from None
