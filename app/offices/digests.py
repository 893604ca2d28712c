"""An office's daily digest: one email a day with each of a campaign's
letters to their MP, in full, instead of one email per letter.

Any letter's footer carries a signed link for its MP and campaign; the
office switches to the digest (or back) with a button there, and each switch
is audited. While the digest is on, the letters wait (QUEUED) and
`send_digests` gathers them once a day into one email; when that email is
accepted, each letter is SENT and its writer's copy says it went in the
office's daily digest.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, exists, select

from app.accounts import audit
from app.db import utcnow, write_transaction
from app.extensions import db
from app.letters.models import Letter, LetterStatus
from app.letters.outcomes import LetterOutcome
from app.offices.models import OfficeDigest
from app.outbox.caps import within_cap
from app.outbox.claim_facts import once_per_claim
from app.outbox.models import EmailKind, OutboxEmail, OutboxStatus
from app.tokens import InvalidToken, Purpose, sign, unsign

OFFICE = "the MP's office (a link sent to its address)"


# A letter's (or a digest's) link shows the office's choice and offers to
# email a link that changes it, to the office's own address; that second
# link, the proof of the inbox, is good for OFFICE_CHANGE_HOURS.
OFFICE_LINK_DAYS = 30
OFFICE_CHANGE_HOURS = 48
OFFICE_LINKS_A_DAY = "3/day"


def office_token(mp_id: int, campaign_id: int, letter_id: int) -> str:
    """The link in one letter's email (or one digest's: its first letter)."""
    return sign(Purpose.OFFICE_DIGEST, [mp_id, campaign_id, letter_id])


def office_for(token: str) -> tuple[int, int, int | None] | None:
    """(mp_id, campaign_id, letter_id) of a genuine office link not
    OFFICE_LINK_DAYS old, or None (letter_id: None in links sent before it
    was put in them)."""
    value = ids_in(token, Purpose.OFFICE_DIGEST, OFFICE_LINK_DAYS * 86400)
    if value is None:
        return None
    return value[0], value[1], value[2] if len(value) == 3 else None


def change_token(mp_id: int, campaign_id: int) -> str:
    return sign(Purpose.OFFICE_CHANGE, [mp_id, campaign_id])


def change_for(token: str) -> tuple[int, int] | None:
    """(mp_id, campaign_id) of a change link from the office's inbox, or None."""
    value = ids_in(token, Purpose.OFFICE_CHANGE, OFFICE_CHANGE_HOURS * 3600)
    return None if value is None else (value[0], value[1])


def ids_in(token: str, purpose: Purpose, max_age: int) -> list[int] | None:
    try:
        value = unsign(purpose, token, max_age)
    except InvalidToken:
        return None
    if not (
        isinstance(value, list)
        and len(value) in (2, 3)
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return None
    return value


def send_change_link(mp, campaign_id: int, letter_id: int | None) -> None:
    """Email the office's own address a link to change how letters arrive:
    whoever holds a letter's link (a constituent it was quoted to) cannot
    change the office's delivery without its inbox."""
    if not mp.email or not within_cap(mp.email, "office_link", OFFICE_LINKS_A_DAY):
        return
    letter_id = letter_id or db.session.scalar(
        select(Letter.id)
        .where(Letter.mp_id == mp.id, Letter.campaign_id == campaign_id, Letter.to_mp.is_(True))
        .order_by(Letter.id.desc())
        .limit(1)
    )
    if letter_id is None:
        return
    with write_transaction() as session:
        session.add(OutboxEmail(kind=EmailKind.OFFICE_LINK, letter_id=letter_id))


_DIGEST_ON = select(OfficeDigest.active).where(
    OfficeDigest.mp_id == bindparam("mp_id"), OfficeDigest.campaign_id == bindparam("campaign_id")
)


def digest_on(mp_id: int, campaign_id: int) -> bool:
    """Whether this MP's office takes this campaign's letters as a daily digest."""
    params = {"mp_id": mp_id, "campaign_id": campaign_id}
    return bool(db.session.connection().execute(_DIGEST_ON, params).scalar())


_ON_DIGEST = select(OfficeDigest.mp_id, OfficeDigest.campaign_id).where(
    OfficeDigest.active.is_(True)
)


@once_per_claim
def offices_on_digest() -> frozenset[tuple[int, int]]:
    """(mp_id, campaign_id) of every office taking a campaign's letters as a
    daily digest, as the worker asks for each letter it builds: once per
    claim (a few hundred pairs at most: an office chooses it from a link)."""
    return frozenset((mp, campaign) for mp, campaign in db.session.connection().execute(_ON_DIGEST))


def in_a_pending_digest(outbox_id: int | None) -> bool:
    """Whether the digest `outbox_id` names (a letter's or a recipient's) is
    still to go: then it carries the letter, which must not also go alone.
    One that failed or was cancelled carries nothing any more (an admin may
    have sent its letters again since)."""
    if outbox_id is None:
        return False
    status = db.session.scalar(select(OutboxEmail.status).where(OutboxEmail.id == outbox_id))
    return status in (OutboxStatus.QUEUED, OutboxStatus.SENDING)


def switch(mp_id: int, campaign_id: int, *, daily: bool) -> None:
    """The office's choice, made from a link in its own inbox; audited.
    Switched back, each letter still waiting goes on its own."""
    with write_transaction() as session:
        choice = session.scalar(
            select(OfficeDigest).where(OfficeDigest.mp_id == mp_id,
                                       OfficeDigest.campaign_id == campaign_id)
        )  # fmt: skip
        if choice is None:
            choice = OfficeDigest(mp_id=mp_id, campaign_id=campaign_id, active=daily)
            session.add(choice)
        elif choice.active == daily:
            return
        choice.active, choice.changed_at = daily, utcnow()
        change = "each letter -> one email a day" if daily else "one email a day -> each letter"
        audit.record(None, "office.digest_on" if daily else "office.digest_off", "mp", mp_id,
                     f"campaign {campaign_id}: {change}, from the office's inbox",
                     actor=OFFICE)  # fmt: skip
        if not daily:
            # Letters skipped while the digest was on, and gathered into none.
            waiting = session.scalars(_waiting(mp_id, campaign_id, unqueued=True)).all()
            session.add_all(OutboxEmail(kind=EmailKind.MP_LETTER, letter_id=letter.id)
                            for letter in waiting)  # fmt: skip


def send_digests(now=None) -> int:
    """The worker's job: each office with its digest on, and letters waiting,
    gets one email if its last was a day ago or more. How many were queued."""
    now = now or utcnow()
    every = timedelta(hours=current_app.config["DIGEST_EVERY_HOURS"])
    due = db.session.scalars(
        select(OfficeDigest).where(
            OfficeDigest.active.is_(True),
            (OfficeDigest.last_sent_at.is_(None)) | (OfficeDigest.last_sent_at <= now - every),
        )
    ).all()
    choices = [(c.id, c.mp_id, c.campaign_id) for c in due]
    db.session.rollback()  # end the read: most runs have nothing to write
    queued = 0
    for choice_id, mp_id, campaign_id in choices:
        with write_transaction() as session:
            letters = session.scalars(_waiting(mp_id, campaign_id)).all()
            if not letters:
                continue
            digest = OutboxEmail(kind=EmailKind.DIGEST, letter_id=letters[0].id)
            session.add(digest)
            session.flush()
            for letter in letters:
                letter.digest_outbox_id = digest.id
                letter.log("gathered into the office's daily digest")
            session.get_one(OfficeDigest, choice_id).last_sent_at = now
            queued += 1
    return queued


def _waiting(mp_id: int, campaign_id: int, *, unqueued: bool = False):
    """QUEUED letters for the digest: not already in one, and not being sent
    on their own at this moment (switched on mid-send); with `unqueued`,
    those with no email of their own still to go (skipped while the digest
    was on)."""
    own = (OutboxStatus.QUEUED, OutboxStatus.SENDING) if unqueued else (OutboxStatus.SENDING,)
    sending = exists().where(
        OutboxEmail.letter_id == Letter.id,
        OutboxEmail.kind == EmailKind.MP_LETTER,
        OutboxEmail.status.in_(own),
    )
    return (
        select(Letter)
        .where(Letter.mp_id == mp_id, Letter.campaign_id == campaign_id, Letter.to_mp.is_(True),
               Letter.status == LetterStatus.QUEUED, Letter.digest_outbox_id.is_(None), ~sending)
        .order_by(Letter.id)
    )  # fmt: skip


def letters_in(row: OutboxEmail) -> list[Letter]:
    """The letters a digest carries as it is built, or built again for a
    retry: those still QUEUED and not erased. A letter cancelled, held,
    erased or put to wait since it was gathered has left it (Letter.move_to)."""
    return list(db.session.scalars(
        select(Letter)
        .where(Letter.digest_outbox_id == row.id, Letter.status == LetterStatus.QUEUED,
               Letter.to_mp.is_(True), Letter.erased_at.is_(None))
        .order_by(Letter.id)
    ))  # fmt: skip


# What the digest's outcome does to each letter in it still QUEUED (one an
# admin stopped meanwhile keeps its state): as an MP_LETTER's outcome does.
DELIVERED = LetterOutcome(
    "delivered in the office's daily digest", move_to=LetterStatus.SENT, stamp="sent_at",
    then_queue=EmailKind.CONSTITUENT_COPY,
)  # fmt: skip
FAILED = LetterOutcome(
    "the daily digest failed: {reason}", move_to=LetterStatus.FAILED,
    then_queue=EmailKind.DELIVERY_FAILED,
)  # fmt: skip


def delivered(row: OutboxEmail, reason: str | None = None) -> None:
    """KINDS' on_sent for a digest: each letter in it is SENT, its writer told."""
    _each_letter(row, DELIVERED, reason)


def failed(row: OutboxEmail, reason: str) -> None:
    """KINDS' on_failed for a digest: each letter in it fails, its writer told."""
    _each_letter(row, FAILED, reason)


def _each_letter(row: OutboxEmail, outcome: LetterOutcome, reason: str | None) -> None:
    letter_ids = select(Letter.id).where(Letter.digest_outbox_id == row.id).order_by(Letter.id)
    for letter_id in db.session.scalars(letter_ids).all():
        outcome.apply_to(db.session, letter_id, reason)
