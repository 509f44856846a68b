"""How a table value reads in each language, the same for every renderer (HTML, PDF, dashboard)."""

from __future__ import annotations

from wijkloket.i18n import fmt_number
from wijkloket.report.blocks import Cell, Column, ColumnKind

DEFAULT_DECIMALS: dict[ColumnKind, int] = {"count": 0, "number": 1, "percent": 1, "money": 0, "minutes": 0}
NUMERIC_KINDS = frozenset(DEFAULT_DECIMALS) | {"year"}
MISSING = "–"
SUPPRESSED = "x"


def cell_text(cell: Cell, column: Column, lang: str) -> str:
    """The cell's value as a reader in `lang` sees it: `167.635` and `16,2` in Dutch, `167,635` and
    `16.2` in English; money with the euro sign; `x` when suppressed, an en dash when missing."""
    if cell.suppressed:
        return SUPPRESSED
    value = cell.value
    if value is None or (isinstance(value, float) and value != value):
        return MISSING
    if column.kind not in NUMERIC_KINDS or isinstance(value, str):
        return str(value)
    if column.kind == "year":
        return str(int(value))
    decimals = column.decimals if column.decimals is not None else DEFAULT_DECIMALS[column.kind]
    text = fmt_number(value, lang, decimals)
    return f"€ {text}" if column.kind == "money" else text
