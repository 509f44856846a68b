"""`survey results` (issue 10, point 7): weighted estimates of every closed question with 95% intervals that
account for the stratified design and the calibration (`survey.estimates`), overall and per domain.

Proportions per answer code of single and multiple questions (for multiple: the share of respondents who
chose the code among those who answered the question), means of scale and number questions; open answers
are not estimated (the report counts themes). Complete and partial responses count for the questions they
answered; a question not asked (routing) or not answered is outside that question's domain, never a "no".
Figures on fewer than 10 respondents are suppressed (disclosure control); an estimate on fewer than 30
respondents or with a cv above 0.3 is marked not reliable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wijkloket.config import load_settings
from wijkloket.errors import ConfigError, WorkspaceError
from wijkloket.store.survey_db import SurveyRecord, SurveyStore, survey_db_url
from wijkloket.survey import estimates as est
from wijkloket.survey.questionnaire import Questionnaire, parse_questionnaire
from wijkloket.survey.weighting import calibration_matrix
from wijkloket.usecases.survey_fieldwork import fieldwork_table, sample_r_indicator

DOMAINS = ("district", "age_band", "sex")
TOTAL = "total"
RESULT_COLUMNS = ["question", "answer", "domain_level", "domain", "estimate", "se", "ci_low", "ci_high", "n",
                  "deff", "cv", "reliable", "suppressed"]


@dataclass
class SurveyResults:
    table: pd.DataFrame  # RESULT_COLUMNS; estimate, se and ci in per cent for proportions
    survey: SurveyRecord
    questionnaire: Questionnaire
    weighting: dict[str, Any]  # the report saved with the weights
    fieldwork: pd.DataFrame  # per stratum: gross, responded, response_rate, by mode
    r_indicator: dict[str, float]  # r, se, ci_low, ci_high
    synthetic: bool
    by: str | None = None


def answer_label(res: SurveyResults, question: str, answer: str, lang: str) -> str:
    """The label of an answer code in `lang` ("mean" for scale and number questions)."""
    from wijkloket.i18n import t

    for option in res.questionnaire.question(question).options:
        if option.code == answer:
            return option.label.get(lang) or answer
    return t("survey.results.mean", lang) if answer == "mean" else answer


def _row(question: str, answer: str, level: str, domain: str, e: est.Estimate, scale: float) -> dict[str, Any]:
    cv = est.cv_of(e)
    hidden = est.suppressed(e)
    nan = math.nan
    return {"question": question, "answer": answer, "domain_level": level, "domain": domain,
            "estimate": nan if hidden else e.estimate * scale, "se": nan if hidden else e.se * scale,
            "ci_low": nan if hidden else e.ci_low * scale, "ci_high": nan if hidden else e.ci_high * scale,
            "n": e.n if e.n >= est.DISCLOSURE_MIN else nan, "deff": nan if hidden else e.deff,
            "cv": nan if hidden else cv, "reliable": (not hidden) and est.reliable(e.n, cv), "suppressed": hidden}


def estimate_table(questionnaire: Questionnaire, responses: pd.DataFrame, answers: pd.DataFrame,
                   design: est.Design, by: str | None = None, also: Sequence[str] = ()) -> pd.DataFrame:
    """The results table (RESULT_COLUMNS) for the respondents in `responses` (in the order of `design`):
    the total and the domains of `by`, then (after all of those rows) the domains of each of `also`,
    as if the table were computed once per breakdown, without computing the total again."""
    ids = responses["response_id"].to_numpy()
    position = pd.Series(np.arange(len(ids)), index=ids)
    domains: list[tuple[str, str, np.ndarray]] = [(TOTAL, "", np.ones(len(ids), dtype=bool))]
    for level in ([by] if by is not None else []) + [a for a in also if a != by]:
        values = responses[level].astype(object)
        domains += [(level, str(v), (values == v).to_numpy()) for v in sorted(values.dropna().unique(), key=str)]
    rows: list[dict[str, Any]] = []
    for q in questionnaire.questions:
        if q.type == "open":
            continue
        given = answers[answers["question_id"] == q.id]
        given = given[given["response_id"].isin(position.index)]
        answered = np.zeros(len(ids), dtype=bool)
        answered[position[given["response_id"]].to_numpy()] = True
        if q.type in ("single", "multiple"):
            for code in q.codes():
                y = np.zeros(len(ids))
                y[position[given.loc[given["value"] == code, "response_id"]].to_numpy()] = 1.0
                for level, name, inside in domains:
                    z = (answered & inside).astype(float)
                    rows.append(_row(q.id, code, level, name, est.proportion(y, z, design), 100.0))
        else:
            y = np.zeros(len(ids))
            number = pd.to_numeric(given["value"], errors="coerce")
            ok = number.notna().to_numpy()
            y[position[given["response_id"][ok]].to_numpy()] = number[ok].to_numpy()
            valid = np.zeros(len(ids), dtype=bool)
            valid[position[given["response_id"][ok]].to_numpy()] = True
            for level, name, inside in domains:
                z = (valid & inside).astype(float)
                rows.append(_row(q.id, "mean", level, name, est.mean(y, z, design), 1.0))
    table = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    later = table["domain_level"].isin([a for a in also if a != by])
    table = pd.concat([table[~later], table[later]], ignore_index=True)
    return table.astype({"n": "Int64", "reliable": bool, "suppressed": bool})


def _weights(db: SurveyStore, rec: SurveyRecord, responses: pd.DataFrame) -> tuple[np.ndarray, dict[str, Any]]:
    stored = db.weights(rec.survey_id)
    if stored is None:
        raise WorkspaceError("error.survey_not_weighted", name=rec.name)
    table, report = stored
    if set(table["response_id"]) != set(responses["response_id"]):
        raise WorkspaceError("error.survey_weights_stale", name=rec.name, weighted=len(table), now=len(responses))
    w = table.set_index("response_id")["weight"].reindex(responses["response_id"]).to_numpy(dtype=float)
    return w, report


def results(folder: Path, gemeente: str | None = None, survey_name: str | None = None,
            by: str | None = None, also: Sequence[str] = ()) -> SurveyResults:
    """The estimates of the survey `survey_name` (default: the newest), overall and per `by` domain,
    then per domain of each breakdown in `also` (the report shows districts and age bands)."""
    for level in ([by] if by is not None else []) + list(also):
        if level not in DOMAINS:
            raise ConfigError("error.survey_results_by", value=level, known=", ".join(DOMAINS))
    folder = Path(folder)
    gemeente = gemeente or load_settings(folder).gemeente
    with SurveyStore(survey_db_url(folder)) as db:
        rec = db.survey(gemeente, survey_name)
        responses = db.responses(rec.survey_id)
        if responses.empty:
            raise ConfigError("error.survey_no_responses", name=rec.name)
        w, report = _weights(db, rec, responses)
        answers = db.answers(rec.survey_id)
        sample = db.sample(rec.survey_id)
    questionnaire = parse_questionnaire(rec.questionnaire_text, rec.name)
    margins = report.get("margins") or []
    x = calibration_matrix(responses, [tuple(m) for m in margins]) if margins else None
    design = est.Design(responses["stratum"].astype(str).to_numpy(), w, calibration=x)
    table = estimate_table(questionnaire, responses, answers, design, by, also)
    fieldwork, _ = fieldwork_table(sample)
    return SurveyResults(table, rec, questionnaire, report, fieldwork, sample_r_indicator(sample),
                         rec.synthetic, by)


def results_frame(res: SurveyResults) -> pd.DataFrame:
    """The results table as `survey results --format csv` and the staff export write it: `domain` 'total' for
    the whole population, the questionnaire's version and a `synthetic` column."""
    table = res.table.copy()
    table.loc[table["domain_level"] == TOTAL, "domain"] = TOTAL
    return table.assign(questionnaire_version=res.survey.questionnaire_version, synthetic=res.synthetic)
