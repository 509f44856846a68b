"""Paper and phone answers of the needs survey as staff key them in: a CSV (UTF-8 or Windows-1252, `;` or
`,`) or an Excel workbook with a `code` column (the invitation code), an optional `mode` column (paper,
phone or web) and one column per question id of the questionnaire, holding the answer codes (several codes
of a multiple-choice question separated by `|`, a space or a comma). Column names are not case-sensitive.
A column that is neither `code`, `mode` nor a question id is refused when it holds anything (so no names,
addresses or other data ride along), and dropped when it is empty."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from wijkloket.errors import InputFileError
from wijkloket.sources.files import check_file, read_csv_text, sha256
from wijkloket.sources.logs import excel_frame

CODE = "code"
MODE = "mode"
EXCEL = (".xlsx", ".xlsm")


@dataclass
class AnswerFile:
    rows: pd.DataFrame  # all text: code, mode (may be empty), one column per question id present
    first_row: int  # the file's row number of the data row with index 0 (row = first_row + index)
    questions: list[str]  # the question columns present, in questionnaire order
    sha256: str
    dropped: list[str] = field(default_factory=list)  # empty columns that were not questions


def _frame(path: Path) -> tuple[pd.DataFrame, int]:
    if path.suffix.lower() in EXCEL:
        return excel_frame(path, None)
    frame, _ = read_csv_text(path)
    return frame, 2


def read_answers(path: Path, question_ids: Sequence[str]) -> AnswerFile:
    """The answer rows of `path`, checked at file level: the code column is there, no unknown columns."""
    check_file(path)
    frame, first_row = _frame(path)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    duplicated = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if duplicated:
        raise InputFileError("error.survey_answers_duplicate_columns", file=str(path), columns=", ".join(duplicated))
    frame = frame.fillna("").astype(str)
    if CODE not in frame.columns:
        raise InputFileError("error.missing_columns", file=str(path), missing=CODE,
                             found=", ".join(frame.columns) or "-", expected=", ".join([CODE, MODE, "..."]))
    known = {CODE, MODE, *question_ids}
    extra = [c for c in frame.columns if c not in known]
    filled = [c for c in extra if frame[c].str.strip().ne("").any()]
    if filled:
        raise InputFileError("error.survey_answers_columns", file=str(path), columns=", ".join(filled),
                             known=", ".join(question_ids))
    frame = frame.drop(columns=extra)
    if MODE not in frame.columns:
        frame[MODE] = ""
    frame = frame[frame.apply(lambda r: any(str(v).strip() for v in r), axis=1)] if len(frame) else frame
    if frame.empty:
        raise InputFileError("error.file_no_rows", file=str(path))
    questions = [q for q in question_ids if q in frame.columns]
    return AnswerFile(frame, first_row, questions, sha256(path), extra)
