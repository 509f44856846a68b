"""`validate_answers` and `missing_required` on the small questionnaire tests/fixtures/survey/mini.toml
(contact: yes/no; channel: multiple, at most 2, only after contact = yes; ease: scale 1-5; minutes: number
0-300, optional; remarks: open, at most 10 characters, optional). Expected values worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from wijkloket.survey.questionnaire import Questionnaire, missing_required, parse_questionnaire, validate_answers


@pytest.fixture
def q(fixtures: Path) -> Questionnaire:
    return parse_questionnaire((fixtures / "survey" / "mini.toml").read_text("utf-8"), "mini.toml")


def _keys(problems: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(p["question"], p["_key"]) for p in problems]


def test_clean_values_per_type(q: Questionnaire) -> None:
    clean, problems = validate_answers(q, {"contact": " YES ", "channel": "desk|web_site", "ease": "4",
                                           "minutes": "12,5", "remarks": "te\tver\x07 weg"})
    assert problems == []
    assert clean == {"contact": ["yes"], "channel": ["desk", "web_site"], "ease": ["4"], "minutes": ["12.5"],
                     "remarks": ["te ver weg"]}
    assert missing_required(q, clean) == []


def test_multiple_split_on_any_separator_and_deduplicated(q: Questionnaire) -> None:
    clean, problems = validate_answers(q, {"contact": "yes", "channel": "phone, desk;phone", "ease": "1"})
    assert problems == [] and clean["channel"] == ["phone", "desk"]


def test_empty_is_unanswered_and_required_makes_partial(q: Questionnaire) -> None:
    clean, problems = validate_answers(q, {"contact": "yes", "channel": "", "ease": "  "})
    assert problems == [] and clean == {"contact": ["yes"]}
    assert missing_required(q, clean) == ["channel", "ease"]
    # with contact = no the routed question is not asked, so it is not missing
    clean, _ = validate_answers(q, {"contact": "no", "ease": "3"})
    assert missing_required(q, clean) == []


@pytest.mark.parametrize(("raw", "expected"), [
    ({"contact": "ja"}, [("contact", "survey.answer.not_option")]),
    ({"contact": "yes no"}, [("contact", "survey.answer.one_only")]),
    ({"contact": "yes", "channel": "desk|phone|web_site"}, [("channel", "survey.answer.too_many")]),
    ({"contact": "yes", "channel": "desk|fax"}, [("channel", "survey.answer.not_option")]),
    ({"ease": "6"}, [("ease", "survey.answer.out_of_range")]),
    ({"ease": "0"}, [("ease", "survey.answer.out_of_range")]),
    ({"ease": "3,5"}, [("ease", "survey.answer.not_scale")]),
    ({"minutes": "12 min"}, [("minutes", "survey.answer.not_number")]),
    ({"minutes": "-1"}, [("minutes", "survey.answer.out_of_range")]),
    ({"minutes": "300,1"}, [("minutes", "survey.answer.out_of_range")]),
    ({"remarks": "elf tekens!"}, [("remarks", "survey.answer.too_long")]),
    ({"contact": "no", "channel": "desk"}, [("channel", "survey.answer.hidden")]),
    ({"channel": "desk"}, [("channel", "survey.answer.hidden")]),  # contact unanswered: channel not asked
    ({"colour": "red"}, [("colour", "survey.answer.unknown_question")]),
])
def test_problems(q: Questionnaire, raw: dict[str, str], expected: list[tuple[str, str]]) -> None:
    clean, problems = validate_answers(q, raw)
    assert _keys(problems) == expected
    for qid, _ in expected:
        assert qid not in clean


def test_boundaries_are_inside(q: Questionnaire) -> None:
    clean, problems = validate_answers(q, {"ease": "5", "minutes": "300", "remarks": "tien teken"})
    assert problems == [] and clean == {"ease": ["5"], "minutes": ["300"], "remarks": ["tien teken"]}


def test_open_text_is_never_echoed_in_a_problem(q: Questionnaire) -> None:
    _, problems = validate_answers(q, {"remarks": "Jan Jansen, Dorpsstraat 1"})
    assert problems[0]["value"] == "…" and problems[0]["length"] == 25
    assert "Jansen" not in str(problems)
