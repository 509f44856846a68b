"""The questionnaire as data: the default one is valid and complete, the version follows the content,
and every kind of mistake is named with its question and field (CLI: exit code 2, nothing written)."""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from wijkloket.errors import ConfigError
from wijkloket.i18n import render_error
from wijkloket.survey.questionnaire import default_questionnaire, default_text, parse_questionnaire

Cli = Callable[..., tuple[int, str, str]]

HEAD = '[questionnaire]\nid = "t"\ntitle = { nl = "Titel", en = "Title" }\n'
YES_NO = ('options = [{ code = "yes", label = { nl = "Ja", en = "Yes" } }, '
          '{ code = "no", label = { nl = "Nee", en = "No" } }]\n')


def _q(qid: str, extra: str = "", kind: str = "single") -> str:
    body = YES_NO if kind in ("single", "multiple") else ""
    return f'[[question]]\nid = "{qid}"\ntype = "{kind}"\ntext = {{ nl = "Vraag", en = "Question" }}\n{body}{extra}\n'


def _problems(text: str) -> list[tuple[str, str, str]]:
    with pytest.raises(ConfigError) as info:
        parse_questionnaire(text, "x.toml")
    assert info.value.code == "error.survey_invalid"
    return [(p["question"], p["field"], p["_key"].rsplit(".", 1)[1]) for p in info.value.params["problems"]]


def test_default_is_valid_and_covers_the_topics() -> None:
    q = default_questionnaire()
    ids = [x.id for x in q.questions]
    assert ids == ["contact", "contact_channel", "contact_ease", "barriers", "travel_minutes", "ido_known", "ido_used",
                   "community_centre_known", "community_centre_used", "social_team_known", "social_team_used",
                   "preference", "preference_why", "age_band", "sex", "household", "remarks"]
    assert {x.type for x in q.questions} == {"single", "multiple", "scale", "number", "open"}
    assert set(q.question("barriers").codes()) >= {"distance", "mobility", "opening_hours", "digital_skills",
                                                   "language", "costs", "where_to_go"}
    assert set(q.question("preference").codes()) >= {"district_desk", "mobile_desk", "home_visit", "library_help"}
    assert {"desk", "phone", "website"} <= set(q.question("contact_channel").codes())
    assert "district" not in ids  # known from the sample
    for x in q.questions:
        assert x.text["nl"] and x.text["en"] and x.text["nl"] != x.text["en"]
        assert all(o.label["nl"] and o.label["en"] for o in x.options)


def test_routing_shows_follow_up_questions_only_after_the_answer() -> None:
    q = default_questionnaire()
    assert q.visible("contact_channel", {"contact": "yes"}) and not q.visible("contact_channel", {"contact": "no"})
    assert not q.visible("ido_used", {}) and q.visible("ido_used", {"ido_known": "yes"})
    assert q.visible("barriers", {})


def test_version_is_sha256_of_the_canonical_content() -> None:
    raw = tomllib.loads(default_text())
    expected = hashlib.sha256(json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
                              .encode("utf-8")).hexdigest()[:12]
    assert default_questionnaire().version == expected
    assert parse_questionnaire("# a comment\n" + default_text(), "x").version == expected  # layout only
    changed = default_text().replace("Hoe oud bent u?", "Wat is uw leeftijd?")
    assert parse_questionnaire(changed, "x").version != expected


def test_a_minimal_questionnaire_of_each_type() -> None:
    text = HEAD + _q("a") + _q("b", 'show_if = { question = "a", answers = ["yes"] }', "multiple") \
        + _q("c", "min = 1\nmax = 7", "scale") + _q("d", "min = 0", "number") + _q("e", "required = false", "open")
    q = parse_questionnaire(text, "x")
    assert [x.type for x in q.questions] == ["single", "multiple", "scale", "number", "open"]
    assert q.question("c").max == 7 and q.question("e").required is False and q.question("b").show_if is not None


@pytest.mark.parametrize(("text", "expected"), [
    (HEAD + _q("a") + _q("a"), ("a", "id", "duplicate_id")),
    (HEAD + _q("a", 'options = [{ code = "yes", label = { en = "Yes" } }]').replace(YES_NO, ""),
     ("a", "options[yes].label.nl", "missing_lang")),
    (HEAD + _q("a", 'options = [{ code = "yes", label = { nl = "Ja" } }]').replace(YES_NO, ""),
     ("a", "options[yes].label.en", "missing_lang")),
    (HEAD + _q("a", 'options = [{ code = "yes" }]').replace(YES_NO, ""), ("a", "options[yes].label", "missing")),
    (HEAD + _q("a").replace(', en = "Question"', ""), ("a", "text.en", "missing_lang")),
    (HEAD + _q("a", "", "ranking"), ("a", "type", "bad_type")),
    (HEAD + _q("a", 'show_if = { question = "b", answers = ["yes"] }') + _q("b"), ("a", "show_if.question",
                                                                                  "routing_later")),
    (HEAD + _q("a", 'show_if = { question = "zz", answers = ["yes"] }'), ("a", "show_if.question",
                                                                          "routing_unknown")),
    (HEAD + _q("a") + _q("b", 'show_if = { question = "a", answers = ["maybe"] }'),
     ("b", "show_if.answers", "routing_answer")),
    (HEAD + _q("a", "", "scale"), ("a", "min", "missing")),
    (HEAD + _q("a", "min = 5\nmax = 1", "scale"), ("a", "max", "bad_range")),
    (HEAD + _q("a", 'colour = "red"'), ("a", "colour", "unknown_field")),
    (HEAD + _q("a", "", "open") + _q("b", 'show_if = { question = "a", answers = ["yes"] }'),
     ("b", "show_if.question", "routing_not_choice")),
])
def test_each_mistake_names_question_and_field(text: str, expected: tuple[str, str, str]) -> None:
    assert expected in _problems(text)


def test_a_routing_loop_is_named_for_every_question_on_it() -> None:
    text = HEAD + _q("a", 'show_if = { question = "b", answers = ["yes"] }') \
        + _q("b", 'show_if = { question = "a", answers = ["yes"] }') \
        + _q("c", 'show_if = { question = "c", answers = ["yes"] }')
    found = _problems(text)
    assert {(q, k) for q, _f, k in found} == {("a", "routing_loop"), ("b", "routing_loop"), ("c", "routing_loop")}


def test_all_mistakes_are_collected_and_rendered_in_both_languages() -> None:
    text = HEAD + _q("a", "", "ranking") + _q("a") + _q("b", 'show_if = { question = "a", answers = ["nope"] }')
    with pytest.raises(ConfigError) as info:
        parse_questionnaire(text, "x.toml")
    assert info.value.params["n"] == 3
    nl, en = render_error(info.value, "nl"), render_error(info.value, "en")
    assert "x.toml" in nl and "vraag 'a', veld 'type'" in nl and "'nope'" in nl and "Er is niets opgeslagen" in nl
    assert "question 'b', field 'show_if.answers'" in en and "ranking" in en


def test_cli_new_then_check(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "behoeftepeiling-2027"
    code, out, err = cli("survey", "new", target)
    assert code == 0, err
    written = target / "vragenlijst.toml"
    assert written.read_text("utf-8") == default_text()
    version = default_questionnaire().version
    assert version in out
    code, out, err = cli("survey", "check", written, "--lang", "en")
    assert code == 0, err
    out = " ".join(out.split())  # the terminal wraps long lines (the path's length varies)
    assert "17 questions" in out and version in out and "nl, en" in out
    own = tmp_path / "eigen.toml"
    assert cli("survey", "new", own)[0] == 0 and own.read_text("utf-8") == default_text()


def test_cli_new_refuses_to_overwrite(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "p"
    assert cli("survey", "new", target)[0] == 0
    (target / "vragenlijst.toml").write_text("edited", "utf-8")
    code, out, err = cli("survey", "new", target)
    assert code == 2 and "Traceback" not in err and "bestaat al" in err
    assert (target / "vragenlijst.toml").read_text("utf-8") == "edited"


def test_cli_check_bad_file_exits_2_without_traceback(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(HEAD + _q("q1") + _q("q1"), "utf-8")
    code, out, err = cli("survey", "check", bad)
    assert code == 2 and out == "" and "Traceback" not in err
    assert "vraag 'q1', veld 'id'" in err
    broken = tmp_path / "broken.toml"
    broken.write_text("[questionnaire\n", "utf-8")
    code, _out, err = cli("survey", "check", broken)
    assert code == 2 and "TOML" in err and "Traceback" not in err
    code, _out, err = cli("survey", "check", tmp_path / "missing.toml")
    assert code == 2 and "Traceback" not in err


def test_each_mistake_is_a_line_of_its_own() -> None:
    """Problems that are lines of their own are not also joined by commas (no trailing ', ')."""
    from wijkloket.i18n import _param_text

    items = [{"_key": "survey.problem.missing", "question": "q1", "field": "text"},
             {"_key": "survey.problem.missing", "question": "q2", "field": "type"}]
    assert _param_text(items, "nl") == ("\n  - vraag 'q1', veld 'text': ontbreekt"
                                        "\n  - vraag 'q2', veld 'type': ontbreekt")
