"""The survey database (issue 10, point 4): surveys, their sample units, the frame counts, responses and
answers, entered files and weights. SQLAlchemy Core, so the same code runs on a SQLite file in the
workspace (the default, `enquete.sqlite`) and on PostgreSQL (`WIJKLOKET_SURVEY_DB`, any SQLAlchemy URL).

Only keyed hashes of invitation codes are stored, never the codes; there is no column for a BSN, a name,
an address or a date of birth; dates are kept to the day. Closing fieldwork with unlinking removes the link
between a response and its sample unit (and so its code) for good.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, RowMapping, bindparam, create_engine, delete, event, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from wijkloket.errors import WorkspaceError
from wijkloket.store.survey_migrations import TABLES, upgrade

DB_FILE = "enquete.sqlite"
ENV_URL = "WIJKLOKET_SURVEY_DB"
READ_ONLY = "wijkloket_read_only"  # execution option of a transaction that only reads
MODES = ("web", "paper", "phone")
UNIT_COLUMNS = ["unit_no", "stratum", "area_code", "district", "age_band", "sex", "language", "inclusion_prob"]
FRAME_COLUMNS = ["stratum", "area_code", "district", "age_band", "sex", "count"]
RESPONSE_COLUMNS = ["response_id", "mode", "complete", "stratum", "district", "area_code", "age_band", "sex",
                    "design_weight", "questionnaire_version", "linked"]

_S, _U, _F, _R, _A = (TABLES[n] for n in ("surveys", "sample_units", "frame_counts", "responses", "answers"))
_E, _RUNS, _W = TABLES["entry_files"], TABLES["weight_runs"], TABLES["weights"]
_SESS = TABLES["web_sessions"]
# Statements every page of the web door runs, built once (building a statement costs more than running it)
_SURVEYS_OF = select(_S).where(_S.c.gemeente == bindparam("gemeente")).order_by(_S.c.survey_id)
_SURVEY_BY_ID = select(_S).where(_S.c.survey_id == bindparam("survey_id"))


def survey_db_url(folder: Path) -> str:
    """`WIJKLOKET_SURVEY_DB` when set, else the SQLite file `enquete.sqlite` in the workspace folder."""
    given = os.environ.get(ENV_URL, "").strip()
    return given or f"sqlite:///{(Path(folder) / DB_FILE).resolve().as_posix()}"


def shown_url(url: str) -> str:
    """The URL as it may be shown: the password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<?>"


@dataclass(frozen=True)
class SurveyRecord:
    survey_id: int
    name: str
    gemeente: str
    questionnaire_version: str
    questionnaire_text: str
    stratum_level: str  # "district" or "wijk"
    seed: int
    created_at: str  # ISO date
    closed_at: str | None
    unlinked: bool
    synthetic: bool


def _today() -> str:
    return date.today().isoformat()


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """Rows as plain Python values, missing values as None."""
    part = frame[columns].astype(object)
    return [{k: (None if pd.isna(v) else v) for k, v in row.items()} for row in part.to_dict("records")]


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # Pooled connections (the web door opens several transactions a page); reads begin deferred, so
        # that readers (WAL) never wait for the one writer.
        in_memory = parsed.database in (None, "", ":memory:")
        engine = create_engine(parsed) if in_memory else create_engine(parsed, pool_size=16, max_overflow=48)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_con: Any, _record: Any) -> None:
            # The driver's own transaction handling would not wrap DDL and would start a transaction only at
            # the first write; BEGIN IMMEDIATE below makes each transaction whole and one writer at a time.
            dbapi_con.isolation_level = None
            cur = dbapi_con.cursor()
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute("PRAGMA busy_timeout = 10000")
            if not in_memory:  # readers never wait for the writer (a shared folder needs PostgreSQL anyway)
                cur.execute("PRAGMA journal_mode = WAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

        return engine
    # No ping before every use (a round trip per transaction): a connection lost to a server restart fails
    # once, SQLAlchemy then drops the whole pool, and the web door's `retried` tries again on a new one.
    return create_engine(parsed, pool_size=10, max_overflow=20, pool_recycle=1800)


class SurveyStore:
    """The survey database; `with SurveyStore(url) as db: ...`. Opening it applies pending migrations."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._local = threading.local()  # the connection of the transaction open in this thread
        try:
            if make_url(url).get_backend_name() == "sqlite" and make_url(url).database:
                folder = Path(str(make_url(url).database)).parent
                if not folder.is_dir():
                    raise WorkspaceError("error.survey_db_folder", url=shown_url(url), folder=str(folder))
            self.engine = _engine(url)
            with self.engine.begin() as conn:
                upgrade(conn)
        except ArgumentError:
            raise WorkspaceError("error.survey_db_url", url=shown_url(url), env=ENV_URL) from None
        except (SQLAlchemyError, ImportError) as exc:
            raise WorkspaceError("error.survey_db_unreachable", url=shown_url(url),
                                 detail=str(exc).strip().splitlines()[0][:300] if str(exc).strip() else "",
                                 env=ENV_URL) from None

    def __enter__(self) -> SurveyStore:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.dispose()

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self, read: bool = False) -> Iterator[Connection]:
        """One transaction; calls made inside it (on this store) join it, and all is undone on an error.
        `read`: it only reads (on SQLite it then takes no write lock, so it never waits for a writer)."""
        open_conn: Connection | None = getattr(self._local, "conn", None)
        if open_conn is not None:
            yield open_conn
            return
        try:
            with self.engine.connect() as conn:
                if read:
                    conn.execution_options(**{READ_ONLY: True})
                with conn.begin():
                    self._local.conn = conn
                    try:
                        yield conn
                    finally:
                        self._local.conn = None
        except SQLAlchemyError as exc:
            raise WorkspaceError("error.survey_db_unreachable", url=shown_url(self.url),
                                 detail=str(exc).strip().splitlines()[0][:300], env=ENV_URL) from None

    # --- surveys --------------------------------------------------------------------------------------

    def create_survey(self, name: str, gemeente: str, questionnaire_text: str, questionnaire_version: str,
                      stratum_level: str, seed: int, synthetic: bool, units: pd.DataFrame,
                      frame_counts: pd.DataFrame) -> SurveyRecord:
        """A new survey with its sample units (and their code hashes) and the frame counts, in one transaction."""
        with self.transaction() as conn:
            taken = conn.execute(select(_S.c.survey_id).where(_S.c.gemeente == gemeente, _S.c.name == name))
            if taken.first() is not None:
                raise WorkspaceError("error.survey_name_taken", name=name, gemeente=gemeente)
            survey_id = conn.execute(_S.insert().values(
                name=name, gemeente=gemeente, questionnaire_text=questionnaire_text,
                questionnaire_version=questionnaire_version, stratum_level=stratum_level, seed=int(seed),
                created_at=_today(), closed_at=None, unlinked=False, synthetic=bool(synthetic),
            ).returning(_S.c.survey_id)).scalar_one()
            rows = _records(units, [*UNIT_COLUMNS, "code_hash"])
            for row in rows:
                row.update(survey_id=survey_id, responded=False, complete=False, mode=None)
            if rows:
                conn.execute(_U.insert(), rows)
            counts = _records(frame_counts, FRAME_COLUMNS)
            for row in counts:
                row["survey_id"] = survey_id
            if counts:
                conn.execute(_F.insert(), counts)
        return self._survey_by_id(int(survey_id))

    def _survey_by_id(self, survey_id: int) -> SurveyRecord:
        with self.transaction(read=True) as conn:
            row = conn.execute(_SURVEY_BY_ID, {"survey_id": survey_id}).mappings().one()
        return _record(row)

    def survey(self, gemeente: str, name: str | None = None) -> SurveyRecord:
        """The survey `name` of the gemeente, or its newest when `name` is None."""
        found = self.surveys(gemeente)
        if name is None:
            if not found:
                raise WorkspaceError("error.survey_none", gemeente=gemeente, env=ENV_URL)
            return found[-1]
        for rec in found:
            if rec.name == name:
                return rec
        raise WorkspaceError("error.survey_unknown", name=name, gemeente=gemeente,
                             known=", ".join(r.name for r in found) or "-")

    def surveys(self, gemeente: str) -> list[SurveyRecord]:
        """The gemeente's surveys, oldest first."""
        with self.transaction(read=True) as conn:
            rows = conn.execute(_SURVEYS_OF, {"gemeente": gemeente}).mappings()
            return [_record(r) for r in rows]

    def sample(self, survey_id: int) -> pd.DataFrame:
        """The sample units (without code hashes) with responded, complete and mode."""
        cols = [_U.c[c] for c in (*UNIT_COLUMNS, "responded", "complete", "mode")]
        with self.transaction(read=True) as conn:
            rows = conn.execute(select(*cols).where(_U.c.survey_id == survey_id).order_by(_U.c.unit_no)).all()
        out = pd.DataFrame([tuple(r) for r in rows], columns=[c.name for c in cols])
        return out.astype({"unit_no": "int64", "inclusion_prob": "float64", "responded": bool, "complete": bool})

    def frame_counts(self, survey_id: int) -> pd.DataFrame:
        cols = [_F.c[c] for c in FRAME_COLUMNS]
        with self.transaction(read=True) as conn:
            rows = conn.execute(select(*cols).where(_F.c.survey_id == survey_id)).all()
        return pd.DataFrame([tuple(r) for r in rows], columns=FRAME_COLUMNS).astype({"count": "int64"})

    def unit_for_code(self, survey_id: int, code_hash: str) -> int | None:
        with self.transaction(read=True) as conn:
            found = conn.execute(select(_U.c.unit_no).where(
                _U.c.survey_id == survey_id, _U.c.code_hash == code_hash)).scalar_one_or_none()
        return None if found is None else int(found)

    # --- responses ------------------------------------------------------------------------------------

    def save_response(self, survey_id: int, code_hash: str, mode: str, answers: Mapping[str, list[str]],
                      complete: bool) -> int:
        """Store the answers of the unit with this code; a partial response may be replaced, a complete one
        not. Returns the response id."""
        if mode not in MODES:
            raise WorkspaceError("error.survey_mode", value=mode, known=", ".join(MODES))
        with self.transaction() as conn:
            rec = self._survey_by_id(survey_id)
            if rec.closed_at is not None:
                raise WorkspaceError("error.survey_closed", name=rec.name, closed_at=rec.closed_at)
            unit = conn.execute(select(_U).where(_U.c.survey_id == survey_id, _U.c.code_hash == code_hash)
                                ).mappings().one_or_none()
            if unit is None:
                raise WorkspaceError("error.survey_code_unknown", name=rec.name)
            earlier = conn.execute(select(_R.c.response_id, _R.c.complete).where(
                _R.c.survey_id == survey_id, _R.c.unit_no == unit["unit_no"])).one_or_none()
            if earlier is not None and earlier.complete:
                raise WorkspaceError("error.survey_code_used", name=rec.name)
            values = dict(mode=mode, complete=bool(complete), stratum=unit["stratum"], district=unit["district"],
                          area_code=unit["area_code"], age_band=unit["age_band"], sex=unit["sex"],
                          design_weight=1.0 / float(unit["inclusion_prob"]),
                          questionnaire_version=rec.questionnaire_version)
            if earlier is None:
                response_id = int(conn.execute(_R.insert().values(
                    survey_id=survey_id, unit_no=unit["unit_no"], **values).returning(_R.c.response_id)
                ).scalar_one())
            else:
                response_id = int(earlier.response_id)
                conn.execute(update(_R).where(_R.c.response_id == response_id).values(**values))
                conn.execute(delete(_A).where(_A.c.response_id == response_id))
            rows = [{"response_id": response_id, "question_id": q, "position": i, "value": v}
                    for q, vals in answers.items() for i, v in enumerate(dict.fromkeys(str(x) for x in vals), 1)]
            if rows:
                conn.execute(_A.insert(), rows)
            conn.execute(update(_U).where(_U.c.survey_id == survey_id, _U.c.unit_no == unit["unit_no"]).values(
                responded=True, complete=bool(complete), mode=mode))
        return response_id

    def responses(self, survey_id: int) -> pd.DataFrame:
        cols = [_R.c[c] for c in RESPONSE_COLUMNS[:-1]]
        query = select(*cols, _R.c.unit_no.is_not(None).label("linked")).where(_R.c.survey_id == survey_id)
        with self.transaction(read=True) as conn:
            rows = conn.execute(query.order_by(_R.c.response_id)).all()
        out = pd.DataFrame([tuple(r) for r in rows], columns=RESPONSE_COLUMNS)
        return out.astype({"response_id": "int64", "complete": bool, "design_weight": "float64", "linked": bool})

    def answers(self, survey_id: int) -> pd.DataFrame:
        query = (select(_A.c.response_id, _A.c.question_id, _A.c.value)
                 .join(_R, _R.c.response_id == _A.c.response_id).where(_R.c.survey_id == survey_id)
                 .order_by(_A.c.response_id, _A.c.question_id, _A.c.value))
        with self.transaction(read=True) as conn:
            rows = conn.execute(query).all()
        out = pd.DataFrame([tuple(r) for r in rows], columns=["response_id", "question_id", "value"])
        return out.astype({"response_id": "int64"})

    # --- entered files, closing, weights --------------------------------------------------------------

    def entry_seen(self, survey_id: int, sha: str) -> bool:
        with self.transaction(read=True) as conn:
            found = conn.execute(select(func.count()).select_from(_E).where(
                _E.c.survey_id == survey_id, _E.c.sha256 == sha)).scalar_one()
        return bool(found)

    def record_entry(self, survey_id: int, sha: str, file_name: str, accepted: int, rejected: int) -> None:
        with self.transaction() as conn:
            conn.execute(_E.insert().values(survey_id=survey_id, sha256=sha, file_name=file_name[:500],
                                            accepted=int(accepted), rejected=int(rejected), entered_on=_today()))

    def close(self, survey_id: int, unlink: bool) -> int:
        """Close fieldwork (no more responses); with `unlink`, responses lose their sample unit and the units
        their code hash, for good. The respondents' web sessions of the survey (bound to a code hash) end.
        Returns the number of responses unlinked."""
        with self.transaction() as conn:
            rec = self._survey_by_id(survey_id)
            if rec.closed_at is None:
                conn.execute(update(_S).where(_S.c.survey_id == survey_id).values(closed_at=_today()))
            conn.execute(delete(_SESS).where(_SESS.c.survey_id == survey_id, _SESS.c.kind == "respondent"))
            if not unlink:
                return 0
            n = conn.execute(update(_R).where(_R.c.survey_id == survey_id, _R.c.unit_no.is_not(None))
                             .values(unit_no=None)).rowcount
            conn.execute(update(_U).where(_U.c.survey_id == survey_id).values(code_hash=None))
            conn.execute(update(_S).where(_S.c.survey_id == survey_id).values(unlinked=True))
        return int(n or 0)

    def save_weights(self, survey_id: int, weights: pd.DataFrame, report: Mapping[str, Any]) -> None:
        """The weights of a weighting run and its report; replaces an earlier run."""
        text = json.dumps(dict(report), ensure_ascii=False, sort_keys=True)
        rows = _records(weights, ["response_id", "design_weight", "weight"])
        for row in rows:
            row.update(survey_id=survey_id, response_id=int(row["response_id"]),
                       design_weight=float(row["design_weight"]), weight=float(row["weight"]))
        with self.transaction() as conn:
            conn.execute(delete(_W).where(_W.c.survey_id == survey_id))
            conn.execute(delete(_RUNS).where(_RUNS.c.survey_id == survey_id))
            conn.execute(_RUNS.insert().values(survey_id=survey_id, report=text, made_on=_today()))
            if rows:
                conn.execute(_W.insert(), rows)

    def weights(self, survey_id: int) -> tuple[pd.DataFrame, dict[str, Any]] | None:
        with self.transaction(read=True) as conn:
            report = conn.execute(select(_RUNS.c.report).where(_RUNS.c.survey_id == survey_id)).scalar_one_or_none()
            if report is None:
                return None
            rows = conn.execute(select(_W.c.response_id, _W.c.design_weight, _W.c.weight)
                                .where(_W.c.survey_id == survey_id).order_by(_W.c.response_id)).all()
        table = pd.DataFrame([tuple(r) for r in rows], columns=["response_id", "design_weight", "weight"])
        return table.astype({"response_id": "int64", "design_weight": "float64", "weight": "float64"}), \
            json.loads(report)


def _record(row: RowMapping) -> SurveyRecord:
    return SurveyRecord(
        survey_id=int(row["survey_id"]), name=row["name"], gemeente=row["gemeente"],
        questionnaire_version=row["questionnaire_version"], questionnaire_text=row["questionnaire_text"],
        stratum_level=row["stratum_level"], seed=int(row["seed"]), created_at=row["created_at"],
        closed_at=row["closed_at"], unlinked=bool(row["unlinked"]), synthetic=bool(row["synthetic"]))
