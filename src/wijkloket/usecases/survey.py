"""The needs survey's questionnaire: `survey new` writes the default one, `survey check` validates a file.

`new_questionnaire(target)` takes a directory (it writes `<target>/vragenlijst.toml`) or, when `target`
ends in `.toml`, that file; it never overwrites an existing file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wijkloket.errors import InputFileError
from wijkloket.sources.files import read_text_file
from wijkloket.survey.questionnaire import Questionnaire, default_text, parse_questionnaire

FILE_NAME = "vragenlijst.toml"


@dataclass(frozen=True)
class Written:
    path: Path
    questionnaire: Questionnaire


def questionnaire_path(target: Path) -> Path:
    return target if target.suffix.lower() == ".toml" else target / FILE_NAME


def new_questionnaire(target: Path) -> Written:
    """Write the default questionnaire to `target` (see the module); an existing file is left alone."""
    path = questionnaire_path(Path(target))
    if path.exists():
        raise InputFileError("error.survey_exists", file=str(path))
    text = default_text()
    questionnaire = parse_questionnaire(text, str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    return Written(path, questionnaire)


def check_questionnaire(path: Path) -> Questionnaire:
    """The questionnaire in `path`, validated: every problem is listed in one error (exit code 2)."""
    return parse_questionnaire(read_text_file(Path(path)), str(path))
