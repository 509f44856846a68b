"""Report sections for desk use (question 2) and issuances by origin (question 3)."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from markupsafe import Markup, escape  # noqa: E402

from wijkloket.i18n import fmt_number  # noqa: E402
from wijkloket.report.html import ReportContext, Section, png_img  # noqa: E402
from wijkloket.report.maps import choropleth_png, fig_png  # noqa: E402

PRODUCT_COLOURS = {"passport": "#1b6ca8", "id_card": "#5aa0d8", "driving_licence": "#e08214",
                   "brp_extract": "#7f3b08", "declaration": "#8073ac", "collect_document": "#a6cee3",
                   "collect_licence": "#fdb863"}


def _trend_png(city: pd.DataFrame, ctx: ReportContext, noun: str, products: list[str]) -> bytes:
    """Stacked bars: events per year and product for the whole municipality."""
    fig, ax = plt.subplots(figsize=(8.0, 3.8), dpi=110)
    pivot = city[city["indicator"] == noun].pivot_table(index="year", columns="product", values="value",
                                                        aggfunc="sum").reindex(columns=products).fillna(0.0)
    bottom = None
    for p in products:
        ax.bar(pivot.index.astype(str), pivot[p], bottom=bottom, label=ctx.tr("product." + p),
               color=PRODUCT_COLOURS.get(p, "#999999"))
        bottom = pivot[p] if bottom is None else bottom + pivot[p]
    ax.set_ylabel(ctx.tr(f"report.axis_{noun}"))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _p: fmt_number(x, ctx.lang)))
    ax.legend(fontsize=7, ncol=2, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    if ctx.synthetic:
        fig.text(0.01, 0.01, ctx.tr("report.synthetic_short").upper(), fontsize=8, color="#b35806")
    return fig_png(fig)


def _age_png(city: pd.DataFrame, ctx: ReportContext, year: int) -> bytes | None:
    sel = city[(city["indicator"] == "visits_per_1000") & city["age_band"].notna() & (city["year"] == year)]
    if sel.empty or sel["value"].isna().all():
        return None
    fig, ax = plt.subplots(figsize=(5.0, 3.0), dpi=110)
    ax.bar(sel["age_band"], sel["value"], color="#1b6ca8")
    ax.set_ylabel(ctx.tr("report.axis_per_1000"))
    ax.set_xlabel(ctx.tr("report.axis_age"))
    ax.spines[["top", "right"]].set_visible(False)
    return fig_png(fig)


def _district_table(res: Any, ctx: ReportContext, indicators: list[str], year: int) -> str:
    t = res.table
    total = "top" if res.kind == "visit" else "all"
    sel = t[(t["year"] == year) & (t["product"] == total) & t["age_band"].isna()
            & t["level"].isin(["district", "gemeente"]) & t["indicator"].isin(indicators)]
    head = "".join(f"<th>{escape(ctx.tr('desk.' + i))}</th>" for i in indicators)
    rows = []
    for (level, _code), grp in sel.groupby(["level", "area_code"], sort=False):
        by = grp.set_index("indicator")
        cells = []
        for i in indicators:
            if i not in by.index:
                cells.append("<td>–</td>")
                continue
            r = by.loc[i]
            decimals = 0 if i in ("visits", "issuances") else 1
            text = "x" if r["suppressed"] else fmt_number(r["value"], ctx.lang, decimals)
            cells.append(f"<td>{text}</td>")
        cls = " class='city'" if level == "gemeente" else ""
        rows.append(f"<tr{cls}><th>{escape(str(grp['area_name'].iloc[0]))}</th>{''.join(cells)}</tr>")
    return (f"<div class='scroll'><table class='profile'><thead><tr><th>{escape(ctx.tr('report.district'))}</th>"
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def _map(res: Any, ctx: ReportContext, indicator: str, year: int, title: str) -> str:
    if ctx.geometry is None:
        return ""
    t = res.table
    total = "top" if res.kind == "visit" else "all"
    sel = t[(t["year"] == year) & (t["product"] == total) & t["age_band"].isna() & (t["indicator"] == indicator)
            & t["level"].isin(["wijk", "buurt"])]
    if sel.empty:
        return ""
    level = str(sel["level"].iloc[0])
    areas = ctx.geometry[ctx.geometry["level"] == level]
    png = choropleth_png(areas, sel.set_index("area_code")["value"], title, ctx.tr(f"desk.{indicator}"), ctx.lang,
                         1, cmap="Blues", footnote=(ctx.tr("report.synthetic_short").upper() + " · "
                                                    if ctx.synthetic else "") + ctx.tr("report.map_suppressed"))
    return f"<figure>{png_img(png, title)}<figcaption>{escape(title)}</figcaption></figure>"


def _section(ctx: ReportContext, kind: str) -> Section | None:
    res = ctx.extra.get(kind)
    if res is None:
        return None
    year = max(res.years)
    noun = "visits" if kind == "visit" else "issuances"
    t = res.table
    city = t[t["level"] == "gemeente"]
    products = ["passport", "id_card", "driving_licence"] + (
        ["brp_extract", "declaration", "collect_document", "collect_licence"] if kind == "visit" else [])
    parts = []
    if res.synthetic:
        parts.append(f"<p class='synthetic'>{escape(ctx.tr('report.desk_synthetic'))}</p>")
    total = "top" if kind == "visit" else "all"
    cv = city[(city["indicator"] == ("once_every_n_years" if kind == "visit" else "issuances_per_1000"))
              & (city["product"] == total) & city["age_band"].isna()].set_index("year")["value"]
    intro = ctx.tr(f"report.{kind}_intro", first=min(res.years), last=year,
                   value=fmt_number(cv.get(year), ctx.lang, 1), pop_year=res.population_year, n=res.threshold)
    parts.append(f"<p>{escape(intro)}</p>")
    indicators = (["visits", "visits_per_1000", "once_every_n_years", "representation_index"] if kind == "visit"
                  else ["issuances", "issuances_per_1000", "representation_index"])
    parts.append(f"<h3>{escape(ctx.tr('report.desk_table', year=year))}</h3>")
    parts.append(_district_table(res, ctx, indicators, year))
    parts.append(f"<p class='legend'>{escape(ctx.tr('report.desk_legend', n=res.threshold))}</p>")
    figs = [f"<figure>{png_img(_trend_png(city, ctx, noun, products), ctx.tr('report.trend_' + kind))}"
            f"<figcaption>{escape(ctx.tr('report.trend_' + kind))}</figcaption></figure>"]
    title = ctx.tr(f"report.map_{kind}", year=year)
    figs.append(_map(res, ctx, f"{noun}_per_1000", year, title))
    if kind == "visit":
        age = _age_png(city, ctx, year)
        if age:
            figs.append(f"<figure>{png_img(age, ctx.tr('report.age_chart', year=year))}<figcaption>"
                        f"{escape(ctx.tr('report.age_chart', year=year))}</figcaption></figure>")
    parts.append(f"<div class='maps'>{''.join(figs)}</div>")
    allocation = ctx.tr("cli.desk_allocation", split=fmt_number(100 * res.share_split, ctx.lang, 1),
                        pc4=fmt_number(100 * res.share_pc4, ctx.lang, 1))
    parts.append(f"<p class='legend'>{escape(allocation)}</p>")
    if res.unmatched:
        parts.append(f"<p class='caveat'>{escape(ctx.tr('cli.desk_unmatched', n=fmt_number(res.unmatched)))}</p>")
    return Section("baliegebruik" if kind == "visit" else "verstrekkingen", ctx.tr(f"report.{kind}_title"),
                   Markup("".join(parts)))


def section_desk_use(ctx: ReportContext) -> Section | None:
    return _section(ctx, "visit")


def section_issuances(ctx: ReportContext) -> Section | None:
    return _section(ctx, "issuance")
