"""Running the worker in tests, and reading rows afresh."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.outbox.models import EmailKind, OutboxEmail
from app.outbox.worker import PassResult, run_worker


def deliver() -> PassResult:
    """Run the worker as a separate process would: its own app context and session."""
    with current_app.app_context():
        return run_worker(once=True)


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
