"""Running the worker in tests, and reading rows afresh."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from flask import current_app
from sqlalchemy import event, select, update

from app.db import utcnow
from app.extensions import db
from app.outbox.models import DomainPause, EmailKind, OutboxEmail
from app.outbox.worker import PassResult, run_worker


def deliver() -> PassResult:
    """Run the worker as a separate process would: its own app context and session."""
    with current_app.app_context():
        return run_worker(once=True)


@contextlib.contextmanager
def statements_run() -> Iterator[list[str]]:
    """Every SQL statement the app runs while the block does, each on one line."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def end_the_pauses() -> None:
    """Every pause is over: each email's own and each mail domain's (after a
    refusal for the site's reasons: app/outbox/pauses.py)."""
    db.session.execute(update(OutboxEmail).values(not_before=utcnow()))
    db.session.execute(update(DomainPause).values(until=utcnow()))
    db.session.commit()


def fresh(obj):
    """Re-read `obj` in a new transaction (a SQLite read transaction keeps its snapshot)."""
    db.session.commit()
    db.session.refresh(obj)
    return obj


def outbox_row(letter, kind=EmailKind.MP_LETTER) -> OutboxEmail:
    db.session.commit()
    return db.session.scalar(
        select(OutboxEmail)
        .where(OutboxEmail.letter_id == letter.id, OutboxEmail.kind == kind)
        .execution_options(populate_existing=True)
    )
