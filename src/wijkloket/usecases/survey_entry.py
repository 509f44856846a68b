"""Paper and phone answers into the survey database, and closing fieldwork (issue 10, point 4).

`enter` reads a file of keyed-in answers (`sources.answers`) and stores every row it accepts, in ONE
transaction per file: a row is accepted or rejected with its reason (a code with a wrong check character,
a code that was not issued, a code already answered (also twice in the file), an answer that does not fit
its question, an unknown mode). A response without every required answer is stored as partial. The same
file entered again changes nothing. The codes are only used to find their unit through their keyed hash;
they are never stored, printed or written to the rejects.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from wijkloket.config import load_settings
from wijkloket.errors import WorkspaceError
from wijkloket.i18n import t
from wijkloket.sources.answers import CODE, MODE, AnswerFile, read_answers
from wijkloket.store.survey_db import SurveyRecord, SurveyStore, survey_db_url
from wijkloket.survey import codes
from wijkloket.survey.questionnaire import Questionnaire, missing_required, parse_questionnaire, validate_answers
from wijkloket.usecases import survey_keys

REJECT_REASONS = ("bad_code", "unknown_code", "code_used", "bad_answer", "bad_mode")
ENTRY_MODES = ("paper", "phone", "web")
FIRST_PROBLEMS = 20


@dataclass
class EntryReport:
    survey: str
    file: str
    already_entered: bool = False
    rows_read: int = 0
    accepted: int = 0
    partial: int = 0  # of the accepted: a required answer missing
    by_mode: dict[str, int] = field(default_factory=dict)
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    # every rejected row: row (file row number), reason, column, value, problem (catalogue item or None);
    # the value is never a code and never open text
    rejected: list[dict[str, Any]] = field(default_factory=list)
    synthetic: bool = False

    @property
    def rows_rejected(self) -> int:
        return sum(self.rejected_by_reason.values())

    @property
    def first_problems(self) -> list[dict[str, Any]]:
        return self.rejected[:FIRST_PROBLEMS]


@dataclass
class CloseReport:
    survey: str
    closed_at: str
    unlinked: int  # responses whose link to their unit was removed now
    was_closed: bool  # fieldwork was already closed before
    responses: int


def _gemeente(folder: Path, gemeente: str | None) -> str:
    return gemeente or load_settings(folder).gemeente


def _questionnaire(rec: SurveyRecord) -> Questionnaire:
    return parse_questionnaire(rec.questionnaire_text, f"{rec.name} ({rec.questionnaire_version})")


@dataclass
class _Entry:
    """Entering one file: the store, the survey, the key, and what was seen in the file so far."""

    db: SurveyStore
    rec: SurveyRecord
    q: Questionnaire
    key: bytes
    mode: str
    report: EntryReport
    seen: set[str] = field(default_factory=set)

    def reject(self, row: int, reason: str, column: str, value: str = "", problem: dict[str, Any] | None = None
               ) -> None:
        self.report.rejected_by_reason[reason] = self.report.rejected_by_reason.get(reason, 0) + 1
        self.report.rejected.append({"row": row, "reason": reason, "column": column, "value": value,
                                     "problem": problem})

    def row(self, number: int, cells: dict[str, str], questions: list[str]) -> None:
        text = cells.get(CODE, "").strip()
        if not codes.is_valid(text):
            self.reject(number, "bad_code", CODE)
            return
        digest = codes.code_hash(self.key, text)
        mode = cells.get(MODE, "").strip().lower() or self.mode
        if mode not in ENTRY_MODES:
            self.reject(number, "bad_mode", MODE, cells.get(MODE, "")[:20])
            return
        if self.db.unit_for_code(self.rec.survey_id, digest) is None:
            self.reject(number, "unknown_code", CODE)
            return
        if digest in self.seen:
            self.reject(number, "code_used", CODE)
            return
        answers, problems = validate_answers(self.q, {qid: cells.get(qid, "") for qid in questions})
        if problems:
            first = problems[0]
            self.reject(number, "bad_answer", str(first.get("question", "")), str(first.get("value", "")), first)
            return
        complete = not missing_required(self.q, answers)
        try:
            self.db.save_response(self.rec.survey_id, digest, mode, answers, complete)
        except WorkspaceError as exc:
            if exc.code != "error.survey_code_used":
                raise
            self.reject(number, "code_used", CODE)
            return
        self.seen.add(digest)
        self.report.accepted += 1
        self.report.partial += 0 if complete else 1
        self.report.by_mode[mode] = self.report.by_mode.get(mode, 0) + 1


def _enter_rows(entry: _Entry, answers: AnswerFile) -> None:
    columns = [CODE, MODE, *answers.questions]
    for index, values in zip(answers.rows.index, answers.rows[columns].itertuples(index=False), strict=True):
        entry.row(answers.first_row + int(index), dict(zip(columns, values, strict=True)), answers.questions)


def enter(folder: Path, gemeente: str | None, file: Path, mode: str = "paper", survey_name: str | None = None,
          key_path: Path | None = None) -> EntryReport:
    """Enter a file of paper or phone answers into the survey `survey_name` (default: the newest)."""
    if mode not in ENTRY_MODES:
        raise WorkspaceError("error.survey_mode", value=mode, known=", ".join(ENTRY_MODES))
    gm = _gemeente(folder, gemeente)
    with SurveyStore(survey_db_url(folder)) as db:
        rec = db.survey(gm, survey_name)
        q = _questionnaire(rec)
        answers = read_answers(file, [x.id for x in q.questions])
        report = EntryReport(rec.name, file.name, rows_read=len(answers.rows), synthetic=rec.synthetic)
        if db.entry_seen(rec.survey_id, answers.sha256):
            report.already_entered = True
            return report
        if rec.closed_at is not None:
            raise WorkspaceError("error.survey_closed", name=rec.name, closed_at=rec.closed_at)
        key = survey_keys.read_key(survey_keys.key_path(gm, rec.name, key_path))
        entry = _Entry(db, rec, q, key, mode, report)
        with db.transaction():
            _enter_rows(entry, answers)
            db.record_entry(rec.survey_id, answers.sha256, file.name, report.accepted, report.rows_rejected)
    report.rejected_by_reason = dict(Counter(report.rejected_by_reason).most_common())
    return report


def close(folder: Path, gemeente: str | None, survey_name: str | None = None, unlink: bool = False) -> CloseReport:
    """Close the fieldwork of a survey; with `unlink`, break the link between responses and codes for good."""
    gm = _gemeente(folder, gemeente)
    with SurveyStore(survey_db_url(folder)) as db:
        rec = db.survey(gm, survey_name)
        with db.transaction():
            n = db.close(rec.survey_id, unlink)
            after = db.survey(gm, rec.name)
            responses = len(db.responses(rec.survey_id))
    return CloseReport(rec.name, after.closed_at or "", n, rec.closed_at is not None, responses)


def problem_text(p: dict[str, Any], lang: str) -> str:
    """Why a row of a paper file was rejected, in words."""
    problem = p.get("problem")
    if problem:
        try:
            return t(problem["_key"], lang, **{k: v for k, v in problem.items() if not k.startswith("_")})
        except (KeyError, IndexError, ValueError):  # a row carried back by a browser that was changed
            pass
    return t("survey.reject." + p["reason"], lang)


def rejects_frame(rows: list[dict[str, Any]], lang: str) -> pd.DataFrame:
    """Row number, reason, column and what was wrong of every rejected row (`EntryReport.rejected`): never a
    code, never open text."""
    return pd.DataFrame([{"row": p["row"], "reason": p["reason"], "column": p["column"], "value": p["value"],
                          "problem": problem_text(p, lang)} for p in rows],
                        columns=["row", "reason", "column", "value", "problem"])
