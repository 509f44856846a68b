"""User-facing texts in Dutch (default) and English, kept as data: one catalogue file per door
beside this module (`errors.toml`, `cli.toml`, `report.toml`, `common.toml`, ...).

A text is looked up by key; `{name}` placeholders are filled with `str.format`. A text with a count
in it has a singular form beside the plural one (`nl_one`, `en_one`: "{n} kenmerk" beside "{n} kenmerken")
and is looked up with `t_plural`; `t` too takes the singular form when the parameter `n` is 1, so errors
and CLI messages with a count read right in every door. A missing
translation falls back to Dutch, a missing key is a programming error (KeyError) that the test-suite
catches by checking every key the code uses. Errors are rendered here (`render_error`), so every
door shows the same message; a missing key never hides the error itself.
"""

from __future__ import annotations

import numbers
import tomllib
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wijkloket.errors import WijkloketError

LANGUAGES = ("nl", "en")
DEFAULT_LANG = "nl"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """Every text by key, from all catalogue files of this package; a key defined twice is an error."""
    out: dict[str, dict[str, str]] = {}
    origin: dict[str, str] = {}

    def walk(prefix: str, node: dict[str, Any], file: str) -> None:
        if "nl" in node and isinstance(node["nl"], str):
            if prefix in out:
                raise RuntimeError(f"message key {prefix!r} is defined in {origin[prefix]} and {file}")
            out[prefix] = {k: v for k, v in node.items() if isinstance(v, str)}
            origin[prefix] = file
            return
        for key, sub in node.items():
            if isinstance(sub, dict):
                walk(f"{prefix}.{key}" if prefix else key, sub, file)

    files = sorted((f for f in resources.files("wijkloket.i18n").iterdir() if f.name.endswith(".toml")),
                   key=lambda f: f.name)
    for f in files:
        walk("", tomllib.loads(f.read_text("utf-8")), f.name)
    return out


def t(key: str, lang: str = DEFAULT_LANG, /, **params: Any) -> str:
    """The text `key` in `lang`, with `params` filled in; the singular form when the text has one and
    the parameter `n` is 1 (use `t_plural` to have the count written for the language as well)."""
    template = _plural_template(catalogue()[key], lang, params.get("n"))
    return template.format(**params) if params else template


def _is_one(n: Any) -> bool:
    """Whether a count takes the singular form: exactly 1, in Dutch and English alike. A count already
    written as text is singular only as "1" ("1.000" is a thousand in Dutch)."""
    if isinstance(n, str):
        return n.strip() == "1"
    return isinstance(n, numbers.Real) and not isinstance(n, bool) and float(n) == 1


def _plural_template(entry: dict[str, str], lang: str, n: Any) -> str:
    one = entry.get(f"{lang}_one") or entry.get(f"{DEFAULT_LANG}_one")
    if one is not None and _is_one(n):
        return one
    return entry.get(lang) or entry[DEFAULT_LANG]


def t_plural(key: str, n: float | int, lang: str = DEFAULT_LANG, /, **params: Any) -> str:
    """The text `key` for the count `n` in `lang`: its singular form (`nl_one`, `en_one`) when `n` is 1,
    else its plural form; `{n}` is filled with the count as a reader of `lang` writes it."""
    template = _plural_template(catalogue()[key], lang, n)
    return template.format(**{"n": fmt_number(n, lang, 0 if float(n).is_integer() else 1), **params})


def _param_text(value: Any, lang: str) -> Any:
    """A parameter as text: a list of problems (dicts with row, column, value, reason) is written
    item by item through the catalogue, with the reason in words; other values are left as they are."""
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        if not value:
            return "-"
        if all("_key" in v for v in value):  # e.g. codes with their row numbers
            texts = [t(v["_key"], lang, **{k: x for k, x in v.items() if k != "_key"}) for v in value]
            # items written as lines of their own (starting with a line break) need no separator
            return "".join(texts) if all(x.startswith("\n") for x in texts) else ", ".join(texts)
        items = []
        for v in value:
            reason = f"reason.{v.get('reason')}"
            items.append(t("error.problem_item", lang, **{**v, "reason": t(reason, lang) if reason in catalogue()
                                                           else v.get("reason")}))
        return "; ".join(items)
    return value


def render_error(exc: WijkloketError, lang: str = DEFAULT_LANG) -> str:
    """The complete message for an error in `lang`: its text, then the fix on a line of its own.

    A key missing from the catalogue (or a text whose placeholders do not match) still shows the
    error's code and parameters, so a gap in the catalogue never hides what went wrong."""
    params = {k: _param_text(v, lang) for k, v in exc.params.items() if not k.startswith("_")}
    try:
        text = t(exc.code, lang, **params)
    except (KeyError, IndexError, ValueError):
        detail = ", ".join(f"{k}={v}" for k, v in params.items())
        return f"{exc.code}" + (f" ({detail})" if detail else "")
    hint_key = f"{exc.code}_fix"
    if hint_key in catalogue():
        try:
            text += "\n  " + t("error.fix_prefix", lang) + " " + t(hint_key, lang, **params)
        except (KeyError, IndexError, ValueError):
            pass
    return text


def dataset_label(kind: str, stored: str, lang: str = DEFAULT_LANG) -> str:
    """A source's dataset name as shown: the catalogue's name for the kinds wijkloket defines (and the
    two CBS tables), else the name the store keeps (e.g. a StatLine table with its variables)."""
    key = f"dataset.{kind}"
    return t(key, lang) if key in catalogue() else stored


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


def fmt_plain(value: float | int, lang: str = DEFAULT_LANG) -> str:
    """A number with as many decimals as it has (at most 4): an assumption as written in a scenario
    file, in the reader's notation (0,333 and 400.000 in Dutch; 0.333 and 400,000 in English)."""
    text = f"{float(value):.4f}".rstrip("0").rstrip(".")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return fmt_number(value, lang, decimals)


def decimals_for(unit: str) -> int:
    """How many decimals a figure in `unit` is shown with."""
    return {"aantal": 0, "%": 1, "per 1000": 1, "per km²": 0, "km": 1, "score": 2}.get(unit, 1)


def unit_label(unit: str, lang: str = DEFAULT_LANG) -> str:
    """A unit as shown to readers (`aantal` is `number` in English)."""
    key = "unit." + unit.replace(" ", "_")
    return t(key, lang) if key in catalogue() else unit


def assumption_label(name: str, lang: str = DEFAULT_LANG) -> tuple[str, str]:
    """An assumption of the option model as readers see it: its name and the unit its value is written in
    (`assumption.*`, `assumption_unit.*`; no unit for a pure number). A name the catalogue lacks (a field of
    a newer scenario file) is shown as written."""
    key = "assumption." + name
    label = t(key, lang) if key in catalogue() else name
    unit_key = "assumption_unit." + name
    return label, t(unit_key, lang) if unit_key in catalogue() else ""
