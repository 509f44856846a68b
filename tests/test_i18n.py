"""Every user text exists in Dutch and English with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from wijkloket.i18n import catalogue, fmt_number

SRC = Path(__file__).parents[1] / "src" / "wijkloket"


def test_every_text_in_both_languages_with_same_placeholders() -> None:
    for key, entry in catalogue().items():
        assert set(entry) >= {"nl", "en"}, key
        names = [set(re.findall(r"{(\w+)}", entry[lang])) for lang in ("nl", "en")]
        assert names[0] == names[1], key


def test_every_key_used_in_the_code_exists() -> None:
    keys = set(catalogue())
    used: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text("utf-8")
        used |= set(re.findall(r"""["']((?:error|cli|report|note)\.[a-z_]+[a-z])["']""", text))
    assert used - keys - {"report.html"} == set()


def test_numbers_dutch_and_english() -> None:
    assert fmt_number(167635, "nl") == "167.635"
    assert fmt_number(16.25, "nl", 1) == "16,2" or fmt_number(16.25, "nl", 1) == "16,3"
    assert fmt_number(167635.5, "en", 1) == "167,635.5"
    assert fmt_number(float("nan"), "nl") == "–"
