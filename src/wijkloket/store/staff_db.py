"""Staff accounts of the web door (issue 11, point 3) in the survey database, beside the surveys.

A row holds the account id, the user name, the password hash (an Argon2id string made in
`usecases.web_staff`, never the password), the day it was made and whether it is disabled. Accounts are
never deleted, only disabled, so an account id seen in a session always names the same account.
The queries run inside `SurveyStore.transaction`, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import RowMapping, func, select, update
from sqlalchemy.exc import IntegrityError

from wijkloket.errors import WorkspaceError
from wijkloket.store.survey_db import SurveyStore
from wijkloket.store.survey_migrations import TABLES

_ACC = TABLES["staff_accounts"]


@dataclass(frozen=True)
class StaffAccount:
    account_id: int
    username: str
    password_hash: str
    created_on: str  # ISO date
    disabled: bool


def _account(row: RowMapping) -> StaffAccount:
    return StaffAccount(int(row["account_id"]), str(row["username"]), str(row["password_hash"]),
                        str(row["created_on"]), bool(row["disabled"]))


class StaffAccounts:
    """The accounts in the survey database `db` (an open `SurveyStore`)."""

    def __init__(self, db: SurveyStore) -> None:
        self.db = db

    def add(self, username: str, password_hash: str) -> StaffAccount:
        """A new, enabled account; a user name that is taken (also by a disabled account) is refused."""
        with self.db.transaction() as conn:
            if self._row(username) is not None:
                raise WorkspaceError("error.staff_username_taken", username=username)
            try:
                account_id = conn.execute(_ACC.insert().values(
                    username=username, password_hash=password_hash, created_on=date.today().isoformat(),
                    disabled=False).returning(_ACC.c.account_id)).scalar_one()
            except IntegrityError:  # made at the same moment by another process; the transaction is undone
                raise WorkspaceError("error.staff_username_taken", username=username) from None
        found = self.by_id(int(account_id))
        assert found is not None
        return found

    def _row(self, username: str) -> StaffAccount | None:
        with self.db.transaction() as conn:
            row = conn.execute(select(_ACC).where(_ACC.c.username == username)).mappings().one_or_none()
        return None if row is None else _account(row)

    def by_username(self, username: str) -> StaffAccount | None:
        return self._row(username)

    def by_id(self, account_id: int) -> StaffAccount | None:
        with self.db.transaction() as conn:
            row = conn.execute(select(_ACC).where(_ACC.c.account_id == int(account_id))).mappings().one_or_none()
        return None if row is None else _account(row)

    def set_password(self, account_id: int, password_hash: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(update(_ACC).where(_ACC.c.account_id == int(account_id))
                         .values(password_hash=password_hash))

    def disable(self, username: str) -> StaffAccount:
        """Disable the account `username` (it can no longer log in); an unknown name is an error."""
        with self.db.transaction() as conn:
            found = self._row(username)
            if found is None:
                known = conn.execute(select(func.count()).select_from(_ACC)).scalar_one()
                raise WorkspaceError("error.staff_unknown", username=username, n=int(known))
            conn.execute(update(_ACC).where(_ACC.c.account_id == found.account_id).values(disabled=True))
        after = self.by_id(found.account_id)
        assert after is not None
        return after

    def all(self) -> list[StaffAccount]:
        """Every account, in the order they were made."""
        with self.db.transaction() as conn:
            rows = conn.execute(select(_ACC).order_by(_ACC.c.account_id)).mappings().all()
        return [_account(r) for r in rows]
