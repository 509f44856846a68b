"""How a table value reads in each language, the same for every renderer (HTML, PDF, dashboard).

The symbols follow the tables of CBS: `-` for a count that is zero (nil), `x` for a figure suppressed
by disclosure control, and for a figure that does not apply to the row `n.v.t.` (`n/a` in English);
a missing figure is an en dash. Files for machines (CSV, the values in a workbook) keep the numbers.
"""

from __future__ import annotations

from wijkloket.i18n import fmt_number, t
from wijkloket.report.blocks import Cell, Column, ColumnKind

# Control characters that a terminal would obey (ESC starts a colour or cursor sequence, CR overwrites the
# line, BEL rings) or a font cannot draw, and invisible bidirectional overrides: shown as a visible sign.
# C0 and DEL become their Unicode control pictures (ESC -> U+241B), C1 and the bidi controls a \x/\u escape.
_VISIBLE = {c: chr(0x2400 + c) for c in range(0x20) if c != 0x0A} | {0x7F: "\u2421"} \
    | {c: f"\\x{c:02x}" for c in range(0x80, 0xA0)} \
    | {c: f"\\u{c:04x}" for c in (0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def visible(text: str) -> str:
    """`text` with every control character a terminal would act on (or a map label could not draw) replaced
    by a visible sign (see `_VISIBLE`); line breaks stay. For the terminal (`cli.common.literal`) and the
    names on maps and charts."""
    return text.translate(_VISIBLE)


DEFAULT_DECIMALS: dict[ColumnKind, int] = {"count": 0, "number": 1, "percent": 1, "money": 0, "minutes": 0}
NUMERIC_KINDS = frozenset(DEFAULT_DECIMALS) | {"year"}
MISSING = "–"
SUPPRESSED = "x"
ZERO = "-"


def not_applicable(lang: str) -> str:
    """The mark of a figure that does not apply: `n.v.t.` in Dutch, `n/a` in English."""
    return t("plan.not_applicable", lang)


def cell_text(cell: Cell, column: Column, lang: str) -> str:
    """The cell's value as a reader in `lang` sees it: `167.635` and `16,2` in Dutch, `167,635` and
    `16.2` in English; money with the euro sign; `x` when suppressed, n.v.t. / n/a when the figure does
    not apply, `-` for a count of zero, an en dash when missing."""
    if cell.suppressed:
        return SUPPRESSED
    if cell.not_applicable:
        return not_applicable(lang)
    value = cell.value
    if value is None or (isinstance(value, float) and value != value):
        return MISSING
    if column.kind not in NUMERIC_KINDS or isinstance(value, str):
        return str(value)
    if column.kind == "year":
        return str(int(value))
    if column.kind == "count" and value == 0:
        return ZERO
    decimals = column.decimals if column.decimals is not None else DEFAULT_DECIMALS[column.kind]
    text = fmt_number(value, lang, decimals)
    return f"€ {text}" if column.kind == "money" else text
