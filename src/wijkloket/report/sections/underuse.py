"""Less use than expected? (issue 8): the areas that use the desk significantly less than their residents'
ages predict, per product; the funnel plot, a map of the index per wijk, the method and its caveats.
Synthetic exactly when the desk exports are. Also the funnel plot as PNG and the Excel file, which the
command line writes from the same result."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from wijkloket.report.blocks import (
    Block,
    BulletList,
    Cell,
    Column,
    Figure,
    Heading,
    Note,
    Paragraph,
    Row,
    Section,
    Table,
)
from wijkloket.report.context import ReportData

KIND_KEYS = {"visit": "underuse.kind_visit", "issuance": "underuse.kind_issuance"}
FUNNEL_PANELS = (("visit", "passport"), ("visit", "id_card"), ("visit", "driving_licence"),
                 ("visit", "brp_extract"), ("visit", "declaration"), ("visit", "top"),
                 ("issuance", "passport"), ("issuance", "id_card"), ("issuance", "driving_licence"),
                 ("issuance", "all"))
"""The panels of the funnel plot: each kind's products and total (collection visits follow the documents)."""
MAP_PRODUCTS = (("visit", "top"), ("issuance", "all"))
COLLECTIONS = ("collect_document", "collect_licence")


class UnderuseLike(Protocol):
    """Under-use per area and product (`usecases.underuse.UnderuseResult`)."""

    @property
    def table(self) -> pd.DataFrame: ...
    @property
    def funnel(self) -> pd.DataFrame: ...  # expected, low_95, high_95, low_998, high_998
    @property
    def kinds(self) -> list[str]: ...
    @property
    def years(self) -> list[int]: ...
    @property
    def population_year(self) -> int: ...
    @property
    def threshold(self) -> int: ...
    @property
    def synthetic(self) -> bool: ...
    @property
    def levels(self) -> list[str]: ...
    @property
    def nationality(self) -> bool: ...
    @property
    def unknown_age(self) -> dict[str, float]: ...


def whole_log(table: pd.DataFrame) -> pd.DataFrame:
    """The rows for all years of the log together."""
    return table[table["year"].isna()]


def product_label(tr: Any, kind: str, product: str) -> str:
    """`Bezoeken: paspoort` - the kind and the product, in the language of `tr`."""
    return f"{tr(KIND_KEYS[kind])}: {tr('product.' + product)}"


def funnel_level(res: UnderuseLike) -> str:
    """The level of the funnel plot and the map: the wijk where the workspace has it, else the finest."""
    return "wijk" if "wijk" in res.levels else (res.levels[0] if res.levels else "district")


# --- the funnel plot ---------------------------------------------------------------------------------------


def funnel_figure(res: UnderuseLike, lang: str, tr: Any, level: str, year: int | None = None,
                  panels: list[tuple[str, str]] | None = None) -> Any:
    """The funnel plot of `res` at `level` for the whole log (or `year`), in the language of `tr`, as a
    matplotlib figure (`report.maps.svg` or `png` turns it into an image)."""
    from wijkloket.report.charts import funnel

    t = res.table
    sel = t[t["level"] == level]
    sel = sel[sel["year"] == year] if year is not None else whole_log(sel)
    have = set(zip(sel["kind"], sel["product"], strict=True))
    chosen = [p for p in (panels or list(FUNNEL_PANELS)) if p in have]
    labels = {f"{k}/{p}": product_label(tr, k, p) for k, p in chosen}
    texts = {"x": tr("underuse.funnel_x"), "y": tr("underuse.funnel_y"), "limits_95": tr("underuse.limits_95"),
             "limits_998": tr("underuse.limits_998"), "flagged": tr("underuse.flagged")}
    return funnel(sel, res.funnel, chosen, labels, texts, lang, synthetic=res.synthetic)


def funnel_figure_png(res: UnderuseLike, lang: str, tr: Any, level: str, year: int | None = None,
                      panels: list[tuple[str, str]] | None = None) -> bytes:
    """`funnel_figure` as PNG bytes at twice the screen density (the command line's `--funnel FILE.png`)."""
    from wijkloket.report.maps import png

    return png(funnel_figure(res, lang, tr, level, year, panels)).data


# --- the map ----------------------------------------------------------------------------------------------------


def _map(data: ReportData, res: UnderuseLike, kind: str, product: str, level: str) -> Figure | None:
    from wijkloket.report.maps import choropleth, map_outlines, svg

    if data.geometry is None:
        return None
    t = whole_log(res.table)
    sel = t[(t["level"] == level) & (t["kind"] == kind) & (t["product"] == product)].set_index("area_code")["ratio"]
    areas = data.geometry[data.geometry["level"] == level]
    if sel.dropna().empty or areas.empty:
        return None
    first, last = min(res.years), max(res.years)
    title = data.tr("underuse.map_title", what=product_label(data.tr, kind, product), level=data.tr("level." + level),
                    first=first, last=last)
    image = svg(choropleth(areas, sel, title, data.tr("underuse.map_unit"), data.lang, 0, "index",
                           outline=map_outlines(data), cmap="RdBu", footnote=data.tr("report.map_suppressed"),
                           synthetic=res.synthetic))
    return Figure(image, title, title, synthetic=res.synthetic)


# --- the table of flagged areas ----------------------------------------------------------------------------------


def _interval(data: ReportData, row: pd.Series | None) -> Cell:
    if row is None:
        return Cell()
    if row["suppressed"]:
        return Cell(suppressed=True)
    return Cell(f"{data.num(row['ci_low'])}–{data.num(row['ci_high'])}")


def _ratio(row: pd.Series | None) -> Cell:
    if row is None:
        return Cell()
    if row["suppressed"]:
        return Cell(suppressed=True)
    return Cell(float(row["ratio"]), tone="hi2" if row["flag"] else None)


def flagged_table(data: ReportData, res: UnderuseLike) -> Table | None:
    """Per district and wijk, kind and product flagged over the whole log or in its latest year: the
    index with its interval for both (collection visits left out: they follow the issued documents).
    None when no area is flagged."""
    t = res.table[res.table["level"].isin(["district", "wijk"]) & ~res.table["product"].isin(COLLECTIONS)]
    last = max(res.years)
    keys = ["level", "area_code", "kind", "product"]
    whole = whole_log(t).set_index(keys)
    latest = t[t["year"] == last].set_index(keys)
    order = {p: i for i, (_k, p) in enumerate(FUNNEL_PANELS)}
    hit = sorted(set(whole.index[whole["flag"]]) | set(latest.index[latest["flag"]]),
                 key=lambda k: (k[0] != "district", k[1], k[2] != "visit", order.get(k[3], len(order))))
    if not hit:
        return None
    first = min(res.years)
    period = data.tr("underuse.col_period", first=first, last=last)
    with_district = data.districts is not None  # without a district file the column would stay empty
    columns = (Column("area", data.tr("underuse.col_area"), "text"),
               *((Column("district", data.tr("report.district"), "text"),) if with_district else ()),
               Column("product", data.tr("underuse.col_product"), "text"),
               Column("ratio_all", data.tr("underuse.col_ratio"), "number", decimals=0, group=period),
               Column("ci_all", data.tr("underuse.col_interval"), "text", group=period),
               Column("ratio_last", data.tr("underuse.col_ratio"), "number", decimals=0, group=str(last)),
               Column("ci_last", data.tr("underuse.col_interval"), "text", group=str(last)))
    rows = []
    for key in hit:
        w = whole.loc[key] if key in whole.index else None
        y = latest.loc[key] if key in latest.index else None
        ref = w if w is not None else y
        assert ref is not None
        district = "" if key[0] == "district" or pd.isna(ref["district"]) else str(ref["district"])
        rows.append(Row((Cell(str(ref["area_name"])), *((Cell(district),) if with_district else ()),
                         Cell(product_label(data.tr, key[2], key[3])),
                         _ratio(w), _interval(data, w), _ratio(y), _interval(data, y))))
    return Table(columns, tuple(rows), synthetic=res.synthetic)


# --- the section --------------------------------------------------------------------------------------------------


def caveats(tr: Any, num: Any, res: UnderuseLike) -> list[str]:
    """What the index cannot tell, in the language of `tr`: every output states these."""
    items = [tr("underuse.caveat_nationality_used" if res.nationality else "underuse.caveat_nationality"),
             tr("underuse.caveat_chance"),
             tr("underuse.caveat_population", year=res.population_year, first=min(res.years), last=max(res.years))]
    unknown = {k: v for k, v in res.unknown_age.items() if v > 0}
    for kind, share in unknown.items():
        items.append(tr("underuse.caveat_unknown_age", share=num(100 * share, 1), what=tr(KIND_KEYS[kind]).lower()))
    return items


def underuse_section(data: ReportData) -> Section | None:
    from wijkloket.report.maps import svg

    res: UnderuseLike | None = data.underuse
    if res is None or res.table.empty:
        return None
    first, last = min(res.years), max(res.years)
    level = funnel_level(res)
    blocks: list[Block] = [Paragraph(data.tr("report.desk_synthetic"), style="synthetic_notice"),
                           Paragraph(data.tr("underuse.synthetic_planted"), style="synthetic_notice")] \
        if res.synthetic else []
    blocks.append(Paragraph(data.tr("underuse.intro", first=first, last=last, pop_year=res.population_year),
                            synthetic=res.synthetic))
    blocks.append(Heading(data.tr("underuse.table_heading")))
    table = flagged_table(data, res)
    if table is None:
        blocks.append(Paragraph(data.tr("underuse.none_flagged"), synthetic=res.synthetic))
    else:
        blocks += [table, Paragraph(data.tr("underuse.legend", n=res.threshold), style="legend")]
    funnel = svg(funnel_figure(res, data.lang, data.tr, level))
    caption = data.tr("underuse.funnel_title", level=data.tr("level." + level), first=first, last=last)
    blocks.append(Figure(funnel, caption, caption, synthetic=res.synthetic, wide=True))
    blocks += [m for kind, product in MAP_PRODUCTS if kind in res.kinds
               and (m := _map(data, res, kind, product, level)) is not None]
    blocks += [Heading(data.tr("underuse.method_heading")),
               Paragraph(data.tr("underuse.method", n=res.threshold)),
               BulletList(tuple(caveats(data.tr, data.num, res)), synthetic=res.synthetic),
               Note(data.tr("underuse.files"), synthetic=res.synthetic)]
    return Section("ondergebruik", data.tr("underuse.title"), tuple(blocks), synthetic=res.synthetic)


# --- files ----------------------------------------------------------------------------------------------------------


def wide(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    """One row per area of `level`, for the whole log: the index of each kind and product as columns
    (`visit_passport`, ...), empty where suppressed."""
    sel = whole_log(frame[frame["level"] == level])
    if sel.empty:
        sel = frame[frame["level"] == level]
    meta = sel.drop_duplicates("area_code").set_index("area_code")[["area_name", "district"]]
    ratio = sel.assign(col=sel["kind"] + "_" + sel["product"]).pivot_table(
        index="area_code", columns="col", values="ratio", aggfunc="first", sort=False)
    out = pd.concat([meta, ratio.round(1)], axis=1).reset_index()
    out.columns.name = None
    return out


def write_xlsx(frame: pd.DataFrame, path: Path, notes: list[str]) -> None:
    """A sheet per level (the index per kind and product, whole log), the tidy table and the notes (method
    and caveats)."""
    from wijkloket.report.exports import write_levels_xlsx

    write_levels_xlsx(frame.assign(year=frame["year"].astype("float64")), path, wide,
                      extra=[("notes", pd.DataFrame({"note": notes}))])
