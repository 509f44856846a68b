"""Static maps as SVG (matplotlib), embedded in the report so it works offline; also what every figure
shares: the print sizes, the house style (no text under 9 pt at printed size), the "synthetic" stamp,
SVG and PNG output, and the colour scale chosen from the quantity a map shows.

A figure is drawn at the width it is printed at (`WIDE_MM` for a full-width figure, `HALF_MM` for one of
two side by side on A4), so a font size in points is the size on paper. Legends and colour bars sit
below the drawing, never on it. Every map draws the districts (stadsdelen) with their names when the
workspace has them, else the wijken.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import Normalize  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter  # noqa: E402

from wijkloket.i18n import fmt_number, t  # noqa: E402
from wijkloket.report.blocks import Image  # noqa: E402
from wijkloket.report.formatting import visible  # noqa: E402

if TYPE_CHECKING:
    from wijkloket.report.context import ReportData

STAMP_COLOUR = "#b35806"
"""The colour of the word "synthetic" printed on figures drawn from synthetic data."""
WIDE_MM = 178.0
"""The printed width of a full-width figure: A4 (210 mm) less the margins of print.css (2 x 16 mm)."""
HALF_MM = 86.0
"""The printed width of a figure beside another one (two columns with a 4 mm gap, rounded down)."""
FONT_PT = 9.0
"""The smallest text on a figure, in points at printed size."""
TITLE_PT = 10.0
STYLE: dict[Any, Any] = {"font.size": FONT_PT, "axes.titlesize": TITLE_PT, "axes.labelsize": FONT_PT,
         "xtick.labelsize": FONT_PT, "ytick.labelsize": FONT_PT, "legend.fontsize": FONT_PT,
         "legend.title_fontsize": FONT_PT, "figure.titlesize": TITLE_PT, "font.family": "sans-serif",
         "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial"],
         "svg.fonttype": "none", "svg.hashsalt": "wijkloket", "hatch.linewidth": 0.5}
"""The house style of every figure; SVG text stays text (searchable, sharp, read by screen readers)."""

MARKERS = {"desk": ("s", "#b2182b", 60), "library_ido": ("o", "#2166ac", 36),
           "community_centre": ("^", "#1b7837", 32), "social_team": ("D", "#762a83", 26),
           "mobile_stop": ("P", "#e08214", 40), "candidate": ("x", "#555555", 24)}

Quantity = Literal["index", "rate", "percent"]
"""What a map shows: `index` a ratio against a reference (city or expected = 100); `rate` a figure per
inhabitants, minutes, a count, any amount from zero up; `percent` a share (0-100)."""

LINE_IN = FONT_PT * 1.3 / 72  # the height of one line of 9 pt text, in inches
PAD_IN = 0.04


def inches(mm: float) -> float:
    return mm / 25.4


def style() -> Any:
    """The house style as a context (use it around drawing and saving a figure)."""
    return plt.rc_context(STYLE)


def stamp_text(lang: str) -> str:
    """The stamp on figures from synthetic data: `SYNTHETISCH` (the catalogue's word, in capitals)."""
    return t("report.synthetic_short", lang).upper()


def stamp(fig: Any, synthetic: bool, lang: str, y: float = 0.995) -> None:
    """Print the synthetic stamp in the top right corner of `fig` when, and only when, `synthetic`."""
    if synthetic:
        fig.text(0.995, y, stamp_text(lang), ha="right", va="top", fontsize=FONT_PT, fontweight="bold",
                 color=STAMP_COLOUR)


def wrap(text: str, width_in: float, size: float = FONT_PT) -> str:
    """`text` broken into lines that fit `width_in` inches at `size` points (DejaVu Sans runs about
    0.6 em per character)."""
    chars = max(12, int(width_in * 72 / (0.6 * size)))
    return "\n".join(textwrap.wrap(text, chars, break_long_words=False)) if text else ""


def svg(fig: Any) -> Image:
    """A matplotlib figure as SVG at its own size (no cropping, so 9 pt stays 9 pt on paper); closed
    afterwards, so figures do not pile up."""
    buf = io.BytesIO()
    with style():
        fig.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(fig)
    return Image(buf.getvalue(), "image/svg+xml")


def png(fig: Any, scale: float = 2.0) -> Image:
    """A matplotlib figure as PNG at `scale` times the screen's 96 pixels per inch (sharp on high
    density screens); for files that must be a bitmap."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96 * scale)
    plt.close(fig)
    return Image(buf.getvalue(), "image/png")


# --- the colour scale ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColourScale:
    """Limits and ticks of a map's colours. A diverging scale has its neutral colour at `centre`."""

    cmap: str
    vmin: float
    vmax: float
    ticks: tuple[float, ...]
    centre: float | None = None


def nice_step(x: float) -> float:
    """The smallest of 1, 2, 2.5 and 5 times a power of ten that is at least `x` (> 0)."""
    power = 10.0 ** math.floor(math.log10(x))
    return next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= x * (1 - 1e-12))


def colour_scale(values: Iterable[float], quantity: Quantity, cmap: str | None = None) -> ColourScale:
    """The colour scale for `values` by the quantity they are (pure).

    An `index` (100 = the city or as expected) diverges from 100 with limits symmetric around it: the
    largest deviation rounded up to whole tens (at least 10), e.g. 70, 95, 120 give 70-130. A `rate` or
    `percent` is sequential from 0 to its maximum rounded up to a tick step of about a quarter of it
    (`nice_step`), e.g. 570-630 visits per 1000 give 0-800 in steps of 200; a percentage stops at 100.
    So a small spread is not stretched over the whole ramp."""
    v = np.asarray([x for x in values if x is not None and np.isfinite(x)], dtype=float)
    if quantity == "index":
        deviation = float(np.abs(v - 100.0).max()) if v.size else 0.0
        half = max(10.0, 10.0 * math.ceil(deviation / 10.0 - 1e-9))
        step = 10.0 if half <= 30 else nice_step(half / 3)
        ticks = np.arange(-math.floor(half / step), math.floor(half / step) + 1) * step + 100.0
        return ColourScale(cmap or "RdBu", 100.0 - half, 100.0 + half, tuple(float(x) for x in ticks), 100.0)
    top = float(v.max()) if v.size and v.max() > 0 else 1.0
    step = nice_step(top / 4)
    vmax = step * math.ceil(top / step - 1e-9)
    if quantity == "percent" and vmax > 100:
        vmax, step = 100.0, 25.0
    n = round(vmax / step)
    return ColourScale(cmap or "YlOrRd", 0.0, vmax, tuple(float(i * step) for i in range(n + 1)))


def quantity_of_unit(unit: str) -> Quantity:
    """The quantity of a CBS indicator from its unit (`indicators.toml`): `%` a percentage, else a rate."""
    return "percent" if unit == "%" else "rate"


def range_label(unit: str, values: pd.Series, lang: str, decimals: int) -> str:
    """The colour bar's label: the unit and the range of the figures on the map."""
    v = values.dropna()
    if v.empty:
        return unit
    return t("figures.range", lang, unit=unit, low=fmt_number(float(v.min()), lang, decimals),
             high=fmt_number(float(v.max()), lang, decimals))


# --- the outlines --------------------------------------------------------------------------------------


def outlines(geometry: Any, districts: pd.DataFrame | None, names: Mapping[str, str]) -> Any:
    """The outlines every map draws, with their names (columns area_code, name, geometry, district):
    the districts dissolved from the wijk (or buurt) shapes when `districts` (area_code, district_code,
    district) is given, else the wijken named from `names` (area code -> name). None without shapes."""
    import geopandas as gpd

    if geometry is None or len(geometry) == 0:
        return None
    levels = set(geometry["level"])
    if districts is not None and len(districts):
        by_buurt = districts["area_code"].str.startswith("BU").any()
        level = "buurt" if by_buurt or "wijk" not in levels else "wijk"
        shapes = geometry[geometry["level"] == level]
        key = shapes["area_code"] if by_buurt or level == "wijk" else \
            shapes["area_code"].str.slice(0, 8).str.replace("BU", "WK", n=1)
        codes = districts.drop_duplicates("area_code").set_index("area_code")
        d = shapes.assign(area_code=key.map(codes["district_code"]).to_numpy()).dropna(subset=["area_code"])
        if len(d):
            out = gpd.GeoDataFrame(d[["area_code", "geometry"]], geometry="geometry").dissolve(by="area_code")
            label = codes.drop_duplicates("district_code").set_index("district_code")["district"]
            return out.reset_index().assign(name=lambda f: f["area_code"].map(label).astype(str), district=True)
    level = "wijk" if "wijk" in levels else sorted(levels)[0]
    shapes = geometry[geometry["level"] == level]
    return gpd.GeoDataFrame(shapes[["area_code", "geometry"]].assign(
        name=shapes["area_code"].map(lambda c: names.get(c, "")), district=False), geometry="geometry")


def map_outlines(data: ReportData) -> Any:
    """`outlines` for a report: its shapes, its district file and the area names of its profile."""
    table = data.table
    names = dict(zip(table["area_code"], table["area_name"].astype(str), strict=True)) if len(table) else {}
    return outlines(data.geometry, data.districts, names)


def _label_outlines(ax: Any, outline: Any, axes_width_in: float, span: float) -> None:
    """Draw `outline` and its names: all district names; a wijk's name only where it fits inside its
    shape without touching a name already placed (the largest areas first)."""
    is_district = bool(outline["district"].iloc[0])
    per_pt = span / (axes_width_in * 72)  # metres per point on paper
    # detail below a quarter of a point on paper left out, as `simplified` does for the areas
    outline.boundary.simplify(per_pt / 4).plot(ax=ax, color="#222222", linewidth=1.3 if is_district else 0.6,
                                              zorder=2)
    placed: list[tuple[float, float, float, float]] = []
    order = outline.assign(_a=outline.geometry.area).sort_values("_a", ascending=False)
    for name, geom in zip(order["name"], order.geometry, strict=True):
        if not name:
            continue
        p = geom.representative_point()
        w, h = (len(name) * 0.6 * FONT_PT + 4) * per_pt, (FONT_PT + 3) * per_pt
        box = (p.x - w / 2, p.y - h / 2, p.x + w / 2, p.y + h / 2)
        minx, miny, maxx, maxy = geom.bounds
        fits = w <= (maxx - minx) * 0.95 and h <= (maxy - miny) * 0.9
        clash = any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed)
        if not is_district and (not fits or clash):
            continue
        placed.append(box)
        ax.annotate(visible(str(name)), (p.x, p.y), ha="center", va="center", fontsize=FONT_PT, color="#111111",
                    parse_math=False,  # a name is text: `$` is a dollar, not mathtext
                    fontweight="bold" if is_district else "normal", zorder=5,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.75, "lw": 0})


# --- the maps ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapLayout:
    """Where the parts of a map figure sit, in inches from the bottom left: each part as (left, bottom,
    width, height). The legend area is below the map, so a legend never covers an area."""

    width: float
    height: float
    map: tuple[float, float, float, float]
    legend: tuple[float, float, float, float]


def map_layout(bounds: tuple[float, float, float, float], width_mm: float, title_lines: int, legend_in: float,
               foot_lines: int, synthetic: bool) -> MapLayout:
    """From the top: the stamp row (synthetic only), the title, the map (its aspect ratio kept, at most
    1.2 times as high as wide), the legend area (`legend_in` inches), the footnote (pure)."""
    width = inches(width_mm)
    minx, miny, maxx, maxy = bounds
    aspect = (maxy - miny) / max(maxx - minx, 1e-9)
    map_w = width - 2 * PAD_IN
    map_h = map_w * aspect
    if map_h > 1.2 * map_w:
        map_h = 1.2 * map_w
        map_w = map_h / aspect
    top = (LINE_IN if synthetic else 0.0) + title_lines * TITLE_PT * 1.3 / 72 + PAD_IN
    foot = foot_lines * LINE_IN + PAD_IN
    height = top + map_h + PAD_IN + legend_in + foot
    legend = (PAD_IN, foot, width - 2 * PAD_IN, legend_in)
    return MapLayout(width, height, ((width - map_w) / 2, foot + legend_in + PAD_IN, map_w, map_h), legend)


def _frame(layout: MapLayout, title: str, footnote: str, synthetic: bool, lang: str) -> tuple[Any, Any, Any]:
    """The figure with its map axes and legend axes placed by `layout`, its title, footnote and stamp."""
    w, h = layout.width, layout.height
    fig = plt.figure(figsize=(w, h))
    ax = fig.add_axes((layout.map[0] / w, layout.map[1] / h, layout.map[2] / w, layout.map[3] / h))
    lax = fig.add_axes((layout.legend[0] / w, layout.legend[1] / h, layout.legend[2] / w, layout.legend[3] / h))
    lax.set_axis_off()
    ax.set_axis_off()
    stamp(fig, synthetic, lang, y=1 - PAD_IN / 2 / h)
    if title:
        y = 1 - (PAD_IN / 2 + (LINE_IN if synthetic else 0)) / h
        fig.text(PAD_IN / w, y, title, ha="left", va="top", fontsize=TITLE_PT, fontweight="bold")
    if footnote:
        fig.text(PAD_IN / w, PAD_IN / 2 / h, footnote, ha="left", va="bottom", fontsize=FONT_PT, color="#555555")
    return fig, ax, lax


def _colour_bar(fig: Any, lax: Any, scale: ColourScale, label: str, lang: str, decimals: int) -> Any:
    """A horizontal colour bar at the top of the legend area `lax`, as wide as half the figure at most."""
    box = lax.get_position()
    bar_w = min(box.width, 0.62)
    cax = fig.add_axes((box.x0 + (box.width - bar_w) / 2, box.y1 - 0.1 / fig.get_figheight(), bar_w,
                        0.1 / fig.get_figheight()))
    mappable = matplotlib.cm.ScalarMappable(Normalize(scale.vmin, scale.vmax), scale.cmap)
    bar = fig.colorbar(mappable, cax=cax, orientation="horizontal")
    bar.set_ticks(FixedLocator(scale.ticks))
    step_decimals = 0 if all(float(x).is_integer() for x in scale.ticks) else max(1, min(decimals, 1))
    bar.ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: fmt_number(x, lang, step_decimals)))
    bar.ax.tick_params(labelsize=FONT_PT, length=2, pad=1)
    bar.set_label(label, fontsize=FONT_PT, labelpad=2)
    return cax


def _colour_areas(ax: Any, areas: Any, column: str, scale: ColourScale) -> None:
    """Areas coloured by `column` on `scale`; areas without a figure grey and hatched."""
    missing = areas[column].isna()
    if (~missing).any():
        areas[~missing].plot(column=column, ax=ax, cmap=scale.cmap, vmin=scale.vmin, vmax=scale.vmax,
                             edgecolor="white", linewidth=0.4, zorder=1)
    if missing.any():
        areas[missing].plot(ax=ax, color="#dddddd", edgecolor="white", hatch="///", linewidth=0.4, zorder=1)


def choropleth(areas: Any, values: pd.Series, title: str, unit: str, lang: str, decimals: int, quantity: Quantity,
               outline: Any = None, cmap: str | None = None, footnote: str = "", synthetic: bool = False,
               width_mm: float = HALF_MM) -> Any:
    """A choropleth of `values` (indexed by area code) over `areas` (GeoDataFrame, RD New), on the colour
    scale of its `quantity`, with `outline` (from `outlines`) and its names on top, the colour bar and
    `footnote` below and the stamp when `synthetic`. Returns the matplotlib figure (see `svg`)."""
    with style():
        gdf = areas.merge(values.rename("v"), left_on="area_code", right_index=True, how="left")
        scale = colour_scale(gdf["v"], quantity, cmap)
        width_in = inches(width_mm)
        title_w, foot_w = wrap(title, width_in - 2 * PAD_IN, TITLE_PT), wrap(footnote, width_in - 2 * PAD_IN)
        label = wrap(range_label(unit, gdf["v"], lang, decimals), width_in - 2 * PAD_IN)
        legend_in = 0.1 + LINE_IN * (1 + label.count("\n") + 1) + 0.08
        layout = map_layout(tuple(gdf.total_bounds), width_mm, title_w.count("\n") + 1 if title else 0, legend_in,
                            foot_w.count("\n") + 1 if footnote else 0, synthetic)
        fig, ax, lax = _frame(layout, title_w, foot_w, synthetic, lang)
        _colour_areas(ax, simplified(gdf, layout), "v", scale)
        _fit(ax, gdf.total_bounds, layout)
        if outline is not None and len(outline):
            _label_outlines(ax, outline, layout.map[2], ax.get_xlim()[1] - ax.get_xlim()[0])
        _colour_bar(fig, lax, scale, label, lang, decimals)
    return fig


def simplified(areas: Any, layout: MapLayout) -> Any:
    """`areas` with detail below a quarter of a point on paper left out (smaller files, the same map)."""
    minx, _miny, maxx, _maxy = areas.total_bounds
    tolerance = (maxx - minx) / (layout.map[2] * 72) / 4
    return areas.assign(geometry=areas.geometry.simplify(tolerance, preserve_topology=True))


def _fit(ax: Any, bounds: Any, layout: MapLayout, margin: float = 0.0) -> None:
    """Show `bounds` (plus `margin` metres) at equal scale, centred in the map axes."""
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    minx, miny, maxx, maxy = minx - margin, miny - margin, maxx + margin, maxy + margin
    metres_per_in = max((maxx - minx) / layout.map[2], (maxy - miny) / layout.map[3])
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half_w, half_h = layout.map[2] * metres_per_in / 2, layout.map[3] * metres_per_in / 2
    ax.set_xlim(cx - half_w, cx + half_w)
    ax.set_ylim(cy - half_h, cy + half_h)
    ax.set_aspect("equal", adjustable="box", anchor="C")


def points_map(areas: Any, points: pd.DataFrame, chosen: pd.DataFrame | None, legend: str,
               kind_labels: dict[str, str], chosen_label: str, lang: str, outline: Any = None,
               synthetic: bool = False, width_mm: float = WIDE_MM) -> Any:
    """Areas (GeoDataFrame, RD New) coloured by their `value` (minutes, from 0) with the service points
    (columns kind, x, y) on top and the `chosen` new sites as stars; the districts of `outline`, the
    colour bar and the markers' legend below the map. Returns the matplotlib figure."""
    with style():
        scale = colour_scale(areas["value"], "rate", "OrRd")
        kinds = [k for k in MARKERS if (points["kind"] == k).any()]
        n_items = len(kinds) + (1 if chosen is not None and len(chosen) else 0)
        ncol = 3 if width_mm >= WIDE_MM else 2
        label = range_label(legend, areas["value"], lang, 1)
        legend_in = 0.1 + 2 * LINE_IN + 0.1 + math.ceil(n_items / ncol) * LINE_IN * 1.25 + 0.05
        layout = map_layout(tuple(areas.total_bounds + np.array([-500, -500, 500, 500])), width_mm, 0, legend_in,
                            0, synthetic)
        fig, ax, lax = _frame(layout, "", "", synthetic, lang)
        _colour_areas(ax, simplified(areas, layout), "value", scale)
        handles = []
        for kind in kinds:
            marker, colour, size = MARKERS[kind]
            p = points[points["kind"] == kind]
            edge: dict[str, Any] = {} if marker == "x" else {"edgecolors": "white", "linewidths": 0.5}
            handles.append(ax.scatter(p["x"], p["y"], marker=marker, c=colour, s=size,
                                      label=kind_labels.get(kind, kind), zorder=6, **edge))
        if chosen is not None and len(chosen):
            handles.append(ax.scatter(chosen["x"], chosen["y"], marker="*", c="#ffd700", s=200, edgecolors="black",
                                      linewidths=0.8, label=chosen_label, zorder=7))
        _fit(ax, areas.total_bounds, layout, 500.0)
        if outline is not None and len(outline):
            _label_outlines(ax, outline, layout.map[2], ax.get_xlim()[1] - ax.get_xlim()[0])
        _colour_bar(fig, lax, scale, label, lang, 0)
        lax.legend(handles=handles, loc="lower center", ncol=ncol, frameon=False, fontsize=FONT_PT,
                   borderaxespad=0.0, handletextpad=0.3, columnspacing=1.0)
    return fig
