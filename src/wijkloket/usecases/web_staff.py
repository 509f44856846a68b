"""What the staff of the web door can ask for (issue 11, point 3): accounts and logging in, and the staff
pages' data: the fieldwork, paper entry, exports and closing fieldwork, through the same use cases as the CLI.

Passwords are hashed with Argon2id (argon2-cffi; RFC 9106, section 4, the second recommended option:
64 MiB of memory, 3 passes, 4 lanes, a 16-byte random salt, a 32-byte tag). A password is at least 12
characters; it is never stored, logged or shown. Logging in with an unknown or disabled name costs the
same hashing work as a wrong password, and fails with the same answer. A hash made with older parameters
is made again at the next good login. At most two hashes are computed at once per process (128 MiB).

Staff see the survey only in aggregate: the fieldwork per stratum (small counts suppressed as in the
report), the entry reports of paper files (without codes or open text) and the exports the CLI writes.
An uploaded paper file lives only in a private temporary folder while it is entered, and is deleted then.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from wijkloket.errors import InputFileError, WijkloketError, WorkspaceError
from wijkloket.store.staff_db import StaffAccount, StaffAccounts
from wijkloket.store.survey_db import ENV_URL, SurveyRecord, SurveyStore, survey_db_url
from wijkloket.usecases import survey_entry, survey_fieldwork
from wijkloket.usecases.survey_entry import ENTRY_MODES, rejects_frame
from wijkloket.usecases.web_sessions import WebBackend, retried

MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # hashing a megabyte of "password" is work for nothing
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")
# RFC 9106 section 4, second recommended option: 3 passes over 64 MiB (65,536 KiB) in 4 lanes
HASHER = PasswordHasher(time_cost=3, memory_cost=65_536, parallelism=4, hash_len=32, salt_len=16, type=Type.ID)
UPLOAD_SUFFIXES = (".csv", ".xlsx")
EXPORT_LIST = (("results", "csv"), ("results", "xlsx"), ("weights", "csv"), ("monitor", "csv"))
EXPORTS = set(EXPORT_LIST)
REJECT_REASONS = survey_entry.REJECT_REASONS
HASHING_AT_ONCE = 2
_hashing = threading.BoundedSemaphore(HASHING_AT_ONCE)
_dummy: dict[str, str] = {}


@dataclass(frozen=True)
class Account:
    """A staff account as a door sees it: never its hash."""

    account_id: int
    username: str
    created_on: str
    disabled: bool


def _public(acc: StaffAccount) -> Account:
    return Account(acc.account_id, acc.username, acc.created_on, acc.disabled)


def _url(folder: Path, url: str | None) -> str:
    return url or survey_db_url(Path(folder))


def check_username(name: str) -> str:
    """The user name as stored: lower case, 2 to 40 of a-z, 0-9, '.', '_', '-', starting with a letter or digit."""
    value = name.strip().lower()
    if not USERNAME.fullmatch(value):
        raise WijkloketError("error.staff_username_form", username=name[:60])
    return value


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise WijkloketError("error.staff_password_short", n=MIN_PASSWORD, length=len(password))
    if len(password) > MAX_PASSWORD:
        raise WijkloketError("error.staff_password_long", n=MAX_PASSWORD)


def hash_password(password: str) -> str:
    """The Argon2id hash string of a valid password (its parameters and salt are part of the string)."""
    check_password(password)
    return HASHER.hash(password)


def create_account(folder: Path, username: str, password: str, url: str | None = None) -> Account:
    """A new staff account in the survey database of the workspace (or `url`)."""
    name = check_username(username)
    digest = hash_password(password)
    with SurveyStore(_url(folder, url)) as db:
        return _public(StaffAccounts(db).add(name, digest))


def list_accounts(folder: Path, url: str | None = None) -> list[Account]:
    with SurveyStore(_url(folder, url)) as db:
        return [_public(a) for a in StaffAccounts(db).all()]


def disable_account(folder: Path, username: str, url: str | None = None) -> Account:
    with SurveyStore(_url(folder, url)) as db:
        return _public(StaffAccounts(db).disable(username.strip().lower()))


def _dummy_hash() -> str:
    if "hash" not in _dummy:
        _dummy["hash"] = HASHER.hash(os.urandom(16).hex())
    return _dummy["hash"]


def _matches(digest: str, password: str) -> bool:
    # at most HASHING_AT_ONCE verifications at a time per process: each takes 64 MiB, so a flood of logins
    # (from many addresses, past the per-client throttle) waits instead of exhausting the memory
    with _hashing:
        try:
            return bool(HASHER.verify(digest, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def verify_login(backend: WebBackend, username: str, password: str) -> Account | None:
    """The account when `username` and `password` are right and the account is enabled, else None; the
    same hashing work is done in every case (no telling which part was wrong)."""
    name = username.strip().lower()
    accounts = StaffAccounts(backend.db)
    acc = retried(backend, lambda: accounts.by_username(name)) if USERNAME.fullmatch(name) else None
    if acc is None or len(password) > MAX_PASSWORD:
        _matches(_dummy_hash(), password[:MAX_PASSWORD])
        return None
    if not _matches(acc.password_hash, password) or acc.disabled:
        return None
    if HASHER.check_needs_rehash(acc.password_hash):
        fresh = HASHER.hash(password)
        retried(backend, lambda: accounts.set_password(acc.account_id, fresh))
    return _public(acc)


def active_account(backend: WebBackend, account_id: int) -> Account | None:
    """The account of a staff session, while it exists and is enabled."""
    acc = retried(backend, lambda: StaffAccounts(backend.db).by_id(account_id))
    return None if acc is None or acc.disabled else _public(acc)


# --- the staff pages' data ---------------------------------------------------------------------------


def _folder(backend: WebBackend) -> Path:
    """The workspace, whose survey database (as the CLI's use cases find it) must be the app's."""
    folder = Path(backend.workspace)
    if survey_db_url(folder) != backend.db.url:
        raise WorkspaceError("error.staff_db_mismatch", env=ENV_URL)
    return folder


@dataclass
class FieldworkView:
    """The fieldwork of the newest survey as staff see it: `published` is the respondents per stratum and
    mode with a total row, counts below 10 suppressed (NaN) as in the report; `monitor` as
    `survey_fieldwork.monitor` gives it (its `table` unsuppressed, for the export)."""

    monitor: survey_fieldwork.Monitor
    published: pd.DataFrame  # stratum, gross, responded, web, paper, phone; stratum "total" last
    state: str  # "open", "closed" or "unlinked"

    @property
    def survey(self) -> SurveyRecord:
        return self.monitor.survey


def fieldwork(backend: WebBackend) -> FieldworkView:
    from wijkloket.usecases.report import published_fieldwork

    res = retried(backend, lambda: survey_fieldwork.monitor(_folder(backend), backend.gemeente))
    rec = res.survey
    state = "unlinked" if rec.unlinked else "closed" if rec.closed_at else "open"
    return FieldworkView(res, published_fieldwork(res.table), state)


def safe_file_name(name: str) -> str:
    """The last part of an uploaded file's name, with only harmless characters; .csv or .xlsx."""
    base = re.sub(r"[^A-Za-z0-9._ -]+", "_", Path(name.replace("\\", "/")).name).strip(" .")[-120:]
    if Path(base).suffix.lower() not in UPLOAD_SUFFIXES:
        raise InputFileError("error.staff_upload_type", file=base or "-", known=", ".join(UPLOAD_SUFFIXES))
    return base


def enter_upload(backend: WebBackend, data: bytes, file_name: str, mode: str = "paper"
                 ) -> survey_entry.EntryReport:
    """Enter an uploaded paper or phone file (its bytes) as `survey enter` does; the file is written to a
    private temporary folder for the reader and deleted as soon as it is entered."""
    name = safe_file_name(file_name)
    if mode not in ENTRY_MODES:
        raise WijkloketError("error.survey_mode", value=mode[:20], known=", ".join(ENTRY_MODES))
    folder = _folder(backend)
    with tempfile.TemporaryDirectory(prefix="wijkloket-entry-") as tmp:  # made with mode 0700
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            return survey_entry.enter(folder, backend.gemeente, path, mode, None, backend.key_file)
        except WijkloketError as exc:  # name the file as the user knows it, not the temporary copy
            exc.params = {k: v.replace(str(path), name) if isinstance(v, str) else v for k, v in exc.params.items()}
            raise
        finally:
            path.unlink(missing_ok=True)


def close_fieldwork(backend: WebBackend, unlink: bool) -> survey_entry.CloseReport:
    """Close the newest survey's fieldwork; with `unlink`, break the link between answers and codes for good."""
    return survey_entry.close(_folder(backend), backend.gemeente, None, unlink)


# --- exports -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    file_name: str
    media_type: str
    content: bytes


CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as UTF-8 CSV as every command publishes it: floats rounded, formula-safe
    (`report.exports.csv_text`)."""
    from wijkloket.report.exports import csv_text

    return csv_text(frame).encode("utf-8")


def rejects_download(rows: list[dict[str, Any]], survey: str, lang: str) -> Download:
    return Download(_stem("afgewezen", survey) + ".csv", CSV_TYPE, csv_bytes(rejects_frame(rows, lang)))


def _weights_frame(backend: WebBackend) -> tuple[pd.DataFrame, str]:
    """The saved weights of the newest survey per respondent (as `survey weight --format csv` writes them)."""
    from wijkloket.usecases.survey_weighting import WEIGHT_COLUMNS

    db = backend.db
    rec = db.survey(backend.gemeente)
    stored = db.weights(rec.survey_id)
    if stored is None:
        raise WorkspaceError("error.survey_not_weighted", name=rec.name)
    responses = db.responses(rec.survey_id)
    table = stored[0].merge(responses[["response_id", "district", "age_band", "sex"]], on="response_id")
    table = table.rename(columns={"response_id": "respondent"})[WEIGHT_COLUMNS]
    return table.assign(synthetic=rec.synthetic), rec.name


def _stem(kind: str, survey: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", f"{survey}-{kind}")[:100]


def export(backend: WebBackend, kind: str, fmt: str, lang: str) -> Download:
    """One export of the newest survey: results (csv, xlsx), weights (csv) or the fieldwork (csv), as the
    CLI writes them (`survey results | weight | monitor --format ...`)."""
    if (kind, fmt) not in EXPORTS:
        raise WijkloketError("error.staff_export_unknown", kind=kind[:20], format=fmt[:20])
    if kind == "weights":
        frame, name = retried(backend, lambda: _weights_frame(backend))
        return Download(_stem(kind, name) + ".csv", CSV_TYPE, csv_bytes(frame))
    folder = _folder(backend)
    if kind == "monitor":
        mon = retried(backend, lambda: survey_fieldwork.monitor(folder, backend.gemeente))
        return Download(_stem(kind, mon.survey.name) + ".csv", CSV_TYPE,
                        csv_bytes(mon.table.assign(synthetic=mon.synthetic)))
    from wijkloket.usecases.survey_results import results, results_frame

    res = retried(backend, lambda: results(folder, backend.gemeente))
    if fmt == "csv":
        return Download(_stem(kind, res.survey.name) + ".csv", CSV_TYPE, csv_bytes(results_frame(res)))
    from wijkloket.report.survey_exports import write_results_xlsx

    with tempfile.TemporaryDirectory(prefix="wijkloket-export-") as tmp:
        path = Path(tmp) / "results.xlsx"
        write_results_xlsx(res, path, lang)
        content = path.read_bytes()
    return Download(_stem(kind, res.survey.name) + ".xlsx", XLSX_TYPE, content)
