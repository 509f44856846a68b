"""`survey monitor` (issue 10, point 5): response per stratum and mode during fieldwork, the R-indicator of
representativeness, and a reminder list of the codes that have not answered yet.

The reminder list is made again from the survey key (`survey.codes.make_code`), since codes are never
stored; it holds codes only (one column `code`), is written once (never overwritten), never inside the
workspace, and readable by its owner only.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from wijkloket.config import load_settings
from wijkloket.errors import InputFileError
from wijkloket.store.survey_db import MODES, SurveyRecord, SurveyStore, survey_db_url
from wijkloket.survey.codes import make_code
from wijkloket.survey.representativeness import r_indicator
from wijkloket.usecases.survey_keys import read_key

REMINDER_FILE = "herinneringen.csv"
FIELDWORK_COLUMNS = ["stratum", "gross", "responded", "complete", "partial", "response_rate", *MODES]


@dataclass
class Monitor:
    survey: SurveyRecord
    table: pd.DataFrame  # FIELDWORK_COLUMNS, one row per stratum (response_rate in per cent)
    total: dict[str, Any]  # the same for the whole sample
    r_indicator: dict[str, float]  # r, se, ci_low, ci_high, response
    reminders: Path | None = None
    n_reminders: int = 0
    synthetic: bool = False


def fieldwork_table(sample: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per stratum: gross sample, responded, complete, partial, response % and responses by mode."""
    s = sample.assign(partial=sample["responded"] & ~sample["complete"],
                      complete=sample["responded"] & sample["complete"],
                      **{m: sample["responded"] & (sample["mode"] == m) for m in MODES})
    cols = ["responded", "complete", "partial", *MODES]
    table = s.groupby("stratum", sort=True)[cols].sum().astype(int)
    table.insert(0, "gross", s.groupby("stratum", sort=True).size().astype(int))
    table.insert(4, "response_rate", 100.0 * table["responded"] / table["gross"])
    table = table.reset_index()[FIELDWORK_COLUMNS]
    total: dict[str, Any] = {c: int(table[c].sum()) for c in FIELDWORK_COLUMNS if c not in ("stratum",
                                                                                          "response_rate")}
    total["response_rate"] = 100.0 * total["responded"] / total["gross"] if total["gross"] else float("nan")
    return table, total


def sample_r_indicator(sample: pd.DataFrame) -> dict[str, float]:
    frame = sample.assign(design_weight=1.0 / sample["inclusion_prob"])
    return r_indicator(frame)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def write_reminders(folder: Path, out_dir: Path, key: bytes, survey: SurveyRecord, unit_nos: list[int]) -> Path:
    """`out_dir/herinneringen.csv` with the codes of `unit_nos`; refuses an existing file and a folder in
    the workspace."""
    out_dir = Path(out_dir)
    if _inside(out_dir, Path(folder)):
        raise InputFileError("error.survey_reminders_in_workspace", folder=str(out_dir), workspace=str(folder))
    path = out_dir / REMINDER_FILE
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputFileError("error.survey_reminders_exist", file=str(path)) from None
    except OSError as exc:
        raise InputFileError("error.survey_reminders_write", file=str(path), detail=exc.strerror or str(exc)) \
            from None
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["code"])
        writer.writerows([make_code(key, survey.name, n)] for n in unit_nos)
    return path


def monitor(folder: Path, gemeente: str | None = None, survey_name: str | None = None,
            key_path: Path | None = None, reminders_dir: Path | None = None) -> Monitor:
    """Fieldwork of the survey `survey_name` (default: the newest) of the workspace in `folder`."""
    folder = Path(folder)
    gemeente = gemeente or load_settings(folder).gemeente
    with SurveyStore(survey_db_url(folder)) as db:
        rec = db.survey(gemeente, survey_name)
        sample = db.sample(rec.survey_id)
    table, total = fieldwork_table(sample)
    result = Monitor(rec, table, total, sample_r_indicator(sample), synthetic=rec.synthetic)
    if reminders_dir is not None:
        from wijkloket.usecases.survey_keys import key_path as default_key_path

        key = read_key(default_key_path(gemeente, rec.name, key_path))
        todo = [int(n) for n in sample.loc[~sample["responded"], "unit_no"]]
        result.reminders = write_reminders(folder, reminders_dir, key, rec, todo)
        result.n_reminders = len(todo)
    return result
