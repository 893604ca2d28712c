"""What a webhook call says of a letter (app/webhooks/).

Where it went and how it stands, never who wrote it or what it says: no
name, address, email, subject or body. A partner hears only of letters
written through its widget (app/webhooks/announcing.py), so the attribution
here is its own.
"""

from __future__ import annotations

from app.db import iso_time
from app.letters.models import Letter
from app.outbox.models import OutboxEmail
from app.webhooks.models import Endpoint


def letter_data(row: OutboxEmail, endpoint: Endpoint) -> dict | None:
    """The call's data about its letter; None once the letter is erased."""
    letter = row.letter
    if letter is None or letter.erased_at is not None:
        return None
    return {"letter": describe(letter)}


def describe(letter: Letter) -> dict:
    constituency, mp = letter.constituency, letter.mp
    return {
        "id": letter.public_id,
        "status": str(letter.status),
        "campaign": {"slug": letter.campaign.slug, "title": letter.campaign.title},
        "constituency": {"name": constituency.name, "gss_code": constituency.gss_code},
        "mp": {"name": mp.name, "party": mp.party},
        "to_mp": letter.to_mp,  # false: the letter went only to its other recipients
        "recipients": [
            {"name": r.name, "role": r.role, "body": r.body, "status": str(r.status)}
            for r in (letter.recipients if letter.recipient_count else ())
        ],
        "language": letter.language,
        "by_post": letter.by_post,
        "source": str(letter.source),
        "partner": letter.partner.slug if letter.partner is not None else None,
        "own_words_percent": letter.own_percent,
        "created_at": iso_time(letter.created_at),
        "confirmed_at": iso_time(letter.confirmed_at),
        "delivered_at": iso_time(letter.sent_at),
    }
