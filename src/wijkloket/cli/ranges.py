"""The allowed values of every numeric option, from one table (`data/option_ranges.toml`).

`check_ranges` puts a check on every integer and float option of the command tree before click parses
anything: a value outside its range, NaN or infinity becomes a `WijkloketError` that names the option,
the value as given and the allowed range, in the user's language (typer's own `min=`/`max=` messages
are English only). A numeric option without a line in the table is a programming error the tests catch.
"""

from __future__ import annotations

import math
import sys
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from typer.core import TyperOption

from wijkloket.errors import WijkloketError
from wijkloket.i18n import DEFAULT_LANG, fmt_plain

TABLE = "option_ranges.toml"
_BOUNDS = ("min", "max", "above", "below")


@dataclass(frozen=True)
class Range:
    """Allowed values: at least `min` (or strictly above `above`), at most `max` (or strictly below `below`)."""

    min: int | float | None = None
    max: int | float | None = None
    above: int | float | None = None
    below: int | float | None = None

    def holds(self, value: float) -> bool:
        return (math.isfinite(value)
                and (self.min is None or value >= self.min) and (self.max is None or value <= self.max)
                and (self.above is None or value > self.above) and (self.below is None or value < self.below))

    def text(self, lang: str) -> dict[str, str]:
        """The range as a catalogue item (`_key` and its numbers written for `lang`)."""
        low, low_open = (self.above, True) if self.above is not None else (self.min, False)
        high, high_open = (self.below, True) if self.below is not None else (self.max, False)
        if low is None and high is None:
            return {"_key": "option_range.finite"}
        nums = {k: _number(v, lang) for k, v in (("low", low), ("high", high)) if v is not None}
        if high is None:
            return {"_key": "option_range.above" if low_open else "option_range.at_least", **nums}
        if low is None:
            return {"_key": "option_range.below" if high_open else "option_range.at_most", **nums}
        key = {(False, False): "option_range.between", (True, False): "option_range.above_at_most",
               (False, True): "option_range.at_least_below",
               (True, True): "option_range.strictly_between"}[(low_open, high_open)]
        return {"_key": key, **nums}


@lru_cache(maxsize=1)
def ranges() -> dict[str, Range]:
    """The table, by parameter name; checked on load (a bad line is a programming error)."""
    raw = tomllib.loads(resources.files("wijkloket.data").joinpath(TABLE).read_text("utf-8"))["option"]
    out = {}
    for name, bounds in raw.items():
        unknown = set(bounds) - set(_BOUNDS)
        if unknown or ("min" in bounds and "above" in bounds) or ("max" in bounds and "below" in bounds):
            raise ValueError(f"{TABLE}: option {name!r} has bad bounds {bounds!r}")
        out[name] = Range(**{k: v if isinstance(v, int) else float(v) for k, v in bounds.items()})
    return out


def _number(value: int | float, lang: str) -> str:
    """A bound as the reader of `lang` writes it; whole numbers exactly, however large."""
    if isinstance(value, int):
        text = f"{value:,}"
        return text.replace(",", ".") if lang == "nl" else text
    return fmt_plain(value, lang)


def numeric(param: Any) -> bool:
    """Whether a parameter of the command tree takes an integer or a float."""
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    return isinstance(param, TyperOption) and annotation in (int, float)


def check_ranges(command: Any) -> None:
    """Put the range check of the table on every numeric option of `command` and its sub-commands."""
    table = ranges()
    for param in command.params:
        if numeric(param) and not getattr(param, "_range_checked", False):
            param.callback = _checker(param, table[str(param.name)], param.callback)
            param._range_checked = True
    for sub in getattr(command, "commands", {}).values():
        check_ranges(sub)


def _checker(param: Any, allowed: Range, inner: Any) -> Any:
    def check(ctx: Any, p: Any, value: Any) -> Any:
        if value is not None and not isinstance(value, bool) and not allowed.holds(float(value)):
            raise_out_of_range(str(param.opts[0]), value, allowed)
        return inner(ctx, p, value) if inner is not None else value

    return check


def raise_out_of_range(option: str, value: Any, allowed: Range) -> None:
    """The user error for `value` of `option` outside `allowed` (the range written in the language that
    the error is shown in: `--lang` on the command line, else Dutch)."""
    from wijkloket.cli.helps import argv_lang

    lang = argv_lang(sys.argv[1:]) or DEFAULT_LANG
    shown = _given(option, value)
    code = "error.option_not_finite" if not math.isfinite(float(value)) else "error.option_range"
    raise WijkloketError(code, option=option, value=shown, range=[allowed.text(lang)])


def _given(option: str, value: Any) -> str:
    """The value as the user typed it (`1e3`, `nan`), else as parsed."""
    args = sys.argv[1:]
    for i, arg in enumerate(args):
        if arg == option and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(option + "="):
            return arg.partition("=")[2]
    return str(value)
