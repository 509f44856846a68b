"""From the forecast per base area to every level: counts summed over areas, intervals recomputed per level.

At each level (wijk or buurt, district, gemeente) the expected applications of a unit are the sum over
its base areas. Its 90% interval is recomputed from the unit's own sums, never averaged:

    low  = max(0, min(expected, region) - z * sqrt(phi * expected + jackknife variance))
    high =        max(expected, region) + z * sqrt(phi * expected + jackknife variance)

`region` are the unit's sums under the renewal-timing parameters within the quasi-likelihood region of
the best ones, the jackknife variance comes from the unit's sums of the refits that leave one year out
((J - 1) / J * sum of squared deviations; Efron & Tibshirani 1993, ch. 11), and `phi` is the Pearson
dispersion of the unit's level over the fitted months (quasi-Poisson), so the noise part is wider
where the model fits worse. Summed over products (for counter hours) the bounds of the timing
region add up, and the variances add (products taken as independent).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wijkloket.forecast.fit import dispersion
from wijkloket.forecast.model import ProductForecast

LEVEL_ORDER = {"gemeente": 0, "district": 1, "wijk": 2, "buurt": 3}


def month_label(index: int) -> str:
    """A month index (`year * 12 + month - 1`) as `YYYY-MM`."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def weeks_in_month(index: int) -> float:
    """The number of weeks in a month: its days / 7."""
    return calendar.monthrange(index // 12, index % 12 + 1)[1] / 7.0


def counter_hours(applications: np.ndarray, minutes: float, months: np.ndarray) -> np.ndarray:
    """Counter hours per week the applications of each month (month indices `months`) need at `minutes`
    per application: applications x minutes / 60 / weeks in the month."""
    weeks = np.array([weeks_in_month(int(m)) for m in months])
    return np.asarray(applications) * minutes / 60.0 / weeks


@dataclass(frozen=True)
class Geography:
    """The base areas in the forecast's row order and how they roll up."""

    codes: list[str]
    names: list[str]
    base_level: str  # wijk or buurt
    district_codes: list[str]  # per base area
    district_names: dict[str, str]
    gemeente: str
    gemeente_name: str

    def units(self) -> list[tuple[str, str, str, np.ndarray]]:
        """(level, code, name, row indices) of every unit: the city, the districts, the base areas."""
        out = [("gemeente", self.gemeente, self.gemeente_name, np.arange(len(self.codes)))]
        dist = np.array(self.district_codes)
        for code in sorted(set(self.district_codes)):
            out.append(("district", code, self.district_names.get(code, code), np.flatnonzero(dist == code)))
        out += [(self.base_level, c, n, np.array([i])) for i, (c, n) in enumerate(zip(self.codes, self.names,
                                                                                         strict=True))]
        return out

    def district_of(self, level: str, code: str) -> str:
        if level == "district":
            return self.district_names.get(code, code)
        if level == "gemeente":
            return ""
        return self.district_names.get(self.district_codes[self.codes.index(code)], "")


@dataclass(frozen=True)
class Band:
    """Expected values of one unit with the parts of its interval."""

    expected: np.ndarray
    region_low: np.ndarray
    region_high: np.ndarray
    variance: np.ndarray  # phi * expected + jackknife variance

    def bounds(self, z: float) -> tuple[np.ndarray, np.ndarray]:
        sd = np.sqrt(self.variance)
        return np.maximum(self.region_low - z * sd, 0.0), self.region_high + z * sd

    def __add__(self, other: Band) -> Band:
        return Band(self.expected + other.expected, self.region_low + other.region_low,
                    self.region_high + other.region_high, self.variance + other.variance)


def unit_band(pf: ProductForecast, rows: np.ndarray, n_units: int) -> Band:
    """The interval parts of the unit made of base areas `rows`, at a level of `n_units` units."""
    expected = pf.expected[rows].sum(axis=0)
    variants = pf.region[:, rows].sum(axis=1) if len(pf.region) else np.zeros((0, len(expected)))
    low = np.min(np.vstack([expected, variants]), axis=0)
    high = np.max(np.vstack([expected, variants]), axis=0)
    jack = pf.jackknife[:, rows].sum(axis=1)
    j = len(jack)
    var_j = (j - 1) / j * ((jack - jack.mean(axis=0)) ** 2).sum(axis=0) if j > 1 else np.zeros_like(expected)
    return Band(expected, low, high, level_dispersion(pf, n_units, rows) * expected + var_j)


def level_dispersion(pf: ProductForecast, n_units: int, rows: np.ndarray) -> float:
    """Pearson dispersion at the level the unit belongs to, from its own rows over the fitted months
    (the parameters fitted: three per base area and twelve seasonal factors, shared among the units)."""
    params = int(np.ceil((3 * pf.observed.shape[0] + 12) / n_units))
    return dispersion(pf.observed[rows].sum(axis=0), pf.fitted[rows].sum(axis=0), params)


def tidy(forecasts: list[ProductForecast], geo: Geography, z: float, minutes: float) -> pd.DataFrame:
    """One row per level, area, product and month: expected applications with their interval and parts,
    and the counter hours per week they need at `minutes` per application."""
    frames = []
    units = geo.units()
    per_level = {lv: sum(1 for u in units if u[0] == lv) for lv in {u[0] for u in units}}
    for pf in forecasts:
        months = pf.first_month + np.arange(pf.expected.shape[1])
        for level, code, name, rows in units:
            band = unit_band(pf, rows, per_level[level])
            low, high = band.bounds(z)
            frames.append(pd.DataFrame({
                "level": level, "area_code": code, "area_name": name, "product": pf.product,
                "month": [month_label(int(m)) for m in months], "expected": band.expected, "low": low,
                "high": high, "district": geo.district_of(level, code),
                "renewals_before_list": pf.prelog[rows].sum(axis=0), "renewals_listed": pf.listed[rows].sum(axis=0),
                "first_applications": pf.first[rows].sum(axis=0), "other": pf.other[rows].sum(axis=0),
                "hours_per_week": counter_hours(band.expected, minutes, months)}))
    out = pd.concat(frames, ignore_index=True)
    out = out.assign(_o=out["level"].map(LEVEL_ORDER)).sort_values(["_o", "area_code", "product", "month"],
                                                                    kind="stable")
    return out.drop(columns="_o").reset_index(drop=True)


def hours(forecasts: list[ProductForecast], geo: Geography, z: float, minutes: float) -> pd.DataFrame:
    """Per district and for the city, per month: all applications with their interval and the counter
    hours per week they need at `minutes` per application."""
    units = [u for u in geo.units() if u[0] in ("gemeente", "district")]
    n_units = {"gemeente": 1, "district": sum(1 for u in units if u[0] == "district")}
    months = forecasts[0].first_month + np.arange(forecasts[0].expected.shape[1])
    frames = []
    for level, code, name, rows in units:
        band = sum((unit_band(pf, rows, n_units[level]) for pf in forecasts[1:]),
                   unit_band(forecasts[0], rows, n_units[level]))
        low, high = band.bounds(z)
        frames.append(pd.DataFrame({
            "level": level, "area_code": code, "area_name": name, "month": [month_label(int(m)) for m in months],
            "applications": band.expected, "applications_low": low, "applications_high": high,
            "hours_per_week": counter_hours(band.expected, minutes, months),
            "hours_low": counter_hours(low, minutes, months), "hours_high": counter_hours(high, minutes, months)}))
    return pd.concat(frames, ignore_index=True)
