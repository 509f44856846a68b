"""Under-use of the desk: observed against expected visits and issuances per area, standardised for age,
with an exact Poisson interval, so that an area whose residents use the desk significantly less than
their ages predict stands out (and an old district no longer looks like an over-user, as it does on raw
shares). Pure functions on tables.

Method
------
- Expected count (indirect standardisation; Breslow & Day, *Statistical Methods in Cancer Research*
  vol. II, IARC 1987, ch. 2): per year and product, the municipality's rate in each CBS age band
  (`wijkloket.ages`), r_b = C_b / N_b (events of residents in band b / residents in band b), times the
  area's residents per band: E_a = sum_b r_b N_ab. Summed over the areas, E equals the observed total,
  so the ratio compares an area with the municipality as a whole, age for age.
- Residents per band: the CBS figures (`indicators.desk.population_by_band`), scaled to the area's
  total inhabitants because CBS percentages are whole numbers; an area without an age structure gets
  the municipality's.
- Events without an age band (no birth date in the export) count in the observed number. The band
  rates come from the events with a band and are scaled by (all events / events with a band), i.e. the
  unknown ages are spread over the bands like the known ones, city-wide. Without any band the
  expectation is crude (the municipality's overall rate times the residents), `standardised` False.
- A band whose city count lies between 1 and `min_count` - 1 is pooled with its neighbour before its
  rate is taken, so that the expected counts (from which the rates can be recovered) reveal no small
  number either.
- Residents without Dutch nationality do not apply for Dutch passports and ID cards (nor collect
  them). Where a share per area is given, it is used for those products: the eligible residents are
  N_ab x (1 - share_a), in the rates and in the expectation alike (`nationality_adjusted`).
- Ratio = 100 x observed / expected (the standardised ratio, as the SMR). Interval: exact Poisson
  (Garwood 1936, Biometrika 28:437), in the chi-square form [chi2(a/2; 2 O) / 2, chi2(1 - a/2; 2 O + 2) / 2]
  / E x 100. `flag`: the whole 95% interval lies below 100.
- Funnel limits: the p-quantile of Poisson(E) with Spiegelhalter's interpolation (Spiegelhalter,
  "Funnel plots for comparing institutional performance", Stat. Med. 24 (2005) 1185-1202, appendix).
- Disclosure control: the observed counts are the published counts of the desk tables (same cells,
  same suppression); a count the desk tables do not publish (the wijk level of a buurt workspace, the
  sum over the log's years) is shown only where it is the sum of published counts, so it reveals
  nothing new. A suppressed cell shows nothing: observed, expected, ratio and interval are all empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from wijkloket.ages import LABELS as AGE_LABELS
from wijkloket.areas.codes import wijk_of
from wijkloket.indicators.desk import ISSUED_PRODUCTS, TOTAL, VISIT_PRODUCTS, Geography

NATIONALITY_PRODUCTS = frozenset({"passport", "id_card", "collect_document"})
"""Products only residents with Dutch nationality ask for: passports, ID cards and collecting them."""
LEVEL = 0.95
"""The level of the interval and of the flag."""
FUNNEL_LEVELS = (0.95, 0.998)
"""Control limits of the funnel plot (two-sided), as Spiegelhalter (2005) draws them."""
LEVEL_ORDER = {"district": 1, "wijk": 2, "buurt": 3}
COLUMNS = ["level", "area_code", "area_name", "district", "kind", "product", "year", "first_year", "last_year",
           "observed", "expected", "ratio", "ci_low", "ci_high", "flag", "suppressed", "standardised",
           "nationality_adjusted", "synthetic"]
"""The tidy table: one row per level, area, kind, product and year; `year` is empty on the rows for the
whole log (`first_year`-`last_year`). `ratio`, `ci_low`, `ci_high`: 100 = as expected."""


def products_of(kind: str) -> tuple[str, ...]:
    """The products of a kind, without their total (`TOTAL[kind]`)."""
    return VISIT_PRODUCTS if kind == "visit" else ISSUED_PRODUCTS


# --- the interval and the funnel ----------------------------------------------------------------------


def poisson_interval(observed: ArrayLike, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval for the mean of a Poisson count `observed`, in counts: the lower bound
    chi2.ppf((1 - level) / 2, 2 O) / 2 (0 for O = 0), the upper chi2.ppf((1 + level) / 2, 2 O + 2) / 2.
    Non-whole counts (events split over areas by address shares) use the same continuous formula."""
    from scipy.stats import chi2

    o = np.asarray(observed, dtype="float64")
    alpha = 1.0 - level
    low = np.zeros_like(o)
    pos = o > 0
    low[pos] = chi2.ppf(alpha / 2, 2 * o[pos]) / 2
    high = chi2.ppf(1 - alpha / 2, 2 * (o + 1)) / 2
    return np.where(np.isnan(o), np.nan, low), high


def funnel_limit(expected: ArrayLike, p: float) -> np.ndarray:
    """The funnel plot's control limit at probability `p` (0.025, 0.975, 0.001, 0.999), as a ratio
    (100 = as expected) for each expected count: r_p = the p-quantile of Poisson(E), interpolated as
    (r_p - a) / E with a = (F(r_p) - p) / (F(r_p) - F(r_p - 1)) (Spiegelhalter 2005, appendix A.1.2),
    not below 0."""
    from scipy.stats import poisson

    e = np.asarray(expected, dtype="float64")
    r = poisson.ppf(p, e)
    f_r, f_below = poisson.cdf(r, e), poisson.cdf(r - 1, e)
    a = (f_r - p) / (f_r - f_below)
    with np.errstate(divide="ignore", invalid="ignore"):
        limit = 100.0 * (r - a) / e
    return np.where(e > 0, np.maximum(limit, 0.0), np.nan)


def funnel_curves(expected: ArrayLike, n: int = 300) -> pd.DataFrame:
    """The funnel plot's control limits (`FUNNEL_LEVELS`, two-sided) on a log grid of expected counts
    spanning `expected` (half the smallest to twice the largest): expected, low_95, high_95, low_998,
    high_998 (ratios, 100 = as expected)."""
    e = np.asarray(expected, dtype="float64")
    e = e[np.isfinite(e) & (e > 0)]
    names = ["expected"] + [f"{side}_{_tag(lv)}" for lv in FUNNEL_LEVELS for side in ("low", "high")]
    if not len(e):
        return pd.DataFrame(columns=names)
    grid = np.geomspace(max(e.min() / 2, 0.5), max(e.max() * 2, 1.0), n)
    out = {"expected": grid}
    for lv in FUNNEL_LEVELS:
        out[f"low_{_tag(lv)}"] = funnel_limit(grid, (1 - lv) / 2)
        out[f"high_{_tag(lv)}"] = funnel_limit(grid, (1 + lv) / 2)
    return pd.DataFrame(out)[names]


def _tag(level: float) -> str:
    """0.95 -> "95", 0.998 -> "998"."""
    return f"{100 * level:g}".replace(".", "")


# --- expected counts ---------------------------------------------------------------------------------


def pooled_rates(counts: ArrayLike, residents: ArrayLike, min_count: int) -> np.ndarray:
    """Events per resident in each band (counts / residents), after pooling every band whose count lies
    in 1 .. min_count - 1 (or that has events but no residents) with its neighbour holding fewer events,
    until none is left or all bands are one. Bands of a pool share its rate."""
    c = np.asarray(counts, dtype="float64")
    n = np.asarray(residents, dtype="float64")
    groups = [[i] for i in range(len(c))]

    def small(g: list[int]) -> bool:
        total = c[g].sum()
        return bool((0 < total < min_count) or (total > 0 and n[g].sum() <= 0))

    while len(groups) > 1 and any(small(g) for g in groups):
        k = min((k for k, g in enumerate(groups) if small(g)), key=lambda k: c[groups[k]].sum())
        j = min((j for j in (k - 1, k + 1) if 0 <= j < len(groups)), key=lambda j: c[groups[j]].sum())
        lo, hi = sorted((k, j))
        groups[lo:hi + 1] = [groups[lo] + groups[hi]]
    rates = np.zeros(len(c))
    for g in groups:
        total_n = n[g].sum()
        rates[g] = c[g].sum() / total_n if total_n > 0 else 0.0
    return rates


def band_residents(residents: pd.DataFrame) -> pd.DataFrame:
    """Residents per area (rows) and CBS age band (columns `wijkloket.ages.LABELS`), scaled to the area's
    `total`; an area without a complete age structure gets the municipality's, times its total."""
    bands = residents.reindex(columns=list(AGE_LABELS)).astype("float64")
    total = residents["total"].astype("float64").fillna(bands.sum(axis=1, min_count=1)).fillna(0.0)
    complete = bands.notna().all(axis=1) & (bands.sum(axis=1) > 0)
    city = bands[complete].sum()
    city_share = city / city.sum() if city.sum() > 0 else pd.Series(1.0 / len(AGE_LABELS), index=city.index)
    shares = bands.div(bands.sum(axis=1), axis=0)
    if (~complete).any():
        shares.loc[~complete, :] = np.tile(city_share.to_numpy(), (int((~complete).sum()), 1))
    return shares.mul(total, axis=0)


def expected_counts(city: pd.DataFrame, residents: pd.DataFrame, products: tuple[str, ...], min_count: int,
                    non_dutch: pd.Series | None = None) -> pd.DataFrame:
    """Expected events per base area, year and product by indirect standardisation (module docstring).

    `city`: the municipality's events: year, product, age_band (None where unknown), n.
    `residents`: per base area, `total` and the residents per band (`population_by_band`).
    `non_dutch`: share (0-1) of residents without Dutch nationality per base area, or None.
    Returns area_code, year, product, expected, standardised, nationality_adjusted.
    """
    bands = band_residents(residents)
    share = _shares(non_dutch, bands)
    rows = []
    for (year, product), grp in city[city["product"].isin(products)].groupby(["year", "product"]):
        adjusted = share is not None and product in NATIONALITY_PRODUCTS
        eligible = bands.mul(1.0 - share, axis=0) if adjusted and share is not None else bands
        known = grp[grp["age_band"].notna()].groupby("age_band")["n"].sum().reindex(list(AGE_LABELS)).fillna(0.0)
        total = float(grp["n"].sum())
        if known.sum() > 0:
            rates = pooled_rates(known.to_numpy(), eligible.sum().to_numpy(), min_count) * total / known.sum()
            expected = eligible.to_numpy() @ rates
        else:
            everyone = eligible.sum(axis=1).to_numpy()
            expected = everyone * (total / everyone.sum() if everyone.sum() > 0 else 0.0)
        rows.append(pd.DataFrame({"area_code": bands.index, "year": int(year), "product": product,
                                  "expected": expected, "standardised": bool(known.sum() > 0),
                                  "nationality_adjusted": adjusted}))
    if not rows:
        return pd.DataFrame(columns=["area_code", "year", "product", "expected", "standardised",
                                     "nationality_adjusted"])
    return pd.concat(rows, ignore_index=True)


def _shares(non_dutch: pd.Series | None, bands: pd.DataFrame) -> pd.Series | None:
    """Shares per base area, missing ones filled with the residents-weighted mean of the known ones."""
    if non_dutch is None:
        return None
    share = pd.to_numeric(non_dutch.reindex(bands.index), errors="coerce").clip(0.0, 1.0)
    if share.isna().all():
        return None
    weight = bands.sum(axis=1)
    mean = float((share * weight).sum() / weight[share.notna()].sum())
    return share.fillna(mean)


# --- areas and published counts --------------------------------------------------------------------------


@dataclass(frozen=True)
class Areas:
    """The base areas of the desk tables and what they roll up to (see `hierarchy`)."""

    table: pd.DataFrame  # index base area code: name, wijk, wijk_name, district_code, district
    base_level: str  # "buurt" or "wijk"


def hierarchy(geo: Geography, wijk_names: pd.Series | None = None) -> Areas:
    """Base area -> wijk -> district, with names, as the desk tables roll them up (`desk_indicators`)."""
    base_level = str(geo.areas["level"].iloc[0])
    dmap = geo.districts.set_index("area_code")
    via_wijk = base_level == "buurt" and bool(dmap.index.str.startswith("WK").all())
    codes = pd.Index(geo.areas.index, name="area_code")
    wijk = pd.Series([wijk_of(c) if base_level == "buurt" else c for c in codes], index=codes)
    key = wijk if via_wijk else pd.Series(codes, index=codes)
    names = wijk_names if wijk_names is not None else pd.Series(dtype=object)
    table = pd.DataFrame({
        "name": geo.areas["name"].reindex(codes).fillna(pd.Series(codes, index=codes)),
        "wijk": wijk,
        "wijk_name": wijk.map(lambda c: names.get(c) or c) if base_level == "buurt" else geo.areas["name"],
        "district_code": key.map(dmap["district_code"]),
        "district": key.map(dmap["district"]),
    }, index=codes)
    return Areas(table, base_level)


def published_counts(desk_table: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The counts the desk tables publish per area, year and product (their total included), with their
    suppression status: level, area_code, year, product, observed, suppressed."""
    noun = "visits" if kind == "visit" else "issuances"
    sel = desk_table[(desk_table["indicator"] == noun) & desk_table["age_band"].isna()
                     & desk_table["level"].isin(["buurt", "wijk", "district"])]
    out = sel[["level", "area_code", "year", "product", "value", "suppressed"]].rename(columns={"value": "observed"})
    out["suppressed"] = out["suppressed"].fillna("").astype(str)
    return out.reset_index(drop=True)


def _sums(parts: pd.DataFrame, keys: list[str], min_count: int) -> pd.DataFrame:
    """Sums of published counts: published only where every part is (then they reveal nothing new)."""
    hidden = parts["suppressed"] != ""
    out = parts.assign(_hidden=hidden).groupby(keys, sort=False, dropna=False).agg(
        observed=("observed", "sum"), _hidden=("_hidden", "any")).reset_index()
    small = (out["observed"] > 0) & (out["observed"] < min_count)
    out["suppressed"] = np.where(out["_hidden"], "secondary", np.where(small, "primary", ""))
    out.loc[out["suppressed"] != "", "observed"] = np.nan
    return out.drop(columns="_hidden")


# --- the table ----------------------------------------------------------------------------------------------


def underuse_table(kind: str, city: pd.DataFrame, residents: pd.DataFrame, published: pd.DataFrame, areas: Areas,
                   min_count: int = 10, non_dutch: pd.Series | None = None, synthetic: bool = False) -> pd.DataFrame:
    """Observed against expected visits (`kind="visit"`) or issuances per area, year and product, with
    their ratio, exact 95% interval and flag (`COLUMNS`), at every level the workspace has below the
    municipality, per year and for the whole log.

    `city`: the municipality's attended events matched to a base area: year, product, age_band, n.
    `residents`: per base area, `total` and the residents per band (`population_by_band`).
    `published`: the desk tables' counts (`published_counts`). `areas`: `hierarchy`.
    `non_dutch`: optional share (0-1) of residents without Dutch nationality per base area.
    """
    products = products_of(kind)
    exp = expected_counts(city, residents, products, min_count, non_dutch)
    exp = pd.concat([exp, _total_expected(exp, TOTAL[kind])], ignore_index=True)
    levels = [areas.base_level, *(["wijk"] if areas.base_level == "buurt" else []), "district"]
    per_year = []
    for level in levels:
        obs = _observed(published, areas, level, min_count)
        if level == areas.base_level:
            codes = exp["area_code"]
        else:
            codes = exp["area_code"].map(areas.table["wijk" if level == "wijk" else "district_code"])
        e = exp.assign(area_code=codes).groupby(["area_code", "year", "product"], as_index=False).agg(
            expected=("expected", "sum"), standardised=("standardised", "all"),
            nationality_adjusted=("nationality_adjusted", "any"))
        per_year.append(obs.merge(e, on=["area_code", "year", "product"], how="inner").assign(level=level))
    years = pd.concat(per_year, ignore_index=True) if per_year else pd.DataFrame()
    if years.empty:
        return pd.DataFrame(columns=COLUMNS)
    years["first_year"] = years["last_year"] = years["year"]
    whole = _whole_log(years, min_count)
    out = pd.concat([years, whole], ignore_index=True)
    return _finish(out, areas, kind, synthetic)


def _total_expected(exp: pd.DataFrame, total: str) -> pd.DataFrame:
    """The expected count of the product total: the sum of its products' expected counts."""
    return exp.groupby(["area_code", "year"], as_index=False).agg(
        expected=("expected", "sum"), standardised=("standardised", "all"),
        nationality_adjusted=("nationality_adjusted", "any")).assign(product=total)


def _observed(published: pd.DataFrame, areas: Areas, level: str, min_count: int) -> pd.DataFrame:
    """The published counts of `level`: the desk's own, or the wijk sums of its buurt counts."""
    cols = ["area_code", "year", "product", "observed", "suppressed"]
    if level != "wijk" or areas.base_level == "wijk":
        return published.loc[published["level"] == level, cols]
    buurt = published[published["level"] == "buurt"]
    buurt = buurt.assign(area_code=buurt["area_code"].map(areas.table["wijk"]))
    return _sums(buurt, ["area_code", "year", "product"], min_count)[cols]


def _whole_log(years: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """Rows for all years of the log together: counts and expected counts summed."""
    keys = ["level", "area_code", "product"]
    sums = _sums(years, keys, min_count)
    rest = years.groupby(keys, sort=False).agg(
        expected=("expected", "sum"), standardised=("standardised", "all"),
        nationality_adjusted=("nationality_adjusted", "any"), first_year=("year", "min"),
        last_year=("year", "max")).reset_index()
    return sums.merge(rest, on=keys).assign(year=pd.NA)


def _finish(out: pd.DataFrame, areas: Areas, kind: str, synthetic: bool) -> pd.DataFrame:
    """Ratio, interval and flag from the counts; names; suppressed cells emptied; order and columns."""
    hidden = out["suppressed"] != ""
    out.loc[hidden, ["observed", "expected"]] = np.nan
    e = out["expected"].where(out["expected"] > 0)
    low, high = poisson_interval(out["observed"].to_numpy(dtype="float64"))
    out["ratio"] = 100.0 * out["observed"] / e
    out["ci_low"] = 100.0 * low / e
    out["ci_high"] = 100.0 * high / e
    out["flag"] = (out["ci_high"] < 100.0).fillna(False).astype(bool)
    t = areas.table
    district_names = t.drop_duplicates("district_code").set_index("district_code")["district"]
    wijk_names = t.drop_duplicates("wijk").set_index("wijk")["wijk_name"]
    base_district = t["district"]
    wijk_district = t.drop_duplicates("wijk").set_index("wijk")["district"]
    name = {"district": district_names, "wijk": wijk_names, "buurt": t["name"]}
    district = {"district": district_names, "wijk": wijk_district, "buurt": base_district}
    if areas.base_level == "wijk":
        name["wijk"], district["wijk"] = t["name"], base_district
    out["area_name"] = [name[lv].get(c, c) for lv, c in zip(out["level"], out["area_code"], strict=True)]
    out["district"] = [district[lv].get(c) for lv, c in zip(out["level"], out["area_code"], strict=True)]
    out["kind"] = kind
    out["synthetic"] = synthetic
    out["year"] = out["year"].astype("Int64")
    for col in ("first_year", "last_year"):
        out[col] = out[col].astype("int64")
    order = {p: i for i, p in enumerate([*products_of(kind), TOTAL[kind]])}
    out = out.assign(_l=out["level"].map(LEVEL_ORDER), _p=out["product"].map(order),
                     _y=out["year"].fillna(9999)).sort_values(["_l", "area_code", "_p", "_y"], kind="stable")
    return out[COLUMNS].reset_index(drop=True)


def city_events(events: pd.DataFrame, geo: Geography, kind: str) -> tuple[pd.DataFrame, float]:
    """The municipality's attended events of the kind's products whose area is known (as the desk tables
    count them), summed per year, product and age band; and the share of them without an age band."""
    ev = events[(events["status"] == "attended") & events["product"].isin(products_of(kind))]
    ev = ev[geo.base_of(ev["area_code"]).notna()]
    city = ev.groupby(["year", "product", "age_band"], dropna=False, as_index=False)["n"].sum()
    total = float(city["n"].sum())
    unknown = float(city.loc[city["age_band"].isna(), "n"].sum())
    return city, unknown / total if total else 0.0
