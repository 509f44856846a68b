"""Desk use and issuances by origin (questions 2 and 3): counts per area, product, year and age
band, per 1000 residents, "once every N years", and each area's share of visits against its share
of residents. Pure functions on tables; disclosure control is applied before anything is returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wijkloket.ages import AGE_BANDS
from wijkloket.ages import LABELS as AGE_LABELS
from wijkloket.areas.codes import wijk_of
from wijkloket.indicators.disclosure import suppress_table

VISIT_PRODUCTS = ("passport", "id_card", "driving_licence", "brp_extract", "declaration", "collect_document",
                  "collect_licence")
ISSUED_PRODUCTS = ("passport", "id_card", "driving_licence")
TOTAL = {"visit": "top", "issuance": "all"}
COLUMNS = ["level", "gemeente_code", "area_code", "area_name", "district", "year", "product", "age_band",
           "indicator", "value", "numerator", "denominator", "suppressed"]


@dataclass
class Geography:
    """How base areas roll up: base area -> (district code, district name) -> municipality."""

    areas: pd.DataFrame  # index area code; level, name, gemeente_code (the profile's base areas)
    districts: pd.DataFrame  # area_code, district_code, district
    gemeente: str
    gemeente_name: str

    def base_of(self, codes: pd.Series) -> pd.Series:
        """Event area (buurt or wijk) -> base area of the profile, NaN where unknown."""
        known = set(self.areas.index)
        direct = codes.where(codes.isin(known))
        via_wijk = codes.map(lambda c: wijk_of(c) if isinstance(c, str) and c.startswith("BU") else None)
        return direct.fillna(via_wijk.where(via_wijk.isin(known)))


def population_by_band(values: pd.DataFrame) -> pd.DataFrame:
    """Residents per area in each CBS age band: the count where CBS gives one, else the (whole)
    percentage x inhabitants / 100."""
    pop = values.get("population", pd.Series(np.nan, index=values.index)).astype("float64")
    out = pd.DataFrame({"total": pop}, index=values.index)
    for band in AGE_BANDS:
        count_var, pct_var = band.count_variable, band.pct_variable
        count = values[count_var] if count_var in values else pd.Series(np.nan, index=values.index)
        pct = values[pct_var] if pct_var in values else pd.Series(np.nan, index=values.index)
        out[band.label] = count.where(count.notna(), pct * pop / 100.0)
    return out


def _protected_cells(table: pd.DataFrame, threshold: int) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                   pd.Series, pd.Series]:
    """(values, status) for cells and (values, status) for row totals, after suppression."""
    res = suppress_table(table, threshold=threshold)
    # primary and secondary are disjoint; one numpy pass instead of two masked DataFrame assignments
    marks = np.where(res.secondary.to_numpy(bool), "secondary", np.where(res.primary.to_numpy(bool), "primary", ""))
    status = pd.DataFrame(marks.astype(object), index=table.index, columns=table.columns)
    return res.table, status, res.row_totals, res.row_total_status


@dataclass
class _Level:
    """One level of the tables: its name, the event column holding its key, its residents per age
    band, and how an area code of the level gets its name and district."""

    level: str
    column: str | None  # None: the whole municipality
    residents: pd.DataFrame
    name_of: Callable[[str], object]
    district_of: Callable[[str], object]

    def keys(self, ev: pd.DataFrame, gemeente: str) -> pd.Series:
        return ev[self.column] if self.column else pd.Series(gemeente, index=ev.index)

    def label(self, frame: pd.DataFrame, year: int) -> pd.DataFrame:
        """Tag the rows with the level and year; names and districts come once at the end (`_names`)."""
        frame["level"] = self.level
        frame["year"] = int(year)
        return frame

    def names_of(self, codes: pd.Series) -> tuple[pd.Series, pd.Series]:
        """(area name, district) of each code, each distinct code looked up once."""
        unique = pd.unique(codes)
        names = dict(zip(unique, map(self.name_of, unique), strict=True))
        districts = dict(zip(unique, map(self.district_of, unique), strict=True))
        return codes.map(names), codes.map(districts)


class _Hierarchy:
    """Base areas -> districts -> municipality for a desk log (see `desk_indicators`)."""

    def __init__(self, geo: Geography, residents: pd.DataFrame) -> None:
        self.geo = geo
        self.dmap = geo.districts.set_index("area_code")
        # buurten roll up through their wijk when the district file is written in wijken
        self.via_wijk = bool((geo.areas["level"] == "buurt").any() and self.dmap.index.str.startswith("WK").all())
        self.names = dict(zip(self.dmap["district_code"], self.dmap["district"], strict=True))
        res_district = residents.groupby(
            (residents.index.map(wijk_of) if self.via_wijk else residents.index).map(self.dmap["district_code"])
        ).sum(min_count=1)
        self.res_city = residents.sum(min_count=1).to_frame(geo.gemeente).T
        self.base_level = str(geo.areas["level"].iloc[0])
        self.levels = [
            _Level(self.base_level, "base", residents, lambda code: geo.areas["name"].get(code, code),
                   lambda code: self.names.get(self.district_code(code), None)),
            _Level("district", "district_code", res_district, lambda code: self.names.get(code, code),
                   lambda code: self.names.get(code, code)),
            _Level("gemeente", None, self.res_city, lambda code: geo.gemeente_name, lambda code: None),
        ]

    def district_code(self, base: str) -> str:
        key = wijk_of(base) if self.via_wijk and base.startswith("BU") else base
        return str(self.dmap["district_code"].get(key, ""))

    def district_groups(self, table: pd.DataFrame, level: str) -> list[pd.DataFrame]:
        """The base-level table split per district (district totals are its margins); others whole."""
        if level != self.base_level:
            return [table]
        codes = {a: self.dmap["district_code"].get(wijk_of(a) if self.via_wijk else a) for a in table.index}
        return [table.loc[[a for a in table.index if codes[a] == d]] for d in self.dmap["district_code"].unique()]


def _long(vals: pd.DataFrame, status: pd.DataFrame, column: str, value: str) -> pd.DataFrame:
    long = vals.stack(future_stack=True).rename(value).reset_index()
    long.columns = ["area_code", column, value]
    long["suppressed"] = status.stack(future_stack=True).to_numpy()
    return long


def _product_counts(h: _Hierarchy, lv: _Level, sel: pd.DataFrame, keys: pd.Series, year: int, kind: str,
                    threshold: int) -> pd.DataFrame | None:
    """Protected counts per area and product (and their total) of one level and year, with the residents
    (`pop`): suppression per table (the base level per district), the long form built once for all."""
    products = VISIT_PRODUCTS if kind == "visit" else ISSUED_PRODUCTS
    table = sel.groupby([keys.loc[sel.index], "product"])["n"].sum().unstack("product")
    table = table.reindex(index=lv.residents.index, columns=list(products)).fillna(0.0)
    parts = [_protected_cells(part, threshold) for part in h.district_groups(table, lv.level) if not part.empty]
    if not parts:
        return None
    vals, status, totals, total_status = (pd.concat([p[i] for p in parts]) for i in range(4))
    tot = pd.DataFrame({"area_code": totals.index, "product": TOTAL[kind], "value": totals.to_numpy(),
                        "suppressed": total_status.to_numpy()})
    counts = pd.concat([_long(vals, status, "product", "value"), tot], ignore_index=True)
    counts["level"] = lv.level
    counts["year"] = int(year)
    counts["pop"] = counts["area_code"].map(lv.residents["total"])
    return counts


def _product_rows(h: _Hierarchy, counts: list[pd.DataFrame], city_total: float, kind: str) -> list[pd.DataFrame]:
    """The product indicators of one year from the protected counts of all its levels."""
    counts = [c for c in counts if c is not None]
    if not counts:
        return []
    frame = pd.concat(counts, ignore_index=True)
    pop = frame.pop("pop")
    return [_derived(frame, pop, city_total, float(h.res_city["total"].iloc[0]), kind, TOTAL[kind])]


def _age_rows(lv: _Level, sel: pd.DataFrame, keys: pd.Series, year: int, threshold: int) -> pd.DataFrame:
    """Visits and visits per 1000 residents per CBS age band (all products together)."""
    aged = sel[sel["age_band"].notna()]
    t2 = aged.groupby([keys.loc[aged.index], "age_band"])["n"].sum().unstack("age_band")
    t2 = t2.reindex(index=lv.residents.index, columns=list(AGE_LABELS)).fillna(0.0)
    vals, status, _, _ = _protected_cells(t2, threshold)
    long = _long(vals, status, "age_band", "numerator")
    res = lv.residents
    long["denominator"] = [res.loc[a, b] if a in res.index else np.nan
                           for a, b in zip(long["area_code"], long["age_band"], strict=True)]
    both = pd.concat([
        long.assign(indicator="visits", value=long["numerator"], denominator=np.nan),
        long.assign(indicator="visits_per_1000",
                    value=1000.0 * long["numerator"] / long["denominator"].where(long["denominator"] > 0)),
    ], ignore_index=True)
    both["product"] = TOTAL["visit"]
    return lv.label(both, year)


def _status_rows(lv: _Level, sel: pd.DataFrame, gemeente: str, year: int, threshold: int) -> pd.DataFrame:
    """No-shows and cancellations: their own protected table per level and year."""
    t3 = sel.groupby([lv.keys(sel, gemeente), "status"])["n"].sum().unstack("status")
    t3 = t3.reindex(index=lv.residents.index, columns=["no_show", "cancelled"]).fillna(0.0)
    vals, status, _, _ = _protected_cells(t3, threshold)
    long = _long(vals, status, "status", "value")
    long["indicator"] = long["status"].map({"no_show": "no_shows", "cancelled": "cancellations"})
    long = long.drop(columns="status").assign(product=TOTAL["visit"], numerator=long["value"], denominator=np.nan,
                                              age_band=None)
    return lv.label(long, year)


def desk_indicators(events: pd.DataFrame, geo: Geography, residents: pd.DataFrame, kind: str,
                    threshold: int = 10) -> tuple[pd.DataFrame, dict[str, float]]:
    """Tidy indicators for visits (`kind="visit"`) or issuances (`kind="issuance"`).

    `events`: area_code (buurt or wijk), year, product, status, age_band, n (weights summed).
    `residents`: residents per base area and age band (`population_by_band`).
    Returns the table (`COLUMNS`) and a summary: events whose area is not in the CBS data.
    """
    products = VISIT_PRODUCTS if kind == "visit" else ISSUED_PRODUCTS
    ev = events.copy()
    ev["base"] = geo.base_of(ev["area_code"])
    unmatched = float(ev.loc[ev["base"].isna(), "n"].sum())
    ev = ev[ev["base"].notna()]
    h = _Hierarchy(geo, residents)
    ev["district_code"] = (ev["base"].map(wijk_of) if h.via_wijk else ev["base"]).map(h.dmap["district_code"])
    rows: list[pd.DataFrame] = []
    for year, ev_year in ev[ev["status"] == "attended"].groupby("year"):
        sel = ev_year[ev_year["product"].isin(products)]
        counts = []
        for lv in h.levels:
            keys = lv.keys(ev_year, geo.gemeente)
            counts.append(_product_counts(h, lv, sel, keys, int(year), kind, threshold))
            if kind == "visit" and ev_year["age_band"].notna().any():
                rows.append(_age_rows(lv, sel, keys, int(year), threshold))
        rows += _product_rows(h, counts, sel["n"].sum(), kind)
    if kind == "visit":
        for year, ev_year in ev.groupby("year"):
            sel = ev_year[ev_year["product"].isin(products) & ev_year["status"].isin(["no_show", "cancelled"])]
            rows += [_status_rows(lv, sel, geo.gemeente, int(year), threshold) for lv in h.levels]
    if not rows:
        return pd.DataFrame(columns=COLUMNS), {"unmatched": unmatched}
    out = pd.concat(rows, ignore_index=True)
    out["gemeente_code"] = geo.gemeente
    named = [lv.names_of(out.loc[out["level"] == lv.level, "area_code"]) for lv in h.levels]
    out["area_name"] = pd.concat([n for n, _ in named]).reindex(out.index)
    out["district"] = pd.concat([d for _, d in named]).reindex(out.index)
    if "age_band" not in out:
        out["age_band"] = None
    order = {"gemeente": 0, "district": 1, "wijk": 2, "buurt": 3}
    out = out.assign(_o=out["level"].map(order)).sort_values(
        ["year", "_o", "area_code", "product", "age_band", "indicator"], na_position="first", kind="stable")
    return out[COLUMNS].reset_index(drop=True), {"unmatched": unmatched}


def _derived(counts: pd.DataFrame, pop: pd.Series, city_total: float, city_res: float, kind: str,
             total_name: str) -> pd.DataFrame:
    """From protected counts: per 1000 residents, and for the total of top products "once every
    N years" and the representation index. A suppressed count suppresses what is derived from it."""
    noun = "visits" if kind == "visit" else "issuances"
    base = counts.assign(indicator=noun, numerator=counts["value"], denominator=np.nan, age_band=None)
    per = counts.assign(indicator=f"{noun}_per_1000", numerator=counts["value"], denominator=pop,
                        value=1000.0 * counts["value"] / pop.where(pop > 0), age_band=None)
    parts = [base, per]
    tot = counts[counts["product"] == total_name]
    tpop = pop[tot.index]
    if kind == "visit":
        parts.append(tot.assign(indicator="once_every_n_years", numerator=tpop, denominator=tot["value"],
                                value=tpop / tot["value"].where(tot["value"] > 0), age_band=None))
    share_visits = tot["value"] / city_total if city_total else np.nan
    share_res = tpop / city_res if city_res else np.nan
    parts.append(tot.assign(indicator="representation_index", numerator=tot["value"], denominator=tpop,
                            value=100.0 * share_visits / share_res, age_band=None))
    return pd.concat(parts, ignore_index=True)


DEFAULT_VISIT_RATE = 1 / 3
"""Desk visits per resident per year for the top products where there is no desk log: "once every
three years" (information note 2021/547821)."""


def visit_rate(table: pd.DataFrame) -> float | None:
    """Visits per resident per year for the top products from a desk-use table: the mean over the
    log's years of the municipality's visits per 1000 / 1000 (one year can sit in the dip or the
    peak of the renewal cycle). None when a year's figure is missing or suppressed."""
    c = table[(table["level"] == "gemeente") & (table["product"] == TOTAL["visit"]) & table["age_band"].isna()
              & (table["indicator"] == "visits_per_1000")]
    if not len(c) or not c["value"].notna().all():
        return None
    return float(c["value"].mean()) / 1000.0
