"""Statements compiled once for the driver's own connection: PostgreSQL's
numbered parameters and SQLite's converters, from SQLAlchemy's compiler."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import DateTime, bindparam, column, literal, select, table

from app.adapters.driver_statements import numbered, sqlite_compiled

letters = table("letters", column("id"), column("campaign_id"), column("created_at"))
WRITTEN = (
    select(letters.c.id)
    .where(letters.c.campaign_id == bindparam("campaign"))
    .where(letters.c.created_at < bindparam("now", type_=DateTime()))
    .where(letters.c.campaign_id != literal(7))
    .where(letters.c.id != bindparam("campaign"))
)


def test_a_name_used_twice_is_one_numbered_parameter_on_postgresql():
    compiled = numbered(WRITTEN)
    assert compiled.sql.count("$1") == 2
    assert "$4" not in compiled.sql
    at = datetime(2026, 12, 7, 12, 0)
    # The statement's own literal is filled in; the caller's are in order.
    assert compiled.values({"campaign": 3, "now": at}) == [3, at, 7]


def test_a_value_the_caller_forgets_is_a_key_error_not_a_null():
    with pytest.raises(KeyError):
        numbered(WRITTEN).values({"campaign": 3})
    with pytest.raises(KeyError):
        sqlite_compiled(WRITTEN).values({"now": datetime(2026, 12, 7)})


def test_sqlite_gets_a_datetime_as_the_engine_writes_it():
    compiled = sqlite_compiled(WRITTEN)
    values = compiled.values({"campaign": 3, "now": datetime(2026, 12, 7, 12, 0)})
    assert values == [3, "2026-12-07 12:00:00.000000", 7, 3]
