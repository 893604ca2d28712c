"""A target's office's daily digest (app/targets/: a councillor, a
minister's office, anyone on a loaded list), as an MP's office has
(app/offices/digests.py): one email a day with each of a campaign's letters
to it, in full, instead of one email per letter.

Each letter to a target carries a signed link for the target and campaign;
the office switches to the digest (or back) with a link emailed to its own
address, and each switch is audited. The choice is kept by the target's list
and ref, so a new version of the list (the same people, reloaded) keeps it.
While the digest is on, the recipients wait (QUEUED) and
`send_target_digests` gathers them once a day into one email; when that
email is accepted, each recipient is SENT, as its own email's would be
(app/letters/outcomes.py's RECIPIENT_SENT). Switching back sends each
recipient still waiting on its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, select

from app.accounts import audit
from app.db import utcnow, write_transaction
from app.extensions import db
from app.letters.models import STOPPED, Letter, Recipient, RecipientStatus
from app.letters.outcomes import RECIPIENT_SENT
from app.letters.recipients import fail, refused_for_the_site
from app.offices.digests import OFFICE_CHANGE_HOURS, OFFICE_LINK_DAYS, OFFICE_LINKS_A_DAY, ids_in
from app.offices.models import TargetDigest
from app.outbox.caps import within_cap
from app.outbox.claim_facts import once_per_claim
from app.outbox.models import EmailKind, OutboxEmail, OutboxStatus
from app.outbox.verdicts import BounceType
from app.targets.lists import mark_bounced
from app.targets.models import Target
from app.tokens import Purpose, sign

OFFICE = "the target's office (a link sent to its address)"


def office_token(target_id: int, campaign_id: int, recipient_id: int) -> str:
    """The link in one letter to a target (or one digest: its first)."""
    return sign(Purpose.TARGET_OFFICE, [target_id, campaign_id, recipient_id])


def office_for(token: str) -> tuple[int, int, int] | None:
    """(target_id, campaign_id, recipient_id) of a genuine link not
    OFFICE_LINK_DAYS old, or None."""
    value = ids_in(token, Purpose.TARGET_OFFICE, OFFICE_LINK_DAYS * 86400)
    return (value[0], value[1], value[2]) if value is not None and len(value) == 3 else None


def change_token(target_id: int, campaign_id: int) -> str:
    return sign(Purpose.TARGET_CHANGE, [target_id, campaign_id])


def change_for(token: str) -> tuple[int, int] | None:
    """(target_id, campaign_id) of a change link from the office's inbox, or None."""
    value = ids_in(token, Purpose.TARGET_CHANGE, OFFICE_CHANGE_HOURS * 3600)
    return (value[0], value[1]) if value is not None and len(value) == 2 else None


def _choice(target: Target, campaign_id: int):
    return select(TargetDigest).where(
        TargetDigest.list_id == target.list_id,
        TargetDigest.ref == target.ref,
        TargetDigest.campaign_id == campaign_id,
    )


def current_target(target_id: int) -> Target | None:
    """The newest version of a target (its list and ref), retired or not: who
    the office is now, and its address."""
    row = db.session.get(Target, target_id)
    if row is None:
        return None
    return db.session.scalar(
        select(Target)
        .where(Target.list_id == row.list_id, Target.ref == row.ref)
        .order_by(Target.version.desc())
        .limit(1)
    )


# Every version of a target, by its list and ref, as the choice is kept.
_SAME_OFFICE = and_(Target.list_id == TargetDigest.list_id, Target.ref == TargetDigest.ref)
_ON_DIGEST = (
    select(Target.id, TargetDigest.campaign_id)
    .join(TargetDigest, _SAME_OFFICE)
    .where(TargetDigest.active.is_(True))
)


def digest_on(target_id: int, campaign_id: int) -> bool:
    """Whether the office of this target (any version of it) takes this
    campaign's letters as a daily digest."""
    query = _ON_DIGEST.where(Target.id == target_id, TargetDigest.campaign_id == campaign_id)
    return db.session.execute(query.limit(1)).first() is not None


@once_per_claim
def targets_on_digest() -> frozenset[tuple[int, int]]:
    """(target_id, campaign_id) of every target row whose office takes a
    campaign's letters as a daily digest, as the worker asks for each
    recipient's email it builds: once per claim (app/outbox/claim_facts.py)."""
    rows = db.session.connection().execute(_ON_DIGEST)
    return frozenset((target, campaign) for target, campaign in rows)


def send_change_link(target: Target, campaign_id: int, recipient_id: int) -> None:
    """Email the target's own address (the one its letters go to) a link to
    change how they arrive: whoever holds a letter's link cannot change the
    office's delivery without its inbox."""
    recipient = db.session.get(Recipient, recipient_id)
    if recipient is None or recipient.target_id != target.id or not recipient.email:
        return
    if not within_cap(recipient.email, "office_link", OFFICE_LINKS_A_DAY):
        return
    with write_transaction() as session:
        session.add(OutboxEmail(kind=EmailKind.TARGET_OFFICE_LINK, letter_id=recipient.letter_id,
                                recipient_id=recipient.id))  # fmt: skip


def switch(target: Target, campaign_id: int, *, daily: bool) -> None:
    """The office's choice, made from a link in its own inbox; audited.
    Switched back, each recipient still waiting goes on its own."""
    with write_transaction() as session:
        choice = session.scalar(_choice(target, campaign_id))
        if choice is None:
            if not daily:
                return
            choice = TargetDigest(list_id=target.list_id, ref=target.ref, campaign_id=campaign_id)
            session.add(choice)
        elif choice.active == daily:
            return
        choice.active, choice.changed_at = daily, utcnow()
        change = "each letter -> one email a day" if daily else "one email a day -> each letter"
        audit.record(None, "office.digest_on" if daily else "office.digest_off", "target",
                     target.id, f"campaign {campaign_id}: {change}, from the office's inbox",
                     actor=OFFICE)  # fmt: skip
        if not daily:
            waiting = session.scalars(
                _waiting(target.list_id, target.ref, campaign_id, unqueued=True)
            ).all()
            session.add_all(
                OutboxEmail(kind=EmailKind.TO_RECIPIENT, letter_id=r.letter_id, recipient_id=r.id)
                for r in waiting
            )


def _waiting(list_id: int, ref: str, campaign_id: int, *, unqueued: bool = False):
    """Recipients of a target (any version of it) on this campaign's letters,
    QUEUED and in no digest: for the digest, those not being sent on their
    own at this moment (switched on mid-send); with `unqueued`, those with no
    email of their own still to go (skipped while the digest was on)."""
    own = OutboxEmail.status.in_(
        (OutboxStatus.QUEUED, OutboxStatus.SENDING) if unqueued else (OutboxStatus.SENDING,)
    )
    going = exists().where(
        OutboxEmail.recipient_id == Recipient.id, OutboxEmail.kind == EmailKind.TO_RECIPIENT, own
    )
    versions = select(Target.id).where(Target.list_id == list_id, Target.ref == ref)
    return (
        select(Recipient)
        .join(Letter, Letter.id == Recipient.letter_id)
        .where(Recipient.target_id.in_(versions), Letter.campaign_id == campaign_id,
               Recipient.status == RecipientStatus.QUEUED, Recipient.digest_outbox_id.is_(None),
               Letter.status.not_in(STOPPED), Letter.erased_at.is_(None), ~going)
        .order_by(Recipient.id)
    )  # fmt: skip


def send_target_digests(now=None) -> int:
    """The worker's job: each target's office with its digest on, and letters
    waiting, gets one email if its last was a day ago or more. How many
    were queued."""
    now = now or utcnow()
    every = timedelta(hours=current_app.config["DIGEST_EVERY_HOURS"])
    due = db.session.execute(
        select(
            TargetDigest.id, TargetDigest.list_id, TargetDigest.ref, TargetDigest.campaign_id
        ).where(
            TargetDigest.active.is_(True),
            (TargetDigest.last_sent_at.is_(None)) | (TargetDigest.last_sent_at <= now - every),
        )
    ).all()
    db.session.rollback()  # end the read: most runs have nothing to write
    queued = 0
    # (By the choice's list and ref: a target dropped from its list still has
    # its waiting letters gathered.)
    for choice_id, list_id, ref, campaign_id in due:
        with write_transaction() as session:
            recipients = session.scalars(_waiting(list_id, ref, campaign_id)).all()
            if not recipients:
                continue
            first = recipients[0]
            digest = OutboxEmail(kind=EmailKind.TARGET_DIGEST, letter_id=first.letter_id,
                                 recipient_id=first.id)  # fmt: skip
            session.add(digest)
            session.flush()
            for recipient in recipients:
                recipient.digest_outbox_id = digest.id
                recipient.letter.log(f"gathered into the daily digest of {recipient.name}")
            session.get_one(TargetDigest, choice_id).last_sent_at = now
            queued += 1
    return queued


def recipients_in(row: OutboxEmail) -> list[Recipient]:
    """The recipients a digest carries as it is built, or built again for a
    retry: those still QUEUED whose letter still goes and is not erased."""
    return list(db.session.scalars(
        select(Recipient)
        .join(Letter, Letter.id == Recipient.letter_id)
        .where(Recipient.digest_outbox_id == row.id, Recipient.status == RecipientStatus.QUEUED,
               Letter.status.not_in(STOPPED), Letter.erased_at.is_(None))
        .order_by(Recipient.id)
    ))  # fmt: skip


def delivered(row: OutboxEmail, reason: str | None = None) -> None:
    """KINDS' on_sent for a target's digest: each recipient in it is SENT (its
    letter, if not to its MP, with it), as its own email's acceptance would."""
    for recipient in _carried_by(row):
        RECIPIENT_SENT.apply_to(db.session, recipient.letter_id, recipient.id, reason)


def failed(row: OutboxEmail, reason: str) -> None:
    """KINDS' on_failed for a target's digest: each recipient in it fails, its writer told."""
    _fail_all(row, _carried_by(row), reason)


def unbuilt(row: OutboxEmail, reason: str) -> None:
    """KINDS' on_unbuilt: the site could not build it; its recipients go
    again, booked on nobody."""
    for recipient in _carried_by(row):
        recipient.letter.log(f"the daily digest of {recipient.name} could not be built: {reason}")
        _back_in_queue(recipient)


def on_report(row: OutboxEmail, verdict: BounceType, diagnostic: str) -> str:
    """A bounce report after the server took it: the address failed every
    recipient in it; a refusal for the site's reasons puts each back in the
    queue, booked on nobody; anything else is noted on each."""
    carried = _carried_by(row, any_state=True)
    detail = diagnostic or str(verdict)
    if verdict == BounceType.RECIPIENT:
        _fail_all(row, carried, f"bounced: {detail}")
        return f"digest bounced: {len(carried)} recipients failed; writers told"
    if verdict == BounceType.SITE:
        again = 0
        for recipient in carried:
            pause = refused_for_the_site(recipient, recipient.letter, detail)
            if pause is not None:
                _back_in_queue(recipient, not_before=utcnow() + pause)
                again += 1
        held = sum(recipient.status == RecipientStatus.HELD for recipient in carried)
        return (f"digest refused for the site's reason: {again} recipients go again,"
                f" {held} held for an admin")  # fmt: skip
    for recipient in carried:
        recipient.letter.log(f"the daily digest of {recipient.name}: {verdict} bounce: {detail}")
    return f"noted on {len(carried)} recipients"


def _fail_all(row: OutboxEmail, carried: list[Recipient], reason: str) -> None:
    """Each recipient fails, its writer told; the address the digest went to
    (the office's newest version's, as target_digest addressed it) is not used again."""
    for recipient in carried:
        fail(recipient, recipient.letter, reason)
    office = current_target(row.recipient.target_id) if row.recipient is not None else None
    if office is not None:
        mark_bounced(db.session, office.id)


def _back_in_queue(recipient: Recipient, not_before: datetime | None = None) -> None:
    """Out of its digest, to go again: in the office's next digest, or on
    its own (not before `not_before`) if the office has switched back meanwhile."""
    recipient.status, recipient.digest_outbox_id = RecipientStatus.QUEUED, None
    if not digest_on(recipient.target_id, recipient.letter.campaign_id):
        db.session.add(OutboxEmail(kind=EmailKind.TO_RECIPIENT, letter_id=recipient.letter_id,
                                   recipient_id=recipient.id,
                                   not_before=not_before or utcnow()))  # fmt: skip


def _carried_by(row: OutboxEmail, *, any_state: bool = False) -> list[Recipient]:
    query = select(Recipient).where(Recipient.digest_outbox_id == row.id).order_by(Recipient.id)
    if not any_state:
        query = query.where(Recipient.status == RecipientStatus.QUEUED)
    return list(db.session.scalars(query))
