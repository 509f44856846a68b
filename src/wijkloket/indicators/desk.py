"""Desk use and issuances by origin (questions 2 and 3): counts per area, product, year and age
band, per 1000 residents, "once every N years", and each area's share of visits against its share
of residents. Pure functions on tables; disclosure control is applied before anything is returned.
"""

from __future__ import annotations

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
    status = pd.DataFrame("", index=table.index, columns=table.columns)
    status[res.primary] = "primary"
    status[res.secondary] = "secondary"
    return res.table, status, res.row_totals, res.row_total_status


def desk_indicators(events: pd.DataFrame, geo: Geography, residents: pd.DataFrame, kind: str,
                    threshold: int = 10) -> tuple[pd.DataFrame, dict[str, float]]:
    """Tidy indicators for visits (`kind="visit"`) or issuances (`kind="issuance"`).

    `events`: area_code (buurt or wijk), year, product, status, age_band, n (weights summed).
    `residents`: residents per base area and age band (`population_by_band`).
    Returns the table (`COLUMNS`) and a summary: events whose area is not in the CBS data.
    """
    products = VISIT_PRODUCTS if kind == "visit" else ISSUED_PRODUCTS
    total_name = TOTAL[kind]
    ev = events.copy()
    ev["base"] = geo.base_of(ev["area_code"])
    unmatched = float(ev.loc[ev["base"].isna(), "n"].sum())
    ev = ev[ev["base"].notna()]
    dmap = geo.districts.set_index("area_code")
    base_is_buurt = (geo.areas["level"] == "buurt").any()
    key = ev["base"].map(wijk_of) if (base_is_buurt and dmap.index.str.startswith("WK").all()) else ev["base"]
    ev["district_code"] = key.map(dmap["district_code"])
    district_names = dict(zip(dmap["district_code"], dmap["district"], strict=True))
    res_district = residents.groupby(
        (residents.index.map(wijk_of) if base_is_buurt and dmap.index.str.startswith("WK").all()
         else residents.index).map(dmap["district_code"])).sum(min_count=1)
    res_city = residents.sum(min_count=1).to_frame(geo.gemeente).T

    attended = ev[ev["status"] == "attended"]
    rows: list[pd.DataFrame] = []
    base_level = str(geo.areas["level"].iloc[0])
    levels = [
        (base_level, "base", residents, lambda code: geo.areas["name"].get(code, code),
         lambda code: district_names.get(dmap["district_code"].get(
             wijk_of(code) if base_is_buurt and code.startswith("BU") and dmap.index.str.startswith("WK").all()
             else code, ""), None)),
        ("district", "district_code", res_district, lambda code: district_names.get(code, code),
         lambda code: district_names.get(code, code)),
        ("gemeente", None, res_city, lambda code: geo.gemeente_name, lambda code: None),
    ]
    city_res = float(res_city["total"].iloc[0])
    for year, ev_year in attended.groupby("year"):
        city_total = ev_year.loc[ev_year["product"].isin(products), "n"].sum()
        for level, col, res, name_of, district_of in levels:
            keys = ev_year[col] if col else pd.Series(geo.gemeente, index=ev_year.index)
            sel = ev_year[ev_year["product"].isin(products)]
            table = sel.groupby([keys.loc[sel.index], "product"])["n"].sum().unstack("product")
            table = table.reindex(index=res.index, columns=list(products)).fillna(0.0)
            groups = [table] if level != base_level else [
                table.loc[[a for a in table.index if dmap["district_code"].get(
                    wijk_of(a) if base_is_buurt and dmap.index.str.startswith("WK").all() else a) == d]]
                for d in dmap["district_code"].unique()]
            for part in groups:
                if part.empty:
                    continue
                vals, status, totals, total_status = _protected_cells(part, threshold)
                long = vals.stack(future_stack=True).rename("value").reset_index()
                long.columns = ["area_code", "product", "value"]
                long["suppressed"] = status.stack(future_stack=True).to_numpy()
                tot = pd.DataFrame({"area_code": totals.index, "product": total_name, "value": totals.to_numpy(),
                                    "suppressed": total_status.to_numpy()})
                counts = pd.concat([long, tot], ignore_index=True)
                counts["level"] = level
                counts["year"] = int(year)
                pop = counts["area_code"].map(res["total"])
                out = _derived(counts, pop, city_total, city_res, kind, total_name)
                out["area_name"] = out["area_code"].map(name_of)
                out["district"] = out["area_code"].map(district_of)
                rows.append(out)
            # Age bands (all products together), only where ages are known.
            if kind == "visit" and ev_year["age_band"].notna().any():
                aged = sel[sel["age_band"].notna()]
                t2 = aged.groupby([keys.loc[aged.index], "age_band"])["n"].sum().unstack("age_band")
                t2 = t2.reindex(index=res.index, columns=list(AGE_LABELS)).fillna(0.0)
                vals, status, _, _ = _protected_cells(t2, threshold)
                long = vals.stack(future_stack=True).rename("numerator").reset_index()
                long.columns = ["area_code", "age_band", "numerator"]
                long["suppressed"] = status.stack(future_stack=True).to_numpy()
                band_pop = [res.loc[a, b] if a in res.index else np.nan
                            for a, b in zip(long["area_code"], long["age_band"], strict=True)]
                long["denominator"] = band_pop
                both = pd.concat([
                    long.assign(indicator="visits", value=long["numerator"], denominator=np.nan),
                    long.assign(indicator="visits_per_1000",
                                value=1000.0 * long["numerator"] / long["denominator"].where(long["denominator"] > 0)),
                ], ignore_index=True)
                both["level"] = level
                both["year"] = int(year)
                both["product"] = total_name
                both["area_name"] = both["area_code"].map(name_of)
                both["district"] = both["area_code"].map(district_of)
                rows.append(both)
    # No-shows and cancellations (visits only): their own table per level and year.
    if kind == "visit":
        for year, ev_year in ev.groupby("year"):
            sel = ev_year[ev_year["product"].isin(products) & ev_year["status"].isin(["no_show", "cancelled"])]
            for level, col, res, name_of, district_of in levels:
                keys = sel[col] if col else pd.Series(geo.gemeente, index=sel.index)
                t3 = sel.groupby([keys, "status"])["n"].sum().unstack("status")
                t3 = t3.reindex(index=res.index, columns=["no_show", "cancelled"]).fillna(0.0)
                vals, status, _, _ = _protected_cells(t3, threshold)
                long = vals.stack(future_stack=True).rename("value").reset_index()
                long.columns = ["area_code", "status", "value"]
                long["suppressed"] = status.stack(future_stack=True).to_numpy()
                long["indicator"] = long["status"].map({"no_show": "no_shows", "cancelled": "cancellations"})
                long = long.drop(columns="status").assign(
                    level=level, year=int(year), product=total_name,
                    numerator=long["value"], denominator=np.nan, age_band=None)
                long["area_name"] = long["area_code"].map(name_of)
                long["district"] = long["area_code"].map(district_of)
                rows.append(long)
    if not rows:
        return pd.DataFrame(columns=COLUMNS), {"unmatched": unmatched}
    out = pd.concat(rows, ignore_index=True)
    out["gemeente_code"] = geo.gemeente
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
