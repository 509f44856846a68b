"""`survey weight` (issue 10, point 6): design weights of the respondents raked to population margins from
the sampling frame (the counts stored with the draw) or from CBS, with bounds or trimming; the weights and
the report (convergence, margins reproduced, reconciliation, Kish's deff and n_eff) are saved with the survey.

Complete and partial responses are weighted alike: each counts for the questions it answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wijkloket.config import load_settings
from wijkloket.errors import ConfigError
from wijkloket.store.survey_db import SurveyRecord, SurveyStore, survey_db_url
from wijkloket.survey import weighting as wt

DEFAULT_MARGINS = "district*age_band,sex"
SOURCES = ("frame", "cbs")
WEIGHT_COLUMNS = ["respondent", "district", "age_band", "sex", "design_weight", "weight"]


@dataclass
class WeightResult:
    survey: SurveyRecord
    weights: pd.DataFrame  # WEIGHT_COLUMNS (respondent = the response id), one row per respondent
    margins: pd.DataFrame  # margin, cell, population, weighted, respondents
    report: dict[str, Any]
    synthetic: bool = False


def frame_margins(counts: pd.DataFrame, variables: list[tuple[str, ...]]) -> list[wt.Margin]:
    return [wt.margin_from_counts(counts, vs) for vs in variables]


def cbs_margins(folder: Path, variables: list[tuple[str, ...]]) -> tuple[list[wt.Margin], int]:
    """Margins from the workspace's newest CBS year (see `cbs_counts`)."""
    counts, year = cbs_counts(folder)
    for vs in variables:
        missing = [v for v in vs if v not in counts.columns]
        if missing:
            raise ConfigError("error.survey_margin_not_cbs", value=missing[0], known="district, age_band, sex")
    return [wt.margin_from_counts(counts, vs) for vs in variables], year


def cbs_counts(folder: Path) -> tuple[pd.DataFrame, int]:
    """Residents aged 15 and over per wijk, age band and sex from the newest CBS year of the workspace:
    the CBS count per age band (or its rounded share of the inhabitants), split by the wijk's share of
    men and women among all inhabitants (CBS gives sex for all ages only); the wijk's district from the
    district file. Columns district, area_code, age_band, sex, count."""
    from wijkloket.ages import AGE_BANDS
    from wijkloket.usecases import open_workspace

    with open_workspace(folder) as ws:
        years = ws.years()
        if not years:
            raise ConfigError("error.survey_no_cbs")
        year = years[-1]
        values, areas, districts, gemeente = ws.values(year), ws.areas(year), ws.districts(), ws.gemeente
    wijken = areas.index[(areas["level"] == "wijk") & (areas["gemeente_code"] == gemeente)]
    values = values.reindex(wijken)
    pop = values["population"]
    if "n_men" in values and "n_women" in values:
        men = values["n_men"] / (values["n_men"] + values["n_women"])
    else:
        men = pd.Series(np.nan, index=values.index)
    district = (districts.set_index("area_code")["district"] if districts is not None
                else pd.Series(dtype=object)).reindex(values.index)
    rows = []
    for band in AGE_BANDS[1:]:
        count = values.get(band.count_variable, pd.Series(np.nan, index=values.index))
        count = count.fillna((values.get(band.pct_variable, np.nan) * pop / 100.0).round())
        part = pd.DataFrame({"district": district, "area_code": values.index, "age_band": band.label,
                             "count": count})
        if men.isna().all():  # no sex counts in the workspace: no sex margin from CBS
            rows.append(part)
            continue
        rows += [part.assign(sex=sex, count=count * share) for sex, share in (("M", men), ("V", 1 - men))]
    counts = pd.concat(rows, ignore_index=True)
    if counts["count"].isna().all():
        raise ConfigError("error.survey_no_cbs")
    return counts.dropna(subset=["count"]), year


def _check_areas(responses: pd.DataFrame, margins: list[wt.Margin]) -> None:
    """Respondents in an area the margins do not know: the margins are not of this workspace's areas."""
    for m in margins:
        for v in m.variables:
            if v not in ("district", "area_code", "stratum"):
                continue
            known = {cell[m.variables.index(v)] for cell in m.totals.index}
            unknown = sorted(set(responses[v].dropna().astype(str)) - {str(k) for k in known})
            if unknown:
                raise ConfigError("error.survey_margin_areas", margin=m.name, areas=", ".join(unknown[:5]))


def weight(folder: Path, gemeente: str | None = None, survey_name: str | None = None,
           margins: str = DEFAULT_MARGINS, margins_from: str = "frame", bounds: tuple[float, float] | None = None,
           trim: float | None = None) -> WeightResult:
    """Rake the respondents' design weights to `margins` (see `survey.weighting.parse_margins`) and save them."""
    folder = Path(folder)
    if margins_from not in SOURCES:
        raise ConfigError("error.survey_margins_from", value=margins_from, known=", ".join(SOURCES))
    _check_limits(bounds, trim)
    variables = wt.parse_margins(margins)
    gemeente = gemeente or load_settings(folder).gemeente
    with SurveyStore(survey_db_url(folder)) as db:
        rec = db.survey(gemeente, survey_name)
        responses = db.responses(rec.survey_id)
        if responses.empty:
            raise ConfigError("error.survey_no_responses", name=rec.name)
        year = None
        if margins_from == "frame":
            ms = frame_margins(db.frame_counts(rec.survey_id), variables)
        else:
            ms, year = cbs_margins(folder, variables)
        _check_areas(responses, ms)
        d = responses["design_weight"].to_numpy(dtype=float)
        res = wt.rake(responses, d, ms, bounds=bounds, trim=trim)
        table = wt.margin_table(responses, res.weights, ms)
        report = _report(res, d, variables, margins_from, year, table)
        weights = pd.DataFrame({"respondent": responses["response_id"], "district": responses["district"],
                                "age_band": responses["age_band"], "sex": responses["sex"],
                                "design_weight": d, "weight": res.weights})
        db.save_weights(rec.survey_id, weights.rename(columns={"respondent": "response_id"}), report)
    return WeightResult(rec, weights, table, report, rec.synthetic)


def _check_limits(bounds: tuple[float, float] | None, trim: float | None) -> None:
    if bounds is not None and not 0 <= bounds[0] < 1 < bounds[1]:
        raise ConfigError("error.survey_bounds", low=bounds[0], high=bounds[1])
    if trim is not None and not trim > 1:
        raise ConfigError("error.survey_trim", value=trim)


def _report(res: wt.RakeResult, d: np.ndarray, variables: list[tuple[str, ...]], source: str, year: int | None,
            table: pd.DataFrame) -> dict[str, Any]:
    deff, n_eff = wt.kish(res.weights)
    design_deff, design_n_eff = wt.kish(d)
    return {
        "method": "raking", "source": source, "cbs_year": year,
        "margins": [list(vs) for vs in variables], "margin_spec": ",".join("*".join(vs) for vs in variables),
        "iterations": res.iterations, "converged": res.converged, "history": res.history,
        "max_deviation": max(res.deviation.values()), "deviation": res.deviation,
        "reconciliation": res.adjustments,
        "bounds": list(res.bounds) if res.bounds else None, "trim": res.trim, "bounded": res.bounded,
        "n": len(d), "population": float(res.weights.sum()),
        "deff": deff, "n_eff": n_eff, "design_deff": design_deff, "design_n_eff": design_n_eff,
        "weight_min": float(res.weights.min()), "weight_max": float(res.weights.max()),
        "weight_mean": float(res.weights.mean()),
        "margin_table": table.to_dict("records"),
    }
