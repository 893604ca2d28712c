"""Constituents' letters to their MP, and the log of every state change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, false, insert, text, true
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from app.campaigns.models import Campaign
from app.db import Model, index_where_set, text_value, utcnow
from app.i18n import in_words
from app.partners.models import Partner
from app.reference.models import MP, Constituency
from app.webhooks.announcing import announce
from app.webhooks.models import Event


class LetterStatus(StrEnum):
    PENDING = "pending"  # stored, waiting for the constituent to confirm their address
    HELD = "held"  # confirmed, but held by moderation before delivery
    QUEUED = "queued"  # confirmed; an outbox row will deliver it
    SENT = "sent"  # accepted by the MP's mail server (or marked delivered by hand)
    FAILED = "failed"  # the MP's mail server refused it, or delivery gave up
    EXPIRED = "expired"  # never confirmed
    REJECTED = "rejected"  # a moderator refused it
    CANCELLED = "cancelled"  # an admin stopped it
    WAITING = "waiting"  # Parliament is dissolved: held for the new MP, who gets it if reconfirmed
    POSTED = (
        "posted"  # confirmed, to an MP with no usable email: the constituent prints and posts it
    )


# A letter moving to a state the organisation's and partners' systems hear
# of (app/webhooks/), however it moves: the worker's outcomes
# (app/letters/outcomes.py) and `Letter.move_to` alike.
ANNOUNCED = {LetterStatus.SENT: Event.LETTER_DELIVERED, LetterStatus.FAILED: Event.LETTER_FAILED}


ALLOWED_TRANSITIONS: dict[LetterStatus, frozenset[LetterStatus]] = {
    LetterStatus.PENDING: frozenset(
        {
            LetterStatus.QUEUED,
            LetterStatus.HELD,
            LetterStatus.EXPIRED,
            LetterStatus.CANCELLED,
            LetterStatus.WAITING,
            LetterStatus.POSTED,
        }
    ),
    LetterStatus.HELD: frozenset(
        {LetterStatus.QUEUED, LetterStatus.POSTED, LetterStatus.REJECTED, LetterStatus.CANCELLED}
    ),
    LetterStatus.QUEUED: frozenset(
        {
            LetterStatus.SENT,
            LetterStatus.FAILED,
            LetterStatus.CANCELLED,
            LetterStatus.HELD,
            LetterStatus.WAITING,
            # A letter only to others whose emailed recipients all failed, and
            # one of whom its writer posts to (app/letters/recipients.py).
            LetterStatus.POSTED,
        }
    ),
    LetterStatus.WAITING: frozenset(
        {LetterStatus.QUEUED, LetterStatus.POSTED, LetterStatus.CANCELLED}
    ),
    LetterStatus.FAILED: frozenset({LetterStatus.QUEUED, LetterStatus.SENT}),
    LetterStatus.SENT: frozenset(
        {LetterStatus.QUEUED, LetterStatus.FAILED}
    ),  # FAILED: a bounce after the relay took it
    LetterStatus.CANCELLED: frozenset({LetterStatus.QUEUED}),
    LetterStatus.EXPIRED: frozenset(),
    LetterStatus.REJECTED: frozenset(),
    LetterStatus.POSTED: frozenset({LetterStatus.CANCELLED}),
}
# A letter stopped for good: its recipients not yet written to never will be.
STOPPED = (LetterStatus.CANCELLED, LetterStatus.REJECTED, LetterStatus.EXPIRED)
# A constituent has one of these per campaign at most.
ACTIVE_STATUSES = (
    LetterStatus.PENDING,
    LetterStatus.HELD,
    LetterStatus.QUEUED,
    LetterStatus.SENT,
    LetterStatus.WAITING,
    LetterStatus.POSTED,
)
# Letters that reached their MPs: delivered by email, or printed and posted by their writers.
WRITTEN_STATUSES = (LetterStatus.SENT, LetterStatus.POSTED)
# A follow-up (a second letter to an MP who did not reply) is not counted.
_ACTIVE_SQL = text(
    "status IN ({}) AND follow_up_of_id IS NULL".format(
        ", ".join(f"'{s.value}'" for s in ACTIVE_STATUSES)
    )
)


class Source(StrEnum):
    """How the constituent arrived: what brings people in."""

    DIRECT = "direct"
    WIDGET = "widget"
    ALERT = "alert"
    SHARE = "share"


@dataclass(frozen=True)
class Attribution:
    """Where a letter came from, credited on the dashboard: the way it came
    through (`source`), and whichever of a partner's page, a writer's share
    link or an alert brought the constituent there."""

    source: str = Source.DIRECT
    partner_id: int | None = None
    embed_url: str | None = None
    ip_hash: str = ""
    referred_by_id: int | None = None  # the letter whose share link brought them
    share_channel: str | None = None
    alert_id: int | None = None  # the alert they clicked through from
    alert_variant: str | None = None  # and its variant, in an A/B test


class IllegalTransition(Exception):
    """A letter was asked to move to a state it cannot reach from where it is."""


class Letter(Model):
    # The tables keep their first names (message, message_event, message_shingle
    # and the message_id columns): renaming them would buy nothing but a migration.
    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    submission_key: Mapped[str] = mapped_column(String(40), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    constituency_id: Mapped[int] = mapped_column(ForeignKey("constituency.id"))
    mp_id: Mapped[int] = mapped_column(ForeignKey("mp.id"))
    status: Mapped[LetterStatus] = mapped_column(String(12), default=LetterStatus.PENDING)
    # The share of it in its writer's own words (0-100), measured when it was
    # confirmed: the figure its MP's footer and its writer's copy both give.
    own_percent: Mapped[int | None]
    # The language its writer used the site in: their emails are written in it.
    language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    # Written to an MP we cannot email: the constituent prints it and posts it.
    by_post: Mapped[bool] = mapped_column(default=False, server_default=false())
    # False when the writer did not write to their MP but to other targets
    # only (its `recipients`): its MP and constituency then only say where
    # the writer lives, and its status follows its recipients.
    to_mp: Mapped[bool] = mapped_column(default=True, server_default=true())
    # How many `recipients` it has: most letters have none, and their emails
    # need not ask the database so.
    recipient_count: Mapped[int] = mapped_column(default=0, server_default="0")

    sender_name: Mapped[str] = mapped_column(String(100))
    sender_email: Mapped[str] = mapped_column(String(254))
    sender_email_key: Mapped[str] = mapped_column(String(254))  # normalised, for dedupe
    address1: Mapped[str] = mapped_column(String(100))
    address2: Mapped[str] = mapped_column(String(100), default="")
    town: Mapped[str] = mapped_column(String(60))
    postcode: Mapped[str] = mapped_column(String(8))
    # True when the constituent picked the constituency themselves (Northern
    # Ireland, or a postcode the data places in no constituency).
    constituency_chosen: Mapped[bool] = mapped_column(default=False)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)

    source: Mapped[Source] = mapped_column(String(10), default=Source.DIRECT)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"))
    embed_url: Mapped[str | None] = mapped_column(String(500))
    ip_hash: Mapped[str] = mapped_column(String(32), default="")
    # The sharing loop: this letter's own share code, and who brought it in.
    share_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))
    share_channel: Mapped[str | None] = mapped_column(String(10))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id"))
    alert_variant: Mapped[str | None] = mapped_column(String(1))
    # Moderation: why a confirmed letter is held, and the letter it resembles.
    hold_reason: Mapped[str | None] = mapped_column(String(200))
    # The outbox row of the office's daily digest this letter went in
    # (app/offices/), if it did. An id, not a foreign key: outbox rows already
    # point at letters, and a second path between the tables would be circular.
    digest_outbox_id: Mapped[int | None] = mapped_column()
    similar_to_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))
    # The letter this follows up, written after its MP did not reply; one each.
    follow_up_of_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"), unique=True)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # When its personal fields were erased (app/privacy/retention.py).
    erased_at: Mapped[datetime | None]

    campaign: Mapped[Campaign] = relationship()
    constituency: Mapped[Constituency] = relationship()
    mp: Mapped[MP] = relationship()
    partner: Mapped[Partner | None] = relationship()
    events: Mapped[list[LetterEvent]] = relationship(
        back_populates="letter", order_by="LetterEvent.id", cascade="all, delete-orphan"
    )
    # Who else it goes to, besides its MP (app/targets/): each with its own email and state.
    recipients: Mapped[list[Recipient]] = relationship(
        back_populates="letter", order_by="Recipient.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index(
            "uq_message_one_active_per_campaign",
            "campaign_id",
            "sender_email_key",
            unique=True,
            sqlite_where=_ACTIVE_SQL,
            postgresql_where=_ACTIVE_SQL,
        ),
        # The dashboard's GROUP BYs are answered from these indexes alone.
        Index("ix_message_campaign_status", "campaign_id", "status", "constituency_id"),
        # (also the export's GROUP BY constituency, status: no other order is kept)
        Index("ix_message_status_constituency", "status", "constituency_id"),
        Index("ix_message_status_created", "status", "created_at"),
        Index("ix_message_created_status", "created_at", "status"),
        Index("ix_message_partner_status", "partner_id", "status"),
        Index("ix_message_source_status", "source", "status"),
        Index("ix_message_sender_email_created", "sender_email_key", "created_at"),
        # Most letters have none of these: only the rows that do are indexed.
        index_where_set("ix_message_referred_by", "referred_by_id"),
        index_where_set("ix_message_alert", "alert_id"),
        index_where_set("ix_message_digest_outbox_id", "digest_outbox_id"),
        Index("ix_message_ip_created", "ip_hash", "created_at"),
    )

    def move_to(self, status: LetterStatus, *, detail: str = "", actor: str = "system") -> None:
        """Change state, refusing moves the state machine does not allow, and log it."""
        current = LetterStatus(self.status)
        if status not in ALLOWED_TRANSITIONS[current]:
            raise IllegalTransition(f"letter {self.id}: {current} -> {status} is not allowed")
        self._add_event(
            LetterEvent(from_status=current, to_status=status, detail=detail[:300], actor=actor)
        )
        if current == LetterStatus.QUEUED and status not in (
            LetterStatus.SENT,
            LetterStatus.FAILED,
        ):
            # Held, waiting, cancelled: no office's digest carries it any more
            # (a digest is built from its letters as they are when it goes),
            # and back in the queue it is gathered afresh.
            self.digest_outbox_id = None
        self.status = status
        if self.recipient_count and status in STOPPED:
            for recipient in self.recipients:
                if recipient.status in STILL_TO_GO:
                    recipient.status = RecipientStatus.CANCELLED
        if status in ANNOUNCED:  # delivered by hand, or failed by a later bounce
            session = object_session(self)
            assert session is not None, "a letter changes state in a session"
            announce(session, ANNOUNCED[status], letter_id=self.id, partner_id=self.partner_id)

    def addressed_to(self) -> str:
        """Who it is to, in words: "Alice Able", "Alice Able and Jo Bloggs",
        "Alice Able, Jo Bloggs and Sam Teal"."""
        if not self.recipient_count:
            return self.mp.name
        return in_words(([self.mp.name] if self.to_mp else []) + [r.name for r in self.recipients])

    def log(self, detail: str, *, actor: str = "system") -> None:
        """Record something that happened without a change of state (a retry, a reminder)."""
        self._add_event(
            LetterEvent(
                from_status=self.status, to_status=self.status, detail=detail[:300], actor=actor
            )
        )

    def _add_event(self, event: LetterEvent) -> None:
        # Through the many-to-one side: appending to `events` would first load
        # every earlier event of a stored letter, one query per state change.
        event.letter = self
        session = object_session(self)
        if session is not None:
            session.add(event)


class LetterEvent(Model):
    """One line of a letter's history. Never holds the body or an address."""

    __tablename__ = "message_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column("message_id", ForeignKey("message.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    from_status: Mapped[LetterStatus | None] = mapped_column(String(12))
    to_status: Mapped[LetterStatus] = mapped_column(String(12))
    detail: Mapped[str] = mapped_column(String(300), default="")
    actor: Mapped[str] = mapped_column(String(80), default="system")

    letter: Mapped[Letter] = relationship(back_populates="events")

    @property
    def is_transition(self) -> bool:
        """A change of state, rather than a note (a retry, a reminder sent)."""
        return self.from_status != self.to_status


_EVENT_COLUMNS = ("message_id", "created_at", "from_status", "to_status", "detail", "actor")


def event_insert(rows, now):
    """A Core INSERT INTO message_event from `rows`, a SELECT of (message_id,
    from_status, to_status, detail), stamped `now` and written by the system:
    what `move_to` and `log` add, for statements built once."""
    letter_id, from_status, to_status, detail = rows.selected_columns
    rows = rows.with_only_columns(
        letter_id, now, from_status, to_status, detail, text_value("system"),
        maintain_column_froms=True,
    )  # fmt: skip
    return insert(LetterEvent.__table__).from_select(_EVENT_COLUMNS, rows)


class RecipientStatus(StrEnum):
    WAITING = "waiting"  # its letter is not confirmed, or is held
    QUEUED = "queued"  # an outbox row will deliver it
    SENT = "sent"  # accepted by the recipient's mail server
    FAILED = "failed"  # refused, bounced, or given up: its writer is told which one
    # Refused again and again for the site's reasons: waits for an admin
    # (app/letters/site_refusals.py)
    HELD = "held"
    POSTED = "posted"  # no email address: its writer prints and posts it
    CANCELLED = "cancelled"  # its letter was stopped, rejected or expired


# A recipient its letter is still to reach: not yet sent, or held for an admin.
STILL_TO_GO = (RecipientStatus.WAITING, RecipientStatus.QUEUED, RecipientStatus.HELD)


class Recipient(Model):
    """One of a letter's recipients other than its MP (app/targets/), with
    who they were when the letter was written: a target list replaced
    since does not change who a letter went to."""

    __tablename__ = "letter_recipient"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column("message_id", ForeignKey("message.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)  # in the order the writer saw them
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    postal_address: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[RecipientStatus] = mapped_column(String(10), default=RecipientStatus.WAITING)
    sent_at: Mapped[datetime | None]
    failure: Mapped[str | None] = mapped_column(String(300))  # the server's words, no address
    # Refusals for the site's reasons in bounce reports (app/letters/site_refusals.py).
    site_refusals: Mapped[int] = mapped_column(server_default="0")
    # The campaign's variant for the recipient's stance (app/targets/models.py),
    # as the writer saw it in their preview: None for none.
    stance: Mapped[str | None] = mapped_column(String(9))
    subject: Mapped[str | None] = mapped_column(String(200))
    opening: Mapped[str | None] = mapped_column(String(1000))
    # Did they reply? The writer's answer (app/replies/: an Answer), as for the MP.
    answer: Mapped[str | None] = mapped_column(String(8))
    answered_at: Mapped[datetime | None]
    # The daily digest its office chose that carries it (app/offices/targets.py),
    # if it did: an id, as the letter's own is.
    digest_outbox_id: Mapped[int | None] = mapped_column(index=True)

    letter: Mapped[Letter] = relationship(back_populates="recipients")

    # The few held for an admin, found at every admin page (the moderation count).
    __table_args__ = (
        Index("ix_letter_recipient_held", "message_id",
              sqlite_where=text("status = 'held'"), postgresql_where=text("status = 'held'")),
    )  # fmt: skip


class LetterShingle(Model):
    """A bottom-k sketch of a letter's own words, for finding near-duplicates by index."""

    __tablename__ = "message_shingle"

    letter_id: Mapped[int] = mapped_column("message_id", ForeignKey("message.id"), primary_key=True)
    hash: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # a signed 64-bit hash
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))

    __table_args__ = (Index("ix_message_shingle_lookup", "campaign_id", "hash"),)
