"""Entering paper and phone answers (tests/fixtures/survey/papier.csv, Windows-1252 with `;`) into a
hand-made survey of 6 units with the questionnaire tests/fixtures/survey/mini.toml, on both backends.

papier.csv, row by row (row 1 is the header), worked out by hand:
  2 unit 1, paper, complete                 -> accepted
  3 unit 2 with its last two characters swapped -> bad_code (the check character catches it)
  4 a well-formed code of another survey    -> unknown_code
  5 unit 1 again                            -> code_used (twice in the file)
  6 unit 3, phone, 'ease' (required) empty  -> accepted, partial
  7 unit 4, ease 7 (scale 1-5)              -> bad_answer, column ease
  8 unit 5, mode 'fax'                      -> bad_mode
  9 unit 6, code lower-case without dashes, 'minutes' 12,5, remarks 'café' -> accepted
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fixtures.survey.backends import KEY, SURVEY, frame_counts, survey_url, units

from wijkloket.config import SETTINGS_FILE, Settings
from wijkloket.errors import InputFileError, WorkspaceError
from wijkloket.store.survey_db import SurveyStore
from wijkloket.usecases.survey_entry import close, enter

__all__ = ["survey_url"]
GM = "GM9999"


@pytest.fixture
def ws(tmp_path: Path, survey_url: str, fixtures: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace whose survey database (SQLite or PostgreSQL) holds the survey of 6 units."""
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / SETTINGS_FILE).write_text(Settings(gemeente=GM, name="test").to_toml(), "utf-8")
    monkeypatch.setenv("WIJKLOKET_SURVEY_DB", survey_url)
    key = tmp_path / "sleutel.key"
    key.write_text(KEY.hex() + "\n", "ascii")
    monkeypatch.setenv("WIJKLOKET_SURVEY_KEY", str(key))
    text = (fixtures / "survey" / "mini.toml").read_text("utf-8")
    with SurveyStore(survey_url) as db:
        db.create_survey(SURVEY, GM, text, "mini-v1", "district", 5, False, units(3, 3), frame_counts())
    return folder


def _db_state(url: str) -> tuple[list[list[object]], list[list[object]]]:
    with SurveyStore(url) as db:
        sid = db.survey(GM).survey_id
        resp = db.responses(sid)[["response_id", "mode", "complete", "stratum", "design_weight"]]
        return resp.values.tolist(), db.answers(sid).values.tolist()


def test_rows_accepted_and_rejected_with_reasons(ws: Path, fixtures: Path, survey_url: str) -> None:
    rep = enter(ws, None, fixtures / "survey" / "papier.csv")
    assert (rep.rows_read, rep.accepted, rep.partial, rep.rows_rejected) == (8, 3, 1, 5)
    assert rep.rejected_by_reason == {"bad_code": 1, "unknown_code": 1, "code_used": 1, "bad_answer": 1,
                                      "bad_mode": 1}
    assert [(p["row"], p["reason"], p["column"]) for p in rep.rejected] == [
        (3, "bad_code", "code"), (4, "unknown_code", "code"), (5, "code_used", "code"), (7, "bad_answer", "ease"),
        (8, "bad_mode", "mode")]
    assert rep.rejected[3]["value"] == "7" and rep.rejected[3]["problem"]["_key"] == "survey.answer.out_of_range"
    assert rep.by_mode == {"paper": 2, "phone": 1}
    with SurveyStore(survey_url) as db:
        sid = db.survey(GM).survey_id
        sample = db.sample(sid).set_index("unit_no")
        resp = db.responses(sid)
        ans = db.answers(sid)
    assert sample["responded"].tolist() == [True, False, True, False, False, True]
    assert sample["complete"].tolist() == [True, False, False, False, False, True]
    # units 1 and 3 are in Noord (1/4: weight 4), unit 6 in Zuid (1/8: weight 8)
    assert resp[["mode", "complete", "stratum", "design_weight"]].values.tolist() == [
        ["paper", True, "Noord", 4.0], ["phone", False, "Noord", 4.0], ["paper", True, "Zuid", 8.0]]
    by_response = ans.groupby("response_id").apply(lambda g: sorted(zip(g.question_id, g.value, strict=True)))
    assert by_response.tolist() == [
        [("channel", "desk"), ("channel", "phone"), ("contact", "yes"), ("ease", "4")],
        [("contact", "no")],
        [("contact", "no"), ("ease", "2"), ("minutes", "12.5"), ("remarks", "café")]]


def test_the_same_file_twice_changes_nothing(ws: Path, fixtures: Path, survey_url: str, tmp_path: Path) -> None:
    enter(ws, None, fixtures / "survey" / "papier.csv")
    before = _db_state(survey_url)
    copy = tmp_path / "nog-eens.csv"  # another name, the same content
    shutil.copy(fixtures / "survey" / "papier.csv", copy)
    rep = enter(ws, None, copy)
    assert rep.already_entered and rep.accepted == 0
    assert _db_state(survey_url) == before


def test_a_later_file_completes_a_partial_and_refuses_a_complete(ws: Path, fixtures: Path, survey_url: str) -> None:
    enter(ws, None, fixtures / "survey" / "papier.csv")
    rep = enter(ws, None, fixtures / "survey" / "papier2.csv", mode="phone")
    # unit 1 answered completely in papier.csv; unit 3 was partial and is now complete (ease 3)
    assert (rep.accepted, rep.partial, rep.rejected_by_reason) == (1, 0, {"code_used": 1})
    assert rep.rejected[0]["row"] == 2
    responses, answers = _db_state(survey_url)
    assert [r[1:3] for r in responses] == [["paper", True], ["phone", True], ["paper", True]]
    assert [a[1:] for a in answers if a[0] == responses[1][0]] == [["contact", "no"], ["ease", "3"]]


def test_a_file_level_error_stores_nothing(ws: Path, tmp_path: Path, survey_url: str) -> None:
    bad = tmp_path / "met-naam.csv"
    bad.write_text("code,naam,contact\nBEZP-SWJH-4YTK,Jan Jansen,yes\n", "utf-8")
    with pytest.raises(InputFileError) as err:
        enter(ws, None, bad)
    assert err.value.code == "error.survey_answers_columns" and err.value.params["columns"] == "naam"
    nocode = tmp_path / "zonder-code.csv"
    nocode.write_text("contact,ease\nyes,3\n", "utf-8")
    with pytest.raises(InputFileError) as err:
        enter(ws, None, nocode)
    assert err.value.code == "error.missing_columns"
    assert _db_state(survey_url) == ([], [])


def test_empty_unknown_columns_are_dropped_and_excel_is_read(ws: Path, tmp_path: Path, survey_url: str) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Code", "Contact", "Ease", "opmerking"])
    sheet.append(["BEZP-SWJH-4YTK", "yes", 5, None])
    path = tmp_path / "papier.xlsx"
    book.save(path)
    rep = enter(ws, None, path, mode="phone")
    assert (rep.accepted, rep.partial) == (1, 1)  # channel (required, shown after contact = yes) is missing
    responses, answers = _db_state(survey_url)
    assert responses[0][1] == "phone" and [a[1:] for a in answers] == [["contact", "yes"], ["ease", "5"]]


def test_close_refuses_more_answers_and_unlinks(ws: Path, fixtures: Path, survey_url: str) -> None:
    enter(ws, None, fixtures / "survey" / "papier.csv")
    rep = close(ws, None, unlink=True)
    assert (rep.survey, rep.unlinked, rep.was_closed, rep.responses) == (SURVEY, 3, False, 3)
    with pytest.raises(WorkspaceError) as err:
        enter(ws, None, fixtures / "survey" / "papier2.csv")
    assert err.value.code == "error.survey_closed"
    again = close(ws, None, unlink=True)
    assert again.was_closed and again.unlinked == 0


def test_missing_key_is_a_clear_error(ws: Path, fixtures: Path, tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as err:
        enter(ws, None, fixtures / "survey" / "papier.csv", key_path=tmp_path / "geen.key")
    assert err.value.code == "error.survey_key_missing"


def test_unknown_survey_name(ws: Path, fixtures: Path) -> None:
    with pytest.raises(WorkspaceError) as err:
        enter(ws, None, fixtures / "survey" / "papier.csv", survey_name="bestaat-niet")
    assert err.value.code == "error.survey_unknown" and err.value.params["known"] == SURVEY
