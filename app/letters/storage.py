"""Storing a new letter: the letter, its first event and its confirmation email.

The submit endpoint's hot path. Written once per letter through the ORM it
was eight round trips on PostgreSQL (the campaign's read and the unit of work
each in its own transaction) and most of the request's time in the flush's
bookkeeping. Here it is statements built once, run together by
app/adapters/chained_insert.py: one statement on PostgreSQL, one
transaction on SQLite.

Each inserts the letter only while its campaign is live, checked in the
INSERT itself, so a campaign closed after the request read it (or a cached
copy of it) takes no letter. The unique indexes on the letter refuse a double
submit or a second letter from the same constituent (IntegrityError, and
nothing is stored).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    and_,
    bindparam,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
)

from app.adapters.chained_insert import insert_chained
from app.campaigns.models import Campaign, CampaignStatus
from app.db import end_read_transaction, text_value, utcnow
from app.letters.models import (
    WRITTEN_STATUSES,
    Letter,
    LetterStatus,
    Recipient,
    RecipientStatus,
    event_insert,
)
from app.outbox.models import EmailKind, letter_email_insert
from app.targets.models import Target, TargetStance, TargetVariant

# What a caller gives for each letter; the rest is fixed or stamped here.
LETTER_COLUMNS = (
    "public_id", "submission_key", "campaign_id", "constituency_id", "mp_id", "sender_name",
    "sender_email", "sender_email_key", "address1", "address2", "town", "postcode",
    "constituency_chosen", "by_post", "language", "subject", "body", "source", "partner_id",
    "embed_url", "ip_hash", "share_code", "referred_by_id", "share_channel", "alert_id",
    "alert_variant", "to_mp", "recipient_count",
)  # fmt: skip
_NOW = bindparam("now", type_=DateTime())


def insert_letter(letter: dict, event_detail: str, target_ids: Sequence[int] = ()) -> int | None:
    """Store `letter` (a value for each of LETTER_COLUMNS, and `erased_key`) as
    PENDING, with its event, its confirmation email queued and a recipient
    for each of `target_ids` (app/targets/); its id, or None if its campaign
    is not live or its writer's erased letter was delivered. Raises
    IntegrityError if a unique index refuses it."""
    end_read_transaction()  # a double submit's refusal is looked up in the session
    params = {**letter, "now": utcnow(), "event_detail": event_detail[:300]}
    params.update({f"target_{n}": target_id for n, target_id in enumerate(target_ids)})
    return insert_chained(_letter(), _then(len(target_ids)), params)


@functools.cache
def _then(recipients: int) -> tuple:
    """What hangs off a new letter: built once for each number of recipients."""
    return (_event, _email, *(functools.partial(_recipient, n) for n in range(recipients)))


@functools.cache
def _letter():
    table = Letter.__table__
    values = {name: bindparam(name, type_=table.c[name].type) for name in LETTER_COLUMNS}
    campaign = Campaign.__table__
    live = exists().where(
        campaign.c.id == values["campaign_id"], campaign.c.status == CampaignStatus.LIVE
    )
    # A delivered letter whose personal fields were erased keeps a keyed hash
    # of its address (app/privacy/retention.py): it still counts as this
    # person's one letter in the campaign.
    erased = bindparam("erased_key", type_=table.c.sender_email_key.type)
    written = exists().where(
        table.c.campaign_id == values["campaign_id"],
        table.c.sender_email_key == erased,
        # An OR of equalities, not IN: the chained insert runs its SQL as compiled once.
        or_(*(table.c.status == status for status in WRITTEN_STATUSES)),
    )
    stamped = {"status": text_value(LetterStatus.PENDING), "created_at": _NOW}
    columns = [*LETTER_COLUMNS, *stamped]
    rows = select(*values.values(), *stamped.values()).where(live, ~written)
    return insert(table).from_select(columns, rows)


def _event(letter_id, *source):
    pending, detail = text_value(LetterStatus.PENDING), bindparam("event_detail", type_=String())
    rows = select(letter_id, literal(None), pending, detail).select_from(*source)
    return event_insert(rows, _NOW)


def _email(letter_id, *source):
    return letter_email_insert(EmailKind.CONFIRMATION, letter_id, _NOW, *source)


def _recipient(n: int, letter_id, *source):
    """The letter's n-th recipient, as its target is now, with the
    campaign's variant for its stance (if it is marked and has one)."""
    target, table = Target.__table__, Recipient.__table__
    stance, variant = TargetStance.__table__, TargetVariant.__table__
    campaign_id = bindparam("campaign_id", type_=Integer())
    copied = ("name", "role", "body", "postal_address")
    marked = target.outerjoin(stance, and_(
        stance.c.campaign_id == campaign_id, stance.c.list_id == target.c.list_id,
        stance.c.ref == target.c.ref,
    )).outerjoin(variant, and_(
        variant.c.campaign_id == campaign_id, variant.c.stance == stance.c.stance,
    ))  # fmt: skip
    rows = (
        select(letter_id, target.c.id, literal(n), *(target.c[name] for name in copied),
               # An address that bounced is not used: the writer posts it.
               case((target.c.bounced_at.is_(None), target.c.email), else_=None),
               text_value(RecipientStatus.WAITING), variant.c.stance,
               func.nullif(variant.c.subject, ""), func.nullif(variant.c.opening, ""))
        .select_from(*source, marked)
        .where(target.c.id == bindparam(f"target_{n}", type_=Integer()))
    )  # fmt: skip
    columns = ["message_id", "target_id", "position", *copied, "email", "status", "stance",
               "subject", "opening"]  # fmt: skip
    return insert(table).from_select(columns, rows)
