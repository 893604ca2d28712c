"""Database plumbing shared by every feature: engine set-up and transactions.

Features own their commits. Each unit of work that writes starts with
`begin_write()`: on SQLite that takes the write lock up front (BEGIN
IMMEDIATE), so concurrent writers wait their turn instead of failing when a
read transaction tries to become a write transaction after someone else
committed (SQLITE_BUSY_SNAPSHOT). On PostgreSQL it is an ordinary transaction.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import Index, String, event, literal, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError

from app.extensions import db

if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as _FlaskModel
    from sqlalchemy import Table

    from app.extensions import Base

    class Model(_FlaskModel, Base):
        """The models' base class, `db.Model`, as the type checker sees it: the
        app's `Base` with Flask-SQLAlchemy's `Model` mixed in, which is what
        `SQLAlchemy(model_class=Base)` builds. mypy cannot take `db.Model`, an
        attribute of an instance, as a base class."""

        # Every model here maps one Table (declared by its columns), where
        # SQLAlchemy allows any FromClause: Core statements take it as a table.
        __table__: ClassVar[Table]

else:
    Model = db.Model


def utcnow() -> datetime:
    """Timezone-naive UTC now: what every timestamp column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def iso_time(moment: datetime | None) -> str | None:
    """A stored time as the site's APIs give it (webhooks, OSDI): RFC 3339,
    UTC, to the second."""
    return moment.replace(microsecond=0).isoformat() + "Z" if moment is not None else None


def text_value(value: str):
    """A string (an enum's value too) as a bound SQL value, typed as text: for
    the Core statements built once (new letters, letter outcomes)."""
    return literal(str(value), String())


def index_where_set(name: str, *columns: str) -> Index:
    """An index of the rows whose first column is set: a sparse column's
    index that every other row's insert and update would otherwise write a
    NULL entry into (docs/performance.md)."""
    condition = text(f"{columns[0]} IS NOT NULL")
    return Index(name, *columns, sqlite_where=condition, postgresql_where=condition)


def is_sqlite(engine: Engine | None = None) -> bool:
    return (engine or db.engine).dialect.name == "sqlite"


def configure_engine(
    engine: Engine, ping_after_seconds: float, sqlite_busy_timeout_seconds: float = 10
) -> None:
    """Engine hooks: SQLite pragmas and explicit BEGIN control; for a database
    server, idle connections checked before use. A SQLite write waits for the
    lock at most `sqlite_busy_timeout_seconds`, then fails ("database is
    locked"): a web request answers 503, the worker tries again later."""
    if engine.dialect.name != "sqlite":
        _ping_idle_connections(engine, ping_after_seconds)
        return

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_connection, _record):
        # Take over transaction control from pysqlite so we decide how BEGIN
        # is issued (see the SQLAlchemy docs on pysqlite's transactions).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(sqlite_busy_timeout_seconds * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            # WAL + NORMAL: durable across application crashes; a power cut
            # may lose the last commits but never corrupts the file.
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(connection):
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def begin_write() -> None:
    """Start the session's next transaction as a write transaction.

    Ends any read-only transaction the request already opened (there is
    nothing to commit in it), then on SQLite begins IMMEDIATE.
    """
    end_read_transaction()
    db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"} if is_sqlite() else {})


def end_read_transaction() -> None:
    """End the request's read transaction, if it opened one (there is nothing
    to commit in it), so that what it reads next, and what another connection
    writes now, are not measured against an older snapshot (SQLite's).
    A request that has read nothing through the ORM (the submit endpoint's
    usual case) has no Session yet, and is not given one only to learn it
    has no transaction."""
    if db.session.registry.has() and db.session().in_transaction():
        db.session.commit()


@contextmanager
def write_transaction():
    """`with write_transaction():` one committed unit of work, rolled back on error."""
    begin_write()
    try:
        yield db.session
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def _ping_idle_connections(engine: Engine, idle_seconds: float) -> None:
    """SQLAlchemy's pool_pre_ping, for connections that sat unused in the pool
    for `idle_seconds` or more: those are the ones a database restart, a
    failover or a firewall's idle timeout has cut. A connection that answered
    a moment ago is used as it is: a round trip on every request cost the
    submit endpoint a good share of its rate (bench/submit.py;
    docs/performance.md). If one fails anyway, the error marks the whole pool
    stale (SQLAlchemy's default), so the next checkouts reconnect instead of
    failing one by one."""

    @event.listens_for(engine, "connect")
    def _connected(_dbapi_connection, record):
        record.info["last_used"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record):
        record.info["last_used"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check_if_idle(dbapi_connection, record, _proxy):
        if time.monotonic() - record.info.get("last_used", 0) < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool discards this connection and checks out another.
            raise DisconnectionError("idle connection lost") from exc


def database_reachable() -> bool:
    """For /readyz: one trivial query answered."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return True


def describe_error(exc: Exception) -> str:
    """An error's class, and its driver error's, for a log: never its text,
    which can quote the rows it was reading or writing."""
    cause = getattr(exc, "orig", None)
    return type(exc).__name__ + (f" ({type(cause).__name__})" if cause is not None else "")
