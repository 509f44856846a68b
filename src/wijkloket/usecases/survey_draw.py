"""`survey draw`: the stratified draw from a sampling frame and the invitations (issue 10, point 3).

Reads the frame (`sources.frame`), places every row in a wijk and district of the workspace, takes the sample
sizes per stratum from `survey.design` on the frame's own counts (or from a `survey design --format csv`
file), draws (`survey.draw`), makes a new survey key outside the workspace, gives every sampled unit its
invitation code and stores the survey: the units' stratum, wijk, district, age band, sex, letter language,
inclusion probability and the keyed hash of the code, and the frame's counts. The codes and person ids are
never stored; they go once into the mail house's merge file `DIR/uitnodigingen.csv` (person_id, code,
language), 0600, never inside the workspace. Either all of this happens or none of it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wijkloket.ages import band_of
from wijkloket.errors import InputFileError, WorkspaceError
from wijkloket.sources.files import read_csv_text, read_text_file
from wijkloket.sources.frame import EXCLUDED, REJECT_REASONS, Areas, Frame, assign_areas, read_frame
from wijkloket.store.survey_db import SurveyRecord, SurveyStore, survey_db_url
from wijkloket.survey.codes import code_hash, make_code
from wijkloket.survey.design import design
from wijkloket.survey.draw import draw, taken
from wijkloket.survey.questionnaire import Questionnaire, default_text, parse_questionnaire
from wijkloket.usecases import open_workspace
from wijkloket.usecases.profile import latest_year
from wijkloket.usecases.survey_keys import create_key, key_path

MERGE_FILE = "uitnodigingen.csv"
MERGE_COLUMNS = ["person_id", "code", "language"]
LEVELS = ("district", "wijk")
REASON_COLUMN = {"missing_person_id": "person_id", "duplicate_person_id": "person_id", "bad_age": "age",
                 "under_15": "age", "bad_sex": "sex", "bad_postcode": "postcode", "postcode_outside": "postcode",
                 "unknown_area": "area_code"}


@dataclass
class DesignChoice:
    """Where the sample sizes come from: `survey.design` on the frame counts, or a design file."""

    moe: float = 5.0
    response: float = 30.0
    deff: float = 1.0
    allocation: str = "per_stratum"
    total: int | None = None
    oversample: Mapping[str, float] = field(default_factory=dict)
    design_file: Path | None = None


@dataclass
class DrawResult:
    survey: SurveyRecord
    strata: pd.DataFrame  # stratum, frame_count, asked, sample, inclusion_prob, whole (survey.draw.taken)
    level: str  # district or wijk
    rows_read: int
    accepted: int  # frame rows 15+ that could be placed in a stratum
    rejected: dict[str, int]  # reason -> rows (errors in the frame)
    excluded: dict[str, int]  # reason -> rows left out on purpose (under_15)
    first_rows: dict[str, list[int]]  # reason -> the first row numbers (never the values)
    lookups: dict[str, int]  # how the rows were placed: area_code, pc6, pc4, pc6_split, pc4_split
    dropped: list[str]  # identifying columns dropped unread
    language_defaulted: int
    merge_file: Path
    key_file: Path
    design_file: Path | None
    synthetic: bool


def _inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def load_questionnaire(path: Path | None) -> tuple[Questionnaire, str]:
    """The questionnaire in `path` (default: the built-in one) and its text as stored with the survey."""
    text = default_text() if path is None else read_text_file(Path(path))
    return parse_questionnaire(text, "<default>" if path is None else str(path)), text


def survey_name(given: str | None, questionnaire_path: Path | None, q: Questionnaire, year: int) -> str:
    """`--name`, else the questionnaire file's folder name, else the questionnaire id and the year."""
    if given is not None and given.strip():
        return given.strip()
    if questionnaire_path is not None:
        folder = Path(questionnaire_path).resolve().parent.name
        if folder:
            return folder
    return f"{q.id}-{year}"


def _workspace_areas(folder: Path) -> tuple[str, Areas]:
    with open_workspace(folder) as ws:
        areas = ws.areas(latest_year(ws))
        wijken = areas[areas["level"] == "wijk"]["name"].fillna("")
        buurten = set(areas.index[areas["level"] == "buurt"])
        return ws.gemeente, Areas(wijken, buurten, ws.postcodes(), ws.districts())


def _sample_frame(frame: Frame, areas: Areas, level: str, where: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The usable rows (15+, placed), sorted by person id, with stratum and age band; and every row placed."""
    open_rows = frame.table["reason"] == ""
    if areas.postcodes.empty and (open_rows & (frame.table["area_code"] == "")).any():
        raise WorkspaceError("error.frame_no_postcodes", file=where)
    t = assign_areas(frame.table, areas)
    usable = t[t["reason"] == ""].sort_values("person_id", kind="stable").reset_index(drop=True)
    if usable.empty:
        counts = t["reason"].value_counts()
        raise InputFileError("error.frame_no_usable", file=where,
                             reasons=", ".join(f"{r} {n}" for r, n in counts.items()))
    codes = areas.wijken.index.to_series()
    names = areas.wijken.where(areas.wijken != "", codes)
    names = names.where(~names.duplicated(keep=False), names + " (" + codes + ")")  # two wijken, one name
    usable["stratum"] = usable["district"] if level == "district" else usable["wijk"].map(names)
    usable["age_band"] = usable["age"].map(band_of)
    return usable, t


def _design_sizes(path: Path, counts: pd.Series) -> dict[str, int]:
    """Gross sample per stratum from a `survey design --format csv` file (stratum, gross_sample)."""
    table, _ = read_csv_text(Path(path))
    if not {"stratum", "gross_sample"} <= set(table.columns):
        raise InputFileError("error.missing_columns", file=str(path),
                             missing=", ".join(c for c in ("stratum", "gross_sample") if c not in table.columns),
                             found=", ".join(table.columns), expected="stratum, gross_sample")
    sizes: dict[str, int] = {}
    for i, row in enumerate(table.itertuples(), start=2):
        value = str(row.gross_sample).strip()
        if not value.isdigit():
            raise InputFileError("error.draw_design_value", file=str(path), row=i, value=value)
        sizes[str(row.stratum).strip()] = int(value)
    unknown = sorted(set(sizes) - set(counts.index))
    missing = sorted(set(counts.index) - set(sizes))
    if unknown or missing:
        raise InputFileError("error.draw_design_strata", file=str(path), unknown=", ".join(unknown) or "-",
                             missing=", ".join(missing) or "-", known=", ".join(counts.index))
    return sizes


def _sizes(choice: DesignChoice, counts: pd.Series) -> dict[str, int]:
    if choice.design_file is not None:
        return _design_sizes(choice.design_file, counts)
    table = design(counts, choice.moe, choice.response, deff=choice.deff, allocation=choice.allocation,
                   total=choice.total, oversample=dict(choice.oversample))
    return {str(s): int(g) for s, g in zip(table["stratum"], table["gross_sample"], strict=True)}


def _write_merge(path: Path, merge: pd.DataFrame) -> None:
    """The merge file, once: 0600, refused when it exists; text cells made formula-safe."""
    from wijkloket.report.exports import csv_safe

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InputFileError("error.draw_merge_exists", file=str(path)) from None
    except OSError as exc:
        raise InputFileError("error.output_unwritable", file=str(path), detail=exc.strerror) from None
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        csv_safe(merge[MERGE_COLUMNS]).to_csv(fh, index=False)
    os.chmod(path, 0o600)


def _check_places(folder: Path, out_dir: Path, key_file: Path) -> Path:
    if _inside(out_dir, folder):
        raise InputFileError("error.draw_out_in_workspace", dir=str(out_dir), workspace=str(folder))
    if _inside(key_file, folder):
        raise InputFileError("error.draw_key_in_workspace", file=str(key_file), workspace=str(folder))
    if key_file.exists():
        raise InputFileError("error.survey_key_exists", file=str(key_file))
    merge = Path(out_dir) / MERGE_FILE
    if merge.exists():
        raise InputFileError("error.draw_merge_exists", file=str(merge))
    return merge


def _level(by: str | None, areas: Areas) -> str:
    if by is None:
        return "district" if areas.districts is not None else "wijk"
    if by not in LEVELS:
        raise WorkspaceError("error.survey_by", value=by)
    if by == "district" and areas.districts is None:
        raise WorkspaceError("error.frame_no_districts")
    return by


def draw_sample(workspace_folder: Path, frame_path: Path, out_dir: Path, *, mapping_path: Path | None = None,
                seed: int = 11, name: str | None = None, questionnaire_path: Path | None = None,
                by: str | None = None, choice: DesignChoice | None = None, key_file: Path | None = None,
                drop_identifying: bool = False, today: date | None = None) -> DrawResult:
    """Draw the sample and make the invitations (see the module); nothing is kept when anything fails."""
    folder = Path(workspace_folder)
    year = (today or date.today()).year
    choice = choice or DesignChoice()
    q, q_text = load_questionnaire(questionnaire_path)
    gemeente, areas = _workspace_areas(folder)
    name = survey_name(name, questionnaire_path, q, year)
    kpath = key_path(gemeente, name, key_file)
    merge_path = _check_places(folder, Path(out_dir), kpath)
    level = _level(by, areas)
    frame = read_frame(Path(frame_path), mapping_path, year, drop_identifying)
    usable, placed = _sample_frame(frame, areas, level, str(frame_path))
    counts = usable["stratum"].value_counts().sort_index()
    sizes = _sizes(choice, counts)
    strata = taken(usable["stratum"], sizes)
    chosen = usable.iloc[draw(usable["stratum"], sizes, seed)].reset_index(drop=True)
    chosen["unit_no"] = np.arange(1, len(chosen) + 1)
    chosen["inclusion_prob"] = chosen["stratum"].map(strata.set_index("stratum")["inclusion_prob"])
    record = _store(folder, merge_path, kpath, chosen, usable, dict(
        name=name, gemeente=gemeente, questionnaire_text=q_text, questionnaire_version=q.version,
        stratum_level=level, seed=seed, synthetic=frame.synthetic))
    return _result(record, strata, level, frame, placed, merge_path, kpath, choice.design_file)


def _store(folder: Path, merge_path: Path, kpath: Path, chosen: pd.DataFrame, usable: pd.DataFrame,
           survey: dict[str, Any]) -> SurveyRecord:
    """Key, codes, merge file and the survey in the database: all or nothing."""
    district = chosen["district"].where(chosen["district"] != "", None)
    frame_counts = (usable.assign(district=usable["district"].where(usable["district"] != "", None))
                    .groupby(["stratum", "wijk", "district", "age_band", "sex"], dropna=False).size()
                    .reset_index(name="count").rename(columns={"wijk": "area_code"}))
    with SurveyStore(survey_db_url(folder)) as db:
        if any(r.name == survey["name"] for r in db.surveys(str(survey["gemeente"]))):
            raise WorkspaceError("error.survey_name_taken", name=survey["name"], gemeente=survey["gemeente"])
        key = create_key(kpath)
        made: list[Path] = [kpath]
        try:
            codes = [make_code(key, str(survey["name"]), int(u)) for u in chosen["unit_no"]]
            merge_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            _write_merge(merge_path, pd.DataFrame({"person_id": chosen["person_id"], "code": codes,
                                                   "language": chosen["language"]}))
            made.append(merge_path)
            units = pd.DataFrame({
                "unit_no": chosen["unit_no"], "stratum": chosen["stratum"], "area_code": chosen["wijk"],
                "district": district, "age_band": chosen["age_band"], "sex": chosen["sex"],
                "language": chosen["language"], "inclusion_prob": chosen["inclusion_prob"],
                "code_hash": [code_hash(key, c) for c in codes]})
            return db.create_survey(units=units, frame_counts=frame_counts, **survey)
        except BaseException:
            for p in made:
                p.unlink(missing_ok=True)
            raise


def _result(record: SurveyRecord, strata: pd.DataFrame, level: str, frame: Frame, placed: pd.DataFrame,
            merge_path: Path, kpath: Path, design_file: Path | None) -> DrawResult:
    reasons = placed["reason"]
    counts = {r: int((reasons == r).sum()) for r in REJECT_REASONS}
    first = {r: [int(x) for x in placed.loc[reasons == r, "row_number"].head(5)] for r in REJECT_REASONS
             if counts[r]}
    ok = placed[reasons == ""]
    return DrawResult(
        survey=record, strata=strata, level=level, rows_read=frame.rows_read, accepted=len(ok),
        rejected={r: n for r, n in counts.items() if n and r not in EXCLUDED},
        excluded={r: n for r, n in counts.items() if n and r in EXCLUDED}, first_rows=first,
        lookups={str(k): int(v) for k, v in ok["lookup"].value_counts().sort_index().items()},
        dropped=frame.dropped, language_defaulted=frame.language_defaulted, merge_file=merge_path,
        key_file=kpath, design_file=design_file, synthetic=frame.synthetic)
