"""District profiles: every indicator at every level of the area hierarchy (question 4).

CBS levels (buurt, wijk) keep the figures CBS publishes for them; districts and the municipality
are aggregated from the level the district file is written in, so that districts add up to the
city. `index_city` compares every value with the municipality's (city = 100).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from wijkloket.areas.codes import wijk_of
from wijkloket.indicators.aggregate import LOW_COVERAGE, RESULT_COLUMNS, aggregate
from wijkloket.indicators.registry import Indicator

PROFILE_COLUMNS = [
    "level",
    "gemeente_code",
    "area_code",
    "area_name",
    "district",
    "indicator",
    "value",
    "numerator",
    "denominator",
    "coverage",
    "low_coverage",
    "index_city",
    "n_areas",
]
ALL_LEVELS = ("buurt", "wijk", "district", "gemeente")


def default_districts(areas: pd.DataFrame) -> pd.DataFrame:
    """Each wijk its own district: the fallback when a municipality has no district file."""
    wijken = areas[areas["level"] == "wijk"]
    if wijken.empty:  # buurt-only data: derive the wijken from the buurt codes
        codes = sorted({wijk_of(c) for c in areas.loc[areas["level"] == "buurt"].index})
        names = dict.fromkeys(codes, "")
    else:
        codes = list(wijken.index)
        names = wijken["name"].to_dict()
    return pd.DataFrame(
        {
            "area_code": codes,
            "district_code": codes,
            "district": [names.get(c) or c for c in codes],
        }
    )


def _complete_districts(areas: pd.DataFrame, districts: pd.DataFrame | None) -> pd.DataFrame:
    """The district file, with every wijk of a municipality it does not cover as its own district."""
    districts = districts if districts is not None else default_districts(areas)
    covered_gm = {"GM" + c[2:6] for c in districts["area_code"]}
    missing_gm = set(areas["gemeente_code"]) - covered_gm
    if missing_gm:
        rest = areas[areas["gemeente_code"].isin(missing_gm)]
        districts = pd.concat([districts, default_districts(rest)], ignore_index=True)
    return districts


def _district_of_area(areas: pd.DataFrame, dmap: pd.DataFrame, district_level: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for lv in ("buurt", "wijk"):
        codes = areas.index[areas["level"] == lv].to_series()
        key = codes.map(wijk_of) if (lv == "buurt" and district_level == "wijk") else codes
        out.update(key.map(dmap["district"]).dropna().to_dict())
    return out


def _cbs_level(areas: pd.DataFrame, values: pd.DataFrame, indicators: list[Indicator], lv: str
               ) -> pd.DataFrame | None:
    """A CBS level as CBS publishes it; wijken summed from buurten when only buurten are there."""
    present = set(areas["level"])
    if lv in present:
        sel = areas[areas["level"] == lv]
        groups = pd.DataFrame({"gemeente_code": sel["gemeente_code"], "area_code": sel.index}, index=sel.index)
        res = aggregate(values.loc[sel.index], groups, indicators)
        res["area_name"] = res["area_code"].map(sel["name"])
        return res
    if lv == "wijk" and "buurt" in present:
        sel = areas[areas["level"] == "buurt"]
        groups = pd.DataFrame({"gemeente_code": sel["gemeente_code"], "area_code": sel.index.map(wijk_of)},
                              index=sel.index)
        res = aggregate(values.loc[sel.index], groups, indicators)
        res["area_name"] = res["area_code"]
        return res
    return None


def _with_index(frames: list[pd.DataFrame], city: pd.DataFrame, indicators: list[Indicator]) -> pd.DataFrame:
    """All levels together with the city index (municipality = 100) and the low-coverage flag, in order."""
    out = pd.concat(frames, ignore_index=True)
    ref = city.set_index(["gemeente_code", "indicator"])["value"]
    city_value = np.asarray(pd.MultiIndex.from_frame(out[["gemeente_code", "indicator"]]).map(ref), dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["index_city"] = np.where(city_value != 0, 100.0 * out["value"] / city_value, np.nan)
    out["low_coverage"] = out["coverage"] < LOW_COVERAGE
    order = {lv: i for i, lv in enumerate(ALL_LEVELS)}
    ind_order = {ind.id: i for i, ind in enumerate(indicators)}
    out = out.assign(
        _l=out["level"].map(order), _i=out["indicator"].map(ind_order)
    ).sort_values(["gemeente_code", "_l", "area_code", "_i"], kind="stable")
    return out[PROFILE_COLUMNS].reset_index(drop=True)


def profile(
    areas: pd.DataFrame,
    values: pd.DataFrame,
    indicators: Iterable[Indicator],
    districts: pd.DataFrame | None = None,
    levels: Iterable[str] = ALL_LEVELS,
    gemeente_names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Every indicator at every requested level, as a tidy table (`PROFILE_COLUMNS`).

    `areas`: index area code; columns `level` (buurt/wijk), `name`, `gemeente_code`. May hold
    several municipalities at once. `values`: index area code, a float column per variable.
    `districts`: columns `area_code` (wijk or buurt codes), `district_code`, `district`; areas of a
    municipality without a district file become their own district (each wijk).
    """
    indicators = list(indicators)
    levels = [lv for lv in ALL_LEVELS if lv in set(levels)]
    values = values.reindex(areas.index)
    gemeente_names = gemeente_names or {}
    districts = _complete_districts(areas, districts)
    district_level = "buurt" if districts["area_code"].str.startswith("BU").any() else "wijk"
    # The base the district and city figures are summed from, with each base area's district.
    if district_level in set(areas["level"]):
        base = areas[areas["level"] == district_level]
        base_codes = base.index.to_series()
    else:  # wijk-level district file over buurt-only data: reach the wijk through the code
        base = areas[areas["level"] == "buurt"]
        base_codes = base.index.to_series().map(wijk_of)
    dmap = districts.set_index("area_code")
    district_of_area = _district_of_area(areas, dmap, district_level)
    frames: list[pd.DataFrame] = []
    for lv in ("buurt", "wijk"):
        res = _cbs_level(areas, values, indicators, lv) if lv in levels else None
        if res is not None:
            res["level"] = lv
            res["district"] = res["area_code"].map(district_of_area)
            frames.append(res)
    if "district" in levels:
        base_district_code = base_codes.map(dmap["district_code"])
        groups = pd.DataFrame({"gemeente_code": base["gemeente_code"], "area_code": base_district_code},
                              index=base.index)
        res = aggregate(values.loc[base.index], groups, indicators)
        res["area_name"] = res["area_code"].map(dict(zip(base_district_code, base_codes.map(dmap["district"]),
                                                         strict=True)))
        res["district"] = res["area_name"]
        res["level"] = "district"
        frames.append(res)
    city = aggregate(values.loc[base.index], pd.DataFrame({"gemeente_code": base["gemeente_code"]}, index=base.index),
                     indicators)
    city["area_code"] = city["gemeente_code"]
    city["area_name"] = city["gemeente_code"].map(lambda c: gemeente_names.get(c, c))
    city["district"] = None
    city["level"] = "gemeente"
    if "gemeente" in levels:
        frames.append(city)
    return _with_index(frames, city, indicators)


__all__ = ["PROFILE_COLUMNS", "RESULT_COLUMNS", "default_districts", "profile"]
