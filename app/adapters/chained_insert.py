"""Inserting a row and the rows that hang off its id, atomically and fast.

`insert_chained(first, then, params)` runs `first` (an INSERT ... SELECT that
may insert nothing) and, if it inserted a row, each builder in `then` with
that row's id; it returns the id, or None. It is how a new letter is stored
with its first event and its confirmation email (app/letters/storage.py):

- PostgreSQL: one statement in autocommit (a statement is its own
  transaction): the first INSERT ... RETURNING id joined by data-modifying
  WITH clauses to the others.
- SQLite (no data-modifying WITH): the same INSERTs in one `BEGIN IMMEDIATE`
  transaction.

Both run on the pooled driver connection itself, each statement compiled
once (app/adapters/driver_statements.py): SQLAlchemy's execution layer cost
the app almost as much CPU per letter as the INSERT's own work
(docs/performance.md). Errors still come out as SQLAlchemy's
(IntegrityError ...), with no parameter in their text.

Each builder takes the id as a column expression and the statement's source
(`*source`, empty when the id is a bound parameter). Statements are built
once per (first, then) pair, so pass objects built once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import psycopg
from sqlalchemy import Insert, bindparam, select
from sqlalchemy.exc import DBAPIError

from app.adapters.driver_statements import SqliteStatements, run_numbered
from app.db import is_sqlite
from app.extensions import db

Then = Callable[..., Insert]  # (id column, *source) -> INSERT


def insert_chained(first: Insert, then: Sequence[Then], params: dict) -> int | None:
    if is_sqlite():
        return _one_transaction(first, tuple(then), params)
    return _one_statement(first, tuple(then), params)


def _one_statement(first: Insert, then: tuple[Then, ...], params: dict) -> int | None:
    pooled = db.engine.raw_connection()
    driver: psycopg.Connection = pooled.driver_connection  # type: ignore[assignment]  # a live pooled connection has one
    try:
        try:
            driver.autocommit = True  # one statement: its own transaction
            try:
                row = run_numbered(driver, _joined(first, then), params)
            finally:
                if not driver.closed:
                    driver.autocommit = False
        except psycopg.Error as exc:  # from switching autocommit: as SQLAlchemy's, too
            raise DBAPIError.instance(None, None, exc, psycopg.Error) from exc
    finally:
        pooled.close()  # the pool discards a connection the server cut (its reset fails)
    return None if row is None else row[0]


@functools.cache
def _joined(first: Insert, then: tuple[Then, ...]):
    """The first INSERT ... RETURNING id, joined to the others by WITH clauses."""
    stored = first.returning(first.table.c.id).cte("stored")
    clauses = [build(stored.c.id, stored).cte(f"then_{n}") for n, build in enumerate(then)]
    return select(stored.c.id).add_cte(*clauses)


def _one_transaction(first: Insert, then: tuple[Then, ...], params: dict) -> int | None:
    statements = _statements(first, then)
    pooled = db.engine.raw_connection()
    sqlite = SqliteStatements(pooled.driver_connection)  # type: ignore[arg-type]  # a live pooled connection has one
    try:
        sqlite.begin()  # IMMEDIATE: it writes from its first statement on
        row = sqlite.execute(statements[0], params).fetchone()
        new_id = None if row is None else row[0]
        if new_id is not None:
            for statement in statements[1:]:
                sqlite.execute(statement, {**params, "chained_id": new_id})
        sqlite.commit()
    finally:
        sqlite.end()
        pooled.close()
    return new_id


@functools.cache
def _statements(first: Insert, then: tuple[Then, ...]) -> tuple:
    new_id = bindparam("chained_id", type_=first.table.c.id.type)
    return (first.returning(first.table.c.id), *(build(new_id) for build in then))
