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


def tornado_png(bars: pd.DataFrame, base: float, xlabel: str, low_label: str, high_label: str, lang: str,
                stamp: str = "") -> bytes:
    """A tornado chart: per row of `bars` (label, at_low, at_high; the widest swing first) a bar from
    `base` to the figure with that assumption low and one to the figure with it high."""
    rows = bars.iloc[::-1]  # the widest on top
    fig, ax = plt.subplots(figsize=(5.6, 0.45 * len(rows) + 1.2), dpi=110)
    y = range(len(rows))
    for col, colour, label in (("at_low", "#5aa0d8", low_label), ("at_high", "#e08214", high_label)):
        ax.barh(list(y), rows[col].to_numpy() - base, left=base, color=colour, label=label, height=0.6)
    ax.axvline(base, color="#333333", linewidth=0.8)
    ax.set_yticks(list(y), [str(v) for v in rows["label"]], fontsize=8)
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _p: fmt_number(x, lang)))
    ax.legend(fontsize=7, frameon=False, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    if stamp:
        fig.text(0.01, 0.01, stamp, fontsize=7, color=STAMP_COLOUR)
    return fig_png(fig)


def forecast_png(history: pd.DataFrame, ahead: pd.DataFrame, products: list[str], labels: dict[str, str],
                 ylabel: str, legend: tuple[str, str, str], lang: str, stamp: str = "") -> bytes:
    """One panel per product: issued per month (`history`: product, month YYYY-MM, issued) and the
    forecast (`ahead`: product, month, expected, low, high) with its interval as a band. `legend`: the
    labels of the issued line, the forecast line and the band."""
    fig, axes = plt.subplots(len(products), 1, figsize=(8.0, 2.1 * len(products) + 0.6), dpi=110, sharex=True,
                             squeeze=False)
    for ax, p in zip(axes[:, 0], products, strict=True):
        h = history[history["product"] == p]
        f = ahead[ahead["product"] == p]
        colour = PRODUCT_COLOURS.get(p, "#999999")
        ax.plot(pd.to_datetime(h["month"]), h["issued"], color="#444444", linewidth=1.0, label=legend[0])
        x = pd.to_datetime(f["month"])
        ax.fill_between(x, f["low"], f["high"], color=colour, alpha=0.25, linewidth=0, label=legend[2])
        ax.plot(x, f["expected"], color=colour, linewidth=1.6, label=legend[1])
        ax.set_title(labels.get(p, p), fontsize=9, loc="left")
        ax.set_ylabel(ylabel, fontsize=8)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _p: fmt_number(v, lang)))
        ax.spines[["top", "right"]].set_visible(False)
    axes[0, 0].legend(fontsize=7, frameon=False, loc="upper left", ncol=3)
    if stamp:
        fig.text(0.01, 0.01, stamp, fontsize=8, color=STAMP_COLOUR)
    fig.tight_layout()
    return fig_png(fig)
