"""What an email's outcome does to the letter it belongs to.

When the MP's mail server accepts a letter, the letter becomes SENT, its
history says so and a copy is queued for the constituent; when it refuses
it, the letter becomes FAILED and the constituent is told; a confirmation or
a copy sent is a line in the letter's history. A letter becoming SENT or
FAILED is announced to the webhook endpoints that chose to hear of it
(app/webhooks/announcing.py), in the same statement. Each is a `LetterOutcome`,
which the delivery worker (app/outbox/worker.py) carries out in one of
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

from sqlalchemy import (
    DateTime,
    Executable,
    Integer,
    String,
    bindparam,
    exists,
    literal,
    select,
    update,
)

from app.db import text_value, utcnow
from app.extensions import db
from app.letters.models import (
    ALLOWED_TRANSITIONS,
    ANNOUNCED,
    Letter,
    LetterStatus,
    Recipient,
    RecipientStatus,
    event_insert,
)
from app.outbox.kinds import JoinedOutcome
from app.outbox.models import EmailKind, OutboxEmail, letter_email_insert
from app.webhooks.announcing import announcement
from app.webhooks.models import Event


@dataclass(frozen=True)
class LetterOutcome(JoinedOutcome):
    """`detail` is the letter's event ("{reason}" is filled in). With `move_to`,
    a letter still QUEUED moves there (stamping `stamp` with the time) and
    `then_queue` is queued; one that has moved on meanwhile (an admin stopped
    it) keeps its state and its history gets `otherwise`. With
    `only_not_to_mp`, only a letter not to its MP moves (one that follows
    its other recipients: app/letters/recipients.py)."""

    detail: str
    move_to: LetterStatus | None = None
    stamp: str | None = None
    then_queue: EmailKind | None = None
    otherwise: str | None = None
    only_not_to_mp: bool = False

    @property
    def announces(self) -> Event | None:
        """The webhook event a letter moving here announces (app/webhooks/)."""
        return ANNOUNCED.get(self.move_to) if self.move_to else None

    def __post_init__(self):
        if self.move_to and self.move_to not in ALLOWED_TRANSITIONS[LetterStatus.QUEUED]:
            raise ValueError(f"a queued letter cannot move to {self.move_to}")

    def __call__(self, row: OutboxEmail, reason: str | None = None) -> None:
        """The worker's hook form: apply to the row's letter in its session."""
        self.apply_to(db.session, row.letter_id, reason)

    def apply(self, connection, row: OutboxEmail, reason: str | None = None) -> None:
        """The outcome writer's form, after the email's own fenced UPDATE changed its row."""
        self.apply_to(connection, row.letter_id, reason)

    def apply_to(self, connection, letter_id: int | None, reason: str | None = None) -> None:
        """Statement by statement, in `connection`'s (or a session's) transaction."""
        if letter_id is None:
            return
        params = {"message_id": letter_id, **self.params(reason)}
        statements = _statements(self)
        if self.move_to is None:
            connection.execute(statements.note, params)
        elif connection.execute(statements.move, params).rowcount:
            connection.execute(statements.moved_event, params)
            if self.then_queue:
                connection.execute(statements.follow_up, params)
            if statements.announce is not None:
                connection.execute(statements.announce, params)
        elif self.otherwise:
            connection.execute(statements.otherwise, params)

    def event_detail(self, reason: str | None) -> str:
        return self.detail.format(reason=reason or "")[:300]

    def params(self, reason: str | None) -> dict:
        """The bound values `joined_to`'s statement needs besides the fence's."""
        return {"outcome_at": utcnow(), "detail": self.event_detail(reason)}

    def joined_to(self, fenced_update):
        """The fenced outbox UPDATE and this outcome as one statement, returning
        the outbox row's id if the fence held. Built once per outcome and fence."""
        return _joined(self, fenced_update)


_NOW = bindparam("outcome_at", type_=DateTime())
_DETAIL = bindparam("detail", type_=String())
_MESSAGE_ID = bindparam("message_id", type_=Integer())


@dataclass(frozen=True)
class _Statements:
    """An outcome's statements for one letter, as `apply` runs them."""

    move: Executable | None
    moved_event: Executable | None
    follow_up: Executable | None
    note: Executable
    otherwise: Executable | None
    announce: Executable | None


@functools.cache
def _statements(outcome: LetterOutcome) -> _Statements:
    letter = Letter.__table__.c.id == _MESSAGE_ID
    move_to, then_queue = outcome.move_to, outcome.then_queue
    return _Statements(
        move=_move(outcome, letter) if move_to is not None else None,
        moved_event=_moved_event(move_to, _MESSAGE_ID) if move_to is not None else None,
        follow_up=_follow_up(then_queue, _MESSAGE_ID) if then_queue else None,
        note=_note(_DETAIL, letter),
        otherwise=_note(text_value(outcome.otherwise), letter) if outcome.otherwise else None,
        announce=_announce(outcome.announces, _MESSAGE_ID, _partner_of(_MESSAGE_ID))
        if outcome.announces
        else None,
    )


@functools.cache
def _joined(outcome: LetterOutcome, fenced_update):
    outbox = OutboxEmail.__table__
    settled = fenced_update.returning(outbox.c.id, outbox.c.message_id).cte("settled")
    return select(settled.c.id).add_cte(
        *_letter_clauses(outcome, Letter.__table__.c.id == settled.c.message_id)
    )


def _letter_clauses(outcome: LetterOutcome, letter) -> list:
    """`outcome` as data-modifying WITH clauses, for the letter `letter` selects."""
    letters = Letter.__table__
    if outcome.move_to is None:
        return [_note(_DETAIL, letter).cte("noted")]
    moved = _move(outcome, letter).returning(letters.c.id, letters.c.partner_id).cte("moved")
    clauses = [_moved_event(outcome.move_to, moved.c.id).cte("moved_event")]
    if outcome.then_queue:
        clauses.append(_follow_up(outcome.then_queue, moved.c.id).cte("follow_up"))
    if outcome.announces:
        announced = _announce(outcome.announces, moved.c.id, moved.c.partner_id, moved)
        clauses.append(announced.cte("announced"))
    if outcome.otherwise:
        stopped = _note(text_value(outcome.otherwise), letter, ~exists(moved.select()))
        clauses.append(stopped.cte("otherwise"))
    return clauses


# The pieces, for one letter by id or for rows another clause returns.


def _move(outcome: LetterOutcome, letter):
    """The letter moves from QUEUED, if it is still QUEUED (an admin may have
    stopped it meanwhile)."""
    letters = Letter.__table__
    stamps = {outcome.stamp: _NOW} if outcome.stamp else {}
    move = update(letters).where(letter, letters.c.status == LetterStatus.QUEUED)
    if outcome.only_not_to_mp:
        move = move.where(letters.c.to_mp.is_(False))
    return move.values(status=outcome.move_to, **stamps)


def _moved_event(move_to: LetterStatus, moved_id):
    from_to = (text_value(LetterStatus.QUEUED), text_value(move_to))
    return _event(select(moved_id, *from_to, _DETAIL))


def _follow_up(then_queue: EmailKind, moved_id):
    """Once per letter: one the MP's server took twice (sent again after a
    refusal for the site's reasons) gets one copy."""
    return letter_email_insert(then_queue, moved_id, _NOW, once=True)


def _announce(event: Event, moved_id, partner_id, *source):
    """A webhook call to every endpoint that chose the event."""
    return announcement(event, {"message_id": moved_id}, partner_id, _NOW, *source)


def _partner_of(letter_id):
    letters = Letter.__table__
    return select(letters.c.partner_id).where(letters.c.id == letter_id).scalar_subquery()


def _note(detail, *letter):
    """An event that changes nothing: the letter's state, from and to."""
    letters = Letter.__table__
    return _event(select(letters.c.id, letters.c.status, letters.c.status, detail).where(*letter))


def _event(rows):
    return event_insert(rows, _NOW)


@dataclass(frozen=True)
class RecipientSent(JoinedOutcome):
    """A recipient's server took its email (app/letters/recipients.py): the
    recipient, if still QUEUED, is SENT and the letter's history says by
    whom; a letter not to its MP, still QUEUED, then moves as `letter` says
    (SENT at its first recipient, its writer's copy queued). Two recipients
    of one letter settled at once move it once: the move is conditional on
    the letter still being QUEUED, and its row is locked by the first."""

    letter: LetterOutcome

    def __call__(self, row: OutboxEmail, reason: str | None = None) -> None:
        self.apply(db.session, row, reason)

    def apply(self, connection, row: OutboxEmail, reason: str | None = None) -> None:
        self.apply_to(connection, row.letter_id, row.recipient_id, reason)

    def apply_to(self, connection, letter_id, recipient_id, reason: str | None = None) -> None:
        """Statement by statement, in `connection`'s (or a session's) transaction."""
        params = {"recipient_id": recipient_id, **self.params(reason)}
        statements = _recipient_statements()
        if connection.execute(statements.mark, params).rowcount:
            connection.execute(statements.note, params)
            self.letter.apply_to(connection, letter_id, reason)

    def params(self, reason: str | None) -> dict:
        return self.letter.params(reason)

    def joined_to(self, fenced_update):
        return _recipient_joined(self, fenced_update)


@dataclass(frozen=True)
class _RecipientStatements:
    mark: Executable
    note: Executable


_RECIPIENT_ID = bindparam("recipient_id", type_=Integer())


def _mark_sent(recipient):
    recipients = Recipient.__table__
    return (
        update(recipients)
        .where(recipient, recipients.c.status == RecipientStatus.QUEUED)
        .values(status=RecipientStatus.SENT, sent_at=_NOW)
    )


def _note_accepted(recipient_rows):
    """The letter's history: whose server took it, as `recipient_rows` name them."""
    letters = Letter.__table__
    detail = literal("accepted by the mail server of ", String()) + recipient_rows.c.name
    detail = detail + literal(" (", String()) + recipient_rows.c.role + literal(")", String())
    return _event(
        select(letters.c.id, letters.c.status, letters.c.status, detail).where(
            letters.c.id == recipient_rows.c.message_id
        )
    )


@functools.cache
def _recipient_statements() -> _RecipientStatements:
    recipients = Recipient.__table__
    this = recipients.c.id == _RECIPIENT_ID
    return _RecipientStatements(
        mark=_mark_sent(this), note=_note_accepted(recipients.select().where(this).subquery())
    )


@functools.cache
def _recipient_joined(outcome: RecipientSent, fenced_update):
    outbox, recipients = OutboxEmail.__table__, Recipient.__table__
    settled = fenced_update.returning(outbox.c.id, outbox.c.recipient_id).cte("settled")
    marked = (
        _mark_sent(recipients.c.id == settled.c.recipient_id)
        .returning(recipients.c.message_id, recipients.c.name, recipients.c.role)
        .cte("marked")
    )
    letter = Letter.__table__.c.id == marked.c.message_id
    return select(settled.c.id).add_cte(
        marked, _note_accepted(marked).cte("noted_recipient"),
        *_letter_clauses(outcome.letter, letter),
    )  # fmt: skip


# The letters' emails, by kind: what each outcome does to the letter.
SENT = {
    EmailKind.MP_LETTER: LetterOutcome(
        "accepted by the MP's mail server", move_to=LetterStatus.SENT, stamp="sent_at",
        then_queue=EmailKind.CONSTITUENT_COPY,
        otherwise="the MP's mail server accepted it after it stopped",
    ),
    EmailKind.CONFIRMATION: LetterOutcome("confirmation email sent"),
    EmailKind.REMINDER: LetterOutcome("reminder email sent"),
    EmailKind.CONSTITUENT_COPY: LetterOutcome("copy sent to the constituent"),
    EmailKind.DELIVERY_FAILED: LetterOutcome("constituent told of the failure"),
    EmailKind.RECIPIENT_FAILED: LetterOutcome("constituent told of a recipient's failure"),
    EmailKind.REJECTED: LetterOutcome("constituent told of the rejection"),
}  # fmt: skip
FAILED = {
    EmailKind.MP_LETTER: LetterOutcome(
        "{reason}", move_to=LetterStatus.FAILED, then_queue=EmailKind.DELIVERY_FAILED
    ),
    EmailKind.CONFIRMATION: LetterOutcome("confirmation email could not be delivered: {reason}"),
    EmailKind.REMINDER: LetterOutcome("reminder could not be delivered: {reason}"),
}
RETRY = {EmailKind.MP_LETTER: LetterOutcome("delivery to the MP delayed: {reason}")}
# A recipient's email taken: a letter not to its MP is sent at the first.
RECIPIENT_SENT = RecipientSent(LetterOutcome(
    "accepted by its first recipient's mail server", move_to=LetterStatus.SENT, stamp="sent_at",
    then_queue=EmailKind.CONSTITUENT_COPY, only_not_to_mp=True,
))  # fmt: skip
# The site could not build one of the letter's emails: noted, the letter left
# as it is (not the constituent's doing); an admin can resend it once fixed.
UNBUILT = LetterOutcome("an email of this letter could not be built, nothing was sent: {reason}")
