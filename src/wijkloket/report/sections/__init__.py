"""The report's sections, in report order: each builder turns `ReportData` into a `Section` of blocks
(or None when it has nothing to show). The list is data: a door that wants fewer sections passes its own."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from wijkloket.report.blocks import Section
from wijkloket.report.context import ReportData
from wijkloket.report.sections.access import access
from wijkloket.report.sections.desk import desk_use, issuances
from wijkloket.report.sections.forecast import demand
from wijkloket.report.sections.key_message import key_message
from wijkloket.report.sections.methods import methods
from wijkloket.report.sections.options import options
from wijkloket.report.sections.profile import district_table, maps
from wijkloket.report.sections.sources import sources
from wijkloket.report.sections.survey import survey_section
from wijkloket.report.sections.underuse import underuse_section

SectionBuilder = Callable[[ReportData], Section | None]

SECTIONS: tuple[SectionBuilder, ...] = (
    key_message,
    district_table,
    maps,
    desk_use,
    issuances,
    underuse_section,
    demand,
    access,
    options,
    survey_section,
    sources,
    methods,
)


def build(data: ReportData, builders: Sequence[SectionBuilder] = SECTIONS) -> list[Section]:
    """The sections that have something to show, in the order of `builders`."""
    return [s for b in builders if (s := b(data)) is not None]
