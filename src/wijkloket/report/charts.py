"""Charts as PNG bytes (matplotlib) for the report: no selection or computation, only drawing."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from wijkloket.i18n import fmt_number  # noqa: E402
from wijkloket.report.maps import STAMP_COLOUR, fig_png  # noqa: E402

PRODUCT_COLOURS = {"passport": "#1b6ca8", "id_card": "#5aa0d8", "driving_licence": "#e08214",
                   "brp_extract": "#7f3b08", "declaration": "#8073ac", "collect_document": "#a6cee3",
                   "collect_licence": "#fdb863"}


def trend_png(per_year: pd.DataFrame, products: list[str], labels: dict[str, str], ylabel: str, lang: str,
              stamp: str = "") -> bytes:
    """Stacked bars of `per_year` (columns year, product, value): events per year and product.
    `stamp` is printed in the corner (the word "synthetic" when the events are)."""
    fig, ax = plt.subplots(figsize=(8.0, 3.8), dpi=110)
    pivot = per_year.pivot_table(index="year", columns="product", values="value", aggfunc="sum").reindex(
        columns=products).fillna(0.0)
    bottom = None
    for p in products:
        ax.bar(pivot.index.astype(str), pivot[p], bottom=bottom, label=labels.get(p, p),
               color=PRODUCT_COLOURS.get(p, "#999999"))
        bottom = pivot[p] if bottom is None else bottom + pivot[p]
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _p: fmt_number(x, lang)))
    ax.legend(fontsize=7, ncol=2, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    if stamp:
        fig.text(0.01, 0.01, stamp, fontsize=8, color=STAMP_COLOUR)
    return fig_png(fig)


def bars_png(values: pd.Series, ylabel: str, xlabel: str, stamp: str = "") -> bytes:
    """Plain bars of `values` (indexed by category, e.g. age band)."""
    fig, ax = plt.subplots(figsize=(5.0, 3.0), dpi=110)
    ax.bar([str(i) for i in values.index], values.to_numpy(), color="#1b6ca8")
    ax.set_ylabel(ylabel)
    ax.set_xlabel(xlabel)
    ax.spines[["top", "right"]].set_visible(False)
    if stamp:
        fig.text(0.01, 0.01, stamp, fontsize=7, color=STAMP_COLOUR)
    return fig_png(fig)
