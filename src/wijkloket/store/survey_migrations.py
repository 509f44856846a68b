"""Numbered migrations of the survey database (SQLAlchemy Core, so they run on SQLite and PostgreSQL).

Each step is `(version, name, apply)`; the versions run 1, 2, 3, ... and every applied step is recorded in
`survey_schema_version`. All pending steps are applied in one transaction. `TABLES` is the schema as the
newest step leaves it; the queries in `survey_db` use it. A later step changes the schema with its own
statements and updates `TABLES` to match; step 1 stays as it was shipped.

There is no column for a BSN, a name, an address, a date of birth or a time of day: dates are kept to the day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    select,
)

VERSION_TABLE = "survey_schema_version"


def _v1_tables(meta: MetaData) -> dict[str, Table]:
    return {t.name: t for t in (*_v1_sample(meta), *_v1_answers(meta))}


def _v1_sample(meta: MetaData) -> tuple[Table, ...]:
    surveys = Table(
        "surveys", meta,
        Column("survey_id", Integer, primary_key=True, autoincrement=True),
        Column("name", String(200), nullable=False),
        Column("gemeente", String(6), nullable=False),
        Column("questionnaire_version", String(64), nullable=False),
        Column("questionnaire_text", Text, nullable=False),
        Column("stratum_level", String(20), nullable=False),
        Column("seed", BigInteger, nullable=False),
        Column("created_at", String(10), nullable=False),
        Column("closed_at", String(10)),
        Column("unlinked", Boolean, nullable=False, default=False),
        Column("synthetic", Boolean, nullable=False, default=False),
        UniqueConstraint("gemeente", "name", name="uq_surveys_gemeente_name"),
    )
    units = Table(
        "sample_units", meta,
        Column("survey_id", Integer, ForeignKey("surveys.survey_id"), nullable=False),
        Column("unit_no", Integer, nullable=False),
        Column("stratum", String(200), nullable=False),
        Column("area_code", String(20)),
        Column("district", String(200)),
        Column("age_band", String(20)),
        Column("sex", String(1)),
        Column("language", String(2), nullable=False),
        Column("inclusion_prob", Float, nullable=False),
        Column("code_hash", String(64)),
        Column("responded", Boolean, nullable=False, default=False),
        Column("complete", Boolean, nullable=False, default=False),
        Column("mode", String(10)),
        PrimaryKeyConstraint("survey_id", "unit_no", name="pk_sample_units"),
        UniqueConstraint("survey_id", "code_hash", name="uq_sample_units_code"),
    )
    frame = Table(
        "frame_counts", meta,
        Column("survey_id", Integer, ForeignKey("surveys.survey_id"), nullable=False),
        Column("stratum", String(200), nullable=False),
        Column("area_code", String(20)),
        Column("district", String(200)),
        Column("age_band", String(20)),
        Column("sex", String(1)),
        Column("count", Integer, nullable=False),
    )
    return surveys, units, frame


def _v1_answers(meta: MetaData) -> tuple[Table, ...]:
    responses = Table(
        "responses", meta,
        Column("response_id", Integer, primary_key=True, autoincrement=True),
        Column("survey_id", Integer, ForeignKey("surveys.survey_id"), nullable=False),
        Column("unit_no", Integer),  # NULL once fieldwork closed with unlinking
        Column("mode", String(10), nullable=False),
        Column("complete", Boolean, nullable=False),
        Column("stratum", String(200), nullable=False),
        Column("district", String(200)),
        Column("area_code", String(20)),
        Column("age_band", String(20)),
        Column("sex", String(1)),
        Column("design_weight", Float, nullable=False),
        Column("questionnaire_version", String(64), nullable=False),
        UniqueConstraint("survey_id", "unit_no", name="uq_responses_unit"),
    )
    answers = Table(
        "answers", meta,
        Column("response_id", Integer, ForeignKey("responses.response_id"), nullable=False),
        Column("question_id", String(100), nullable=False),
        Column("position", Integer, nullable=False),  # 1.. within the question (the codes of a multiple)
        Column("value", Text, nullable=False),
        # not the value itself in the key: a long open answer would not fit in a PostgreSQL index entry
        PrimaryKeyConstraint("response_id", "question_id", "position", name="pk_answers"),
    )
    entries = Table(
        "entry_files", meta,
        Column("survey_id", Integer, ForeignKey("surveys.survey_id"), nullable=False),
        Column("sha256", String(64), nullable=False),
        Column("file_name", String(500), nullable=False),
        Column("accepted", Integer, nullable=False),
        Column("rejected", Integer, nullable=False),
        Column("entered_on", String(10), nullable=False),
        PrimaryKeyConstraint("survey_id", "sha256", name="pk_entry_files"),
    )
    runs = Table(
        "weight_runs", meta,
        Column("survey_id", Integer, ForeignKey("surveys.survey_id"), primary_key=True, autoincrement=False),
        Column("report", Text, nullable=False),
        Column("made_on", String(10), nullable=False),
    )
    weights = Table(
        "weights", meta,
        Column("survey_id", Integer, ForeignKey("surveys.survey_id"), nullable=False),
        Column("response_id", Integer, ForeignKey("responses.response_id"), nullable=False),
        Column("design_weight", Float, nullable=False),
        Column("weight", Float, nullable=False),
        PrimaryKeyConstraint("survey_id", "response_id", name="pk_weights"),
    )
    return responses, answers, entries, runs, weights


def _initial(conn: Connection) -> None:
    meta = MetaData()
    _v1_tables(meta)
    meta.create_all(conn)


def _v2_tables(meta: MetaData) -> dict[str, Table]:
    """The web door (issue 11): server-side sessions and staff accounts. A session row holds the SHA-256 of
    the cookie's token (never the token), what it is for and when it ends (seconds since 1970, so that it can
    expire: the row is deleted at the end, and a respondent's as soon as the answers are sent)."""
    sessions = Table(
        "web_sessions", meta,
        Column("session_hash", String(64), primary_key=True),
        Column("kind", String(10), nullable=False),  # 'respondent' or 'staff'
        Column("survey_id", Integer, ForeignKey("surveys.survey_id")),
        Column("subject", String(64), nullable=False),  # a code hash, or a staff account id as text
        Column("csrf", String(64), nullable=False),
        Column("expires_at", BigInteger, nullable=False),
    )
    accounts = Table(
        "staff_accounts", meta,
        Column("account_id", Integer, primary_key=True, autoincrement=True),
        Column("username", String(100), nullable=False),
        Column("password_hash", String(300), nullable=False),
        Column("created_on", String(10), nullable=False),
        Column("disabled", Boolean, nullable=False, default=False),
        UniqueConstraint("username", name="uq_staff_accounts_username"),
    )
    return {t.name: t for t in (sessions, accounts)}


def _web(conn: Connection) -> None:
    meta = MetaData()
    _v1_tables(meta)  # the foreign key to surveys needs the table in the same metadata
    for table in _v2_tables(meta).values():
        table.create(conn)


def _v3_tables(meta: MetaData) -> dict[str, Table]:
    """Attempts counted by the web door's throttle, shared by all its worker processes: the bucket ('code',
    'login'), a keyed hash of the client's address (the key lives only in the server's memory) and when (seconds
    since 1970). Rows are deleted once they leave the throttle's window."""
    attempts = Table(
        "web_attempts", meta,
        Column("attempt_id", Integer, primary_key=True, autoincrement=True),
        Column("bucket", String(20), nullable=False),
        Column("client", String(64), nullable=False),
        Column("at", Float, nullable=False),
        Index("ix_web_attempts_client", "bucket", "client", "at"),
    )
    return {attempts.name: attempts}


def _throttle(conn: Connection) -> None:
    for table in _v3_tables(MetaData()).values():
        table.create(conn)


STEPS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "initial", _initial),
    (2, "web", _web),
    (3, "throttle", _throttle),
]

METADATA = MetaData()
TABLES = {**_v1_tables(METADATA), **_v2_tables(METADATA), **_v3_tables(METADATA)}
_VERSIONS = Table(
    VERSION_TABLE, METADATA,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False),
    Column("applied_on", String(10), nullable=False),
)


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table(VERSION_TABLE):
        return 0
    versions = [int(v) for v in conn.execute(select(_VERSIONS.c.version)).scalars()]
    return max(versions, default=0)


def upgrade(conn: Connection) -> list[int]:
    """Apply the pending steps inside the caller's transaction; returns their versions."""
    assert [s[0] for s in STEPS] == list(range(1, len(STEPS) + 1)), "survey migrations must run 1..n"
    _VERSIONS.create(conn, checkfirst=True)
    done = current_version(conn)
    applied = []
    for version, name, apply in STEPS:
        if version <= done:
            continue
        apply(conn)
        conn.execute(_VERSIONS.insert().values(version=version, name=name, applied_on=date.today().isoformat()))
        applied.append(version)
    return applied
