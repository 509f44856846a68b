"""Static maps and charts as PNG bytes (matplotlib), embedded in the report so it works offline."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from wijkloket.i18n import fmt_number  # noqa: E402

STAMP_COLOUR = "#b35806"
"""The colour of the word "synthetic" printed on figures drawn from synthetic data."""

MARKERS = {"desk": ("s", "#b2182b", 90), "library_ido": ("o", "#2166ac", 50),
           "community_centre": ("^", "#1b7837", 40), "social_team": ("D", "#762a83", 35),
           "mobile_stop": ("P", "#e08214", 50), "candidate": ("x", "#555555", 30)}


def fig_png(fig: Any) -> bytes:
    """A matplotlib figure as PNG bytes (closed afterwards, so figures do not pile up)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def choropleth_png(
    areas: Any,
    values: pd.Series,
    title: str,
    unit: str,
    lang: str,
    decimals: int,
    outline: Any = None,
    labels: pd.Series | None = None,
    cmap: str = "YlOrRd",
    footnote: str = "",
) -> bytes:
    """A choropleth of `values` (indexed by area code) over `areas` (GeoDataFrame, RD New),
    with optional `outline` polygons (districts) and their `labels`."""
    gdf = areas.merge(values.rename("v"), left_on="area_code", right_index=True, how="left")
    fig, ax = plt.subplots(figsize=(7.0, 6.0), dpi=110)
    missing = gdf["v"].isna()
    if (~missing).any():
        gdf[~missing].plot(column="v", ax=ax, cmap=cmap, legend=True, edgecolor="white",
                           linewidth=0.4,
                           legend_kwds={"label": unit, "shrink": 0.6,
                                        "format": matplotlib.ticker.FuncFormatter(
                                            lambda x, _p: fmt_number(x, lang, decimals))})
    if missing.any():
        gdf[missing].plot(ax=ax, color="#dddddd", edgecolor="white", hatch="///", linewidth=0.4)
    if outline is not None:
        outline.boundary.plot(ax=ax, color="#222222", linewidth=1.2)
        if labels is not None:
            for code, geom in zip(outline["area_code"], outline.geometry, strict=True):
                p = geom.representative_point()
                ax.annotate(str(labels.get(code, code)), (p.x, p.y), ha="center", fontsize=8,
                            color="#111111",
                            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "alpha": 0.7,
                                  "lw": 0})
    ax.set_title(title, fontsize=11)
    ax.set_axis_off()
    if footnote:
        fig.text(0.01, 0.01, footnote, fontsize=7, color="#555555")
    return fig_png(fig)


def points_map_png(areas: Any, points: pd.DataFrame, chosen: pd.DataFrame | None, legend: str,
                   kind_labels: dict[str, str], chosen_label: str, stamp: str = "") -> bytes:
    """Areas (GeoDataFrame, RD New) coloured by their `value` with the service points (columns kind, x,
    y) on top, and the `chosen` new sites as stars. `stamp` is printed in the corner."""
    fig, ax = plt.subplots(figsize=(7.5, 6.5), dpi=110)
    areas.plot(column="value", ax=ax, cmap="OrRd", legend=True, edgecolor="white", linewidth=0.4,
               legend_kwds={"label": legend, "shrink": 0.6})
    for kind, (marker, colour, size) in MARKERS.items():
        p = points[points["kind"] == kind]
        if len(p):
            edge: dict[str, Any] = {} if marker == "x" else {"edgecolors": "white", "linewidths": 0.5}
            ax.scatter(p["x"], p["y"], marker=marker, c=colour, s=size, label=kind_labels.get(kind, kind),
                       zorder=3, **edge)
    if chosen is not None and len(chosen):
        ax.scatter(chosen["x"], chosen["y"], marker="*", c="#ffd700", s=260, edgecolors="black", linewidths=0.8,
                   label=chosen_label, zorder=4)
    minx, miny, maxx, maxy = areas.total_bounds
    ax.set_xlim(minx - 500, maxx + 500)
    ax.set_ylim(miny - 500, maxy + 500)
    ax.legend(fontsize=7, loc="lower left", frameon=True)
    ax.set_axis_off()
    if stamp:
        fig.text(0.01, 0.01, stamp, fontsize=8, color=STAMP_COLOUR)
    return fig_png(fig)
