"""Recognising personal data in a column of an export: by its header and by its values.

The rules are data (`data/personal_data.toml`): header patterns per kind, and what a BSN (eleven-test),
an e-mail address, a phone number, a date of birth and a person's name look like. The functions are
pure: they take a header and a sample of values and say which kind of personal data they look like.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

PERSONAL_KINDS = ("bsn", "email", "phone", "birth_date", "name", "address", "document")
"""The kinds of personal data recognised (`personal.<kind>` in the catalogue words each)."""
REDACTED = "***"
"""What a cell that looks like a BSN, e-mail address or phone number is written as in a file of rejected rows."""


@dataclass(frozen=True)
class Rules:
    headers: dict[str, list[re.Pattern[str]]]
    not_personal: list[re.Pattern[str]]
    email: re.Pattern[str]
    phone: re.Pattern[str]
    birth_date: re.Pattern[str]
    particles: frozenset[str]
    name_distinct: float
    share: float


@lru_cache(maxsize=1)
def rules() -> Rules:
    raw = tomllib.loads(resources.files("wijkloket.data").joinpath("personal_data.toml").read_text("utf-8"))
    content = raw["content"]
    assert set(raw["headers"]) <= set(PERSONAL_KINDS), "data/personal_data.toml: unknown kind in [headers]"
    return Rules(
        headers={k: [re.compile(p) for p in v] for k, v in raw["headers"].items()},
        not_personal=[re.compile(p) for p in raw["not_personal"]],
        email=re.compile(content["email"]), phone=re.compile(content["phone"]),
        birth_date=re.compile(content["birth_date"]),
        particles=frozenset(content["name_particles"]), name_distinct=float(content["name_distinct"]),
        share=float(raw["share"]),
    )


def eleven_test(value: str) -> bool:
    """The BSN eleven-test: 9 digits, 9*d1 + 8*d2 + ... + 2*d8 - d9 divisible by 11 (and not 0)."""
    if not re.fullmatch(r"\d{9}", value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:8], range(9, 1, -1), strict=True)) - int(value[8])
    return total % 11 == 0 and total != 0


def _digits(value: str) -> str:
    return re.sub(r"[\s().-]", "", value)


def value_kind(value: str) -> str | None:
    """The kind of personal data one value is by itself ('bsn', 'email', 'phone'), or None. Dates and
    names need a whole column to tell (a visit date is a date too)."""
    v = value.strip()
    r = rules()
    if eleven_test(_digits(v)):
        return "bsn"
    if r.email.fullmatch(v):
        return "email"
    if r.phone.fullmatch(_digits(v)):
        return "phone"
    return None


def redact(value: str) -> str:
    """`value`, or REDACTED when it looks like a BSN, an e-mail address or a phone number."""
    return REDACTED if value_kind(value) else value


def looks_like_name(value: str) -> bool:
    """Two to six words, the first and last capitalised (or initials), particles between ('Jan de Vries')."""
    words = value.strip().replace(",", " ").split()
    if not 2 <= len(words) <= 6:
        return False
    particles = rules().particles

    def capitalised(w: str) -> bool:
        body = w.rstrip(".")
        return bool(body) and body[0].isupper() and body[0].isalpha() and (
            len(body) == 1 or all(c.islower() or c in "'’-" for c in body[1:]))

    return (capitalised(words[0]) and capitalised(words[-1])
            and all(capitalised(w) or w.lower() in particles for w in words[1:-1]))


def header_kind(header: str) -> str | None:
    """The kind of personal data a column header names ('Naam aanvrager' -> 'name'), or None."""
    text = " ".join(re.sub(r"[^0-9a-z]+", " ", header.lower()).split())
    r = rules()
    if any(p.search(text) for p in r.not_personal):
        return None
    for kind, patterns in r.headers.items():
        if any(p.search(text) for p in patterns):
            return kind
    return None


def content_kind(values: Sequence[str], dates_expected: bool = False) -> str | None:
    """The kind of personal data a sample of a column's values looks like, or None: at least `share` of
    the non-empty values are BSNs, e-mail addresses, phone numbers or dates (of birth; not asked when
    the column should hold dates), or nearly all are different names."""
    sample = [v.strip() for v in values if v and v.strip()]
    if not sample:
        return None
    r = rules()
    need = r.share * len(sample)
    kinds = [value_kind(v) for v in sample]
    for kind in ("bsn", "email", "phone"):
        if kinds.count(kind) >= need:
            return kind
    if not dates_expected and sum(bool(r.birth_date.fullmatch(v)) for v in sample) >= need:
        return "birth_date"
    names = [v for v in sample if looks_like_name(v)]
    if len(names) >= max(need, 0.8 * len(sample)) and len(set(names)) >= max(3, r.name_distinct * len(sample)):
        return "name"
    return None


def column_kind(header: str, values: Iterable[str], dates_expected: bool = False) -> str | None:
    """The kind of personal data a column holds, by its header first and then by its values."""
    return header_kind(header) or content_kind(list(values), dates_expected)
