"""What an email's outcome does to the letter it belongs to.

When the MP's mail server accepts a letter, the letter becomes SENT, its
history says so and a copy is queued for the constituent; when it refuses
it, the letter becomes FAILED and the constituent is told; a confirmation or
a copy sent is a line in the letter's history. Each is a `LetterOutcome`,
which the delivery worker (app/services/delivery.py) carries out in one of
two ways with the same effect:

- `apply`: statement by statement (each built once), in the transaction
  that records the email's outcome (SQLite, which has no data-modifying WITH,
  and the path that retries after a failed connection);
- `joined_to`: on PostgreSQL, joined to the email's own fenced UPDATE as
  data-modifying WITH clauses, so the outcome, the letter's change, its event
  and the follow-up email are one statement: one round trip instead of six,
  which the worker overlaps with the mail server's answer like an alert's.
  The letter changes only if the fence held (the UPDATE returned the row).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import DateTime, String, bindparam, exists, insert, literal, select, update

from app.db import utcnow
from app.extensions import db
from app.models import EmailKind, Message, MessageEvent, MessageStatus, OutboxEmail, OutboxStatus
from app.models.message import ALLOWED_TRANSITIONS

_EVENT_COLUMNS = ("message_id", "created_at", "from_status", "to_status", "detail", "actor")


@dataclass(frozen=True)
class LetterOutcome:
    """`detail` is the letter's event ("{reason}" is filled in). With `move_to`,
    a letter still QUEUED moves there (stamping `stamp` with the time) and
    `then_queue` is queued; one that has moved on meanwhile (an admin stopped
    it) keeps its state and its history gets `otherwise`."""

    detail: str
    move_to: MessageStatus | None = None
    stamp: str | None = None
    then_queue: EmailKind | None = None
    otherwise: str | None = None

    def __post_init__(self):
        if self.move_to and self.move_to not in ALLOWED_TRANSITIONS[MessageStatus.QUEUED]:
            raise ValueError(f"a queued letter cannot move to {self.move_to}")

    def __call__(self, row: OutboxEmail, reason: str | None = None) -> None:
        """The worker's hook form: apply to the row's letter in its session."""
        self.apply(db.session, row.message_id, reason)

    def apply(self, connection, message_id: int | None, reason: str | None = None) -> None:
        """Statement by statement, in `connection`'s (or a session's) transaction,
        after the email's own fenced UPDATE changed its row."""
        if message_id is None:
            return
        params = {"message_id": message_id, **self.params(reason)}
        if self.move_to is None:
            connection.execute(_note(), params)
            return
        if connection.execute(_move(self.move_to, self.stamp), params).rowcount:
            moved = {"from_status": MessageStatus.QUEUED, "to_status": self.move_to}
            connection.execute(_moved_event(), params | moved)
            if self.then_queue:
                connection.execute(_queue(), params | {"kind": self.then_queue})
        elif self.otherwise:
            connection.execute(_note(), params | {"detail": self.otherwise})

    def event_detail(self, reason: str | None) -> str:
        return self.detail.format(reason=reason or "")[:300]

    def params(self, reason: str | None) -> dict:
        """The bound values `joined_to`'s statement needs besides the fence's."""
        return {"outcome_at": utcnow(), "detail": self.event_detail(reason)}

    def joined_to(self, fenced_update):
        """The fenced outbox UPDATE and this outcome as one statement, returning
        the outbox row's id if the fence held. Built once per outcome and fence."""
        return _joined(self, fenced_update)


@functools.cache
def _joined(outcome: LetterOutcome, fenced_update):
    outbox, message = OutboxEmail.__table__, Message.__table__
    now = bindparam("outcome_at", type_=DateTime())
    detail = bindparam("detail", type_=String())
    settled = fenced_update.returning(outbox.c.id, outbox.c.message_id).cte("settled")
    letter = message.c.id == settled.c.message_id
    if outcome.move_to is None:
        noted = select(message.c.id, message.c.status, message.c.status, detail, now)
        return select(settled.c.id).add_cte(_event(noted.where(letter), "noted"))
    stamps = {outcome.stamp: now} if outcome.stamp else {}
    moved = (
        update(message)
        .where(letter, message.c.status == MessageStatus.QUEUED)
        .values(status=outcome.move_to, **stamps)
        .returning(message.c.id)
        .cte("moved")
    )
    change = select(moved.c.id, _text(MessageStatus.QUEUED), _text(outcome.move_to), detail, now)
    clauses = [_event(change, "moved_event")]
    if outcome.then_queue:
        # The columns an outbox row gets by default, as OutboxEmail's defaults give them.
        follow_up = {
            "kind": _text(outcome.then_queue),
            "message_id": moved.c.id,
            "priority": literal(0),
            "status": _text(OutboxStatus.QUEUED),
            "attempts": literal(0),
            "not_before": now,
            "created_at": now,
        }
        rows = select(*follow_up.values())
        clauses.append(insert(outbox).from_select(list(follow_up), rows).cte("follow_up"))
    if outcome.otherwise:
        note = _text(outcome.otherwise)
        stopped = select(message.c.id, message.c.status, message.c.status, note, now)
        clauses.append(_event(stopped.where(letter, ~exists(select(moved.c.id))), "otherwise"))
    return select(settled.c.id).add_cte(*clauses)


# The statements `apply` runs, each built once.


@functools.cache
def _move(to: MessageStatus, stamp: str | None):
    """The letter moves from QUEUED to `to`, if it is still QUEUED (an admin may
    have stopped it meanwhile)."""
    message = Message.__table__
    stamps = {stamp: bindparam("outcome_at", type_=DateTime())} if stamp else {}
    return (
        message.update()
        .where(message.c.id == bindparam("message_id"), message.c.status == MessageStatus.QUEUED)
        .values(status=to, **stamps)
    )


@functools.cache
def _moved_event():
    return insert(MessageEvent.__table__).values(
        message_id=bindparam("message_id"), created_at=bindparam("outcome_at"),
        from_status=bindparam("from_status"), to_status=bindparam("to_status"),
        detail=bindparam("detail"), actor="system",
    )  # fmt: skip


@functools.cache
def _note():
    """An event that records something without a change of state."""
    message = Message.__table__
    status = select(message.c.status).where(message.c.id == bindparam("message_id"))
    return insert(MessageEvent.__table__).values(
        message_id=bindparam("message_id"), created_at=bindparam("outcome_at"),
        from_status=status.scalar_subquery(), to_status=status.scalar_subquery(),
        detail=bindparam("detail"), actor="system",
    )  # fmt: skip


@functools.cache
def _queue():
    """The follow-up email, with every column an outbox row gets by default."""
    return insert(OutboxEmail.__table__).values(
        kind=bindparam("kind"), message_id=bindparam("message_id"), priority=0,
        status=OutboxStatus.QUEUED, attempts=0, not_before=bindparam("outcome_at"),
        created_at=bindparam("outcome_at"),
    )  # fmt: skip


def _text(value: str):
    return literal(str(value), String())


def _event(rows, name: str):
    """INSERT INTO message_event from `rows`: (message_id, from, to, detail, at)."""
    message_id, from_status, to_status, detail, at = rows.selected_columns
    rows = rows.with_only_columns(
        message_id, at, from_status, to_status, detail, _text("system"), maintain_column_froms=True
    )
    return insert(MessageEvent.__table__).from_select(_EVENT_COLUMNS, rows).cte(name)


# The letters' emails, by kind: what each outcome does to the letter.
SENT = {
    EmailKind.MP_LETTER: LetterOutcome(
        "accepted by the MP's mail server", move_to=MessageStatus.SENT, stamp="sent_at",
        then_queue=EmailKind.CONSTITUENT_COPY,
        otherwise="the MP's mail server accepted it after it stopped",
    ),
    EmailKind.CONFIRMATION: LetterOutcome("confirmation email sent"),
    EmailKind.REMINDER: LetterOutcome("reminder email sent"),
    EmailKind.CONSTITUENT_COPY: LetterOutcome("copy sent to the constituent"),
    EmailKind.DELIVERY_FAILED: LetterOutcome("constituent told of the failure"),
    EmailKind.REJECTED: LetterOutcome("constituent told of the rejection"),
}  # fmt: skip
FAILED = {
    EmailKind.MP_LETTER: LetterOutcome(
        "{reason}", move_to=MessageStatus.FAILED, then_queue=EmailKind.DELIVERY_FAILED
    ),
    EmailKind.CONFIRMATION: LetterOutcome("confirmation email could not be delivered: {reason}"),
    EmailKind.REMINDER: LetterOutcome("reminder could not be delivered: {reason}"),
}
RETRY = {EmailKind.MP_LETTER: LetterOutcome("delivery to the MP delayed: {reason}")}
