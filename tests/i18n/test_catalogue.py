"""Every user text exists in Dutch and English with the same placeholders, and every key the code
uses exists: literal keys, and keys built at run time from a prefix and a value (`"kind." + k`,
`f"report.{kind}_intro"`), whose possible values are taken from the domain's own constants."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

from wijkloket.access.distance import MODES
from wijkloket.i18n import catalogue, fmt_number
from wijkloket.indicators.desk import ISSUED_PRODUCTS, TOTAL, VISIT_PRODUCTS
from wijkloket.indicators.profile import ALL_LEVELS
from wijkloket.plan.options import METRICS, REASONS
from wijkloket.plan.scenarios import DISTRIBUTIONS, FIELDS, GLOBALS
from wijkloket.report.exports import UNIT_KEYS
from wijkloket.report.sections.methods import METHODS
from wijkloket.sources.base import AREA_REJECT_REASONS, PRIVACY_CLASSES, VALUE_STATUSES
from wijkloket.sources.cbs import WARNINGS as CBS_WARNINGS
from wijkloket.sources.frame import REJECT_REASONS as FRAME_REJECT_REASONS
from wijkloket.sources.logs import REJECT_REASONS, synonyms
from wijkloket.sources.personal import PERSONAL_KINDS
from wijkloket.sources.points import KINDS, SKIP_REASONS
from wijkloket.sources.points import OPTIONAL as OPTIONAL_POINT_COLUMNS
from wijkloket.store.postcode_import import REJECT_REASONS as POSTCODE_REJECT_REASONS
from wijkloket.store.workspace import ADD_STATUSES
from wijkloket.usecases.survey_entry import ENTRY_MODES
from wijkloket.usecases.survey_entry import REJECT_REASONS as ENTRY_REJECT_REASONS
from wijkloket.web.respondent import ANSWER_PROBLEMS as WEB_ANSWER_PROBLEMS

SRC = Path(__file__).parents[2] / "src" / "wijkloket"
DESK_KINDS = tuple(TOTAL)  # visit, issuance
DESK_INDICATORS = ("visits", "visits_per_1000", "once_every_n_years", "representation_index", "issuances",
                   "issuances_per_1000", "no_shows", "cancellations")

# Every key the code builds at run time, as its shape (`*` for the variable part), with the values the
# variable part can take. A new dynamic key in the code fails the test until its values are named here.
DYNAMIC: dict[str, Iterable[str]] = {
    "assumption.*": (*GLOBALS, *(f for fields in FIELDS.values() for f in fields), "mode", "detour_factor",
                     "speed_kmh", "uncertainty"),
    "levels.*": (*ALL_LEVELS, "district"),
    "cli.add_*": ADD_STATUSES,
    "export.desk_title_*": DESK_KINDS,
    "export.source_*": DESK_KINDS,
    "export.trend_*": DESK_KINDS,
    "export.unit_of.*": tuple(UNIT_KEYS.values()),
    "cli.desk_legend_*": DESK_KINDS,
    "cli.desk_title_*": DESK_KINDS,
    "cli.locate_*": ("area", "now", "new"),
    "cli.warn_*": (*CBS_WARNINGS, "indeling_changed"),  # indeling_changed: usecases.vintages
    "desk.*": DESK_INDICATORS,
    "error.no_events_*": DESK_KINDS,
    "kind.*": KINDS,
    "network_reach.*": ("points", "homes"),  # access.network.check_reach
    "points_value.*": OPTIONAL_POINT_COLUMNS,
    "level.*": (*ALL_LEVELS, "district"),
    "method.*": ("network", "straight"),
    "mode.*": MODES,
    "forecast.month_*": tuple(str(m) for m in range(1, 13)),
    "privacy.*": PRIVACY_CLASSES,
    "personal.*": PERSONAL_KINDS,
    "plan.define.*": METRICS,
    "plan.distribution.*": DISTRIBUTIONS,
    "plan.metric.*": METRICS,
    "plan.na.*": REASONS,
    "product.*": (*VISIT_PRODUCTS, *ISSUED_PRODUCTS, *synonyms()["meta"]["canonical_products"]),
    "reason.*": (*REJECT_REASONS, *AREA_REJECT_REASONS, *POSTCODE_REJECT_REASONS, *SKIP_REASONS),
    "reason.frame_*": FRAME_REJECT_REASONS,
    "report.*_intro": DESK_KINDS,
    "report.*_title": DESK_KINDS,
    "report.axis_*": ("visits", "issuances"),
    "report.map_*": DESK_KINDS,
    "report.method_*": METHODS,
    "report.trend_*": DESK_KINDS,
    "workbook.*": ("notes_sheet", "section", "text", "assumption", "assumption_value", "no_assumptions",
                   "suppressed", "flag", "missing", "synthetic", "figure"),
    "status.*": (*(s for s in VALUE_STATUSES if s != "ok"), "not_in_file"),
    "survey.reject.*": ENTRY_REJECT_REASONS,
    "survey.entry.accepted_*": ENTRY_MODES,
    "web.answer.*": WEB_ANSWER_PROBLEMS,
    # built in the staff pages' templates (web/templates/staff/)
    "staff.web.nav.*": ("overview", "monitor", "entry", "exports", "close"),
    "staff.web.mode.*": ("web", "paper", "phone"),
    "staff.web.state_*": ("open", "closed", "unlinked"),
    "staff.web.login.notice_*": ("expired", "logged_out"),
    "staff.web.exports.*": ("results", "weights", "monitor"),
}
# Dynamic keys with a fallback when the key is absent, or checked elsewhere.
GUARDED = {
    "dataset.*": "dataset_label falls back to the stored name",
    "unit.*": "unit_label falls back to the unit itself (%, km)",
    "assumption_unit.*": "assumption_label: a pure number has no unit",
    "cli.help.*.*": "tests/cli/test_cli_commands.py checks every command's and option's help",
    "cli.help.command.*": "tests/cli/test_cli_commands.py",
    "cli.help.option.*": "tests/cli/test_cli_commands.py",
}


def _code_keys() -> tuple[set[str], set[str]]:
    """(literal keys, shapes of built keys) used anywhere in the package."""
    sections = {k.split(".")[0] for k in catalogue()}
    names = "|".join(sections)
    literal_re = re.compile(rf"^({names})\.[a-z_]+(\.[a-z_]+)*[a-z]$")
    prefix_re = re.compile(rf"^({names})\.[\w.]*$")
    literal: set[str] = set()
    shapes: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and literal_re.match(node.value):
                literal.add(node.value)
            elif (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.left, ast.Constant)
                  and isinstance(node.left.value, str) and prefix_re.match(node.left.value)):
                shapes.add(node.left.value + "*")
            elif (isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant)
                  and isinstance(node.values[0].value, str) and prefix_re.match(node.values[0].value)):
                shapes.add("".join(v.value if isinstance(v, ast.Constant) else "*" for v in node.values))
    return literal, shapes


def test_every_text_in_both_languages_with_same_placeholders() -> None:
    for key, entry in catalogue().items():
        assert set(entry) >= {"nl", "en"}, key
        names = [set(re.findall(r"{(\w+)}", entry[lang])) for lang in ("nl", "en")]
        assert names[0] == names[1], key


def test_every_literal_key_used_in_the_code_exists() -> None:
    literal, _ = _code_keys()
    # module names and file names look like keys too
    not_keys = {k for k in literal if k.startswith(("report.html", "report.pdf", "report.xlsx", "report.blocks",
                                                       "report.sections"))}
    assert literal - set(catalogue()) - not_keys == set()


def test_every_built_key_is_registered_and_exists() -> None:
    _, shapes = _code_keys()
    assert shapes - set(DYNAMIC) - set(GUARDED) == set(), "name the values of these dynamic keys in DYNAMIC"
    missing = sorted(shape.replace("*", value) for shape, values in DYNAMIC.items() for value in values
                     if shape.replace("*", value) not in catalogue())
    assert missing == []


def test_numbers_dutch_and_english() -> None:
    assert fmt_number(167635, "nl") == "167.635"
    assert fmt_number(16.25, "nl", 1) == "16,2" or fmt_number(16.25, "nl", 1) == "16,3"
    assert fmt_number(167635.5, "en", 1) == "167,635.5"
    assert fmt_number(float("nan"), "nl") == "–"
