"""What a key may read through the OSDI API, filtered and paged.

- **People** are subscribers who confirmed they want the organisation's
  alerts (and still are, or stopped, or bounced: a CRM needs to know that
  too), and only for the organisation's own keys: they agreed to hear from
  it, not from its partners. Someone who never confirmed, or was erased, is
  not exported.
- **Advocacy campaigns** are the site's public campaigns.
- **Outreaches** are confirmed letters: to whom, when, through whom. A
  partner's key sees the letters written through its widget only. Never a
  letter's words or its writer.
- **Tags** are campaigns as labels on people: a person is tagged with each
  campaign they agreed to alerts within.

Each record's `modified_date` is the latest thing that happened to it (a
letter's last event; a subscription's last change), so `filter=modified_date
gt '...'` finds what changed since a CRM's last sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import DateTime

from app.alerts.models import Consent, Subscriber, SubscriberStatus
from app.api_keys.keys import Holder
from app.api_keys.models import Scope
from app.campaigns.models import Campaign, CampaignStatus
from app.extensions import db
from app.letters.models import Letter, LetterEvent
from app.osdi.filters import Condition
from app.osdi.paging import Page
from app.tokens import ERASED


class Latest(FunctionElement):
    """The latest of some times, ignoring those not set (the first must be)."""

    type = DateTime()
    name = "latest"
    inherit_cache = True


@compiles(Latest, "postgresql")
def _latest_postgresql(element, compiler, **kw):
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(Latest, "sqlite")
def _latest_sqlite(element, compiler, **kw):
    # SQLite's max() of several values is NULL if any is: each falls back to the first.
    columns = list(element.clauses)
    first = compiler.process(columns[0], **kw)
    rest = ", ".join(f"coalesce({compiler.process(c, **kw)}, {first})" for c in columns[1:])
    return f"max({first}, {rest})" if rest else first


@dataclass(frozen=True)
class Slice:
    """One page of a collection, and how many records it has in all."""

    items: list[Any]
    total: int


class NotAllowed(Exception):
    """The key may not read this collection (a missing scope, or people for a partner)."""


# Ids past this fit no database integer: nothing has them.
LARGEST_ID = 2**31 - 1


def _fits(record_id: int) -> bool:
    return 0 < record_id <= LARGEST_ID


def _require(holder: Holder, scope: Scope) -> None:
    if scope not in holder.scopes or (scope.about_people and holder.partner_id is not None):
        raise NotAllowed(scope.value)


def _page(query, order, page: Page) -> Slice:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.order_by(order).offset(page.offset).limit(page.per_page))
    return Slice(list(items), total or 0)


def _filtered(query, conditions: list[Condition], columns: dict[str, Any]):
    return query.where(
        *(condition.applied_to(columns[condition.field]) for condition in conditions)
    )


# People.

PERSON_MODIFIED = Latest(
    Subscriber.created_at, Subscriber.confirmed_at, Subscriber.unsubscribed_at,
    Subscriber.suppressed_at,
)  # fmt: skip
_EXPORTED = and_(
    Subscriber.confirmed_at.is_not(None),  # proved their address and agreed
    Subscriber.status.in_(
        (SubscriberStatus.CONFIRMED, SubscriberStatus.UNSUBSCRIBED, SubscriberStatus.SUPPRESSED)
    ),
    ~Subscriber.email.startswith(ERASED),
)


def people(holder: Holder, conditions: list[Condition], page: Page) -> Slice:
    _require(holder, Scope.READ_PEOPLE)
    query = _filtered(
        select(Subscriber).where(_EXPORTED), conditions,
        {"modified_date": PERSON_MODIFIED, "created_date": Subscriber.created_at},
    )  # fmt: skip
    return _page(query, Subscriber.id, page)


def person(holder: Holder, person_id: int, scope: Scope = Scope.READ_PEOPLE) -> Subscriber | None:
    """A person the key may see (`scope`: reading them, or writing to them)."""
    _require(holder, scope)
    if not _fits(person_id):
        return None
    return db.session.scalar(select(Subscriber).where(Subscriber.id == person_id, _EXPORTED))


def person_modified(subscriber: Subscriber):
    return max(
        moment
        for moment in (subscriber.created_at, subscriber.confirmed_at,
                       subscriber.unsubscribed_at, subscriber.suppressed_at)
        if moment is not None
    )  # fmt: skip


# Advocacy campaigns: public, for any key.

_PUBLIC = Campaign.status.in_((CampaignStatus.LIVE, CampaignStatus.CLOSED))


def campaigns(conditions: list[Condition], page: Page) -> Slice:
    query = _filtered(
        select(Campaign).where(_PUBLIC), conditions,
        {"modified_date": Campaign.updated_at, "created_date": Campaign.created_at},
    )  # fmt: skip
    return _page(query, Campaign.id, page)


def campaign(campaign_id: int) -> Campaign | None:
    if not _fits(campaign_id):
        return None
    return db.session.scalar(select(Campaign).where(Campaign.id == campaign_id, _PUBLIC))


def campaign_by_slug(slug: str) -> Campaign | None:
    return db.session.scalar(select(Campaign).where(Campaign.slug == slug, _PUBLIC))


def outreach_counts(holder: Holder, campaign_ids: list[int]) -> dict[int, int]:
    """Confirmed letters per campaign, as far as the key may see them."""
    query = (
        select(Letter.campaign_id, func.count())
        .where(Letter.campaign_id.in_(campaign_ids), *_visible_letters(holder))
        .group_by(Letter.campaign_id)
    )
    return dict(db.session.execute(query).all())


# Outreaches.

LETTER_MODIFIED = (
    select(func.max(LetterEvent.created_at))
    .where(LetterEvent.letter_id == Letter.id)
    .correlate(Letter)
    .scalar_subquery()
)


def _visible_letters(holder: Holder) -> list[ColumnElement[bool]]:
    seen: list[ColumnElement[bool]] = [Letter.confirmed_at.is_not(None)]
    if holder.partner_id is not None:
        seen.append(Letter.partner_id == holder.partner_id)
    return seen


def outreaches(
    holder: Holder, conditions: list[Condition], page: Page, campaign_id: int | None = None
) -> Slice:
    _require(holder, Scope.READ_OUTREACHES)
    query = select(Letter).where(*_visible_letters(holder))
    if campaign_id is not None:
        query = query.where(Letter.campaign_id == campaign_id)
    query = _filtered(
        query, conditions, {"modified_date": LETTER_MODIFIED, "created_date": Letter.created_at}
    )
    return _page(query, Letter.id, page)


def outreach(holder: Holder, public_id: str) -> Letter | None:
    _require(holder, Scope.READ_OUTREACHES)
    return db.session.scalar(
        select(Letter).where(Letter.public_id == public_id, *_visible_letters(holder))
    )


def letter_modified(letter: Letter):
    return (
        db.session.scalar(
            select(func.max(LetterEvent.created_at)).where(LetterEvent.letter_id == letter.id)
        )
        or letter.created_at
    )


# Tags: a campaign as a label on the people who agreed to alerts within it.


def tags(conditions: list[Condition], page: Page) -> Slice:
    return campaigns(conditions, page)


def taggings(holder: Holder, campaign_id: int, page: Page) -> Slice:
    """The people tagged with a campaign, as (consent, subscriber) pairs."""
    _require(holder, Scope.READ_PEOPLE)
    first_consent = (
        select(func.min(Consent.id))
        .join(Subscriber, Subscriber.id == Consent.subscriber_id)
        .where(Consent.campaign_id == campaign_id, _EXPORTED)
        .group_by(Consent.subscriber_id)
    )
    query = select(Consent).where(Consent.id.in_(first_consent))
    return _page(query, Consent.id, page)


def tagging(holder: Holder, consent_id: int) -> Consent | None:
    _require(holder, Scope.READ_PEOPLE)
    found = db.session.get(Consent, consent_id) if _fits(consent_id) else None
    if found is None or found.campaign_id is None or person(holder, found.subscriber_id) is None:
        return None
    return found


def person_taggings(holder: Holder, person_id: int, page: Page) -> Slice:
    """The campaigns a person is tagged with: their first consent within each."""
    _require(holder, Scope.READ_PEOPLE)
    first_consent = (
        select(func.min(Consent.id))
        .where(Consent.subscriber_id == person_id, Consent.campaign_id.is_not(None))
        .group_by(Consent.campaign_id)
    )
    return _page(select(Consent).where(Consent.id.in_(first_consent)), Consent.id, page)
