"""The forecast tried on the list itself: fit on the months before a cut, predict the months after it,
and compare with what was issued (mean absolute percentage error, bias, and interval coverage), and
with a named baseline: the seasonal naive forecast (each month as the same month of the last fitted
year; Hyndman & Athanasopoulos, Forecasting: Principles and Practice, 3rd ed., section 5.2)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from wijkloket.documents.validity import Rules
from wijkloket.forecast.assumptions import Assumptions
from wijkloket.forecast.levels import Geography, month_label, unit_band
from wijkloket.forecast.model import ProductForecast, ProductInput, forecast_product

ALL = "all"


@dataclass
class BacktestResult:
    """`detail`: per level, area, product and month the forecast, the seasonal naive forecast and what was
    issued; `summary`: per district and the city, per product and for all products together, the MAPE
    (per cent, over the months), that of the seasonal naive forecast, the bias (mean percentage error)
    and the share of months inside the 90% interval."""

    cut: str  # first predicted month, YYYY-MM
    last: str  # last predicted month
    detail: pd.DataFrame
    summary: pd.DataFrame
    forecasts: list[ProductForecast]

    def mape(self, area_code: str, product: str = ALL) -> float:
        s = self.summary
        return float(s.loc[(s["area_code"] == area_code) & (s["product"] == product), "mape"].iloc[0])

    def overall(self, product: str = ALL, column: str = "expected") -> float:
        """The MAPE over every district and month (per cent), of the forecast or of `column` ("naive")."""
        d = self.detail
        sel = d[(d["level"] == "district") & (d["product"] == product) & (d["observed"] > 0)]
        return float((100 * (sel[column] - sel["observed"]).abs() / sel["observed"]).mean())


def backtest(inputs: list[ProductInput], cut: int, geo: Geography, a: Assumptions, rules: Rules) -> BacktestResult:
    """Fit each product on the first `cut` months of its list and predict the rest."""
    n = inputs[0].counts.shape[2]
    forecasts = [forecast_product(replace(inp, fit_months=cut), n - cut, a, rules) for inp in inputs]
    units = [u for u in geo.units() if u[0] in ("gemeente", "district")]
    n_units = {"gemeente": 1, "district": len(units) - 1}
    months = [month_label(inputs[0].start + cut + i) for i in range(n - cut)]
    rows = []
    for level, code, name, idx in units:
        total_exp, total_obs, total_naive = np.zeros(n - cut), np.zeros(n - cut), np.zeros(n - cut)
        for inp, pf in zip(inputs, forecasts, strict=True):
            band = unit_band(pf, idx, n_units[level])
            low, high = band.bounds(a.z)
            series = inp.counts[idx].sum(axis=(0, 1))
            naive = seasonal_naive(series[:cut], n - cut)
            rows.append(_detail(level, code, name, pf.product, months, band.expected, low, high, series[cut:], naive))
            total_exp += band.expected
            total_obs += series[cut:]
            total_naive += naive
        rows.append(_detail(level, code, name, ALL, months, total_exp, np.full(n - cut, np.nan),
                            np.full(n - cut, np.nan), total_obs, total_naive))
    detail = pd.concat(rows, ignore_index=True)
    return BacktestResult(months[0], months[-1], detail, _summary(detail), forecasts)


def seasonal_naive(fitted: np.ndarray, horizon: int) -> np.ndarray:
    """The seasonal naive forecast: month h after the fitted months is the same calendar month of the
    last fitted year."""
    last = fitted[-12:]
    return np.array([last[h % 12] for h in range(horizon)], dtype=float)


def _detail(level: str, code: str, name: str, product: str, months: list[str], expected: np.ndarray,
            low: np.ndarray, high: np.ndarray, observed: np.ndarray, naive: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"level": level, "area_code": code, "area_name": name, "product": product, "month": months,
                         "expected": expected, "low": low, "high": high, "observed": observed, "naive": naive})


def _summary(detail: pd.DataFrame) -> pd.DataFrame:
    d = detail[detail["observed"] > 0].copy()
    d["ape"] = 100 * (d["expected"] - d["observed"]).abs() / d["observed"]
    d["pe"] = 100 * (d["expected"] - d["observed"]) / d["observed"]
    d["naive_ape"] = 100 * (d["naive"] - d["observed"]).abs() / d["observed"]
    inside = (d["observed"] >= d["low"]) & (d["observed"] <= d["high"])
    d["inside"] = np.where(d["low"].isna(), np.nan, inside.astype(float))
    g = d.groupby(["level", "area_code", "area_name", "product"], sort=False)
    out = g.agg(mape=("ape", "mean"), naive_mape=("naive_ape", "mean"), bias=("pe", "mean"),
                coverage=("inside", "mean"), months=("month", "size"), expected=("expected", "sum"),
                observed=("observed", "sum")).reset_index()
    out["coverage"] = 100 * out["coverage"].astype(float)
    return out
