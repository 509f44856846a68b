"""The rules file is validated when loaded: every mistake is a ConfigError naming file, rule and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from wijkloket.documents import load_rules
from wijkloket.documents.validity import parse_rules
from wijkloket.errors import ConfigError
from wijkloket.i18n import render_error

PASSPORT = """
[[rule]]
product = "passport"
issued_before = 2014-03-09
years = 5
source = "old rule"

[[rule]]
product = "passport"
issued_from = 2014-03-09
age_below = 18
years = 5
source = "minors"

[[rule]]
product = "passport"
issued_from = 2014-03-09
age_from = 18
years = 10
source = "adults"
"""
OTHERS = """
[[rule]]
product = "id_card"
years = 10
source = "one rule"

[[rule]]
product = "driving_licence"
age_below = 65
years = 10
source = "a"

[[rule]]
product = "driving_licence"
age_from = 65
age_below = 70
until_age = 75
source = "b"

[[rule]]
product = "driving_licence"
age_from = 70
years = 5
source = "c"
"""


def error(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_rules(text, "my_rules.toml")
    return info.value


def test_a_valid_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(PASSPORT + OTHERS, "utf-8")
    rules = load_rules(path)
    assert [r.entry for r in rules.of("driving_licence")] == [
        "rule 5 (driving_licence)", "rule 6 (driving_licence)", "rule 7 (driving_licence)"]
    assert rules.where == str(path)
    assert rules.validity_days("id_card", [0], [-7000]).tolist() == [3652]


def test_unknown_field() -> None:
    with_colour = OTHERS.replace('years = 10\nsource = "one rule"', 'years = 10\ncolour = "red"\nsource = "x"')
    exc = error(PASSPORT + with_colour)
    assert exc.code == "error.registry_bad_value"
    assert exc.params["file"] == "my_rules.toml" and exc.params["entry"] == "rule 4 (id_card)"
    assert exc.params["field"] == "colour" and exc.params["value"] == "red"
    message = render_error(exc, "en")
    assert "my_rules.toml" in message and "rule 4 (id_card)" in message and "'colour'" in message


def test_missing_fields() -> None:
    exc = error(PASSPORT.replace('source = "minors"\n', "") + OTHERS)
    assert (exc.code, exc.params["entry"], exc.params["field"]) == (
        "error.registry_missing_field", "rule 2 (passport)", "source")
    assert "rule 2 (passport)" in render_error(exc, "nl") and "'source'" in render_error(exc, "nl")
    exc = error(PASSPORT + OTHERS.replace('years = 10\nsource = "one rule"', 'source = "one rule"'))
    assert (exc.code, exc.params["entry"], exc.params["field"]) == (
        "error.registry_missing_field", "rule 4 (id_card)", "years")
    exc = error('[[rule]]\nyears = 5\nsource = "x"\n')
    assert (exc.code, exc.params["entry"], exc.params["field"]) == ("error.registry_missing_field", "rule 1", "product")


@pytest.mark.parametrize(("old", "new", "field"), [
    ('product = "id_card"', 'product = "paspoort"', "product"),
    ('years = 10\nsource = "one rule"', 'years = "ten"\nsource = "one rule"', "years"),
    ('years = 10\nsource = "one rule"', 'years = 0\nsource = "one rule"', "years"),
    ('years = 10\nsource = "one rule"', 'years = 10\nuntil_age = 75\nsource = "one rule"', "until_age"),
    ('age_from = 70\n', 'age_from = -1\n', "age_from"),
    ('age_from = 65\nage_below = 70', 'age_from = 65\nage_below = 65', "age_below"),
    ('age_from = 65\nage_below = 70\nuntil_age = 75', 'age_from = 65\nage_below = 70\nuntil_age = 68', "until_age"),
    ('source = "a"', 'source = ""', "source"),
])
def test_bad_values(old: str, new: str, field: str) -> None:
    assert old in OTHERS
    exc = error(PASSPORT + OTHERS.replace(old, new, 1))
    assert exc.code == "error.registry_bad_value" and exc.params["field"] == field
    assert exc.params["file"] == "my_rules.toml" and exc.params["entry"].startswith("rule ")


def test_dates_must_be_toml_dates() -> None:
    exc = error(PASSPORT.replace("issued_before = 2014-03-09", 'issued_before = "2014-03-09"') + OTHERS)
    assert (exc.code, exc.params["entry"], exc.params["field"]) == (
        "error.registry_bad_value", "rule 1 (passport)", "issued_before")
    assert "YYYY-MM-DD" in exc.params["expected"]
    exc = error(PASSPORT.replace("issued_before = 2014-03-09", "issued_before = 2014-03-09T10:00:00") + OTHERS)
    assert exc.params["field"] == "issued_before"


def test_a_gap_is_named() -> None:
    # Without the minors' rule no rule covers ages 0-17 from 9 March 2014.
    minors = PASSPORT.index("[[rule]]", 10)
    adults = PASSPORT.index("[[rule]]", minors + 1)
    exc = error(PASSPORT[:minors] + PASSPORT[adults:] + OTHERS)
    assert (exc.code, exc.params["entry"], exc.params["field"]) == ("error.registry_bad_value", "passport", "rule")
    assert exc.params["value"] == "age 0-17, issued from 2014-03-09"
    assert "none covers it" in exc.params["expected"]


def test_an_overlap_is_named() -> None:
    exc = error(PASSPORT.replace("issued_from = 2014-03-09\nage_from = 18", "age_from = 18") + OTHERS)
    assert exc.params["entry"] == "passport" and exc.params["value"] == "age 18+, issued before 2014-03-09"
    assert "rule 1 (passport) and rule 3 (passport) overlap" in exc.params["expected"]


def test_every_product_needs_rules() -> None:
    exc = error(PASSPORT)
    assert exc.params["entry"] == "id_card" and exc.params["value"] == "age 0+, any issue date"


def test_not_toml_and_unknown_tables() -> None:
    assert error("[[rule]\nproduct =").code == "error.toml_invalid"
    exc = error(PASSPORT + OTHERS + '\n[passport]\nyears = 10\n')
    assert (exc.code, exc.params["entry"]) == ("error.registry_bad_value", "passport")
