"""The outbox: every email the site sends, and every call to a partner's
webhook, is a row here first.

A web request commits the row with the change that caused it; the worker
claims rows as time-limited leases and sends them (app/outbox/worker.py).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, exists, insert, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import FunctionElement

from app.db import Model, index_where_set, text_value, utcnow

if TYPE_CHECKING:
    from app.alerts.models import AlertRecipient, Subscriber
    from app.letters.models import Letter, Recipient


class EmailKind(StrEnum):
    CONFIRMATION = "confirmation"  # to the constituent: confirm your address
    REMINDER = "reminder"  # to the constituent: you have not confirmed yet
    MP_LETTER = "mp_letter"  # to the MP, Reply-To the constituent
    CONSTITUENT_COPY = "copy"  # to the constituent: what your MP received
    DELIVERY_FAILED = "failed"  # to the constituent: we could not deliver
    REJECTED = "rejected"  # to the constituent: a moderator did not send it
    ALREADY_WRITTEN = "written"  # to the constituent: you wrote already; where it stands
    SUBSCRIBE_CONFIRM = "subscribe"  # to a new subscriber: confirm alerts
    ALERT = "alert"  # to a subscriber: a campaign alert
    ALERT_TEST = "alert_test"  # an alert's test copy, to the admin writing it
    SITE_PROBLEM = "site_problem"  # to the admins: the relay refuses the site
    DATA_LINK = "data_link"  # to a person who asked: the link to their data
    PREFERENCES_LINK = "prefs_link"  # to a subscriber who asked: a fresh preferences link
    OFFICE_LINK = "office_link"  # to an MP's own address: a link to change how letters arrive
    DID_REPLY = "did_reply"  # to the constituent, days after delivery: did your MP reply?
    DISSOLVED = "dissolved"  # to the constituent: Parliament is dissolved, the letter waits
    RECONFIRM = "reconfirm"  # to the constituent: send your waiting letter to your new MP?
    DIGEST = "digest"  # to an MP's office that chose it: a day's letters in one email
    TO_RECIPIENT = "to_recipient"  # a letter to one of its other recipients (app/targets/)
    RECIPIENT_FAILED = "recipient_failed"  # to the constituent: it did not reach that one
    TARGET_DIGEST = "target_digest"  # to a target's office that chose it: a day's letters
    TARGET_OFFICE_LINK = "target_link"  # to a target's own address: change how letters arrive


class OutboxStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # leased by a worker until lease_expires_at
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


# Alert mail (bulk) is queued at this priority or above, other email below,
# and calls to webhooks at CALLBACK_PRIORITY: the worker claims each band as
# one range of the claim index (app/outbox/claims.py).
BULK_PRIORITY = 10
CALLBACK_PRIORITY = 20


class RandomToken(FunctionElement):
    """32 random hex digits, made by the database for each row it inserts (the
    outbox's rows come from ORM inserts, bulk inserts and INSERT ... SELECT
    statements compiled once, so a Python default would not reach them all)."""

    type = String()
    name = "random_token"
    inherit_cache = True


@compiles(RandomToken, "sqlite")
def _random_token_sqlite(element, compiler, **kw):
    return "lower(hex(randomblob(16)))"


@compiles(RandomToken, "postgresql")
def _random_token_postgresql(element, compiler, **kw):
    return "replace(CAST(gen_random_uuid() AS TEXT), '-', '')"  # PostgreSQL 13 and later


class OutboxEmail(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # An EmailKind, or a webhook's event ("letter.delivered": app/webhooks/).
    kind: Mapped[str] = mapped_column(String(30))
    # Lower goes first: people waiting on a confirmation, and MPs' letters,
    # never queue behind a fan-out of alerts.
    priority: Mapped[int] = mapped_column(default=0)
    status: Mapped[OutboxStatus] = mapped_column(String(10), default=OutboxStatus.QUEUED)
    letter_id: Mapped[int | None] = mapped_column("message_id", ForeignKey("message.id"))
    subscriber_id: Mapped[int | None] = mapped_column(ForeignKey("subscriber.id"))
    alert_recipient_id: Mapped[int | None] = mapped_column(ForeignKey("alert_recipient.id"))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id"))
    # Which of the letter's other recipients it is to, or about (app/targets/).
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("letter_recipient.id"))
    to_address: Mapped[str | None] = mapped_column(String(254))  # an admin: a test copy, a problem
    # A webhook's call: the endpoint it goes to (its subject is the letter or
    # subscriber above; the payload is built when it is sent).
    endpoint_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_endpoint.id"))
    # The language to write it in, where no letter or subscriber says (a data link).
    language: Mapped[str | None] = mapped_column(String(5))
    attempts: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    lease_token: Mapped[str | None] = mapped_column(String(32))
    lease_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
    # Random, per row, set when the row is inserted: the email's Message-ID
    # carries it (app/outbox/mime.py), so the id is the same on every attempt
    # yet differs from any other database's row of the same id (a staging
    # copy, a restore, a second install).
    message_token: Mapped[str] = mapped_column(String(32), server_default=RandomToken())

    letter: Mapped[Letter | None] = relationship()
    subscriber: Mapped[Subscriber | None] = relationship()
    alert_recipient: Mapped[AlertRecipient | None] = relationship()
    recipient: Mapped[Recipient | None] = relationship()

    @property
    def to_subscriber(self) -> Subscriber | None:
        """The subscriber it is addressed to: named on the row (a confirmation,
        a preferences link) or through its alert's recipient."""
        if self.subscriber is not None:
            return self.subscriber
        return self.alert_recipient.subscriber if self.alert_recipient else None

    __table_args__ = (
        Index("ix_outbox_email_claim", "status", "priority", "id"),
        Index("ix_outbox_email_message", "message_id"),
        # Each of these names what only some rows have (an alert's, a call's,
        # a recipient's): indexing only those rows spares every other row's
        # insert and outcome writing an entry for NULL in each (a fifth of
        # the pages SQLite writes an email; docs/performance.md). A query
        # that compares the column (= or IN) can use its index.
        *(
            index_where_set(f"ix_outbox_email_{name}", *columns)
            for name, columns in (
                ("subscriber", ("subscriber_id",)),
                ("alert_recipient", ("alert_recipient_id",)),
                ("alert_status", ("alert_id", "status")),
                ("endpoint", ("endpoint_id",)),
                ("recipient", ("recipient_id",)),
            )
        ),
    )


class WorkerHeartbeat(Model):
    """Each worker process's last sign of life, and the site problem it meets,
    if any (the relay refusing the site itself): what the dashboard shows."""

    id: Mapped[str] = mapped_column(String(120), primary_key=True)  # host:pid
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    site_problem: Mapped[str | None] = mapped_column(String(300))
    site_problem_since: Mapped[datetime | None]


def letter_email_insert(kind: EmailKind, letter_id, now, *source, once: bool = False):
    """A Core INSERT ... SELECT queuing an email of `kind` for the letter
    `letter_id` (a bound id, or a column of `source`), with the values
    OutboxEmail's defaults give a new row: for statements built once.
    With `once`, nothing is queued if the letter already has one."""
    columns = {
        "kind": text_value(kind), "message_id": letter_id, "priority": literal(0),
        "status": text_value(OutboxStatus.QUEUED), "attempts": literal(0),
        "not_before": now, "created_at": now,
    }  # fmt: skip
    rows = select(*columns.values()).select_from(*source)
    if once:
        table = OutboxEmail.__table__
        rows = rows.where(
            ~exists(table.select().where(table.c.message_id == letter_id, table.c.kind == kind))
        )
    return insert(OutboxEmail.__table__).from_select(list(columns), rows)


class DomainPause(Model):
    """A recipient domain whose servers refused the site itself (a blocklist,
    its reputation, authentication): mail to it waits until `until`, longer
    at each refusal in a row (app/outbox/pauses.py)."""

    __tablename__ = "domain_pause"
    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    until: Mapped[datetime]
    strikes: Mapped[int] = mapped_column(default=1)
    since: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(String(300), default="")  # the server's words, no address
