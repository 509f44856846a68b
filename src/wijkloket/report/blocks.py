"""Report blocks: what a section says, as typed data, before it is HTML, PDF, a sheet or a dashboard.

A section builder (`wijkloket.report.sections`) turns results into blocks; a renderer turns blocks into
a format. Texts in blocks are final texts for readers (already in the report's language); figures in
tables stay raw numbers, and each renderer formats them for the language (`formatting.cell_text`).

`synthetic` is set on a block only when synthetic (simulated) input went into it, so a renderer can say
so exactly where it applies: a CBS table or map never is, a table of a simulated desk log always is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar

ParagraphStyle = Literal["normal", "caveat", "legend", "synthetic_notice"]
"""normal text; a caveat (what the figures cannot tell); a legend (how to read a table or figure); the
notice that a section rests on synthetic data."""

ColumnKind = Literal["text", "code", "year", "count", "number", "percent", "money", "minutes"]
"""How a column's values are read and shown: `text` as written, `code` as an identifier (monospace),
`year` without separators, `count` a number of people or events, `number` any other figure, `percent`
per cent (0-100, not a fraction), `money` euros, `minutes` travel time in minutes."""

Tone = Literal["hi2", "hi1", "lo1", "lo2"]
"""Deviation from the city (index, city = 100) in the direction of more potential barriers: `hi2` 20 or
more index points, `hi1` 10 to 20; `lo1`/`lo2` the same towards fewer potential barriers."""

Value = str | int | float | None
"""A cell's raw value; None is a missing figure."""


@dataclass(frozen=True)
class Heading:
    """A heading inside a section (the section's own title is `Section.title`)."""

    text: str
    kind: ClassVar[str] = "heading"


@dataclass(frozen=True)
class Swatch:
    """A colour sample in a legend: the tone and what it stands for."""

    tone: Tone
    label: str


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: ParagraphStyle = "normal"
    swatches: tuple[Swatch, ...] = ()  # shown before the text (a legend of tones)
    synthetic: bool = False
    kind: ClassVar[str] = "paragraph"


@dataclass(frozen=True)
class Term:
    """A named setting in a list: `term = text` (an assumption with its value and source)."""

    term: str
    text: str


@dataclass(frozen=True)
class BulletList:
    items: tuple[str | Term, ...]
    synthetic: bool = False
    kind: ClassVar[str] = "list"


@dataclass(frozen=True)
class Column:
    """A table column. `label` and `unit` are shown to readers (unit under the label, may be empty);
    `group` joins neighbouring columns under one heading; `decimals` None means the kind's default."""

    key: str
    label: str
    kind: ColumnKind = "number"
    unit: str = ""
    decimals: int | None = None
    group: str = ""


@dataclass(frozen=True)
class Cell:
    """A value with what a reader needs beside it: its tone (index colouring), its index against the
    city (= 100), a flag (`*`: rests on less than 90% of its base), whether it is suppressed by
    disclosure control (shown as `x`, `value` is then None), whether the figure does not apply to the row
    (shown as n.v.t. / n/a, `value` None; the reason goes in `note`), whether it is muted (greyed: a survey
    estimate that is not reliable; the reason goes in `note`), and a note shown under the value."""

    value: Value = None
    tone: Tone | None = None
    index: float | None = None
    flag: bool = False
    suppressed: bool = False
    not_applicable: bool = False
    muted: bool = False
    note: str = ""


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    emphasis: bool = False  # the city total


def indexed_cell(by: Any, key: object) -> Cell:
    """The cell of row `key` of a table indexed by key with `value` and `suppressed` columns (a pandas
    frame): missing when the key is absent, suppressed as such, otherwise the value as a float."""
    if key not in by.index:
        return Cell()
    if bool(by.loc[key, "suppressed"]):
        return Cell(suppressed=True)
    return Cell(float(by.loc[key, "value"]))


def total_last(rows: list[Row]) -> tuple[Row, ...]:
    """The rows with the total (emphasised) rows moved to the end, the others in their order: the
    municipality's total is the last row of every table, as in the terminal and the workbooks."""
    return (*(r for r in rows if not r.emphasis), *(r for r in rows if r.emphasis))


@dataclass(frozen=True)
class Table:
    """Rows of typed values. The first column names the row when `row_headers` is set."""

    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    synthetic: bool = False
    row_headers: bool = True
    kind: ClassVar[str] = "table"

    def __post_init__(self) -> None:
        for i, row in enumerate(self.rows):
            if len(row.cells) != len(self.columns):
                raise ValueError(f"table row {i} has {len(row.cells)} cells for {len(self.columns)} columns")

    def column(self, key: str) -> list[Value]:
        """The values of the column `key`, top to bottom."""
        at = [c.key for c in self.columns].index(key)
        return [r.cells[at].value for r in self.rows]


@dataclass(frozen=True)
class Image:
    """An image's bytes and their media type: SVG for the report's figures (sharp on screen and on
    paper, text kept as text), PNG only where a bitmap file is asked for."""

    data: bytes = field(repr=False)
    media_type: Literal["image/svg+xml", "image/png"] = "image/svg+xml"


@dataclass(frozen=True)
class Figure:
    """A chart or map as an image, with its alternative text and caption. A `wide` figure takes the
    full width; others sit side by side with their neighbours."""

    image: Image
    alt: str
    caption: str
    synthetic: bool = False
    wide: bool = False
    kind: ClassVar[str] = "figure"


@dataclass(frozen=True)
class Note:
    """A remark in small print about the section's data: coverage, allocation, licence."""

    text: str
    synthetic: bool = False
    kind: ClassVar[str] = "note"


Block = Heading | Paragraph | BulletList | Table | Figure | Note
B = TypeVar("B", Heading, Paragraph, BulletList, Table, Figure, Note)


@dataclass(frozen=True)
class Section:
    """A section of the report: a stable id (an anchor), its title and its blocks. `synthetic` when
    synthetic input went into any of its figures (tables, charts, maps, numbers in its text)."""

    id: str
    title: str
    blocks: tuple[Block, ...]
    synthetic: bool = False

    def of_kind(self, kind: type[B]) -> list[B]:
        """The blocks of one type, in order (for renderers and tests)."""
        return [b for b in self.blocks if isinstance(b, kind)]
