"""Monitor, weight and results on a synthetic survey of 600 units (tests/fixtures/survey/analysis_survey.py),
on both backends; expected values are computed here from the units, the frame counts and the stored rows."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fixtures.survey.analysis_survey import FRAME, GM, KEY, NAME, build
from fixtures.survey.backends import survey_url

from wijkloket.config import SETTINGS_FILE, Settings
from wijkloket.errors import ConfigError, InputFileError, WorkspaceError
from wijkloket.store.survey_db import SurveyStore
from wijkloket.survey.codes import code_hash, is_valid
from wijkloket.usecases.survey_fieldwork import monitor
from wijkloket.usecases.survey_results import results
from wijkloket.usecases.survey_weighting import weight

__all__ = ["survey_url"]


@pytest.fixture
def ws(tmp_path: Path, survey_url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, pd.DataFrame]:
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / SETTINGS_FILE).write_text(Settings(gemeente=GM, name="test").to_toml(), "utf-8")
    monkeypatch.setenv("WIJKLOKET_SURVEY_DB", survey_url)
    key = tmp_path / "sleutel.key"
    key.write_text(KEY.hex() + "\n", "ascii")
    monkeypatch.setenv("WIJKLOKET_SURVEY_KEY", str(key))
    return folder, build(survey_url)


def test_monitor_counts_per_stratum_and_reminders(ws: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    folder, units = ws
    res = monitor(folder, GM, None, None, tmp_path / "post")
    expected = units.groupby("stratum")["responded"].agg(["size", "sum"])
    got = res.table.set_index("stratum")
    assert got["gross"].to_dict() == expected["size"].to_dict()
    assert got["responded"].to_dict() == expected["sum"].to_dict()
    assert (got["complete"] + got["partial"]).to_dict() == expected["sum"].to_dict()
    assert (got["web"] + got["paper"] + got["phone"]).to_dict() == expected["sum"].to_dict()
    assert res.total["gross"] == 600 and res.total["response_rate"] == pytest.approx(100 * units.responded.mean())
    r = res.r_indicator
    assert 0 < r["ci_low"] < r["r"] < r["ci_high"] <= 1  # response depends on age: R below 1
    # the reminder list: one column, a valid code for every unit that has not answered, and nothing else
    with (tmp_path / "post" / "herinneringen.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["code"] and len(rows) - 1 == res.n_reminders == int((~units.responded).sum())
    assert all(is_valid(c) for (c,) in rows[1:])
    assert {code_hash(KEY, c) for (c,) in rows[1:]} == set(units.loc[~units.responded, "code_hash"])
    assert (tmp_path / "post" / "herinneringen.csv").stat().st_mode & 0o077 == 0
    with pytest.raises(InputFileError) as exc:
        monitor(folder, GM, None, None, tmp_path / "post")
    assert exc.value.code == "error.survey_reminders_exist"
    with pytest.raises(InputFileError) as exc:
        monitor(folder, GM, None, None, folder / "lijst")
    assert exc.value.code == "error.survey_reminders_in_workspace"
    assert not (folder / "lijst").exists()


def test_weights_reproduce_the_frame_margins(ws: tuple[Path, pd.DataFrame], survey_url: str) -> None:
    folder, _ = ws
    res = weight(folder, GM, margins="district*age_band,sex", trim=6)
    assert list(res.weights.columns) == ["respondent", "district", "age_band", "sex", "design_weight", "weight"]
    with SurveyStore(survey_url) as db:
        stored, report = db.weights(db.survey(GM).survey_id)  # type: ignore[misc]
    w = res.weights.merge(stored, left_on="respondent", right_on="response_id", suffixes=("", "_db"))
    assert np.allclose(w["weight"], w["weight_db"])
    by_cell = w.groupby(["district", "age_band"])["weight"].sum()
    for (d, a), total in by_cell.items():
        pop = sum(n for (dd, aa, _), n in FRAME.items() if (dd, aa) == (d, a))
        assert abs(total - pop) / pop < 1e-6
    for s in ("M", "V"):
        pop = sum(n for (_, _, ss), n in FRAME.items() if ss == s)
        assert abs(w.loc[w.sex == s, "weight"].sum() - pop) / pop < 1e-6
    n = len(w)
    assert report["deff"] == pytest.approx(n * (w.weight**2).sum() / w.weight.sum() ** 2)
    assert report["n_eff"] == pytest.approx(n / report["deff"])
    assert report["converged"] and report["margins"] == [["district", "age_band"], ["sex"]]
    assert w.weight.max() <= 6 * w.weight.mean() * (1 + 1e-9)


def test_results_by_hand_and_routing(ws: tuple[Path, pd.DataFrame], survey_url: str) -> None:
    folder, _ = ws
    with pytest.raises(WorkspaceError) as exc:
        results(folder, GM)
    assert exc.value.code == "error.survey_not_weighted"
    weight(folder, GM)
    res = results(folder, GM, by="district")
    with SurveyStore(survey_url) as db:
        sid = db.survey(GM).survey_id
        stored, _ = db.weights(sid)  # type: ignore[misc]
        answers = db.answers(sid)
        responses = db.responses(sid)
    w = stored.set_index("response_id")["weight"]
    contact = answers[answers.question_id == "contact"].set_index("response_id")["value"]
    share = w[contact.index][contact == "yes"].sum() / w[contact.index].sum()
    row = res.table.query("question == 'contact' and answer == 'yes' and domain_level == 'total'").iloc[0]
    assert row.estimate == pytest.approx(100 * share, abs=1e-9) and row.n == len(contact) == len(responses)
    assert row.ci_low < row.estimate < row.ci_high and row.reliable
    # routing: the channel is asked only after contact = yes; the others are outside its domain, not "no"
    chan = answers[answers.question_id == "contact_channel"]
    asked = chan.response_id.unique()
    desk = w[chan.loc[chan.value == "desk", "response_id"]].sum() / w[asked].sum()
    row = res.table.query("question == 'contact_channel' and answer == 'desk' and domain_level == 'total'").iloc[0]
    assert row.estimate == pytest.approx(100 * desk, abs=1e-9) and row.n == len(asked)
    # partial responses count for what they answered: barriers has fewer respondents than contact
    row = res.table.query("question == 'barriers' and answer == 'distance' and domain_level == 'total'").iloc[0]
    assert row.n == answers[answers.question_id == "barriers"].response_id.nunique() < len(responses)
    # the mean of a scale question
    ease = answers[answers.question_id == "contact_ease"].set_index("response_id")["value"].astype(float)
    row = res.table.query("question == 'contact_ease' and domain_level == 'total'").iloc[0]
    assert row.answer == "mean" and row.estimate == pytest.approx((w[ease.index] * ease).sum() / w[ease.index].sum())
    # disclosure: nobody chose email -> suppressed, no figures; per district rows exist for each district
    row = res.table.query("question == 'contact_channel' and answer == 'email' and domain_level == 'total'").iloc[0]
    assert row.suppressed and math.isnan(row.estimate) and not row.reliable
    assert set(res.table.query("domain_level == 'district'").domain) == {"Noord", "Oost", "Zuid"}
    assert set(res.fieldwork.stratum) == {"Noord", "Oost", "Zuid"} and "r" in res.r_indicator
    assert res.weighting["margin_spec"] == "district*age_band,sex"
    # districts and age bands in one call (as the report asks): the same rows as two calls, age bands
    # after every district row; an age band's share by hand from the weights
    both = results(folder, GM, by="district", also=("age_band",)).table
    ages = results(folder, GM, by="age_band").table
    pd.testing.assert_frame_equal(both, pd.concat([res.table, ages[ages.domain_level == "age_band"]],
                                                  ignore_index=True))
    band = str(responses["age_band"].dropna().iloc[0])
    in_band = responses.set_index("response_id")["age_band"].astype(str) == band
    ids = contact.index[in_band[contact.index].to_numpy()]
    share = w[ids][contact[ids] == "yes"].sum() / w[ids].sum()
    row = both.query("question == 'contact' and answer == 'yes' and domain_level == 'age_band' "
                     "and domain == @band").iloc[0]
    assert row.estimate == pytest.approx(100 * share, abs=1e-9)
    with pytest.raises(ConfigError):
        results(folder, GM, by="district", also=("shoe_size",))


def test_weighting_errors(ws: tuple[Path, pd.DataFrame], survey_url: str) -> None:
    folder, _ = ws
    with pytest.raises(ConfigError) as exc:
        weight(folder, GM, margins="district,wijk")
    assert exc.value.code == "error.survey_margin_variable"
    with pytest.raises(ConfigError) as exc:
        weight(folder, GM, bounds=(0.95, 1.05))
    assert exc.value.code == "error.survey_not_converged" and exc.value.params["margin"]
    with pytest.raises(ConfigError) as exc:
        weight(folder, GM, bounds=(2, 5))
    assert exc.value.code == "error.survey_bounds"
    with SurveyStore(survey_url) as db:
        assert db.weights(db.survey(GM).survey_id) is None  # nothing stored by the failures


def test_stale_weights_are_refused(ws: tuple[Path, pd.DataFrame], survey_url: str) -> None:
    folder, units = ws
    weight(folder, GM)
    late = units.loc[~units.responded].iloc[0]
    with SurveyStore(survey_url) as db:
        db.save_response(db.survey(GM).survey_id, late.code_hash, "phone", {"contact": ["no"]}, False)
    with pytest.raises(WorkspaceError) as exc:
        results(folder, GM)
    assert exc.value.code == "error.survey_weights_stale"
    assert NAME in exc.value.params["name"]


def test_cbs_margins(haarlem_ws: Path, data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CBS margins: age band (15+) and sex of Haarlem's wijken in the 2024 kaart, worked out here from the
    attribute table: residents x share per band (rounded, as CBS gives whole per cents), split by the share
    of men. Districts of the test survey (Noord, Oost, Zuid) are not all Haarlem's: refused by name."""
    monkeypatch.delenv("WIJKLOKET_SURVEY_DB", raising=False)
    build(f"sqlite:///{(haarlem_ws / 'enquete.sqlite').as_posix()}", gemeente="GM0392")
    with pytest.raises(ConfigError) as exc:
        weight(haarlem_ws, "GM0392", margins="district*age_band,sex", margins_from="cbs")
    assert exc.value.code == "error.survey_margin_areas" and exc.value.params["areas"] == "Zuid"
    res = weight(haarlem_ws, "GM0392", margins="age_band,sex", margins_from="cbs")
    attrs = pd.read_csv(data / "cbs" / "wijkenbuurten2024_wijken_haarlem_haarlemmermeer_attributes.csv")
    attrs = attrs[attrs.gemeentecode == "GM0392"]
    pct = {"15-24": "percentagePersonen15Tot25Jaar", "25-44": "percentagePersonen25Tot45Jaar",
           "45-64": "percentagePersonen45Tot65Jaar", "65+": "percentagePersonen65JaarEnOuder"}
    counts = {band: (attrs[col] * attrs.aantalInwoners / 100).round() for band, col in pct.items()}
    men = attrs.mannen / (attrs.mannen + attrs.vrouwen)
    w = res.weights
    for band, c in counts.items():
        assert w.loc[w.age_band == band, "weight"].sum() == pytest.approx(c.sum(), rel=1e-6)
    assert w.loc[w.sex == "M", "weight"].sum() == pytest.approx(sum((c * men).sum() for c in counts.values()),
                                                                 rel=1e-6)
    assert res.report["source"] == "cbs" and res.report["cbs_year"] == 2024
