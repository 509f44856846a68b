"""The report a council committee reads: one self-contained HTML file, Dutch by default.

Sections are pluggable: a section builder takes the `ReportContext` and returns a `Section` (or
None when it has nothing to show). Later modules add builders to `SECTIONS`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from wijkloket.i18n import decimals_for, fmt_number, t, unit_label
from wijkloket.indicators.findings import concern_counts, stand_out
from wijkloket.indicators.registry import Indicator, Registry


@dataclass
class ReportContext:
    lang: str
    table: pd.DataFrame
    year: int
    gemeente: str
    gemeente_name: str
    registry: Registry
    inventory: list[dict[str, Any]]
    geometry: Any
    districts: pd.DataFrame | None
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    synthetic: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def tr(self, key: str, **params: Any) -> str:
        return t(key, self.lang, **params)

    def num(self, value: float | None, unit: str = "aantal") -> str:
        return fmt_number(value, self.lang, decimals_for(unit))

    def indicators_with_data(self, key_only: bool = False) -> list[Indicator]:
        have = set(self.table.loc[self.table["value"].notna(), "indicator"])
        return [i for i in self.registry.indicators.values()
                if i.id in have and (i.key or not key_only)]


@dataclass
class Section:
    id: str
    title: str
    html: Markup


SectionBuilder = Callable[[ReportContext], Section | None]


def png_img(data: bytes, alt: str) -> Markup:
    b64 = base64.b64encode(data).decode("ascii")
    return Markup(f'<img src="data:image/png;base64,{b64}" alt="{escape(alt)}">')


def _index_class(index: float, concern: str) -> str:
    if index != index:
        return ""
    dev = index - 100.0
    if concern == "low":
        dev = -dev
    if dev >= 20:
        return "hi2"
    if dev >= 10:
        return "hi1"
    if dev <= -20:
        return "lo2"
    if dev <= -10:
        return "lo1"
    return ""


def _missing_key_indicators(ctx: ReportContext, have: list[Indicator]) -> tuple[list[str], list[str]]:
    """Key indicators without figures: those CBS has not published yet for the year, and those
    no source in the workspace holds. An indicator superseded by one with figures is left out."""
    have_ids = {i.id for i in have}
    unpublished: list[str] = []
    absent: list[str] = []
    for ind in ctx.registry.indicators.values():
        if not ind.key or ind.id in have_ids or (ind.superseded_by in have_ids):
            continue
        reasons = {s.get("lacks", {}).get(ind.id) for s in ctx.inventory}
        (unpublished if "not_available" in reasons else absent).append(ind.label(ctx.lang))
    return unpublished, absent


def section_key_message(ctx: ReportContext) -> Section:
    inds = ctx.indicators_with_data(key_only=True)
    findings = stand_out(ctx.table, inds)
    labels = {i.id: i.label(ctx.lang) for i in inds}
    by_area = concern_counts(findings)
    labels = {i.id: i.label(ctx.lang) for i in inds}
    units = {i.id: i.unit for i in inds}
    items = []
    for area, fs in by_area.items():
        parts = [
            ctx.tr("report.finding_part", indicator=labels[f.indicator],
                   value=ctx.num(f.value, units[f.indicator]), unit=unit_label(units[f.indicator], ctx.lang),
                   index=fmt_number(f.index_city, ctx.lang, 0))
            for f in fs
        ]
        items.append(ctx.tr("report.finding_area", area=area, n=len(fs), parts="; ".join(parts)))
    lower = [f for f in findings if not f.concern]
    body = [f"<p>{escape(ctx.tr('report.key_intro', gemeente=ctx.gemeente_name, year=ctx.year, n=len(inds)))}</p>"]
    if items:
        body.append("<ul class='findings'>" + "".join(f"<li>{escape(i)}</li>" for i in items)
                    + "</ul>")
    else:
        body.append(f"<p>{escape(ctx.tr('report.no_findings'))}</p>")
    if lower:
        names = sorted({f"{f.area_name} ({labels[f.indicator]})" for f in lower})
        body.append(f"<p>{escape(ctx.tr('report.lower_findings', list=', '.join(names)))}</p>")
    unpublished, absent = _missing_key_indicators(ctx, inds)
    for key, missing in (("report.missing_unpublished", unpublished), ("report.missing_absent", absent)):
        if missing:
            text = ctx.tr(key, year=ctx.year, list=", ".join(missing))
            body.append(f"<p class='caveat'>{escape(text)}</p>")
    return Section("kernboodschap", ctx.tr("report.key_title"), Markup("".join(body)))


def section_district_table(ctx: ReportContext) -> Section | None:
    inds = [i for i in ctx.indicators_with_data() if i.kind != "count" or i.id == "population"]
    rows = ctx.table[ctx.table["level"].isin(["district", "gemeente"])]
    if rows.empty:
        return None
    head = "".join(
        f"<th>{escape(i.label(ctx.lang))}<br><span class='unit'>{escape(unit_label(i.unit, ctx.lang))}</span></th>"
        for i in inds
    )
    body = []
    for (level, _code), grp in rows.groupby(["level", "area_code"], sort=False):
        by = grp.set_index("indicator")
        name = str(grp["area_name"].iloc[0])
        cells = []
        for i in inds:
            if i.id not in by.index:
                cells.append("<td>–</td>")
                continue
            r = by.loc[i.id]
            cls = "" if level == "gemeente" or not i.key else _index_class(
                float(r["index_city"]), i.concern)
            flag = "<sup>*</sup>" if bool(r["low_coverage"]) else ""
            title = ctx.tr("report.index_title", index=fmt_number(r["index_city"], ctx.lang, 0))
            cells.append(f"<td class='{cls}' title='{escape(title)}'>"
                         f"{ctx.num(r['value'], i.unit)}{flag}</td>")
        row_cls = " class='city'" if level == "gemeente" else ""
        body.append(f"<tr{row_cls}><th>{escape(name)}</th>{''.join(cells)}</tr>")
    html = (f"<p>{escape(ctx.tr('report.table_intro'))}</p>"
            f"<div class='scroll'><table class='profile'><thead><tr><th>"
            f"{escape(ctx.tr('report.district'))}</th>{head}</tr></thead><tbody>"
            f"{''.join(body)}</tbody></table></div>"
            f"<p class='legend'><span class='hi2'>&nbsp;≥ +20&nbsp;</span> "
            f"<span class='hi1'>&nbsp;+10…+20&nbsp;</span> "
            f"<span class='lo1'>&nbsp;−10…−20&nbsp;</span> <span class='lo2'>&nbsp;≤ −20&nbsp;</span> "
            f"{escape(ctx.tr('report.legend'))}</p>")
    return Section("stadsdelen", ctx.tr("report.table_title"), Markup(html))


def section_maps(ctx: ReportContext) -> Section | None:
    import geopandas as gpd

    from wijkloket.report.maps import choropleth_png

    if ctx.geometry is None or len(ctx.geometry) == 0:
        return None
    level = "buurt" if (ctx.table["level"] == "buurt").any() and (
        ctx.geometry["level"] == "buurt").any() else "wijk"
    areas = ctx.geometry[ctx.geometry["level"] == level]
    areas = areas[areas["area_code"].isin(set(ctx.table.loc[ctx.table["level"] == level,
                                                            "area_code"]))]
    if areas.empty:
        return None
    outline = None
    labels = None
    if ctx.districts is not None:
        d = areas.copy()
        key = d["area_code"] if level == "wijk" or ctx.districts["area_code"].str.startswith(
            "BU").any() else d["area_code"].str.slice(0, 8).str.replace("BU", "WK", n=1)
        d["dc"] = key.map(ctx.districts.set_index("area_code")["district_code"])
        outline = gpd.GeoDataFrame(d[["dc", "geometry"]], geometry="geometry").dissolve(
            by="dc").reset_index().rename(columns={"dc": "area_code"})
        labels = ctx.districts.drop_duplicates("district_code").set_index("district_code")[
            "district"]
    figs = []
    for ind in ctx.indicators_with_data(key_only=True):
        vals = ctx.table[(ctx.table["level"] == level) & (ctx.table["indicator"] == ind.id)]
        series = vals.set_index("area_code")["value"]
        if series.notna().sum() == 0:
            continue
        png = choropleth_png(
            areas, series, ind.label(ctx.lang), ind.unit, ctx.lang, decimals_for(ind.unit),
            outline=outline, labels=labels, cmap="YlOrRd" if ind.concern == "high" else "YlGnBu",
            footnote=ctx.tr("report.map_source", year=ctx.year)
            + (" · " + ctx.tr("report.synthetic_short") if ctx.synthetic else ""),
        )
        caption = ctx.tr("report.map_caption", indicator=ind.label(ctx.lang), level=ctx.tr("level." + level))
        figs.append(f"<figure>{png_img(png, ind.label(ctx.lang))}<figcaption>{escape(caption)}</figcaption></figure>")
    if not figs:
        return None
    return Section("kaarten", ctx.tr("report.maps_title"),
                   Markup(f"<div class='maps'>{''.join(figs)}</div>"))


def section_sources(ctx: ReportContext) -> Section:
    rows = []
    for src in ctx.inventory:
        lacks = src.get("lacks", {})
        by_reason: dict[str, list[str]] = {}
        for ind_id, reason in lacks.items():
            ind = ctx.registry.indicators[ind_id]
            if ind.key and reason != "not_in_file":
                by_reason.setdefault(reason, []).append(ind.short(ctx.lang))
        lack_key = [f"{ctx.tr('status.' + r)}: {', '.join(v)}" for r, v in by_reason.items()]
        rows.append(
            "<tr>"
            f"<td>{escape(src['dataset'])}<br><span class='unit'>{escape(src['filename'])}</span></td>"
            f"<td>{escape(str(src['publisher']))}</td>"
            f"<td>{'' if pd.isna(src['year']) else int(src['year'])}</td>"
            f"<td>{escape(str(src['levels']))}</td>"
            f"<td>{ctx.num(src['rows_accepted'])} / {ctx.num(src['rows_rejected'])}</td>"
            f"<td>{len(src.get('provides', []))}</td>"
            f"<td>{escape('; '.join(lack_key)) or '–'}</td>"
            f"<td>{escape(ctx.tr('privacy.' + str(src['privacy'])))}"
            f"{' · ' + escape(ctx.tr('report.synthetic_short')) if src['synthetic'] else ''}</td>"
            f"<td><code>{escape(str(src['sha256'])[:12])}</code></td>"
            "</tr>"
        )
    head = "".join(f"<th>{escape(ctx.tr('report.src_' + c))}</th>" for c in (
        "dataset", "publisher", "year", "levels", "rows", "provides", "lacks", "privacy", "sha"))
    html = (f"<p>{escape(ctx.tr('report.sources_intro'))}</p><div class='scroll'>"
            f"<table class='sources'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}"
            f"</tbody></table></div>")
    return Section("bronnen", ctx.tr("report.sources_title"), Markup(html))


def section_methods(ctx: ReportContext) -> Section:
    items = [ctx.tr(f"report.method_{k}") for k in (
        "aggregation", "sentinels", "rounding", "coverage", "districts", "index")]
    if ctx.districts is None:
        items.append(ctx.tr("report.method_no_districts"))
    for key, params in ctx.notes:
        items.append(ctx.tr(key, **{k: ctx.num(v) if isinstance(v, int | float) else v
                                    for k, v in params.items()}))
    for ind in ctx.indicators_with_data():
        if ind.weight_note:
            items.append(f"{ind.label(ctx.lang)}: {ind.weight_note}")
    html = "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"
    html += f"<p class='licence'>{escape(ctx.tr('report.licence'))}</p>"
    return Section("methode", ctx.tr("report.methods_title"), Markup(html))


SECTIONS: list[SectionBuilder] = [
    section_key_message,
    section_district_table,
    section_maps,
    section_sources,
    section_methods,
]


def _register_more() -> None:
    """Sections from other modules, placed before Sources."""
    from wijkloket.report.desk import section_desk_use, section_issuances
    from wijkloket.report.plan import section_access, section_options

    at = SECTIONS.index(section_sources)
    SECTIONS[at:at] = [section_desk_use, section_issuances, section_access, section_options]


_register_more()


def render(ctx: ReportContext, out_dir: Path,
           builders: list[SectionBuilder] | None = None) -> Path:
    """Write `report.html` into `out_dir` and return its path."""
    sections = [s for b in (builders or SECTIONS) if (s := b(ctx)) is not None]
    env = Environment(loader=PackageLoader("wijkloket.report", "templates"),
                      autoescape=select_autoescape(["html"]))
    html = env.get_template("report.html.j2").render(
        lang=ctx.lang, sections=sections, tr=ctx.tr, gemeente=ctx.gemeente_name,
        code=ctx.gemeente, year=ctx.year, today=date.today().isoformat(),
        synthetic=ctx.synthetic,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "report.html"
    path.write_text(html, "utf-8")
    return path
