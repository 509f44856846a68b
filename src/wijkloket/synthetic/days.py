"""Day numbers (days since 1970-01-01), seasonal dates and the opening days of the desk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from wijkloket.documents.validity import day_number
from wijkloket.synthetic.assumptions import WEEKDAY_WEIGHTS

__all__ = ["Calendar", "day_number", "jan1", "month0", "seasonal_dates", "seasonal_offsets"]


def jan1(years: np.ndarray) -> np.ndarray:
    """Day numbers of 1 January of `years`."""
    return (np.asarray(years, dtype=np.int64) - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(
        np.int64)


def month0(days: np.ndarray) -> np.ndarray:
    """Month 0-11 of day numbers (days since 1970-01-01)."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12


_MONTH_LENGTHS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_MONTH_STARTS = np.concatenate([[0], np.cumsum(_MONTH_LENGTHS)[:-1]])


def seasonal_offsets(rng: np.random.Generator, n: int, weights: np.ndarray) -> np.ndarray:
    """Day of the year (0-364) with month weights `weights`, uniform within the month."""
    month = rng.choice(12, size=n, p=weights * _MONTH_LENGTHS / (weights * _MONTH_LENGTHS).sum())
    return _MONTH_STARTS[month] + (rng.random(n) * _MONTH_LENGTHS[month]).astype(np.int64)


def seasonal_dates(rng: np.random.Generator, n: int, y0: int, y1: int, weights: np.ndarray) -> np.ndarray:
    """`n` day numbers in the years `y0`-`y1` (uniform) with month weights `weights`."""
    years = rng.integers(y0, y1 + 1, size=n)
    return jan1(years) + seasonal_offsets(rng, n, weights)


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = (h + l_ - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def _public_holidays(year: int) -> list[int]:
    """Days the desk is closed: New Year, Easter Monday, King's Day, Liberation Day in lustrum years,
    Ascension, Whit Monday, Christmas (Dutch national holidays as most municipalities observe them)."""
    easter = day_number(_easter(year))
    kings = date(year, 4, 27)
    if kings.weekday() == 6:
        kings = date(year, 4, 26)
    days = [day_number(date(year, 1, 1)), easter + 1, day_number(kings), easter + 39, easter + 50,
            day_number(date(year, 12, 25)), day_number(date(year, 12, 26))]
    if year % 5 == 0:
        days.append(day_number(date(year, 5, 5)))
    return days


@dataclass(frozen=True)
class Calendar:
    """Opening days of the desk from `first` (a Monday) on, with weights for drawing a day in a week."""

    first: int
    cum: np.ndarray  # (n_weeks, 7) cumulative day weights
    open_weekdays: np.ndarray  # sorted day numbers, Monday-Friday, not a holiday

    @classmethod
    def build(cls, y0: int, y1: int) -> Calendar:
        start, end = day_number(date(y0 - 1, 1, 1)), day_number(date(y1 + 1, 12, 31))
        first = start - (start + 3) % 7  # 1970-01-01 was a Thursday
        n_weeks = (end - first) // 7 + 1
        days = first + np.arange(n_weeks * 7)
        weights = np.tile(WEEKDAY_WEIGHTS, n_weeks)
        closed = np.isin(days, [d for y in range(y0 - 1, y1 + 2) for d in _public_holidays(y)])
        weights[closed] = 0.0
        weekday = (days + 3) % 7
        open_weekdays = days[(weekday < 5) & ~closed]
        return cls(first, np.cumsum(weights.reshape(n_weeks, 7), axis=1), open_weekdays)

    def in_week(self, days: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """An opening day in the same week as each of `days`, drawn with the weekday weights."""
        week = np.clip((days - self.first) // 7, 0, len(self.cum) - 1)
        cum = self.cum[week]
        u = rng.random(len(days)) * cum[:, -1]
        return self.first + 7 * week + (cum <= u[:, None]).sum(axis=1)

    def on_or_after(self, days: np.ndarray, earliest: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """`in_week(days)`, moved a week on (and again) where that falls before `earliest`."""
        out = self.in_week(days, rng)
        for _ in range(3):
            early = out < earliest
            if not early.any():
                break
            out[early] = self.in_week(out[early] + 7, rng)
        return np.where(out < earliest, self.next_weekday(earliest), out)

    def next_weekday(self, days: np.ndarray) -> np.ndarray:
        """The first Monday-Friday opening day on or after each of `days`."""
        i = np.clip(np.searchsorted(self.open_weekdays, days), 0, len(self.open_weekdays) - 1)
        return self.open_weekdays[i]
