"""How a table value reads in each language, the same for every renderer (HTML, PDF, dashboard).

The symbols follow the tables of CBS: `-` for a count that is zero (nil), `x` for a figure suppressed
by disclosure control, and for a figure that does not apply to the row `n.v.t.` (`n/a` in English);
a missing figure is an en dash. Files for machines (CSV, the values in a workbook) keep the numbers.
"""

from __future__ import annotations

from wijkloket.i18n import fmt_number, t
from wijkloket.report.blocks import Cell, Column, ColumnKind

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
