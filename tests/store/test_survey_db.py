"""The survey database on SQLite and PostgreSQL: a hand-made survey of 4 units (2 in Noord with inclusion
probability 1/4, 2 in Zuid with 1/8), responses, unlinking, weights and migrations."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fixtures.survey.backends import KEY, SURVEY, codes, frame_counts, survey_url, units
from sqlalchemy import create_engine, text

from wijkloket.errors import WorkspaceError
from wijkloket.store.survey_db import SurveyStore, survey_db_url
from wijkloket.survey.codes import code_hash
from wijkloket.survey.questionnaire import default_text

__all__ = ["survey_url"]
GM = "GM9999"


def _make(db: SurveyStore, name: str = SURVEY) -> int:
    rec = db.create_survey(name, GM, default_text(), "abc123def456", "district", 11, False, units(),
                           frame_counts())
    return rec.survey_id


def _hash(i: int) -> str:
    return code_hash(KEY, codes(4)[i - 1])


def test_create_and_read_back(survey_url: str) -> None:
    with SurveyStore(survey_url) as db:
        sid = _make(db)
        rec = db.survey(GM)
        assert (rec.survey_id, rec.name, rec.gemeente, rec.stratum_level, rec.seed) == (sid, SURVEY, GM, "district", 11)
        assert rec.questionnaire_text == default_text() and rec.closed_at is None and not rec.unlinked
        assert len(rec.created_at) == 10  # a date, no time of day
        sample = db.sample(sid)
        assert "code_hash" not in sample.columns
        assert sample["unit_no"].tolist() == [1, 2, 3, 4]
        assert sample["language"].tolist() == ["nl", "en", "nl", "nl"]
        assert sample["inclusion_prob"].tolist() == [0.25, 0.25, 0.125, 0.125]
        assert not sample["responded"].any() and sample["mode"].isna().all()
        counts = db.frame_counts(sid)
        assert counts.groupby("stratum")["count"].sum().to_dict() == {"Noord": 8, "Zuid": 16}
        assert db.unit_for_code(sid, _hash(3)) == 3
        assert db.unit_for_code(sid, code_hash(KEY, "2222-2222-2222")) is None


def test_names_are_unique_per_gemeente_and_newest_is_default(survey_url: str) -> None:
    with SurveyStore(survey_url) as db:
        first = _make(db)
        with pytest.raises(WorkspaceError) as err:
            _make(db)
        assert err.value.code == "error.survey_name_taken"
        assert [r.survey_id for r in db.surveys(GM)] == [first]  # nothing of the refused one stored
        second = db.create_survey("tweede", GM, "x", "v2", "wijk", 3, True,
                                  units(1, 0, "tweede"), frame_counts()).survey_id
        assert db.survey(GM).survey_id == second and db.survey(GM, SURVEY).survey_id == first
        assert db.survey(GM).synthetic
        with pytest.raises(WorkspaceError) as err:
            db.survey(GM, "bestaat-niet")
        assert err.value.code == "error.survey_unknown"
        with pytest.raises(WorkspaceError) as err:
            db.survey("GM0001")
        assert err.value.code == "error.survey_none"


def test_partial_then_complete_then_refused(survey_url: str) -> None:
    with SurveyStore(survey_url) as db:
        sid = _make(db)
        rid = db.save_response(sid, _hash(3), "paper", {"contact": ["ja"]}, complete=False)
        again = db.save_response(sid, _hash(3), "phone", {"contact": ["nee"], "barriers": ["distance", "costs"]},
                                 complete=True)
        assert again == rid  # the partial response was replaced, not doubled
        with pytest.raises(WorkspaceError) as err:
            db.save_response(sid, _hash(3), "web", {"contact": ["ja"]}, complete=True)
        assert err.value.code == "error.survey_code_used"
        with pytest.raises(WorkspaceError) as err:
            db.save_response(sid, code_hash(KEY, "2222-2222-2222"), "web", {}, complete=True)
        assert err.value.code == "error.survey_code_unknown"
        with pytest.raises(WorkspaceError) as err:
            db.save_response(sid, _hash(1), "fax", {}, complete=True)
        assert err.value.code == "error.survey_mode"
        resp = db.responses(sid)
        assert len(resp) == 1
        row = resp.iloc[0]
        # unit 3 is in Zuid with inclusion probability 1/8: design weight 8; age band and sex of unit 3
        assert (row["mode"], row["stratum"], row["district"], row["age_band"], row["sex"]) == \
            ("phone", "Zuid", "Zuid", "15-34", "V")
        assert row["design_weight"] == 8.0 and bool(row["complete"]) and bool(row["linked"])
        assert row["questionnaire_version"] == "abc123def456"
        ans = db.answers(sid)
        assert ans[["question_id", "value"]].values.tolist() == [["barriers", "costs"], ["barriers", "distance"],
                                                                 ["contact", "nee"]]
        sample = db.sample(sid).set_index("unit_no")
        assert sample["responded"].tolist() == [False, False, True, False]
        assert sample.loc[3, "mode"] == "phone" and bool(sample.loc[3, "complete"])


def test_a_transaction_is_all_or_nothing(survey_url: str) -> None:
    with SurveyStore(survey_url) as db:
        sid = _make(db)
        with pytest.raises(RuntimeError):
            with db.transaction():
                db.save_response(sid, _hash(1), "paper", {"contact": ["ja"]}, complete=True)
                raise RuntimeError("stop")
        assert db.responses(sid).empty and not db.sample(sid)["responded"].any()


def test_close_and_unlink(survey_url: str) -> None:
    with SurveyStore(survey_url) as db:
        sid = _make(db)
        db.save_response(sid, _hash(1), "paper", {"contact": ["ja"]}, complete=True)
        db.save_response(sid, _hash(4), "web", {"contact": ["nee"]}, complete=False)
        assert db.close(sid, unlink=False) == 0
        rec = db.survey(GM)
        assert rec.closed_at is not None and not rec.unlinked
        with pytest.raises(WorkspaceError) as err:
            db.save_response(sid, _hash(2), "paper", {}, complete=True)
        assert err.value.code == "error.survey_closed"
        assert db.close(sid, unlink=True) == 2
        assert db.survey(GM).unlinked
        resp = db.responses(sid)
        assert not resp["linked"].any() and resp["design_weight"].tolist() == [4.0, 8.0]
        assert db.unit_for_code(sid, _hash(1)) is None  # the code no longer finds its unit
        sample = db.sample(sid)
        assert sample["responded"].tolist() == [True, False, False, True]
        assert sample["mode"].tolist()[0] == "paper"
        assert db.close(sid, unlink=True) == 0
    engine = create_engine(survey_url)
    with engine.connect() as con:  # nothing left that ties a response to a unit or a code
        assert con.execute(text("SELECT count(*) FROM responses WHERE unit_no IS NOT NULL")).scalar_one() == 0
        assert con.execute(text("SELECT count(*) FROM sample_units WHERE code_hash IS NOT NULL")).scalar_one() == 0
    engine.dispose()


def test_a_long_open_answer_fits(survey_url: str) -> None:
    long = "ë€ñ" * 700  # 2,100 characters, 6,300 bytes in UTF-8
    with SurveyStore(survey_url) as db:
        sid = _make(db)
        db.save_response(sid, _hash(2), "paper", {"remarks": [long], "barriers": ["costs", "distance", "costs"]},
                         complete=False)
        ans = db.answers(sid)
    assert ans.values.tolist() == [[1, "barriers", "costs"], [1, "barriers", "distance"], [1, "remarks", long]]


def test_weights_round_trip_and_replace(survey_url: str) -> None:
    with SurveyStore(survey_url) as db:
        sid = _make(db)
        r1 = db.save_response(sid, _hash(1), "paper", {}, complete=True)
        r2 = db.save_response(sid, _hash(3), "paper", {}, complete=True)
        assert db.weights(sid) is None
        w = pd.DataFrame({"response_id": [r1, r2], "design_weight": [4.0, 8.0], "weight": [6.5, 17.5]})
        db.save_weights(sid, w, {"margins": ["district"], "iterations": 3, "deff": 1.25})
        db.save_weights(sid, w.assign(weight=[8.0, 16.0]), {"margins": ["sex"], "iterations": 1})
        got = db.weights(sid)
        assert got is not None
        table, report = got
        assert table["weight"].tolist() == [8.0, 16.0] and table["response_id"].tolist() == [r1, r2]
        assert report == {"margins": ["sex"], "iterations": 1}


def test_entries_are_remembered(survey_url: str) -> None:
    with SurveyStore(survey_url) as db:
        sid = _make(db)
        assert not db.entry_seen(sid, "ab" * 32)
        db.record_entry(sid, "ab" * 32, "papier.csv", 3, 1)
        assert db.entry_seen(sid, "ab" * 32)


def test_migrations_run_once(survey_url: str) -> None:
    with SurveyStore(survey_url) as db:
        _make(db)
    with SurveyStore(survey_url) as db:  # opening again migrates nothing and keeps the data
        assert [r.name for r in db.surveys(GM)] == [SURVEY]
    engine = create_engine(survey_url)
    with engine.connect() as con:
        rows = con.execute(text("SELECT version, name FROM survey_schema_version")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(1, "initial"), (2, "web"), (3, "throttle")]


def test_default_url_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WIJKLOKET_SURVEY_DB", raising=False)
    assert survey_db_url(tmp_path) == f"sqlite:///{(tmp_path / 'enquete.sqlite').resolve().as_posix()}"
    monkeypatch.setenv("WIJKLOKET_SURVEY_DB", "postgresql+psycopg://u:geheim@db.example:5432/x")
    assert survey_db_url(tmp_path) == "postgresql+psycopg://u:geheim@db.example:5432/x"


def test_unreachable_server_names_the_url_without_password() -> None:
    with pytest.raises(WorkspaceError) as err:
        SurveyStore("postgresql+psycopg://wie:geheim@127.0.0.1:1/nergens?connect_timeout=2")
    assert err.value.code == "error.survey_db_unreachable"
    assert "geheim" not in str(err.value.params) and "***" in err.value.params["url"]


def test_missing_folder_and_bad_url(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError) as err:
        SurveyStore(f"sqlite:///{(tmp_path / 'nope' / 'enquete.sqlite').as_posix()}")
    assert err.value.code == "error.survey_db_folder"
    with pytest.raises(WorkspaceError) as err:
        SurveyStore("geen url")
    assert err.value.code == "error.survey_db_url"
