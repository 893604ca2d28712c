"""A constituent's letter, from submission to confirmation.

    submit_message -> PENDING (+ confirmation email in the outbox)
    confirm_message -> QUEUED (+ the letter to the MP in the outbox), or HELD
    send_reminders / expire_unconfirmed: housekeeping run by the worker

Delivery itself is app/outbox/worker.py.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import metrics
from app.campaigns.finding import CampaignNotOpen, LetterRules
from app.campaigns.models import Campaign
from app.db import begin_write, utcnow, write_transaction
from app.extensions import db
from app.i18n import N_, current_language, gettext
from app.letters import moderation
from app.letters.identical import too_many_identical
from app.letters.models import ACTIVE_STATUSES, WRITTEN_STATUSES, Attribution, Letter, LetterStatus
from app.letters.routing import send_on
from app.letters.share_codes import new_share_code
from app.letters.storage import insert_letter
from app.letters.suggested import personal_edit_problem
from app.outbox.caps import within_cap
from app.outbox.models import EmailKind, OutboxEmail
from app.reference.postcodes import PostcodeError
from app.reference.representatives import ChoiceRequired, Seat, WrongConstituency, resolve_seat
from app.text import fill_placeholders, has_control_characters, is_single_line, normalise_email
from app.tokens import ExpiredToken, InvalidToken, Purpose, erased_key, sign, unsign
from app.webhooks.announcing import announce
from app.webhooks.models import Event

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LetterDraft:
    """What the constituent typed. Formats are checked by the form; rules here."""

    name: str
    email: str
    address1: str
    town: str
    postcode: str
    subject: str
    body: str
    address2: str = ""
    constituency: str | None = None  # GSS code the constituent chose, if asked to


class LetterProblem(Exception):
    """The letter breaks a rule; `fields` maps field names to messages for people."""

    def __init__(self, fields: dict[str, str], choose=None):
        super().__init__("; ".join(fields.values()))
        self.fields = fields
        self.choose = choose  # a representatives.Choose when a constituency must be picked


class MPUnreachable(Exception):
    """The MP has no usable email address, or the seat is vacant."""

    def __init__(self, seat: Seat):
        super().__init__(seat.unreachable_reason())
        self.seat = seat


class DuplicateLetter(Exception):
    """This constituent already has a letter in this campaign."""

    def __init__(self, existing: Letter | None):
        super().__init__(f"duplicate of letter {existing.id if existing else '(erased)'}")
        self.existing = existing  # None: a letter whose personal fields were erased


class FormAlreadySent(Exception):
    """This form (its ticket) already sent a letter from another email address:
    not a double submit, and storing nothing would lose the corrected one."""


FORM_ALREADY_SENT = N_(
    "This form was already sent with a different email address. Check the address "
    "and send your letter again."
)


@dataclass(frozen=True)
class StoredLetter:
    """A letter just stored, as a feature told of it sees it."""

    letter_id: int
    email: str
    campaign_id: int
    postcode: str
    constituency_id: int
    wants_alerts: bool  # the writer ticked "email me about this campaign"


# Told of each letter stored (in the request, after its transaction) and
# confirmed (in the confirmation's transaction), by the features that act on
# them: app/alerts/outbox.py records and confirms a writer's sign-up.
STORED: dict[str, Callable[[StoredLetter], None]] = {}
CONFIRMED: dict[str, Callable[[int], None]] = {}


def on_stored(name: str, hook: Callable[[StoredLetter], None]) -> None:
    STORED[name] = hook


def on_confirmed(name: str, hook: Callable[[int], None]) -> None:
    CONFIRMED[name] = hook


class LinkInvalid(Exception):
    """A confirmation link that was altered, cut short or never issued."""


class LinkExpired(Exception):
    """A genuine confirmation link, used too late."""


def check_letter(
    campaign: Campaign | LetterRules,
    draft: LetterDraft,
    *,
    by_post: bool = False,
    to_mp: bool = True,
) -> tuple[str, Seat, bool]:
    """Apply the rules a letter must meet; return (postcode, seat, constituency chosen).

    Raises LetterProblem (with field errors) or MPUnreachable: the seat is
    vacant, or its MP has no usable email and the caller cannot offer the
    letter `by_post` (printed and posted by the constituent).
    """
    for field in ("name", "email", "subject", "address1", "address2", "town", "postcode"):
        value = getattr(draft, field)
        if not is_single_line(value) or has_control_characters(value):
            raise LetterProblem(
                {field: gettext("Please remove line breaks and special characters.")}
            )
    if has_control_characters(draft.body.replace("\t", " ")):
        raise LetterProblem({"body": gettext("Please remove special (control) characters.")})
    try:
        postcode, seat, chosen = resolve_seat(draft.postcode, draft.constituency)
    except PostcodeError as exc:
        raise LetterProblem({"postcode": exc.explanation}) from exc
    except WrongConstituency as exc:
        raise LetterProblem({"postcode": str(exc)}) from exc
    except ChoiceRequired as exc:
        raise LetterProblem({"constituency": exc.choose.explanation}, choose=exc.choose) from exc
    if to_mp and (seat.mp.vacant or (not seat.can_email and not by_post)):
        raise MPUnreachable(seat)
    problem = personal_edit_problem(campaign, seat, draft.name, draft.body)
    if problem:
        raise LetterProblem({"body": problem})
    return postcode, seat, chosen


def submit_letter(
    *,
    campaign: Campaign | LetterRules,
    draft: LetterDraft,
    submission_key: str,
    attribution: Attribution,
    subscribe: bool = False,
    by_post: bool = False,
    to_mp: bool = True,
    target_ids: Sequence[int] = (),
) -> int:
    """Store a letter awaiting confirmation and queue the confirmation email;
    the letter's id.

    With `subscribe`, the constituent's consent to alerts is recorded too, to
    be confirmed when the letter is. Submitting the same form twice (same
    submission key) returns the first letter's id. Raises LetterProblem,
    MPUnreachable, DuplicateLetter, FormAlreadySent (the same form sent again
    with another address), CampaignNotOpen (closed meanwhile). With `by_post`,
    a letter to an MP with no usable email is stored too, for its writer to
    print and post once they confirm. With `target_ids`, it goes to those
    targets too (app/targets/), and to the MP only if `to_mp`.
    """
    postcode, seat, chosen = check_letter(campaign, draft, by_post=by_post, to_mp=to_mp)
    identical = too_many_identical(campaign.id, draft.body, draft.name, target_ids)
    if identical:
        raise LetterProblem({"body": identical})
    key = normalise_email(draft.email)
    via = f" via partner {attribution.partner_id}" if attribution.partner_id else ""
    try:
        # Insert first: the unique submission key and the one-active-letter
        # index refuse a double submit or a second letter, and the rare
        # refusal is looked up below; asking first cost two queries a letter.
        letter_id = insert_letter(
            {
                "public_id": secrets.token_urlsafe(16),
                "submission_key": submission_key,
                "campaign_id": campaign.id,
                "constituency_id": seat.constituency_id,
                "mp_id": seat.mp.id,
                "sender_name": draft.name.strip(),
                "sender_email": draft.email.strip(),
                "sender_email_key": key,
                "address1": draft.address1.strip(),
                "address2": draft.address2.strip(),
                "town": draft.town.strip(),
                "postcode": postcode,
                "constituency_chosen": chosen,
                "by_post": to_mp and not seat.can_email,
                "to_mp": to_mp,
                "recipient_count": len(target_ids),
                "language": current_language(),
                "subject": draft.subject.strip(),
                "body": finished_body(draft, seat),
                "source": attribution.source,
                "partner_id": attribution.partner_id,
                "embed_url": attribution.embed_url,
                "ip_hash": attribution.ip_hash,
                "share_code": new_share_code(),
                "referred_by_id": attribution.referred_by_id,
                "share_channel": attribution.share_channel,
                "alert_id": attribution.alert_id,
                "alert_variant": attribution.alert_variant,
                "erased_key": erased_key(key),
            },
            event_detail=f"submitted ({attribution.source}{via})",
            target_ids=target_ids,
        )
    except IntegrityError:
        # This submission (or this constituent's letter) is already stored.
        existing = _by_submission_key(submission_key) or _active_for(campaign.id, key)
        if existing is None:
            raise
        return _same_or_duplicate(existing, submission_key, key).id
    if letter_id is None:
        if _erased_letter_delivered(campaign.id, key):
            raise DuplicateLetter(None)
        raise CampaignNotOpen(campaign.slug)
    log.info("letter %s submitted for constituency %s", letter_id, seat.constituency_id)
    metrics.LETTERS_SUBMITTED.labels(attribution.source).inc()
    stored = StoredLetter(letter_id, draft.email, campaign.id, postcode, seat.constituency_id,
                          wants_alerts=subscribe)  # fmt: skip
    for hook in STORED.values():
        hook(stored)
    return letter_id


def finished_body(draft: LetterDraft, seat: Seat) -> str:
    """The letter's text as the MP will read it: placeholders filled, edges trimmed."""
    text = fill_placeholders(
        draft.body, mp_name=seat.mp.name, constituency=seat.local_name, constituent_name=draft.name
    )
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def _erased_letter_delivered(campaign_id: int, key: str) -> bool:
    return (
        db.session.scalar(
            select(Letter.id).where(
                Letter.campaign_id == campaign_id,
                Letter.sender_email_key == erased_key(key),
                Letter.status.in_(WRITTEN_STATUSES),
            )
        )
        is not None
    )


def _by_submission_key(submission_key: str) -> Letter | None:
    return db.session.scalar(select(Letter).where(Letter.submission_key == submission_key))


def _active_for(campaign_id: int, key: str) -> Letter | None:
    return db.session.scalar(
        select(Letter).where(
            Letter.campaign_id == campaign_id,
            Letter.sender_email_key == key,
            Letter.status.in_(ACTIVE_STATUSES),
        )
    )


def _same_or_duplicate(existing: Letter, submission_key: str, key: str) -> Letter:
    if existing.submission_key != submission_key:
        raise DuplicateLetter(existing)
    if existing.sender_email_key != key:
        raise FormAlreadySent(existing.id)
    return existing


def resend_confirmation(letter: Letter) -> bool:
    """Queue the confirmation email again for a still-pending letter."""
    with write_transaction() as session:
        letter = session.get(Letter, letter.id)
        if letter.status != LetterStatus.PENDING:
            return False
        letter.log("confirmation email requested again")
        session.add(OutboxEmail(kind=EmailKind.CONFIRMATION, letter_id=letter.id))
    return True


def tell_about_existing(letter: Letter | None) -> None:
    """Someone wrote again from this letter's address: the page answers as for
    a new letter (no stranger learns that the address has written, to whom or
    when), and the address's owner is told by email where their letter stands.
    A pending letter gets its confirmation again (MAIL_TO_UNTRUSTED_ADDRESS
    times a day at most); any other, one notice a day;
    an erased one, nothing (its address is no longer known)."""
    if letter is None:
        return
    if letter.status == LetterStatus.PENDING:
        # Anyone can post the same address again and again: its inbox gets
        # the confirmation again only within its daily share (app/outbox/caps.py).
        if within_cap(letter.sender_email):
            resend_confirmation(letter)
        return
    since = utcnow() - timedelta(days=1)
    with write_transaction() as session:
        told = session.scalar(
            select(OutboxEmail.id).where(
                OutboxEmail.letter_id == letter.id,
                OutboxEmail.kind == EmailKind.ALREADY_WRITTEN,
                OutboxEmail.created_at >= since,
            )
        )
        if told is None:
            session.add(OutboxEmail(kind=EmailKind.ALREADY_WRITTEN, letter_id=letter.id))


def confirmation_token(letter: Letter) -> str:
    return sign(Purpose.CONFIRM_LETTER, letter.public_id)


def _letter_for_token(token: str, *, lock: bool = False) -> Letter:
    max_age = current_app.config["CONFIRM_LINK_DAYS"] * 86400
    try:
        public_id = unsign(Purpose.CONFIRM_LETTER, token, max_age)
    except ExpiredToken as exc:
        raise LinkExpired() from exc
    except InvalidToken as exc:
        raise LinkInvalid() from exc
    query = select(Letter).where(Letter.public_id == public_id)
    letter = db.session.scalar(query.with_for_update() if lock else query)
    if letter is None:
        raise LinkInvalid()
    if letter.status == LetterStatus.EXPIRED:
        raise LinkExpired()
    return letter


def letter_for_token(token: str) -> Letter:
    """The letter a confirmation link points at (for showing it). Raises LinkInvalid/Expired."""
    return _letter_for_token(token)


def route_confirmed(letter: Letter, detail: str = "confirmed by the constituent") -> None:
    """A confirmed letter's way on, in the caller's transaction: held for a
    moderator, waiting through a dissolution, or sent on (app/letters/routing.py):
    queued for its MP, or by post, ready for its writer to print."""
    hold = moderation.reason_to_hold(letter)
    if hold:
        letter.hold_reason = hold.reason[:200]
        letter.similar_to_id = hold.similar_to_id
        letter.move_to(LetterStatus.HELD, detail=f"{detail}; held: {hold.reason}")
    else:  # (a dissolution makes the MP's wait: no MPs until an election)
        send_on(db.session, letter, detail)


def confirm_letter(token: str) -> Letter:
    """The constituent confirmed: queue the letter (or hold it for moderation).

    Confirming again does nothing more: the row lock (PostgreSQL) or the
    write lock (SQLite) makes the second confirmation see the first.
    """
    begin_write()
    newly_confirmed = False
    try:
        letter = _letter_for_token(token, lock=True)
        if letter.status == LetterStatus.PENDING:
            newly_confirmed = True
            letter.confirmed_at = utcnow()
            route_confirmed(letter)
            announce(db.session, Event.LETTER_CONFIRMED, letter_id=letter.id,
                     partner_id=letter.partner_id)  # fmt: skip
            for hook in CONFIRMED.values():  # the same link proves the address for alerts
                hook(letter.id)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    log.info("letter %s confirmed (%s)", letter.id, letter.status)
    if newly_confirmed:
        metrics.LETTERS_CONFIRMED.labels(str(letter.status)).inc()
    return letter


def send_reminders(now=None) -> int:
    """One reminder, about a day after submitting, to constituents who have not confirmed."""
    now = now or utcnow()
    hours = current_app.config["REMINDER_AFTER_HOURS"]
    oldest = now - timedelta(days=current_app.config["CONFIRM_LINK_DAYS"])
    with write_transaction() as session:
        due = session.scalars(
            select(Letter)
            .where(
                Letter.status == LetterStatus.PENDING,
                Letter.reminded_at.is_(None),
                Letter.created_at <= now - timedelta(hours=hours),
                Letter.created_at > oldest,
            )
            .limit(1000)
        ).all()
        for letter in due:
            letter.reminded_at = now
            letter.log("reminder queued")
            session.add(OutboxEmail(kind=EmailKind.REMINDER, letter_id=letter.id))
    return len(due)


def expire_unconfirmed(now=None) -> int:
    """Messages never confirmed within the link's lifetime expire."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["CONFIRM_LINK_DAYS"])
    with write_transaction() as session:
        stale = session.scalars(
            select(Letter)
            .where(Letter.status == LetterStatus.PENDING, Letter.created_at <= cutoff)
            .limit(1000)
        ).all()
        for letter in stale:
            letter.move_to(LetterStatus.EXPIRED, detail="not confirmed in time")
    return len(stale)
