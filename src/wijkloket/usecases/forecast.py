"""Demand in the coming years (issue 8, point 4): expected applications for passports, ID cards and driving
licences per area, product and month, and the counter hours they need, from the workspace's issuance
list, the validity rules and the CBS age structure (see `wijkloket.forecast`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from wijkloket.ages import LABELS
from wijkloket.areas.codes import wijk_of
from wijkloket.areas.levels import gemeente_name
from wijkloket.documents.validity import PRODUCTS, default_rules
from wijkloket.errors import WijkloketError, WorkspaceError
from wijkloket.forecast.assumptions import Assumptions, default_assumptions
from wijkloket.forecast.backtest import ALL, BacktestResult, backtest
from wijkloket.forecast.chain import age_profile
from wijkloket.forecast.levels import Geography, hours, month_label, tidy, weeks_in_month
from wijkloket.forecast.model import ProductForecast, ProductInput, forecast_product
from wijkloket.i18n import fmt_number, t
from wijkloket.indicators.desk import Geography as DeskGeography
from wijkloket.indicators.desk import population_by_band
from wijkloket.store.workspace import Workspace
from wijkloket.usecases.desk import desk_geography
from wijkloket.usecases.profile import latest_year

COLUMNS = ["level", "area_code", "area_name", "product", "month", "expected", "low", "high", "synthetic"]
EXTRA_COLUMNS = ["district", "renewals_before_list", "renewals_listed", "first_applications", "other",
                 "hours_per_week", "minutes_per_application"]
BACKTEST_MONTHS = 24  # held out by the backtest that every forecast reports
MIN_FIT_MONTHS = 36
HISTORY_NOTES = ("forecast.note_short_history", "forecast.note_long_history")


def period_of(month: str, period: str) -> str:
    """The period a month (YYYY-MM) falls in: itself, `YYYY-Qn` or `YYYY`."""
    if period == "month":
        return month
    if period == "quarter":
        return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"
    return month[:4]


def render_note(note: tuple[str, dict[str, Any]], lang: str) -> str:
    """A note in `lang`: numbers written as a reader of the language writes them (floats with one decimal)."""
    key, params = note
    shown = {k: fmt_number(v, lang, 1) if isinstance(v, float) else v for k, v in params.items()}
    return t(key, lang, **shown)


def _plain(x: float) -> int | float:
    """A whole number as an int (shown without decimals in a note), else the float rounded to one decimal."""
    return int(round(x)) if abs(x - round(x)) < 1e-9 else round(x, 1)


@dataclass
class ProductModel:
    """What was estimated for one product, for the notes: the renewal timing, the possession scale of
    minors and adults relative to the assumed shares (weighted by holders), the seasonal factors."""

    product: str
    early_months: int
    early_share: float
    late_mean: float
    mean_offset: float  # months, negative = before expiry
    scale_minors: float
    scale_adults: float
    season: list[float]


@dataclass
class ForecastResult:
    table: pd.DataFrame  # COLUMNS + EXTRA_COLUMNS, one row per level, area, product and month
    hours: pd.DataFrame  # per district and the city, per month: applications and counter hours per week
    history: pd.DataFrame  # the city per product and month: issued, and fitted by the model
    months: int
    minutes: float
    minutes_assumed: bool  # True: the default of assumptions.toml, not given by the user
    first_month: str
    last_month: str
    history_first: str
    history_last: str
    history_years: float
    short_history: bool
    synthetic: bool
    base_level: str
    gemeente_name: str
    population_year: int
    unmatched: float
    models: list[ProductModel]
    backtest: BacktestResult | None
    assumptions: Assumptions
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def at_level(self, level: str) -> pd.DataFrame:
        """The rows of one level (`all`: every level); an error naming the levels there are otherwise."""
        if level == "all":
            return self.table
        have = list(dict.fromkeys(self.table["level"]))
        if level not in have:
            raise WijkloketError("error.forecast_level", level=level, known=", ".join([*have, "all"]))
        return self.table[self.table["level"] == level]

    def by_period(self, level: str, period: str) -> pd.DataFrame:
        """All products together per area of `level` (and the city) and period (`month`, `quarter`,
        `year`): expected applications (summed), counter hours per week (the period's hours over its
        weeks) and how many months of the period the forecast covers."""
        levels = [level, "gemeente"] if level != "gemeente" else ["gemeente"]
        t_ = self.table[self.table["level"].isin(levels)]
        per = t_.groupby(["level", "area_code", "area_name", "month"], sort=False, as_index=False)["expected"].sum()
        per["weeks"] = [weeks_in_month(int(m[:4]) * 12 + int(m[5:7]) - 1) for m in per["month"]]
        per["hours"] = per["expected"] * self.minutes / 60.0
        per["period"] = [period_of(m, period) for m in per["month"]]
        out = per.groupby(["level", "area_code", "area_name", "period"], sort=False, as_index=False).agg(
            applications=("expected", "sum"), hours=("hours", "sum"), weeks=("weeks", "sum"), months=("month", "size"))
        out["hours_per_week"] = out["hours"] / out["weeks"]
        return out.drop(columns=["hours", "weeks"])

    def history_note(self, lang: str) -> str:
        """The note on the length of the list and the documents issued before it, in `lang`."""
        return render_note(next(n for n in self.notes if n[0] in HISTORY_NOTES), lang)

    def note_texts(self, lang: str) -> list[str]:
        return [render_note(n, lang) for n in self.notes]


@dataclass(frozen=True)
class _Inputs:
    products: list[ProductInput]
    geo: Geography
    start: int
    n: int
    pop_year: int
    unmatched: float


def check_months(months: int, a: Assumptions | None = None) -> None:
    """A horizon of 1 to `max_months` (120) months, else an error the doors show."""
    a = a or default_assumptions()
    if not 1 <= months <= a.max_months:
        raise WijkloketError("error.forecast_months", months=months, max=a.max_months)


def _geography(ws: Workspace, pop_year: int) -> tuple[Geography, pd.DataFrame, DeskGeography]:
    """The base areas (the finest CBS level), their districts and the municipality."""
    desk_geo, _, _ = desk_geography(ws, pop_year)
    sub, districts = desk_geo.areas, desk_geo.districts
    dmap = districts.set_index("area_code")["district_code"]
    via_wijk = bool((sub["level"] == "buurt").any() and dmap.index.str.startswith("WK").all())
    codes = list(sub.index)
    dcodes = [str(dmap.get(wijk_of(c) if via_wijk else c, "")) for c in codes]
    dnames = dict(zip(districts["district_code"], districts["district"], strict=True))
    name = gemeente_name(sub["gemeente_name"], ws.gemeente)
    geo = Geography(codes, [str(n) for n in sub["name"]], str(sub["level"].iloc[0]), dcodes, dnames,
                    ws.gemeente, name)
    return geo, sub, desk_geo


def _inputs(ws: Workspace) -> _Inputs:
    events = ws.event_months("issuance")
    if events.empty:
        raise WorkspaceError("error.no_events_issuance", folder=str(ws.folder))
    pop_year = latest_year(ws)
    geo, sub, desk_geo = _geography(ws, pop_year)
    residents = population_by_band(ws.values(pop_year).reindex(sub.index))[list(LABELS)].fillna(0.0).to_numpy()
    events["base"] = desk_geo.base_of(events["area_code"])
    unmatched = float(events.loc[events["base"].isna(), "n"].sum())
    events = events[events["base"].notna() & events["product"].isin(PRODUCTS)].copy()
    events["m"] = events["year"] * 12 + events["month"] - 1
    start, n = int(events["m"].min()), int(events["m"].max() - events["m"].min() + 1)
    row = {c: i for i, c in enumerate(geo.codes)}
    inputs = []
    for product in PRODUCTS:
        sel = events[events["product"] == product]
        counts = np.zeros((len(geo.codes), len(LABELS), n))
        _add_counts(counts, sel, row, start)
        inputs.append(ProductInput(product, counts, start, residents))
    return _Inputs(inputs, geo, start, n, pop_year, unmatched)


def _add_counts(counts: np.ndarray, sel: pd.DataFrame, row: dict[str, int], start: int) -> None:
    """Add the events to `counts` (areas, bands, months); events without an age band are spread over
    the bands as the area's events of the product with a band are (else as the whole list's)."""
    band = {label: i for i, label in enumerate(LABELS)}
    known = sel[sel["age_band"].isin(LABELS)]
    a = known["base"].map(row).to_numpy()
    np.add.at(counts, (a, known["age_band"].map(band).to_numpy(), known["m"].to_numpy() - start),
              known["n"].to_numpy())
    unknown = sel[~sel["age_band"].isin(LABELS)]
    if unknown.empty:
        return
    by_area = counts.sum(axis=2)
    overall = by_area.sum(axis=0)
    overall = overall / overall.sum() if overall.sum() > 0 else np.full(len(LABELS), 1.0 / len(LABELS))
    mix = np.where(by_area.sum(axis=1, keepdims=True) > 0,
                   by_area / np.maximum(by_area.sum(axis=1, keepdims=True), 1e-12), overall)
    ua = unknown["base"].map(row).to_numpy()
    np.add.at(counts.transpose(0, 2, 1), (ua, unknown["m"].to_numpy() - start),
              unknown["n"].to_numpy()[:, None] * mix[ua])


def _model(pf: ProductForecast, inp: ProductInput, a: Assumptions) -> ProductModel:
    by_age = inp.residents @ age_profile(a.old_groups)
    pa = a.products[pf.product]
    held = by_age * np.array([pa.share_at(x) for x in range(by_age.shape[1])])
    minors, adults = held[:, :18].sum(axis=1), held[:, 18:].sum(axis=1)
    c, k = pf.coefficients, pf.kernel

    def weighted(scale: np.ndarray, w: np.ndarray) -> float:
        return float((scale * w).sum() / w.sum()) if w.sum() > 0 else float("nan")

    return ProductModel(pf.product, k.early_months, k.early_share, k.late_mean, k.mean(),
                        weighted(c.minors, minors), weighted(c.adults, adults), [float(x) for x in c.season])


def _history(forecasts: list[ProductForecast], start: int) -> pd.DataFrame:
    frames = [pd.DataFrame({"product": pf.product, "month": [month_label(start + i)
                                                              for i in range(pf.observed.shape[1])],
                            "issued": pf.observed.sum(axis=0), "fitted": pf.fitted.sum(axis=0)})
              for pf in forecasts]
    return pd.concat(frames, ignore_index=True)


def forecast(ws: Workspace, months: int = 36, minutes: float | None = None, with_backtest: bool = True,
             a: Assumptions | None = None) -> ForecastResult:
    """Expected applications per area (every level), product and month for `months` months after the
    issuance list, with their 90% interval, and the counter hours per week at `minutes` per application
    (default: `assumptions.toml`). Reports a backtest on the list's last two years when it is long enough."""
    a = a or default_assumptions()
    check_months(months, a)
    if minutes is not None and not 0 < minutes <= 240:
        raise WijkloketError("error.forecast_minutes", minutes=minutes)
    per_app = float(minutes) if minutes is not None else a.minutes_per_application
    inp = _inputs(ws)
    if inp.n < MIN_FIT_MONTHS:
        raise WijkloketError("error.forecast_history_short", folder=str(ws.folder), months=inp.n,
                             need=MIN_FIT_MONTHS)
    rules = default_rules()
    forecasts = [forecast_product(p, months, a, rules) for p in inp.products]
    synthetic = ws.is_synthetic(("issuance", "postcodes"))
    table = tidy(forecasts, inp.geo, a.z, per_app).assign(synthetic=synthetic, minutes_per_application=per_app)
    hrs = hours(forecasts, inp.geo, a.z, per_app).assign(synthetic=synthetic, minutes_per_application=per_app)
    bt = None
    if with_backtest and inp.n >= MIN_FIT_MONTHS + BACKTEST_MONTHS:
        bt = backtest(inp.products, inp.n - BACKTEST_MONTHS, inp.geo, a, rules)
    result = ForecastResult(
        table[COLUMNS + EXTRA_COLUMNS], hrs, _history(forecasts, inp.start), months, per_app, minutes is None,
        month_label(inp.start + inp.n), month_label(inp.start + inp.n + months - 1), month_label(inp.start),
        month_label(inp.start + inp.n - 1), inp.n / 12.0, inp.n < a.short_history_years * 12, synthetic,
        inp.geo.base_level, inp.geo.gemeente_name, inp.pop_year, inp.unmatched,
        [_model(pf, p, a) for pf, p in zip(forecasts, inp.products, strict=True)], bt, a)
    result.notes = notes(result)
    return result


def run_backtest(ws: Workspace, cut: str, a: Assumptions | None = None) -> BacktestResult:
    """Fit on the issuance list before month `cut` (YYYY-MM) and predict the rest of the list."""
    a = a or default_assumptions()
    inp = _inputs(ws)
    first, last = month_label(inp.start), month_label(inp.start + inp.n - 1)
    try:
        year, month = (int(x) for x in cut.split("-"))
        if not 1 <= month <= 12 or len(cut) != 7:
            raise ValueError(cut)
    except ValueError:
        raise WijkloketError("error.forecast_cut_format", cut=cut) from None
    k = year * 12 + month - 1 - inp.start
    if k < MIN_FIT_MONTHS or k >= inp.n:
        raise WijkloketError("error.forecast_cut_range", cut=cut, first=first, last=last,
                             earliest=month_label(inp.start + MIN_FIT_MONTHS))
    return backtest(inp.products, k, inp.geo, a, default_rules())


def notes(r: ForecastResult) -> list[tuple[str, dict[str, Any]]]:
    """What every output says beside the figures, as catalogue keys and parameters."""
    out: list[tuple[str, dict[str, Any]]] = []
    if r.synthetic:
        out.append(("forecast.note_synthetic", {}))
    key = HISTORY_NOTES[0] if r.short_history else HISTORY_NOTES[1]
    out.append((key, {"first": r.history_first, "last": r.history_last, "years": _plain(r.history_years),
                      "limit": r.assumptions.short_history_years, "pop_year": r.population_year}))
    out.append(("forecast.note_method", {}))
    out.append(("forecast.note_interval", {}))
    bt = r.backtest
    if bt is not None:
        out.append(("forecast.note_backtest", {
            "cut": bt.cut, "last": bt.last, "mape": round(bt.overall(ALL), 1),
            **{p: round(bt.overall(p), 1) for p in PRODUCTS}}))
    else:
        out.append(("forecast.note_no_backtest", {"need": MIN_FIT_MONTHS + BACKTEST_MONTHS}))
    out.append(("forecast.note_minutes_assumed" if r.minutes_assumed else "forecast.note_minutes",
                {"minutes": _plain(r.minutes)}))
    if r.unmatched:
        out.append(("forecast.note_unmatched", {"n": int(round(r.unmatched))}))
    return out

