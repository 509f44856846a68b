"""Plural forms: a text with a count has a singular form beside its plural one, and every door gets the
right one ("1 kenmerk", "2 kenmerken"); no text falls back on "kenmerk(en)" or "site(s)"."""

from __future__ import annotations

import re

import pytest

from wijkloket.errors import WijkloketError
from wijkloket.i18n import catalogue, render_error, t, t_plural


@pytest.mark.parametrize(("n", "nl", "en"), [
    (1, "Oud valt op bij 1 kenmerk: p.", "Oud stands out on 1 characteristic: p."),
    (2, "Oud valt op bij 2 kenmerken: p.", "Oud stands out on 2 characteristics: p."),
    (0, "Oud valt op bij 0 kenmerken: p.", "Oud stands out on 0 characteristics: p."),
    (1000, "Oud valt op bij 1.000 kenmerken: p.", "Oud stands out on 1,000 characteristics: p."),
])
def test_finding_in_both_languages(n: int, nl: str, en: str) -> None:
    assert t_plural("report.finding_area", n, "nl", area="Oud", parts="p") == nl
    assert t_plural("report.finding_area", n, "en", area="Oud", parts="p") == en


def test_ido_points() -> None:
    assert t_plural("plan.sites_ido", 1, "nl") == "1 IDO-punt"
    assert t_plural("plan.sites_ido", 4, "nl") == "4 IDO-punten"
    assert t_plural("plan.sites_ido", 1, "en") == "1 IDO point"
    assert t_plural("plan.sites_ido", 4, "en") == "4 IDO points"


def test_t_and_errors_take_the_singular_when_n_is_one() -> None:
    assert t("cli.points_outside", "nl", n=1, names="A").startswith("1 punt ligt buiten de gemeente")
    assert t("cli.points_outside", "nl", n=3, names="A, B, C").startswith("3 punten liggen buiten")
    # a count already written as text: "1.000" is a thousand in Dutch, not one
    assert t("cli.points_outside", "nl", n="1.000", names="A").startswith("1.000 punten liggen")
    one = render_error(WijkloketError("error.plan_no_capacity", n=1, sites="Noord"), "nl")
    assert one.startswith("plan locate --capacity: 1 locatie heeft geen capacity_per_week: Noord.")
    two = render_error(WijkloketError("error.plan_no_capacity", n=2, sites="Noord, Zuid"), "en")
    assert two.startswith("plan locate --capacity: 2 sites have no capacity_per_week: Noord, Zuid.")


def test_singular_forms_are_complete() -> None:
    """A text with a singular form has it in both languages, with the placeholders of its plural."""
    for key, entry in catalogue().items():
        if not any(k.endswith("_one") for k in entry):
            continue
        assert {"nl_one", "en_one"} <= set(entry), key
        names = {lang: set(re.findall(r"{(\w+)}", entry[lang])) for lang in ("nl", "en", "nl_one", "en_one")}
        assert names["nl_one"] == names["en_one"] <= names["nl"], key
        assert "n" in names["nl"], key


def test_no_text_writes_a_count_with_an_optional_plural() -> None:
    """"{n} kenmerk(en)", "{n} site(s)": a count before a noun takes a singular form instead."""
    pattern = re.compile(r"{n}\s+[\w-]+\((en|s|men)\)")
    bad = [(key, lang) for key, entry in catalogue().items() for lang, text in entry.items() if pattern.search(text)]
    assert bad == []
