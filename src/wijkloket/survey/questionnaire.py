"""The questionnaire as data: questions, answer options and routing, read from TOML and checked.

A questionnaire file has a `[questionnaire]` table (`id`, `title`) and a list of `[[question]]` tables.
A question has an `id` (lower-case ASCII), a `type` (`single`, `multiple`, `scale`, `number`, `open`),
a `text = { nl = "...", en = "..." }` (both languages required), `required` (default true) and, by type:
`options = [{ code = "...", label = { nl, en } }, ...]` for single and multiple (plus `max_choices` for
multiple), `min`/`max` for scale (whole numbers, required) and number (optional), `max_length` for open.
`show_if = { question = "...", answers = ["..."] }` shows a question only when an EARLIER single or
multiple question got one of those answer codes. Every mistake is collected; `parse_questionnaire`
raises one `ConfigError` that lists them all, each naming the question and the field.

The version is the first 12 hex characters of the SHA-256 of a canonical form (the parsed content as
sorted, compact JSON): comments and layout do not change it, any text, code or rule does.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wijkloket.errors import ConfigError

LANGS = ("nl", "en")
TYPES = ("single", "multiple", "scale", "number", "open")
CHOICE_TYPES = ("single", "multiple")
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")
TOP = "[questionnaire]"
COMMON_FIELDS = {"id", "type", "text", "required", "show_if", "help"}
TYPE_FIELDS = {"single": {"options"}, "multiple": {"options", "max_choices"}, "scale": {"min", "max"},
               "number": {"min", "max"}, "open": {"max_length"}}


@dataclass(frozen=True)
class Option:
    code: str
    label: Mapping[str, str]


@dataclass(frozen=True)
class ShowIf:
    """Show the question only when `question` was answered with one of `answers`."""

    question: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    text: Mapping[str, str]
    required: bool = True
    options: tuple[Option, ...] = ()
    show_if: ShowIf | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    max_choices: int | None = None

    def codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.options)


@dataclass(frozen=True)
class Questionnaire:
    id: str
    title: Mapping[str, str]
    questions: tuple[Question, ...]
    version: str
    languages: tuple[str, ...] = LANGS

    def question(self, qid: str) -> Question:
        return next(q for q in self.questions if q.id == qid)

    def visible(self, qid: str, answers: Mapping[str, Any]) -> bool:
        """Whether question `qid` is shown, given the answers so far (a code or a list of codes each)."""
        rule = self.question(qid).show_if
        if rule is None:
            return True
        if not self.visible(rule.question, answers):
            return False
        given = answers.get(rule.question)
        chosen = set(given) if isinstance(given, list | tuple | set) else {given}
        return bool(chosen & set(rule.answers))


def version_of(raw: Mapping[str, Any]) -> str:
    canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


@dataclass
class _Checker:
    """Collects every problem as a catalogue item naming the question and the field."""

    problems: list[dict[str, Any]] = field(default_factory=list)

    def add(self, key: str, question: str, fld: str, **params: Any) -> None:
        self.problems.append({"_key": key, "question": question, "field": fld, **params})

    def texts(self, value: Any, question: str, fld: str) -> dict[str, str]:
        """A `{ nl = "...", en = "..." }` table: both languages, non-empty, nothing else."""
        if not isinstance(value, dict):
            self.add("survey.problem.not_text", question, fld)
            return {}
        for lang in LANGS:
            if not isinstance(value.get(lang), str) or not value[lang].strip():
                self.add("survey.problem.missing_lang", question, f"{fld}.{lang}", lang=lang)
        for extra in sorted(set(value) - set(LANGS)):
            self.add("survey.problem.unknown_field", question, f"{fld}.{extra}")
        return {k: v for k, v in value.items() if k in LANGS and isinstance(v, str)}

    def whole(self, q: dict[str, Any], qid: str, name: str, low: int, needed: bool = False) -> int | None:
        value = q.get(name)
        if value is None:
            if needed:
                self.add("survey.problem.missing", qid, name)
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            self.add("survey.problem.not_whole", qid, name, value=str(value)[:40], low=low)
            return None
        return value

    def number(self, q: dict[str, Any], qid: str, name: str) -> float | None:
        value = q.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add("survey.problem.not_number", qid, name, value=str(value)[:40])
            return None
        return float(value)


def _options(c: _Checker, q: dict[str, Any], qid: str) -> tuple[Option, ...]:
    raw = q.get("options")
    if not isinstance(raw, list) or not raw:
        c.add("survey.problem.no_options", qid, "options")
        return ()
    out: list[Option] = []
    for i, opt in enumerate(raw, start=1):
        where = f"options[{i}]"
        if not isinstance(opt, dict):
            c.add("survey.problem.not_table", qid, where)
            continue
        code = opt.get("code")
        if not isinstance(code, str) or not CODE_RE.match(code):
            c.add("survey.problem.bad_code", qid, f"{where}.code", value=str(code)[:40])
            continue
        where = f"options[{code}]"
        if code in {o.code for o in out}:
            c.add("survey.problem.duplicate_code", qid, f"{where}.code", value=code)
        if "label" not in opt:
            c.add("survey.problem.missing", qid, f"{where}.label")
            label: dict[str, str] = {}
        else:
            label = c.texts(opt["label"], qid, f"{where}.label")
        for extra in sorted(set(opt) - {"code", "label"}):
            c.add("survey.problem.unknown_field", qid, f"{where}.{extra}")
        out.append(Option(code, label))
    return tuple(out)


def _show_if(c: _Checker, q: dict[str, Any], qid: str) -> ShowIf | None:
    raw = q.get("show_if")
    if raw is None:
        return None
    target, answers = (raw.get("question"), raw.get("answers")) if isinstance(raw, dict) else (None, None)
    if not isinstance(target, str) or not target:
        c.add("survey.problem.missing", qid, "show_if.question")
        return None
    if (not isinstance(answers, list) or not answers or not all(isinstance(a, str) for a in answers)):
        c.add("survey.problem.no_answers", qid, "show_if.answers")
        return None
    for extra in sorted(set(raw) - {"question", "answers"}):
        c.add("survey.problem.unknown_field", qid, f"show_if.{extra}")
    return ShowIf(target, tuple(answers))


def _range(c: _Checker, q: dict[str, Any], qid: str, kind: str) -> tuple[float | None, float | None]:
    lo: float | None
    hi: float | None
    if kind == "scale":
        lo, hi = c.whole(q, qid, "min", 0, needed=True), c.whole(q, qid, "max", 0, needed=True)
    else:
        lo, hi = c.number(q, qid, "min"), c.number(q, qid, "max")
    if lo is not None and hi is not None and lo >= hi:
        c.add("survey.problem.bad_range", qid, "max", low=lo, high=hi)
    return (None if lo is None else float(lo)), (None if hi is None else float(hi))


def _question(c: _Checker, q: Any, position: int) -> Question | None:
    """One question, checked on its own (routing is checked afterwards, against the others)."""
    if not isinstance(q, dict):
        c.add("survey.problem.not_table", f"#{position}", "question")
        return None
    qid = q.get("id")
    if not isinstance(qid, str) or not ID_RE.match(qid):
        c.add("survey.problem.bad_id", f"#{position}", "id", value=str(qid)[:40])
        qid = f"#{position}"
    kind = q.get("type")
    if kind not in TYPES:
        c.add("survey.problem.bad_type", qid, "type", value=str(kind)[:40], known=", ".join(TYPES))
    allowed = COMMON_FIELDS | TYPE_FIELDS.get(str(kind), set())
    for extra in sorted(set(q) - allowed):
        c.add("survey.problem.unknown_field", qid, extra)
    text = c.texts(q.get("text"), qid, "text") if "text" in q else {}
    if "text" not in q:
        c.add("survey.problem.missing", qid, "text")
    required = q.get("required", True)
    if not isinstance(required, bool):
        c.add("survey.problem.not_bool", qid, "required", value=str(required)[:40])
    if "help" in q:
        c.texts(q["help"], qid, "help")
    options = _options(c, q, qid) if kind in CHOICE_TYPES else ()
    lo, hi = _range(c, q, qid, str(kind)) if kind in ("scale", "number") else (None, None)
    max_choices = c.whole(q, qid, "max_choices", 1) if kind == "multiple" else None
    if max_choices is not None and options and max_choices > len(options):
        c.add("survey.problem.too_many_choices", qid, "max_choices", value=max_choices, n=len(options))
    max_length = c.whole(q, qid, "max_length", 1) if kind == "open" else None
    if kind not in TYPES:
        return None
    return Question(qid, str(kind), text, required is True, options, _show_if(c, q, qid), lo, hi, max_length,
                    max_choices)


def _loops(questions: list[Question]) -> set[str]:
    """The questions on a routing cycle (a question shown only after itself, directly or round about)."""
    target = {q.id: q.show_if.question for q in questions if q.show_if}
    on_loop: set[str] = set()
    for start in target:
        seen, node = [start], target[start]
        while node in target and node not in seen:
            seen.append(node)
            node = target[node]
        if node == start:
            on_loop.update(seen)
    return on_loop


def _routing(c: _Checker, questions: list[Question]) -> None:
    position = {q.id: i for i, q in enumerate(questions)}
    on_loop = _loops(questions)
    for i, q in enumerate(questions):
        rule = q.show_if
        if rule is None:
            continue
        if q.id in on_loop:
            c.add("survey.problem.routing_loop", q.id, "show_if.question", target=rule.question)
        elif rule.question not in position:
            c.add("survey.problem.routing_unknown", q.id, "show_if.question", target=rule.question)
        elif position[rule.question] >= i:
            c.add("survey.problem.routing_later", q.id, "show_if.question", target=rule.question)
        else:
            earlier = questions[position[rule.question]]
            if earlier.type not in CHOICE_TYPES:
                c.add("survey.problem.routing_not_choice", q.id, "show_if.question", target=earlier.id)
                continue
            for answer in rule.answers:
                if answer not in earlier.codes():
                    c.add("survey.problem.routing_answer", q.id, "show_if.answers", target=earlier.id,
                          value=answer, known=", ".join(earlier.codes()))


def _header(c: _Checker, raw: dict[str, Any]) -> tuple[str, dict[str, str]]:
    head = raw.get("questionnaire")
    if not isinstance(head, dict):
        c.add("survey.problem.missing", TOP, "questionnaire")
        return "", {}
    qid = head.get("id")
    if not isinstance(qid, str) or not CODE_RE.match(qid.replace("-", "_")):
        c.add("survey.problem.bad_id", TOP, "id", value=str(qid)[:40])
    title = c.texts(head.get("title"), TOP, "title")
    for extra in sorted(set(head) - {"id", "title"}):
        c.add("survey.problem.unknown_field", TOP, extra)
    for extra in sorted(set(raw) - {"questionnaire", "question"}):
        c.add("survey.problem.unknown_field", TOP, extra)
    return str(qid), title


def check_raw(raw: dict[str, Any]) -> tuple[Questionnaire | None, list[dict[str, Any]]]:
    """The questionnaire and the list of problems (empty when it is valid)."""
    c = _Checker()
    qid, title = _header(c, raw)
    items = raw.get("question")
    if not isinstance(items, list) or not items:
        c.add("survey.problem.no_questions", TOP, "question")
        items = []
    questions = [q for q in (_question(c, item, i) for i, item in enumerate(items, start=1)) if q is not None]
    seen: set[str] = set()
    for given in (item.get("id") for item in items if isinstance(item, dict)):
        if isinstance(given, str) and given in seen:
            c.add("survey.problem.duplicate_id", given, "id", value=given)
        seen.add(str(given))
    _routing(c, questions)
    if c.problems:
        return None, c.problems
    return Questionnaire(qid, title, tuple(questions), version_of(raw)), []


def parse_questionnaire(text: str, where: str) -> Questionnaire:
    """A questionnaire from TOML text; `where` names the file in the error, which lists every problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("error.toml_invalid", file=where, detail=str(exc)) from None
    questionnaire, problems = check_raw(raw)
    if questionnaire is None:
        raise ConfigError("error.survey_invalid", file=where, n=len(problems), problems=problems)
    return questionnaire


DEFAULT_FILE = "questionnaire_default.toml"


def default_text() -> str:
    """The built-in questionnaire (`data/questionnaire_default.toml`) as written, comments included."""
    from importlib import resources

    return resources.files("wijkloket.data").joinpath(DEFAULT_FILE).read_text("utf-8")


def default_questionnaire() -> Questionnaire:
    return parse_questionnaire(default_text(), DEFAULT_FILE)


_SPLIT = re.compile(r"[^a-z0-9_]+")
_WHOLE = re.compile(r"^[+-]?\d+$")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_SHOWN = 40  # characters of a bad value shown in a problem


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _clean_open(text: str) -> str:
    """Control characters out (line breaks and tabs become spaces), runs of spaces as one."""
    kept = "".join(" " if c in "\t\r\n" else c for c in text if c in "\t\r\n" or unicodedata.category(c) != "Cc")
    return " ".join(kept.split())


def _answer(q: Question, text: str) -> tuple[list[str], dict[str, Any] | None]:
    """The clean values of one non-empty answer, or a problem."""
    shown = _clean_open(text)[:_SHOWN]
    if q.type in CHOICE_TYPES:
        given = [c for c in dict.fromkeys(_SPLIT.split(text.lower())) if c]
        unknown = [c for c in given if c not in q.codes()]
        if unknown or not given:
            return [], {"_key": "survey.answer.not_option", "value": shown, "known": ", ".join(q.codes())}
        if q.type == "single" and len(given) > 1:
            return [], {"_key": "survey.answer.one_only", "value": shown}
        if q.max_choices is not None and len(given) > q.max_choices:
            return [], {"_key": "survey.answer.too_many", "value": shown, "max": q.max_choices}
        return given, None
    if q.type == "open":
        clean = _clean_open(text)
        if q.max_length is not None and len(clean) > q.max_length:
            # never echo open text: it may hold anything
            return [], {"_key": "survey.answer.too_long", "value": "…", "length": len(clean), "max": q.max_length}
        return ([clean] if clean else []), None
    pattern = _WHOLE if q.type == "scale" else _NUMBER
    compact = text.replace(" ", "")
    if not pattern.match(compact):
        key = "survey.answer.not_scale" if q.type == "scale" else "survey.answer.not_number"
        return [], {"_key": key, "value": shown}
    value = float(compact.replace(",", "."))
    if (q.min is not None and value < q.min) or (q.max is not None and value > q.max):
        return [], {"_key": "survey.answer.out_of_range", "value": shown,
                    "low": _number_text(q.min if q.min is not None else float("-inf")),
                    "high": _number_text(q.max if q.max is not None else float("inf"))}
    return [_number_text(value)], None


def validate_answers(q: Questionnaire, raw: Mapping[str, str]) -> tuple[dict[str, list[str]], list[dict[str, Any]]]:
    """Raw cell texts per question id -> the clean values per question (codes for single and multiple,
    multiple split on anything but a-z, 0-9 and _; whole numbers for scale; numbers for number, "12,5"
    accepted; open text without control characters), and the problems (catalogue items naming the question
    and value). An empty cell is unanswered; an answer to a question the routing hides, or to an unknown
    question, is a problem. A missing required answer is not a problem: see `missing_required`."""
    known = {x.id for x in q.questions}
    problems = [{"_key": "survey.answer.unknown_question", "question": qid, "value": ""}
                for qid in raw if qid not in known and str(raw[qid] or "").strip()]
    clean: dict[str, list[str]] = {}
    for question in q.questions:
        text = str(raw.get(question.id) or "").strip()
        if not text:
            continue
        if not q.visible(question.id, clean):
            shown = _clean_open(text)[:_SHOWN] if question.type != "open" else "…"
            target = question.show_if.question if question.show_if else ""
            problems.append({"_key": "survey.answer.hidden", "question": question.id, "value": shown,
                             "target": target})
            continue
        values, problem = _answer(question, text)
        if problem is not None:
            problems.append({**problem, "question": question.id})
        elif values:
            clean[question.id] = values
    return clean, problems


def missing_required(q: Questionnaire, answers: Mapping[str, list[str]]) -> list[str]:
    """The required questions that are shown (given the answers) but not answered: a response without
    them is partial."""
    return [x.id for x in q.questions if x.required and not answers.get(x.id) and q.visible(x.id, answers)]
