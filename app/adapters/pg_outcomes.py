"""Writing the worker's per-email outcomes on a connection of their own.

Each outcome is one statement: a fenced UPDATE (app/outbox/worker.py
builds it), on PostgreSQL with its letter's changes joined to it
(app/letters/outcomes.py); it changes or returns no row if the fence
did not hold. On PostgreSQL the connection runs in autocommit: a statement
that commits itself is as safe as an explicit transaction and takes one round
trip instead of two; and the round trip overlaps the mail server's
(PostgresOutcomeWriter). SQLite's connections begin their own transactions
(app/db.py), so there each is committed explicitly, and its statements run
on the driver's own connection, each compiled once (SqliteOutcomeWriter,
app/adapters/driver_statements.py).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import select
import weakref
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Protocol

import psycopg
from psycopg import pq
from sqlalchemy.engine import Connection

from app.adapters.driver_statements import SqliteStatements
from app.db import is_sqlite
from app.extensions import db


class JoinableOutcome(Protocol):
    """What an email's outcome also changes (app/letters/outcomes.py's
    LetterOutcome): run after the outcome's UPDATE, or joined to it. `row` is
    the email's row, as loaded (its letter's and recipient's ids)."""

    def apply(self, connection, row, reason: str | None) -> None: ...

    def params(self, reason: str | None) -> dict: ...

    def joined_to(self, fenced_update): ...


@contextlib.contextmanager
def outcome_writer(on_lease_lost: Callable[[int], None]) -> Iterator[OutcomeWriter]:
    with db.engine.connect() as connection:
        if is_sqlite():
            writer: OutcomeWriter = SqliteOutcomeWriter(connection, on_lease_lost)
        else:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            postgres = connection.dialect.driver == "psycopg"
            writer = (PostgresOutcomeWriter if postgres else OutcomeWriter)(
                connection, on_lease_lost
            )
        try:
            yield writer
        finally:
            writer.close()


class OutcomeWriter:
    """Writes outcomes on a connection of its own, each committed before
    `write` returns (a database server through a driver other than psycopg).
    `on_lease_lost(row_id)` hears of a fenced UPDATE that changed nothing."""

    def __init__(self, connection: Connection, on_lease_lost: Callable[[int], None]):
        self.connection = connection
        self.on_lease_lost = on_lease_lost

    def write(
        self,
        row_id: int,
        statement,
        params: dict,
        also: JoinableOutcome | None = None,
        row=None,
        reason: str | None = None,
    ) -> None:
        """Run `statement` (a fenced UPDATE of `row_id`) and, if it changed its
        row, `also` for `row` (the email's row: its letter, its recipient):
        here statement by statement in one transaction."""
        result = self.connection.execute(statement, params)
        if not (len(result.all()) if result.returns_rows else result.rowcount):
            self.on_lease_lost(row_id)
        elif also is not None:
            also.apply(self.connection, row, reason)
        self.connection.commit()

    def confirm(self) -> None:
        pass

    def close(self) -> None:
        pass


class SqliteOutcomeWriter(OutcomeWriter):
    """SQLite's way: as OutcomeWriter, each statement run on the driver's
    connection (SqliteStatements), in a transaction begun IMMEDIATE: the
    outcome writes from its first statement on."""

    def __init__(self, connection: Connection, on_lease_lost: Callable[[int], None]):
        super().__init__(connection, on_lease_lost)
        self.statements = SqliteStatements(connection.connection.driver_connection)  # type: ignore[arg-type]  # a live pooled connection has one

    def write(
        self,
        row_id: int,
        statement,
        params: dict,
        also: JoinableOutcome | None = None,
        row=None,
        reason: str | None = None,
    ) -> None:
        statements = self.statements
        statements.begin()
        try:
            if not statements.execute(statement, params).rowcount:
                self.on_lease_lost(row_id)
            elif also is not None:
                also.apply(statements, row, reason)
            statements.commit()
        finally:
            statements.end()


class PostgresOutcomeWriter(OutcomeWriter):
    """PostgreSQL's way: each outcome's UPDATE is written to the server at once,
    in autocommit, and its answer read only when `confirm` is called, just
    before the next email's content goes out. The database's round trip then
    overlaps the mail server's answer to RCPT and DATA instead of adding to it.

    Safe because the statement is complete on the server's socket before the
    next RCPT is written: PostgreSQL runs and commits it even if this worker
    dies straight after, and no content goes out before its answer is read.
    A crash still repeats at most the email in hand. Uses psycopg's libpq
    wrapper (`pgconn`), its documented way to send without waiting.
    """

    def __init__(self, connection: Connection, on_lease_lost: Callable[[int], None]):
        super().__init__(connection, on_lease_lost)
        self.driver: psycopg.Connection = connection.connection.driver_connection  # type: ignore[assignment]  # a live pooled connection has one
        self.pgconn = self.driver.pgconn
        # The row whose outcome awaits its answer, and the outcome (SQL, values).
        self.unconfirmed: tuple[int, bytes, list] | None = None

    def write(
        self,
        row_id: int,
        statement,
        params: dict,
        also: JoinableOutcome | None = None,
        row=None,
        reason: str | None = None,
    ) -> None:
        """As OutcomeWriter.write, with `also` joined to the UPDATE as one statement."""
        if also is not None:
            params = {**params, **also.params(reason)}
            statement = also.joined_to(statement)
        self.confirm()
        sql, values = _numbered(statement, params)
        self._send(sql, values)
        self.unconfirmed = (row_id, sql, values)

    def confirm(self) -> None:
        if self.unconfirmed is None:
            return
        (row_id, sql, values), self.unconfirmed = self.unconfirmed, None
        result = self._answer()
        if result.error_field(pq.DiagnosticField.SQLSTATE) == _NO_SUCH_STATEMENT:
            # Deallocated behind our back: psycopg sends DEALLOCATE ALL after
            # a rollback on a connection it prepared its own statements on.
            # The outcome did not run: prepare it again and send it again.
            _prepared_on.pop(self.driver, None)
            self._send(sql, values)
            result = self._answer()
        if not _succeeded(result).command_tuples:
            self.on_lease_lost(row_id)

    def _send(self, sql: bytes, values: list) -> None:
        self.pgconn.send_query_prepared(self._prepared(sql), values)
        self._flush()

    def _prepared(self, sql: bytes) -> bytes:
        """The name of `sql` prepared on this connection, preparing it the first
        time: the server then plans each kind of outcome once per connection,
        not on every email (parsing and planning a letter's outcome, five
        joined statements, cost it more CPU than running it; docs/performance.md)."""
        names = _prepared_on.setdefault(self.driver, {})
        name = names.get(sql)
        if name is None:
            name = b"outcome_%d" % next(_names)
            self.pgconn.send_prepare(name, sql)
            self._flush()
            _succeeded(self._answer())
            names[sql] = name
        return name

    def _flush(self) -> None:
        while self.pgconn.flush():  # a short statement: at most a brief wait to write it all
            select.select([], [self.pgconn.socket], [])

    def _answer(self) -> pq.abc.PGresult:
        """The server's answer to what was sent last, waiting for it."""
        self.pgconn.consume_input()
        while self.pgconn.is_busy():
            select.select([self.pgconn.socket], [], [])
            self.pgconn.consume_input()
        results = []
        while (result := self.pgconn.get_result()) is not None:
            results.append(result)
        [result] = results
        return result

    def close(self) -> None:
        if self.unconfirmed is not None:  # left by an error: its answer is still unread
            self.connection.invalidate()


# Statement names prepared on each live psycopg connection (a connection the
# server cut is replaced by a new object, with nothing prepared on it); names
# are never reused, so a forgotten one cannot clash with one still prepared.
_prepared_on: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_names = itertools.count()
_NO_SUCH_STATEMENT = b"26000"  # invalid_sql_statement_name


def _succeeded(result: pq.abc.PGresult) -> pq.abc.PGresult:
    if result.status not in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
        raise psycopg.DatabaseError(result.error_message.decode(errors="replace"))
    return result


@functools.cache
def _numbered_statement(statement) -> tuple[bytes, tuple[str, ...], dict]:
    """The statement as PostgreSQL's own $1, $2 ... SQL, its parameters' order and
    its fixed values, compiled once per statement."""
    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

    compiled = statement.compile(dialect=PGDialect_psycopg(paramstyle="numeric_dollar"))
    fixed = {name: bind.value for name, bind in compiled.binds.items()}
    return str(compiled).encode(), tuple(compiled.positiontup), fixed


def _numbered(statement, params: dict) -> tuple[bytes, list[bytes | None]]:
    sql, order, fixed = _numbered_statement(statement)
    values = [params[name] if name in params else fixed[name] for name in order]
    return sql, [_as_text(value) for value in values]


def _as_text(value) -> bytes | None:
    """A parameter in PostgreSQL's text format."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(sep=" ").encode()
    return str(value).encode()
