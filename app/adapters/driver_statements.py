"""Core statements compiled once and run on the driver's own connection.

Where one path runs the same few statements thousands of times (the worker's
outcomes, a new letter's insert), SQLAlchemy's work around each one (a
Connection, its execution context, the statement's cache key, and on
PostgreSQL psycopg's own conversion of a long query's parameters) cost more
CPU than the database's own (docs/performance.md). Here each statement is
compiled once per process, with its parameters' order, and what is raised is
still SQLAlchemy's, with no parameter in its text.

- `SqliteStatements`: on a sqlite3 connection, with SQLAlchemy's converters
  (a datetime written as the engine writes it everywhere else), in
  transactions the caller begins and ends (app/db.py switches pysqlite's
  own transaction control off).
- `run_numbered`: on a psycopg connection, as PostgreSQL's own numbered
  parameters ($1, $2 ...) through psycopg's RawCursor, which sends the query
  as it is: psycopg caches its conversion of `%(name)s` parameters only for
  queries shorter than 4,096 characters, and a joined INSERT is longer.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from dataclasses import dataclass

import psycopg
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.exc import DBAPIError


@dataclass(frozen=True, slots=True)
class Compiled:
    """A statement as its driver's SQL, the order of its parameters, the
    values it fixes itself and each parameter's converter (or None)."""

    sql: str
    order: tuple[str, ...]
    fixed: dict
    converters: dict

    def values(self, params: dict) -> list:
        """The parameters in order. A value the statement fixes may be given;
        one it leaves to the caller must be (a KeyError, not a NULL)."""
        fixed, converters, values = self.fixed, self.converters, []
        for name in self.order:
            value = params[name] if name in params else fixed[name]
            convert = converters.get(name)
            values.append(value if convert is None or value is None else convert(value))
        return values


def _compile(statement, dialect, convert: bool) -> Compiled:
    compiled = statement.compile(dialect=dialect)
    names = compiled.bind_names  # each bind's name in the SQL
    converters = {}
    if convert:
        # The dialect's own type (SQLite's DATETIME for DateTime), whose
        # converter writes what the engine writes everywhere else.
        converters = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for bind, name in names.items()
        }
    fixed = {name: bind.value for bind, name in names.items() if not bind.required}
    return Compiled(str(compiled), tuple(compiled.positiontup or ()), fixed, converters)


@functools.cache
def sqlite_compiled(statement) -> Compiled:
    return _compile(statement, SQLiteDialect_pysqlite(), convert=True)


@functools.cache
def numbered(statement) -> Compiled:
    """The statement with PostgreSQL's numbered parameters. psycopg adapts
    Python values itself, as it does for SQLAlchemy's psycopg dialect."""
    return _compile(statement, PGDialect_psycopg(paramstyle="numeric_dollar"), convert=False)


def run_numbered(driver: psycopg.Connection, statement, params: dict):
    """Run `statement` on `driver`; its first row, or None."""
    compiled = numbered(statement)
    values = compiled.values(params)
    try:
        return psycopg.RawCursor(driver).execute(compiled.sql, values).fetchone()
    except psycopg.Error as exc:
        raise DBAPIError.instance(
            compiled.sql, values, exc, psycopg.Error, hide_parameters=True
        ) from exc


class SqliteStatements:
    """Statements run on a sqlite3 connection, in transactions this class
    begins and ends itself. A locked database is an OperationalError, as
    anywhere else."""

    def __init__(self, driver: sqlite3.Connection):
        self.driver = driver

    def execute(self, statement, params: dict) -> sqlite3.Cursor:
        compiled = sqlite_compiled(statement)
        return self._run(compiled.sql, compiled.values(params))

    def begin(self) -> None:
        self._run("BEGIN IMMEDIATE", ())

    def commit(self) -> None:
        self._run("COMMIT", ())

    def end(self) -> None:
        """Roll back what `commit` did not end (an error on the way, which
        a failing rollback must not hide: the connection is then discarded
        by the pool as any broken one is)."""
        if self.driver.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self.driver.rollback()

    def _run(self, sql: str, values) -> sqlite3.Cursor:
        try:
            return self.driver.execute(sql, values)
        except sqlite3.Error as exc:
            # As the engine reports its own: the values (an address in an
            # error's words, a lease token) are never in the message.
            raise DBAPIError.instance(
                sql, values, exc, sqlite3.Error, hide_parameters=True
            ) from exc
