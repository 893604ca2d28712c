"""Small builders for test data, going through the real services."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from app.campaigns.models import Campaign
from app.extensions import db
from app.letters.models import Attribution, Letter
from app.letters.submission import LetterDraft, confirm_letter, confirmation_token, submit_letter

MP_ADDRESS = "alice.able.mp@parliament.uk"
NO_MODERATION = {
    "MODERATION_SIMILARITY": 2.0,
    "MODERATION_MIN_OWN_WORDS": 0,
    "MODERATION_MAX_PER_EMAIL_PER_DAY": 10**6,
    "MODERATION_MAX_PER_IP_PER_DAY": 10**6,
}
PERSONAL_BODY = (
    "Dear Alice Able,\n\nI am writing as a constituent because I run a small business in "
    "Testington and I pay every penny of tax I owe. I expect the same openness from the people "
    "who spend it. Please publish your expenses in full.\n\nYours sincerely,\nJane Smith"
)
LETTER = {
    "name": "Jane Smith",
    "email": "jane@example.com",
    "address1": "1 High Street",
    "address2": "",
    "town": "Testington",
    "postcode": "TE1 1AA",
    "subject": "Please publish MPs' expenses",
    "body": PERSONAL_BODY,
}


def demo_campaign() -> Campaign:
    return db.session.scalar(select(Campaign).where(Campaign.slug == "mp-expenses"))


def draft(**changes) -> LetterDraft:
    return LetterDraft(**{**LETTER, **changes})


def submit(*, campaign=None, attribution=None, key=None, by_post=False, **changes) -> Letter:
    letter_id = submit_letter(
        campaign=campaign or demo_campaign(),
        draft=draft(**changes),
        submission_key=key or secrets.token_hex(16),
        attribution=attribution or Attribution(),
        by_post=by_post,
    )
    return db.session.get(Letter, letter_id)


def confirm_link_token(letter) -> str:
    return confirmation_token(letter)


def confirmed_letter(**changes) -> Letter:
    letter = submit(**changes)
    confirm_letter(confirmation_token(letter))
    return letter
