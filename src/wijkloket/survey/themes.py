"""Open answers as counted themes (issue 10, points 3 and 8): what residents write in their own words is
never shown, only how many respondents per district mention each theme.

Themes are data (`data/survey_themes.toml`): an id, a label in Dutch and English, and keywords per language,
lower-case word stems or short phrases without accents. A theme is found in an answer when one of its
keywords (of either language) occurs at the start of a word, after the answer is lower-cased and its accents
and punctuation are removed. A respondent counts once per theme however many of their answers mention it.

Counts are published under disclosure control (`indicators.disclosure.suppress_table`): a count of 1-9 is
suppressed, and enough other cells of the themes x districts table that no suppressed count can be worked
out from the city total of its theme. Pure functions; no verbatim text ever leaves this module.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from wijkloket.errors import ConfigError
from wijkloket.indicators.disclosure import suppress_table

THEMES_FILE = "survey_themes.toml"
LANGS = ("nl", "en")
TOTAL = "total"
COLUMNS = ("theme", "domain_level", "domain", "count", "suppressed", "respondents", "respondents_suppressed")


@dataclass(frozen=True)
class Theme:
    id: str
    label: Mapping[str, str]
    keywords: tuple[str, ...]
    pattern: re.Pattern[str]


def normalise(text: str) -> str:
    """Lower case, accents removed, everything but letters and digits a single space."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii").lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def parse_themes(text: str, where: str) -> tuple[Theme, ...]:
    """The themes of a themes file: `[theme.<id>]` with `label = { nl, en }` and `keywords = { nl = [...],
    en = [...] }`; a mistake is a `ConfigError` naming the file, the theme and the field."""
    try:
        raw = tomllib.loads(text).get("theme")
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("error.toml_invalid", file=where, detail=str(exc)) from None
    if not isinstance(raw, dict) or not raw:
        raise ConfigError("error.registry_missing_field", file=where, entry="theme", field="theme")
    themes = []
    for tid, entry in raw.items():
        label = entry.get("label") if isinstance(entry, dict) else None
        words = entry.get("keywords") if isinstance(entry, dict) else None
        if not isinstance(label, dict) or not all(isinstance(label.get(lang), str) for lang in LANGS):
            raise ConfigError("error.registry_bad_value", file=where, entry=f"theme.{tid}", field="label",
                              value=str(label)[:80], expected="{ nl = \"...\", en = \"...\" }")
        if not isinstance(words, dict) or not all(isinstance(words.get(lang), list) for lang in LANGS):
            raise ConfigError("error.registry_bad_value", file=where, entry=f"theme.{tid}", field="keywords",
                              value=str(words)[:80], expected="{ nl = [\"...\"], en = [\"...\"] }")
        keywords = tuple(dict.fromkeys(k for lang in LANGS for w in words[lang] if (k := normalise(w))))
        if not keywords:
            raise ConfigError("error.registry_bad_value", file=where, entry=f"theme.{tid}", field="keywords",
                              value="[]", expected="at least one keyword")
        pattern = re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(k) for k in keywords) + ")")
        themes.append(Theme(str(tid), {lang: label[lang] for lang in LANGS}, keywords, pattern))
    return tuple(themes)


@lru_cache(maxsize=1)
def default_themes() -> tuple[Theme, ...]:
    """The built-in themes (`data/survey_themes.toml`)."""
    text = resources.files("wijkloket.data").joinpath(THEMES_FILE).read_text("utf-8")
    return parse_themes(text, THEMES_FILE)


def themes_of(text: str, themes: Sequence[Theme]) -> list[str]:
    """The ids of the themes an answer mentions, in the order of `themes`."""
    plain = normalise(text)
    return [th.id for th in themes if plain and th.pattern.search(plain)]


def _mentions(texts: pd.DataFrame, themes: Sequence[Theme], by: str) -> pd.DataFrame:
    """One row per (respondent, domain, theme) mentioned; respondents count once per theme."""
    found = [(r, d, tid) for r, d, text in texts[["respondent", by, "text"]].itertuples(index=False)
             if isinstance(text, str) and text.strip() for tid in themes_of(text, themes)]
    return pd.DataFrame(found, columns=["respondent", by, "theme"]).drop_duplicates()


def count_themes(texts: pd.DataFrame, themes: Sequence[Theme] | None = None, by: str = "district",
                 min_count: int = 10, domains: Iterable[str] | None = None) -> pd.DataFrame:
    """Respondents mentioning each theme per domain of `by` and for all together (`domain_level` "total").

    `texts`: one row per open answer, columns `respondent`, `by` and `text`. `domains`: the domains to show
    (default: those in `texts`), so that a district where nobody wrote shows zeros. Columns `COLUMNS`:
    `count` is NaN where suppressed; `respondents` is the number who wrote any open answer (also suppressed
    from 1 to `min_count` - 1). The texts themselves are not in the result."""
    themes = tuple(themes or default_themes())
    wrote = texts[texts["text"].map(lambda v: isinstance(v, str) and bool(v.strip()))]
    wrote = wrote.assign(**{by: wrote[by].astype(str)})
    names = list(dict.fromkeys([*(domains or []), *sorted(wrote[by].dropna().unique())]))
    hits = _mentions(wrote, themes, by)
    grid = pd.crosstab(hits["theme"], hits[by]).reindex(index=[t.id for t in themes], columns=names,
                                                        fill_value=0).astype(float)
    # who wrote anything, as one more row of the same table: protected together with the themes
    grid.loc[_WROTE] = wrote.drop_duplicates("respondent").groupby(by).size().reindex(names, fill_value=0)
    res = suppress_table(grid, threshold=min_count)
    table, totals = res.table, res.row_totals
    rows = []
    for th in themes:
        for level, d, value, n in [*((by, d, table.loc[th.id, d], table.loc[_WROTE, d]) for d in names),
                                   (TOTAL, TOTAL, totals[th.id], totals[_WROTE])]:
            rows.append((th.id, level, d, value, bool(np.isnan(value)), n, bool(np.isnan(n))))
    return pd.DataFrame(rows, columns=list(COLUMNS))


_WROTE = "_respondents"
