"""Report sections for support points and travel times (question 5) and options with optimal
locations (question 6)."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from markupsafe import Markup, escape  # noqa: E402

from wijkloket.i18n import fmt_number  # noqa: E402
from wijkloket.report.html import ReportContext, Section, png_img  # noqa: E402
from wijkloket.report.maps import fig_png  # noqa: E402

MARKERS = {"desk": ("s", "#b2182b", 90), "library_ido": ("o", "#2166ac", 50),
           "community_centre": ("^", "#1b7837", 40),
           "social_team": ("D", "#762a83", 35), "mobile_stop": ("P", "#e08214", 50), "candidate": ("x", "#555555", 30)}


def _points_map(ctx: ReportContext, acc: Any, chosen: pd.DataFrame | None) -> bytes:
    geo = ctx.geometry
    level = "wijk"
    t = acc.table
    sel = t[(t["level"] == level) & (t["group"] == "population") & (t["kind"] == "desk")
            & (t["indicator"] == "minutes")]
    areas = geo[geo["level"] == level].merge(sel[["area_code", "value"]], on="area_code", how="inner")
    fig, ax = plt.subplots(figsize=(7.5, 6.5), dpi=110)
    areas.plot(column="value", ax=ax, cmap="OrRd", legend=True, edgecolor="white", linewidth=0.4,
               legend_kwds={"label": ctx.tr("report.plan_map_legend", mode=ctx.tr("mode." + acc.mode)),
                            "shrink": 0.6})
    for kind, (marker, colour, size) in MARKERS.items():
        p = acc.points[acc.points["kind"] == kind]
        if len(p):
            edge: dict[str, Any] = {} if marker == "x" else {"edgecolors": "white", "linewidths": 0.5}
            ax.scatter(p["x"], p["y"], marker=marker, c=colour, s=size, label=ctx.tr("kind." + kind), zorder=3,
                       **edge)
    if chosen is not None and len(chosen):
        ax.scatter(chosen["x"], chosen["y"], marker="*", c="#ffd700", s=260, edgecolors="black", linewidths=0.8,
                   label=ctx.tr("report.plan_chosen"), zorder=4)
    minx, miny, maxx, maxy = areas.total_bounds
    ax.set_xlim(minx - 500, maxx + 500)
    ax.set_ylim(miny - 500, maxy + 500)
    ax.legend(fontsize=7, loc="lower left", frameon=True)
    ax.set_axis_off()
    if ctx.synthetic:
        fig.text(0.01, 0.01, ctx.tr("report.synthetic_short").upper(), fontsize=8, color="#b35806")
    return fig_png(fig)


def section_access(ctx: ReportContext) -> Section | None:
    acc = ctx.extra.get("access")
    if acc is None or ctx.geometry is None:
        return None
    loc = ctx.extra.get("locate")
    t = acc.table
    kinds = [k for k in ("desk", "library_ido", "community_centre", "social_team", "mobile_stop")
             if k in set(t["kind"])]
    groups = [g for g in dict.fromkeys(t["group"])]
    rows = []
    for (level, _code), grp in t[t["level"].isin(["district", "gemeente"]) & t["kind"].isin(["desk"])].groupby(
            ["level", "area_code"], sort=False):
        by = grp.set_index(["group", "indicator"])["value"]
        cells = "".join(
            f"<td>{fmt_number(by.get((g, 'minutes')), ctx.lang, 0)} min · "
            f"{fmt_number(by.get((g, 'share_within')), ctx.lang, 0)}%</td>" for g in groups)
        cls = " class='city'" if level == "gemeente" else ""
        rows.append(f"<tr{cls}><th>{escape(str(grp['area_name'].iloc[0]))}</th>{cells}</tr>")
    head = "".join(f"<th>{escape(ctx.registry.get(g).short(ctx.lang))}</th>" for g in groups)
    other = []
    for (level, _code), grp in t[(t["level"].isin(["district", "gemeente"])) & (t["group"] == "population")
                                  & t["kind"].isin(kinds)].groupby(["level", "area_code"], sort=False):
        by = grp.set_index(["kind", "indicator"])["value"]
        cells = "".join(f"<td>{fmt_number(by.get((k, 'minutes')), ctx.lang, 0)} min</td>" for k in kinds)
        cls = " class='city'" if level == "gemeente" else ""
        other.append(f"<tr{cls}><th>{escape(str(grp['area_name'].iloc[0]))}</th>{cells}</tr>")
    khead = "".join(f"<th>{escape(ctx.tr('kind.' + k))}</th>" for k in kinds)
    intro = ctx.tr("report.access_intro", mode=ctx.tr("mode." + acc.mode), minutes=fmt_number(acc.threshold, ctx.lang),
                   method=ctx.tr("method." + acc.method), detour=fmt_number(acc.settings.detour_factor, ctx.lang, 1),
                   speed=fmt_number(acc.settings.speeds[acc.mode], ctx.lang, 1))
    html = [f"<p class='synthetic'>{escape(ctx.tr('report.points_synthetic'))}</p>" if acc.synthetic else "",
            f"<p>{escape(intro)}</p>",
            f"<h3>{escape(ctx.tr('report.access_desk_title'))}</h3>",
            f"<div class='scroll'><table class='profile'><thead><tr><th>{escape(ctx.tr('report.district'))}</th>"
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>",
            f"<h3>{escape(ctx.tr('report.access_kinds_title'))}</h3>",
            f"<div class='scroll'><table class='profile'><thead><tr><th>{escape(ctx.tr('report.district'))}</th>"
            f"{khead}</tr></thead><tbody>{''.join(other)}</tbody></table></div>",
            f"<figure>{png_img(_points_map(ctx, acc, loc.chosen if loc else None), ctx.tr('report.plan_map'))}"
            f"<figcaption>{escape(ctx.tr('report.plan_map'))}</figcaption></figure>"]
    return Section("bereikbaarheid", ctx.tr("report.access_title"), Markup("".join(html)))


def section_options(ctx: ReportContext) -> Section | None:
    opts = ctx.extra.get("options")
    if opts is None:
        return None
    loc = ctx.extra.get("locate")
    target = next((g for g in opts.groups if g != "population"), "population")
    tlabel = ctx.registry.get(target).short(ctx.lang)
    cols = ["cost", "visits", "per_visit", "within", "reached", "per_reached", "hours"]
    head = "".join(f"<th>{escape(ctx.tr('cli.opt_' + c, group=tlabel))}</th>" for c in cols)
    rows = []
    for r in opts.table.to_dict("records"):
        vals = [f"€ {fmt_number(r['annual_cost'], ctx.lang)}", fmt_number(r["visits_served"], ctx.lang),
                f"€ {fmt_number(r['cost_per_visit'], ctx.lang)}", fmt_number(r.get(f"newly_within_{target}"), ctx.lang),
                fmt_number(r.get(f"reached_{target}"), ctx.lang),
                f"€ {fmt_number(r.get('cost_per_target_reached'), ctx.lang)}",
                fmt_number(r["travel_hours_saved"], ctx.lang)]
        sites = f"<br><span class='unit'>{escape(r['sites'])}</span>" if r.get("sites") else ""
        rows.append(f"<tr><th>{escape(r['label'])}{sites}</th>{''.join(f'<td>{v}</td>' for v in vals)}</tr>")
    assumptions = "".join(f"<li><code>{escape(k)}</code> = {escape(v)}</li>" for k, v in opts.assumptions)
    per_option = "".join(f"<li>{escape(r['label'])}: {escape(r['assumptions'])}</li>"
                         for r in opts.table.to_dict("records"))
    html = [f"<p>{escape(ctx.tr('report.options_intro'))}</p>",
            f"<div class='scroll'><table class='profile'><thead><tr><th>{escape(ctx.tr('cli.opt_option'))}</th>"
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>",
            f"<h3>{escape(ctx.tr('report.assumptions'))}</h3><ul>{assumptions}{per_option}</ul>"]
    if loc is not None:
        r = loc.result
        text = ctx.tr(
            "report.locate_text", sites=", ".join(loc.chosen["name"]) or "-",
            before=fmt_number(loc.before.set_index("level").loc["gemeente", "mean_minutes"], ctx.lang, 1),
            after=fmt_number(loc.after.set_index("level").loc["gemeente", "mean_minutes"], ctx.lang, 1),
            gap=fmt_number(100 * r.gap, ctx.lang, 2), seconds=fmt_number(r.seconds, ctx.lang, 1))
        html.append(f"<h3>{escape(ctx.tr('report.locate_title'))}</h3><p>{escape(text)}</p>")
    return Section("opties", ctx.tr("report.options_title"), Markup("".join(html)))
