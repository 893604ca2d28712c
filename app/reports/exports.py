"""CSV exports, streamed a row at a time so 100,000 letters never sit in memory.

Cells that a spreadsheet would run as a formula (starting with = + - @ or a
tab) are prefixed with an apostrophe: a constituent's name must never become
code on a campaigner's laptop.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.alerts.models import Consent, Subscriber, SubscriberStatus
from app.campaigns.models import Campaign
from app.extensions import db
from app.letters.models import Letter, LetterStatus, Recipient
from app.partners.models import Partner
from app.reference.models import MP, Constituency

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(v) for v in row])
        yield buffer.getvalue()


def _iso(value) -> str:
    return value.isoformat(sep=" ", timespec="seconds") if value else ""


def _each_letter(query, campaign_id: int | None):
    """`query`, which selects from letters, joined to each letter's campaign
    and constituency, one campaign's if given, read a thousand rows at a time."""
    query = (
        query.join(Campaign, Letter.campaign_id == Campaign.id)
        .join(Constituency, Letter.constituency_id == Constituency.id)
        .execution_options(yield_per=1000)
    )
    return query.where(Letter.campaign_id == campaign_id) if campaign_id else query


LETTER_COLUMNS = [
    "id", "reference", "written_at", "confirmed_at", "sent_at", "status", "campaign",
    "constituency", "gss_code", "mp", "source", "partner", "sender_name", "postcode",
    "to_mp", "other_recipients",
]  # fmt: skip
PERSONAL_COLUMNS = ["sender_email", "subject", "body"]


def letters_csv(*, campaign_id: int | None = None, personal: bool = False) -> Iterator[str]:
    """Every letter; the sender's email, subject and body only when `personal`."""
    query = _each_letter(
        select(Letter, Campaign.slug, Constituency.name, Constituency.gss_code)
        .add_columns(MP.name, Partner.slug)
        .select_from(Letter),
        campaign_id,
    )
    query = (
        query.join(MP, Letter.mp_id == MP.id)
        .outerjoin(Partner, Letter.partner_id == Partner.id)
        .order_by(Letter.id)
    )

    def rows():
        for m, campaign, constituency, gss, mp, partner in db.session.execute(query):
            row = [m.id, m.public_id, _iso(m.created_at), _iso(m.confirmed_at), _iso(m.sent_at),
                   m.status, campaign, constituency, gss, mp, m.source, partner or "",
                   m.sender_name, m.postcode, "yes" if m.to_mp else "no",
                   m.recipient_count]  # fmt: skip
            if personal:
                row += [m.sender_email, m.subject, m.body]
            yield row

    return csv_lines(LETTER_COLUMNS + (PERSONAL_COLUMNS if personal else []), rows())


RECIPIENT_COLUMNS = [
    "letter_id", "reference", "campaign", "letter_status", "confirmed_at", "constituency",
    "position", "name", "role", "body", "delivery", "status", "sent_at", "failure",
]  # fmt: skip


def recipients_csv(*, campaign_id: int | None = None) -> Iterator[str]:
    """A row for each recipient of a letter other than its MP (app/targets/),
    as they were when the letter was written: who, at which body, by email or
    by post, and what became of it. Nothing of the writer's."""
    query = _each_letter(
        select(Recipient, Letter.public_id, Letter.status, Letter.confirmed_at)
        .add_columns(Campaign.slug, Constituency.name)
        .join(Letter, Recipient.letter_id == Letter.id),
        campaign_id,
    ).order_by(Recipient.letter_id, Recipient.position)

    def rows():
        for r, reference, letter_status, confirmed_at, campaign, constituency in db.session.execute(
            query
        ):
            yield [r.letter_id, reference, campaign, letter_status, _iso(confirmed_at),
                   constituency, r.position + 1, r.name, r.role, r.body,
                   "email" if r.email else "post", r.status, _iso(r.sent_at),
                   r.failure or ""]  # fmt: skip

    return csv_lines(RECIPIENT_COLUMNS, rows())


def subscribers_csv() -> Iterator[str]:
    """Confirmed subscribers, with the most recent consent each gave."""
    latest = (
        select(Consent.subscriber_id, func.max(Consent.id).label("consent_id"))
        .group_by(Consent.subscriber_id)
        .subquery()
    )
    consent = aliased(Consent)
    query = (
        select(Subscriber, consent, Constituency.name)
        .join(latest, latest.c.subscriber_id == Subscriber.id)
        .join(consent, consent.id == latest.c.consent_id)
        .outerjoin(Constituency, Subscriber.constituency_id == Constituency.id)
        .where(Subscriber.status == SubscriberStatus.CONFIRMED)
        .order_by(Subscriber.id)
        .execution_options(yield_per=1000)
    )
    header = ["email", "postcode", "constituency", "confirmed_at", "consent_given_at",
              "consent_source", "consent_wording"]  # fmt: skip

    def rows():  # lazily: the query must run while streaming, not before
        for s, c, name in db.session.execute(query):
            yield [s.email, s.postcode or "", name or "", _iso(s.confirmed_at), _iso(c.given_at),
                   c.source, c.wording]  # fmt: skip

    return csv_lines(header, rows())


def constituencies_csv(*, campaign_id: int | None = None) -> Iterator[str]:
    """Per constituency: letters written, confirmed and delivered, with the MP."""
    counts = select(Letter.constituency_id, Letter.status, func.count().label("n")).group_by(
        Letter.constituency_id, Letter.status
    )
    if campaign_id:
        counts = counts.where(Letter.campaign_id == campaign_id)
    tally: dict[int, dict[str, int]] = {}
    for constituency_id, status, n in db.session.execute(counts):
        tally.setdefault(constituency_id, {})[status] = n
    seats = db.session.execute(
        select(Constituency.id, Constituency.gss_code, Constituency.name, MP.name, MP.party)
        .outerjoin(MP, MP.constituency_id == Constituency.id)
        .order_by(Constituency.name)
    ).all()
    unconfirmed = (LetterStatus.PENDING, LetterStatus.EXPIRED)

    def rows():
        for constituency_id, gss, name, mp, party in seats:
            by_status = tally.get(constituency_id, {})
            written = sum(by_status.values())
            confirmed = written - sum(by_status.get(s, 0) for s in unconfirmed)
            yield [
                gss,
                name,
                mp or "",
                party or "",
                written,
                confirmed,
                by_status.get(LetterStatus.SENT, 0),
            ]

    header = ["gss_code", "constituency", "mp", "party", "letters_written", "letters_confirmed",
              "letters_delivered"]  # fmt: skip
    return csv_lines(header, rows())
