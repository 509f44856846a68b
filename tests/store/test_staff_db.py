"""Staff accounts in the survey database (store/staff_db.py), on SQLite and PostgreSQL: add, find, set the
password hash, disable, list; names are unique, also against disabled accounts."""

from __future__ import annotations

import pytest
from fixtures.survey.backends import survey_url
from sqlalchemy import create_engine, text

from wijkloket.errors import WorkspaceError
from wijkloket.store.staff_db import StaffAccounts
from wijkloket.store.survey_db import SurveyStore

__all__ = ["survey_url"]


def test_add_find_disable_and_list(survey_url: str) -> None:
    with SurveyStore(survey_url) as db:
        accounts = StaffAccounts(db)
        a = accounts.add("balie-noord", "$argon2id$fake-a")
        b = accounts.add("balie-zuid", "$argon2id$fake-b")
        assert (a.username, a.password_hash, a.disabled) == ("balie-noord", "$argon2id$fake-a", False)
        assert b.account_id != a.account_id
        assert accounts.by_username("balie-zuid") == b
        assert accounts.by_id(a.account_id) == a
        assert accounts.by_username("niemand") is None and accounts.by_id(9999) is None
        accounts.set_password(a.account_id, "$argon2id$fake-new")
        off = accounts.disable("balie-zuid")
        assert off.disabled and off.account_id == b.account_id
        assert [(x.username, x.password_hash, x.disabled) for x in accounts.all()] == [
            ("balie-noord", "$argon2id$fake-new", False), ("balie-zuid", "$argon2id$fake-b", True)]


def test_a_name_is_taken_once_also_when_disabled(survey_url: str) -> None:
    with SurveyStore(survey_url) as db:
        accounts = StaffAccounts(db)
        accounts.add("balie", "h1")
        accounts.disable("balie")
        with pytest.raises(WorkspaceError) as err:
            accounts.add("balie", "h2")
        assert err.value.code == "error.staff_username_taken"
        with pytest.raises(WorkspaceError) as err:
            accounts.disable("onbekend")
        assert err.value.code == "error.staff_unknown"
        assert [(x.username, x.password_hash) for x in accounts.all()] == [("balie", "h1")]


def test_the_table_holds_what_was_given_and_nothing_more(survey_url: str) -> None:
    with SurveyStore(survey_url) as db:
        StaffAccounts(db).add("balie", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$dGFn")
    engine = create_engine(survey_url)
    with engine.connect() as con:
        rows = con.execute(text("SELECT * FROM staff_accounts")).mappings().all()
    engine.dispose()
    assert [sorted(r.keys()) for r in rows] == [["account_id", "created_on", "disabled", "password_hash", "username"]]
    assert rows[0]["password_hash"].startswith("$argon2id$")
