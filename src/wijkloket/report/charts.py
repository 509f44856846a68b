"""Charts for the report (matplotlib): no selection or computation, only drawing. Each function returns
the matplotlib figure, drawn at its printed width in the house style of `maps` (text at least 9 pt,
legends below the plot, the synthetic stamp when `synthetic`); `maps.svg` turns it into the image."""

from __future__ import annotations

import math
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter  # noqa: E402

from wijkloket.i18n import fmt_number  # noqa: E402
from wijkloket.report.formatting import visible  # noqa: E402
from wijkloket.report.maps import (  # noqa: E402
    FONT_PT,
    HALF_MM,
    STAMP_COLOUR,
    WIDE_MM,
    inches,
    stamp_text,
    style,
    wrap,
)

PRODUCT_COLOURS = {"passport": "#1b6ca8", "id_card": "#5aa0d8", "driving_licence": "#e08214",
                   "brp_extract": "#7f3b08", "declaration": "#8073ac", "collect_document": "#a6cee3",
                   "collect_licence": "#fdb863"}


def _figure(width_mm: float, height_in: float, synthetic: bool, lang: str, **kwargs: Any) -> tuple[Any, Any]:
    """A figure `width_mm` wide with constrained layout (nothing overlaps, legends outside fit), and the
    stamp as its title on the right when `synthetic`."""
    fig, axes = plt.subplots(figsize=(inches(width_mm), height_in), layout="constrained", **kwargs)
    if synthetic:
        fig.suptitle(stamp_text(lang), x=0.99, ha="right", fontsize=FONT_PT, fontweight="bold", color=STAMP_COLOUR)
    return fig, axes


def _legend_below(fig: Any, handles: list[Any], labels: list[str], ncol: int) -> Any:
    return fig.legend(handles, labels, loc="outside lower center", ncol=ncol, frameon=False, fontsize=FONT_PT,
                      handlelength=1.2, handletextpad=0.4, columnspacing=1.0)


def _numbers(axis: Any, lang: str) -> None:
    axis.set_major_formatter(FuncFormatter(lambda x, _p: fmt_number(x, lang)))


def trend(per_year: pd.DataFrame, products: list[str], labels: dict[str, str], ylabel: str, lang: str,
          synthetic: bool = False, width_mm: float = HALF_MM) -> Any:
    """Stacked bars of `per_year` (columns year, product, value): events per year and product, the
    legend below in two columns."""
    with style():
        fig, ax = _figure(width_mm, 3.4, synthetic, lang)
        pivot = per_year.pivot_table(index="year", columns="product", values="value", aggfunc="sum").reindex(
            columns=products).fillna(0.0)
        bottom = None
        for p in products:
            ax.bar(pivot.index.astype(str), pivot[p], bottom=bottom, label=labels.get(p, p),
                   color=PRODUCT_COLOURS.get(p, "#999999"))
            bottom = pivot[p] if bottom is None else bottom + pivot[p]
        ax.set_ylabel(ylabel)
        _numbers(ax.yaxis, lang)
        ax.spines[["top", "right"]].set_visible(False)
        handles, names = ax.get_legend_handles_labels()
        _legend_below(fig, handles, names, 2 if width_mm < WIDE_MM else 4)
    return fig


def bars(values: pd.Series, ylabel: str, xlabel: str, lang: str, synthetic: bool = False,
         width_mm: float = HALF_MM) -> Any:
    """Plain bars of `values` (indexed by category, e.g. age band)."""
    with style():
        fig, ax = _figure(width_mm, 2.6, synthetic, lang)
        ax.bar([str(i) for i in values.index], values.to_numpy(), color="#1b6ca8")
        ax.set_ylabel(ylabel)
        ax.set_xlabel(xlabel)
        _numbers(ax.yaxis, lang)
        ax.tick_params(axis="x", labelrotation=45 if len(values) > 6 else 0)
        ax.spines[["top", "right"]].set_visible(False)
    return fig


def tornado(rows_in: pd.DataFrame, base: float, xlabel: str, low_label: str, high_label: str, lang: str,
            synthetic: bool = False, width_mm: float = HALF_MM) -> Any:
    """A tornado chart: per row of `rows_in` (label, at_low, at_high; the widest swing first) a bar from
    `base` to the figure with that assumption low and one to the figure with it high; legend below."""
    rows = rows_in.iloc[::-1]  # the widest on top
    with style():
        fig, ax = _figure(width_mm, 0.3 * len(rows) + 1.3, synthetic, lang)
        y = list(range(len(rows)))
        for col, colour, label in (("at_low", "#5aa0d8", low_label), ("at_high", "#e08214", high_label)):
            ax.barh(y, rows[col].to_numpy() - base, left=base, color=colour, label=label, height=0.6)
        ax.axvline(base, color="#333333", linewidth=0.8)
        ax.set_yticks(y, [wrap(str(v), inches(width_mm) * 0.45) for v in rows["label"]])
        ax.set_xlabel(wrap(xlabel, inches(width_mm) * 0.5))
        _numbers(ax.xaxis, lang)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(4))
        ax.spines[["top", "right"]].set_visible(False)
        handles, names = ax.get_legend_handles_labels()
        _legend_below(fig, handles, names, 2)
    return fig


def forecast(history: pd.DataFrame, ahead: pd.DataFrame, products: list[str], labels: dict[str, str],
             ylabel: str, legend: tuple[str, str, str], lang: str, synthetic: bool = False,
             width_mm: float = WIDE_MM) -> Any:
    """One panel per product: issued per month (`history`: product, month YYYY-MM, issued) and the
    forecast (`ahead`: product, month, expected, low, high) with its interval as a band. `legend`: the
    labels of the issued line, the forecast line and the band (shown once, below the panels)."""
    with style():
        fig, axes = _figure(width_mm, 1.9 * len(products) + 0.7, synthetic, lang, nrows=len(products), ncols=1,
                            sharex=True, squeeze=False)
        for ax, p in zip(axes[:, 0], products, strict=True):
            h = history[history["product"] == p]
            f = ahead[ahead["product"] == p]
            colour = PRODUCT_COLOURS.get(p, "#999999")
            ax.plot(pd.to_datetime(h["month"]), h["issued"], color="#444444", linewidth=1.0, label=legend[0])
            x = pd.to_datetime(f["month"])
            ax.fill_between(x, f["low"], f["high"], color=colour, alpha=0.25, linewidth=0, label=legend[2])
            ax.plot(x, f["expected"], color=colour, linewidth=1.6, label=legend[1])
            ax.set_title(labels.get(p, p), loc="left")
            ax.set_ylabel(ylabel)
            ax.set_ylim(bottom=0)
            _numbers(ax.yaxis, lang)
            ax.spines[["top", "right"]].set_visible(False)
        handles, names = axes[0, 0].get_legend_handles_labels()
        _legend_below(fig, handles, names, 3)
    return fig


def funnel(points: pd.DataFrame, curves: pd.DataFrame, panels: list[tuple[str, str]], labels: dict[str, str],
           texts: dict[str, str], lang: str, synthetic: bool = False, width_mm: float = WIDE_MM) -> Any:
    """Small multiples, one per (kind, product) of `panels`: each area's index against its expected count
    (log scale), the 95% and 99.8% control limits of `curves` (columns expected, low_95, high_95, low_998,
    high_998), flagged areas in red with their names. `labels`: panel titles by "kind/product"; `texts`:
    x, y, limits_95, limits_998, flagged. Three panels a row, the legend below."""
    ncols = min(3, max(1, len(panels)))
    nrows = max(1, math.ceil(len(panels) / ncols))
    with style():
        fig, axes = _figure(width_mm, 1.65 * nrows + 0.9, synthetic, lang, nrows=nrows, ncols=ncols, squeeze=False)
        for ax in axes.flat[len(panels):]:
            ax.set_visible(False)
        legend: dict[str, Any] = {}
        for ax, (kind, product) in zip(axes.flat, panels, strict=False):
            sel = points[(points["kind"] == kind) & (points["product"] == product) & points["ratio"].notna()]
            _funnel_panel(ax, sel, curves, texts, lang)
            ax.set_title(wrap(labels[f"{kind}/{product}"], 0.75 * inches(width_mm) / ncols), loc="left")
            for handle, name in zip(*ax.get_legend_handles_labels(), strict=True):
                legend.setdefault(name, handle)
        fig.supxlabel(texts["x"], fontsize=FONT_PT)
        fig.supylabel(texts["y"], fontsize=FONT_PT)
        fig.legend(list(legend.values()), list(legend), loc="outside upper center", ncol=3, frameon=False,
                   fontsize=FONT_PT, handlelength=1.6, columnspacing=1.0)
    return fig


def log_ticks(lo: float, hi: float, most: int = 3) -> list[float]:
    """At most `most` ticks of 1, 2 and 5 times a power of ten between `lo` and `hi` (> 0), evenly
    thinned, so the labels of a narrow log axis do not run into each other."""
    ticks = [m * 10.0 ** k for k in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
             for m in (1, 2, 5) if lo <= m * 10.0 ** k <= hi]
    step = max(1, math.ceil(len(ticks) / most))
    return ticks[::step]


def _label_flagged(ax: Any, flagged: pd.DataFrame, height_in: float) -> None:
    """The names of the flagged areas beside their points, moved apart vertically so that no two
    overlap (at least one line of 9 pt between them, on a panel about `height_in` inches high)."""
    ax.autoscale_view()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    sep = FONT_PT * 1.15 / (height_in * 72)
    last = 1.0 + sep
    for _, r in flagged.sort_values("ratio", ascending=False).iterrows():
        y = min((r["ratio"] - y0) / (y1 - y0), last - sep)
        last = y
        right = math.log(r["expected"] / x0) / math.log(x1 / x0) > 0.55
        x = r["expected"] / 1.15 if right else r["expected"] * 1.15
        ax.annotate(visible(str(r["area_name"])), (r["expected"], r["ratio"]), xytext=(x, y), parse_math=False,
                    textcoords=("data", "axes fraction"), fontsize=FONT_PT, color="#b2182b",
                    ha="right" if right else "left", va="center",
                    arrowprops={"arrowstyle": "-", "color": "#b2182b", "linewidth": 0.4, "shrinkA": 0,
                                "shrinkB": 2})


def _funnel_panel(ax: Any, sel: pd.DataFrame, curves: pd.DataFrame, texts: dict[str, str], lang: str) -> None:
    ax.axhline(100, color="#555555", linewidth=0.8)
    ax.spines[["top", "right"]].set_visible(False)
    if not len(sel):
        return
    span = curves[(curves["expected"] >= sel["expected"].min() / 1.5)
                  & (curves["expected"] <= sel["expected"].max() * 1.5)]
    for lo, hi, line, key in (("low_95", "high_95", "--", "limits_95"), ("low_998", "high_998", ":", "limits_998")):
        ax.plot(span["expected"], span[lo], line, color="#2166ac", linewidth=0.9, label=texts[key])
        ax.plot(span["expected"], span[hi], line, color="#2166ac", linewidth=0.9)
    flagged = sel["flag"].astype(bool)
    ax.scatter(sel.loc[~flagged, "expected"], sel.loc[~flagged, "ratio"], s=12, color="#444444", zorder=3)
    ax.scatter(sel.loc[flagged, "expected"], sel.loc[flagged, "ratio"], s=20, color="#b2182b", zorder=4,
               label=texts["flagged"])
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator(log_ticks(float(span["expected"].min()),
                                                      float(span["expected"].max()))))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: fmt_number(x, lang)))
    ax.xaxis.set_minor_formatter(NullFormatter())
    _label_flagged(ax, sel[flagged], 1.1)


def intervals(estimates: pd.DataFrame, panels: list[tuple[str, str]], rows: list[str], xlabel: str, lang: str,
              unreliable_label: str, synthetic: bool = False, width_mm: float = WIDE_MM) -> Any:
    """Small multiples of estimates with their 95% interval: one panel per (answer, title) of `panels`, one
    line per row name of `rows` (e.g. the districts, the city last), a dot at the estimate and a bar from
    `ci_low` to `ci_high` (`estimates`: columns answer, row, estimate, ci_low, ci_high, reliable, in per
    cent). Unreliable estimates are drawn grey and hollow; suppressed ones (estimate NaN) are left out.
    Four panels a row, all on one scale from 0, the legend above."""
    ncols = min(4, max(1, len(panels)))
    nrows = max(1, math.ceil(len(panels) / ncols))
    top = float(pd.concat([estimates["ci_high"], estimates["estimate"]]).max(skipna=True) or 0.0)
    high = max(10.0, math.ceil((top + 2.5) / 10.0) * 10.0)
    with style():
        fig, axes = _figure(width_mm, (0.17 * len(rows) + 0.55) * nrows + 0.6, synthetic, lang, nrows=nrows,
                            ncols=ncols, squeeze=False, sharey=True)
        for ax in axes.flat[len(panels):]:
            ax.set_visible(False)
        y = list(range(len(rows)))[::-1]
        where = dict(zip(rows, y, strict=True))
        for ax, (answer, title) in zip(axes.flat, panels, strict=False):
            sel = estimates[(estimates["answer"] == answer) & estimates["estimate"].notna()
                            & estimates["row"].isin(rows)]
            for ok, colour, face in ((True, "#1b6ca8", "#1b6ca8"), (False, "#9a9a9a", "white")):
                part = sel[sel["reliable"].astype(bool) == ok]
                ys = [where[r] for r in part["row"]]
                ax.hlines(ys, part["ci_low"], part["ci_high"], color=colour, linewidth=1.6)
                ax.scatter(part["estimate"], ys, s=22, color=colour, facecolors=face, zorder=3,
                           label=None if ok else unreliable_label)
            ax.set_title(wrap(title, 0.8 * inches(width_mm) / ncols), loc="left")
            ax.set_xlim(0, high)
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(3))
            _numbers(ax.xaxis, lang)
            ax.set_yticks(y, [wrap(r, 1.1) for r in rows])
            ax.grid(axis="x", color="#dddddd", linewidth=0.5)
            ax.spines[["top", "right"]].set_visible(False)
        fig.supxlabel(xlabel, fontsize=FONT_PT)
        legend = {n: h for ax in axes.flat for h, n in zip(*ax.get_legend_handles_labels(), strict=True)}
        if legend:
            fig.legend(list(legend.values()), list(legend), loc="outside upper center", ncol=1, frameon=False,
                       fontsize=FONT_PT, handlelength=1.2)
    return fig
