"""User-facing texts in Dutch (default) and English, kept as data in `data/messages.toml`.

A text is looked up by key; `{name}` placeholders are filled with `str.format`. A missing
translation falls back to Dutch, a missing key is a programming error (KeyError) that the test-suite
catches by rendering every key.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from typing import Any

LANGUAGES = ("nl", "en")
DEFAULT_LANG = "nl"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    text = resources.files("wijkloket.data").joinpath("messages.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    out: dict[str, dict[str, str]] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        if "nl" in node and isinstance(node["nl"], str):
            out[prefix] = {k: v for k, v in node.items() if isinstance(v, str)}
            return
        for key, sub in node.items():
            if isinstance(sub, dict):
                walk(f"{prefix}.{key}" if prefix else key, sub)

    walk("", raw)
    return out


def t(key: str, lang: str = DEFAULT_LANG, /, **params: Any) -> str:
    """The text `key` in `lang`, with `params` filled in."""
    entry = catalogue()[key]
    template = entry.get(lang) or entry[DEFAULT_LANG]
    return template.format(**params) if params else template


def check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        from wijkloket.errors import ConfigError

        raise ConfigError("error.unknown_lang", lang=lang, known=", ".join(LANGUAGES))
    return lang


def fmt_number(value: float | int | None, lang: str = DEFAULT_LANG, decimals: int = 0) -> str:
    """A number as a reader in `lang` expects it: 167.635 and 16,2 in Dutch; 167,635 and 16.2
    in English. Missing values are shown as an en dash."""
    if value is None or value != value:  # NaN
        return "–"
    text = f"{value:,.{decimals}f}"
    if lang == "nl":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def decimals_for(unit: str) -> int:
    """How many decimals a figure in `unit` is shown with."""
    return {"aantal": 0, "%": 1, "per 1000": 1, "per km²": 0, "km": 1, "score": 2}.get(unit, 1)


def unit_label(unit: str, lang: str = DEFAULT_LANG) -> str:
    """A unit as shown to readers (`aantal` is `number` in English)."""
    key = "unit." + unit.replace(" ", "_")
    return t(key, lang) if key in catalogue() else unit
