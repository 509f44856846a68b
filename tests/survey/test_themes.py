"""Open answers counted as themes: keyword matching at word starts, one count per respondent and theme,
disclosure control (1-9 suppressed, and a second cell so the city total does not give it away), and no
text in the result. Expected counts worked out by hand from the fixture below."""

from __future__ import annotations

import tomllib
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from wijkloket.errors import ConfigError
from wijkloket.survey.themes import COLUMNS, count_themes, default_themes, normalise, parse_themes, themes_of


def test_normalise_drops_case_accents_and_punctuation() -> None:
    assert normalise("Één  WACHTRIJ, bij 't Stadhuis!") == "een wachtrij bij t stadhuis"


@pytest.mark.parametrize(("text", "expected"), [
    ("Ik moest lang wachten.", ["waiting_time"]),
    ("DigiD-code kwijt, en de website is lastig", ["digital_help"]),
    ("Het stadhuis is te ver weg, graag 's avonds open", ["opening_hours", "distance"]),
    ("Na mijn verhuizing ging alles goed", []),  # 'ver' alone is no keyword; 'verhuizing' is not distance
    ("De medewerker was onvriendelijk", []),  # 'vriendelijk' only at the start of a word
    ("They help me well in the library.", ["library"]),
    ("", []),
])
def test_themes_of(text: str, expected: list[str]) -> None:
    assert themes_of(text, default_themes()) == expected


def _texts() -> pd.DataFrame:
    """District A: 12 respondents write about waiting (one of them twice), 15 about distance; district B: 3
    about waiting and 11 about distance and waiting at once; one empty answer in B."""
    rows = [(f"a{i}", "A", "Ik moest wachten") for i in range(12)] + [("a0", "A", "Weer een wachtrij")]
    rows += [(f"a{i}", "A", "Het is te ver weg") for i in range(12, 27)]
    rows += [(f"b{i}", "B", "Lang wachten") for i in range(3)]
    rows += [(f"b{i}", "B", "De bus is traag en ik wacht lang") for i in range(3, 14)]
    rows += [("b99", "B", "   ")]
    return pd.DataFrame(rows, columns=["respondent", "district", "text"])


def test_count_themes_by_hand() -> None:
    out = count_themes(_texts(), domains=["A", "B", "C"])
    assert list(out.columns) == list(COLUMNS)
    by = out.set_index(["theme", "domain"])
    # waiting: A 12 (a0 counts once), B 3 + 11 = 14, total 26; distance: A 15, B 11, total 26
    assert by.loc[("waiting_time", "A"), "count"] == 12 and by.loc[("waiting_time", "B"), "count"] == 14
    assert by.loc[("waiting_time", "total"), "count"] == 26
    assert by.loc[("distance", "A"), "count"] == 15 and by.loc[("distance", "total"), "count"] == 26
    # district C has no answers: zeros, not missing; respondents who wrote anything: A 27, B 14, total 41
    assert by.loc[("distance", "C"), "count"] == 0
    assert by.loc[("distance", "A"), "respondents"] == 27 and by.loc[("distance", "B"), "respondents"] == 14
    assert by.loc[("distance", "total"), "respondents"] == 41
    assert not out["suppressed"].any()
    assert out["theme"].nunique() == len(default_themes())


def test_small_counts_are_suppressed_and_protected() -> None:
    texts = _texts()
    texts = texts[~texts["respondent"].isin([f"b{i}" for i in range(3, 14)])]  # B: 3 about waiting only
    out = count_themes(texts, domains=["A", "B"]).set_index(["theme", "domain"])
    assert out.loc[("waiting_time", "B"), "suppressed"] and np.isnan(out.loc[("waiting_time", "B"), "count"])
    shown = [not out.loc[("waiting_time", d), "suppressed"] for d in ("A", "total")]
    assert not all(shown), "A and the total together would give away B's 3"
    assert out.loc[("waiting_time", "B"), "respondents_suppressed"]  # 3 respondents wrote in B


def test_no_text_in_the_result() -> None:
    out = count_themes(_texts())
    cells = {str(v) for v in out.to_numpy().ravel()}
    assert not any("wacht" in c or "ver weg" in c for c in cells)


def test_stock_phrases_of_the_simulator_find_their_theme() -> None:
    raw = tomllib.loads(resources.files("wijkloket.data").joinpath("synthetic_assumptions.toml").read_text("utf-8"))
    phrases = raw["survey"]["open_phrases"]["value"]
    for theme, langs in phrases.items():
        for lang in ("nl", "en"):
            for phrase in langs[lang]:
                assert theme in themes_of(phrase, default_themes()), (theme, phrase)


def test_a_theme_without_label_is_named() -> None:
    with pytest.raises(ConfigError) as exc:
        parse_themes('[theme.x]\nkeywords = { nl = ["a"], en = ["b"] }\n', "eigen.toml")
    assert exc.value.params["entry"] == "theme.x" and exc.value.params["field"] == "label"
    with pytest.raises(ConfigError):
        parse_themes('[theme.x]\nlabel = { nl = "X", en = "X" }\nkeywords = { nl = [" "], en = [] }\n', "eigen.toml")
