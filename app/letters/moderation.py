"""Moderation: confirmed letters that look copied, automated, abusive or misdirected wait
for a person before they reach an MP.

Similarity is measured on the constituent's own words, as WriteToThem does:
the letter is cut into overlapping four-word shingles, and shingles that also
occur in the campaign's template are dropped, so a campaign's suggested text
does not make everyone look alike. Names that differ between letters only
because the MPs differ (the MP's name, the constituency, the sender's name)
are replaced by placeholders first. Each confirmed letter stores a bottom-k
sketch of its own shingles (the 64 smallest hashes), so candidates are found
by an indexed lookup; the closest candidates are then compared exactly
(Jaccard similarity of the full shingle sets).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from app.accounts import audit
from app.campaigns.languages import in_language
from app.db import utcnow, write_transaction
from app.extensions import db
from app.letters.identical import too_many_identical
from app.letters.models import Letter, LetterShingle, LetterStatus, Recipient, RecipientStatus
from app.letters.own_words import OwnWords, measure, words
from app.letters.routing import send_on
from app.outbox.models import EmailKind, OutboxEmail
from app.text import fill_placeholders

log = logging.getLogger(__name__)
SKETCH_SIZE = 64
CANDIDATES = 5
# Threats and abuse an MP's office should never receive unseen; extend with
# MODERATION_EXTRA_PHRASES (comma-separated).
ABUSE_PHRASES = (
    "kill you", "i will kill", "i'll kill", "hope you die", "you should die", "hang you",
    "shoot you", "burn your house", "i know where you live", "bomb your", "string you up",
)  # fmt: skip


@dataclass(frozen=True)
class Hold:
    reason: str
    similar_to_id: int | None = None


def own_words(letter: Letter) -> OwnWords:
    names = (letter.mp.name, letter.constituency.name, letter.sender_name)
    # Against the suggested letter its writer was shown, in their language.
    suggested = in_language(letter.campaign, letter.language).body_template
    template = fill_placeholders(
        suggested,
        mp_name=letter.mp.name,
        constituency=letter.constituency.name,
        constituent_name=letter.sender_name,
    )
    return measure(letter.body, template, names)


def jaccard(a: set[int], b: set[int]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def closest_match(letter: Letter, own: set[int]) -> tuple[Letter, float] | None:
    """The most similar earlier confirmed letter in the campaign, with its similarity."""
    if len(own) < 2:
        return None
    sketch = sorted(own)[:SKETCH_SIZE]
    shared = func.count().label("shared")
    rows = db.session.execute(
        select(LetterShingle.letter_id, shared)
        .where(
            LetterShingle.campaign_id == letter.campaign_id,
            LetterShingle.hash.in_(sketch),
            LetterShingle.letter_id != letter.id,
        )
        .group_by(LetterShingle.letter_id)
        .order_by(shared.desc(), LetterShingle.letter_id)
        .limit(CANDIDATES)
    ).all()
    best: tuple[Letter, float] | None = None
    for other_id, _ in rows:
        other = db.session.get_one(Letter, other_id)  # its shingles were just found
        similarity = jaccard(own, own_words(other).shingles)
        if best is None or similarity > best[1]:
            best = (other, similarity)
    return best


def _recent_count(column, value: str, letter: Letter) -> int:
    since = utcnow() - timedelta(days=1)
    return db.session.execute(
        select(func.count())
        .select_from(Letter)
        .where(column == value, Letter.created_at >= since, Letter.id != letter.id)
    ).scalar_one()


def _abusive_phrase(letter: Letter) -> str | None:
    extra = current_app.config.get("MODERATION_EXTRA_PHRASES", "")
    phrases = ABUSE_PHRASES + tuple(p.strip().lower() for p in extra.split(",") if p.strip())
    text = " ".join(words(f"{letter.subject} {letter.body}"))
    return next((p for p in phrases if f" {' '.join(words(p))} " in f" {text} "), None)


def reason_to_hold(letter: Letter) -> Hold | None:
    """Why this just-confirmed letter should wait for a moderator, or None to send it.

    Also stores the letter's sketch, so later letters are compared with it.
    """
    config = current_app.config
    own = own_words(letter)
    letter.own_percent = own.percent if own.total_words else None
    db.session.add_all(
        LetterShingle(letter_id=letter.id, hash=h, campaign_id=letter.campaign_id)
        for h in sorted(own.shingles)[:SKETCH_SIZE]
    )
    mp_email = (letter.mp.email or "").lower()
    if mp_email and letter.sender_email_key == mp_email:
        return Hold("the sender's address is the MP's own")
    phrase = _abusive_phrase(letter)
    if phrase:
        return Hold(f'possible threat or abuse ("{phrase}")')
    per_email = _recent_count(Letter.sender_email_key, letter.sender_email_key, letter)
    if per_email >= config["MODERATION_MAX_PER_EMAIL_PER_DAY"]:
        return Hold(f"{per_email + 1} letters from one address in a day")
    if letter.ip_hash:
        per_ip = _recent_count(Letter.ip_hash, letter.ip_hash, letter)
        if per_ip >= config["MODERATION_MAX_PER_IP_PER_DAY"]:
            return Hold(f"{per_ip + 1} letters from one network address in a day")
    if own.word_count < config["MODERATION_MIN_OWN_WORDS"]:
        return Hold(f"only {own.word_count} words differ from the campaign's template")
    if letter.recipient_count:  # a burst confirmed at once, past a list's limit
        target_ids = [recipient.target_id for recipient in letter.recipients]
        identical = too_many_identical(letter.campaign_id, letter.body, letter.sender_name,
                                       target_ids, letter_id=letter.id)  # fmt: skip
        if identical:
            return Hold("more identical letters to one target list than it allows")
    match = closest_match(letter, own.shingles)
    if match and match[1] >= config["MODERATION_SIMILARITY"]:
        return Hold(f"{match[1]:.0%} similar to letter {match[0].id}", match[0].id)
    return None


def held_letters(limit: int = 100) -> list[Letter]:
    return list(
        db.session.scalars(
            select(Letter)
            .where(Letter.status == LetterStatus.HELD)
            .order_by(Letter.confirmed_at)
            .limit(limit)
        )
    )


def held_recipients(limit: int = 100) -> list[Recipient]:
    """Letters' other recipients held after refusals for the site's reasons
    (app/letters/site_refusals.py), the oldest letters first."""
    return list(
        db.session.scalars(
            select(Recipient)
            .where(Recipient.status == RecipientStatus.HELD)
            .order_by(Recipient.letter_id, Recipient.id)
            .limit(limit)
        )
    )


def count_held() -> int:
    """What waits for a moderator: letters held, and recipients held."""
    letters = select(func.count()).select_from(Letter).where(Letter.status == LetterStatus.HELD)
    recipients = (
        select(func.count()).select_from(Recipient).where(Recipient.status == RecipientStatus.HELD)
    )
    return db.session.execute(
        select(letters.scalar_subquery() + recipients.scalar_subquery())
    ).scalar_one()


class NotHeld(Exception):
    """The letter is no longer waiting for moderation (someone else decided first)."""


def _held(session, letter_id: int) -> Letter:
    letter = session.scalar(select(Letter).where(Letter.id == letter_id).with_for_update())
    if letter is None or letter.status != LetterStatus.HELD:
        raise NotHeld(letter_id)
    return letter


def release(letter_id: int, admin) -> Letter:
    """Send a held letter after all."""
    with write_transaction() as session:
        letter = _held(session, letter_id)
        send_on(session, letter, "released by a moderator", actor=admin.email, may_wait=False)
        audit.record(admin, "moderation.released", "letter", letter.id, letter.hold_reason or "")
    return letter


def reject(letter_id: int, admin, note: str = "") -> Letter:
    """Refuse a held letter; the constituent is told by email."""
    with write_transaction() as session:
        letter = _held(session, letter_id)
        letter.move_to(
            LetterStatus.REJECTED, detail=note or "rejected by a moderator", actor=admin.email
        )
        session.add(OutboxEmail(kind=EmailKind.REJECTED, letter_id=letter.id))
        # The note stays in the letter's history, erased with the letter: it
        # may quote it, and the audit log is kept far longer.
        said = "with a note" if note else ""
        audit.record(admin, "moderation.rejected", "letter", letter.id, said)
    return letter
