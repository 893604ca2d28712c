"""A follow-up letter: offered to a writer who says their MP did not reply,
from the campaign's follow-up template ("I wrote to you on 3 March and have
not had a reply..."), edited by them and sent to the same MP.

The question's link was emailed to the writer, so it proves their address:
the follow-up needs no second confirmation. It passes moderation like any
letter, is one per letter, and does not count as the writer's letter in the
campaign (app/letters/models.py's unique index skips follow-ups).
"""

from __future__ import annotations

import secrets

from sqlalchemy import select

from app.campaigns.languages import in_language
from app.db import utcnow, write_transaction
from app.extensions import db
from app.i18n import N_, force_locale, gettext, long_date
from app.letters.models import Letter, LetterStatus
from app.letters.share_codes import new_share_code
from app.letters.submission import LetterProblem, route_confirmed
from app.letters.suggested import INSTRUCTION
from app.reference.representatives import seat_by_constituency_id
from app.replies.models import Answer, ReplyQuestion
from app.text import fill_placeholders, has_control_characters, is_single_line

FOLLOWED_UP = N_("You have already sent a follow-up to this letter.")


def follow_up_draft(question: ReplyQuestion) -> tuple[str, str] | None:
    """(subject, body) to start from, or None when no follow-up is offered."""
    letter = question.letter
    # In the language the first letter was written in, as its date is.
    template = in_language(letter.campaign, letter.language).follow_up_template
    if not template.strip() or question.answer not in (Answer.NO, Answer.NOT_YET):
        return None
    if not letter.to_mp:  # the follow-up goes to the MP, who never had the first
        return None
    if letter.status != LetterStatus.SENT or letter.sent_at is None or _followed_up(letter.id):
        return None
    with force_locale(letter.language):
        body = fill_placeholders(
            template.replace("{sent_date}", long_date(letter.sent_at)),
            mp_name=letter.mp.name, constituency=letter.constituency.local_name,
            constituent_name=letter.sender_name,
        )  # fmt: skip
    return f"Re: {letter.subject}"[:200], body


def _followed_up(letter_id: int) -> bool:
    return (
        db.session.scalar(select(Letter.id).where(Letter.follow_up_of_id == letter_id)) is not None
    )


def send_follow_up(question: ReplyQuestion, subject: str, body: str) -> Letter:
    """Store and route the follow-up; raises LetterProblem with field errors."""
    subject, body = subject.strip(), body.strip()
    problems = {}
    if not subject or len(subject) > 200 or not is_single_line(subject):
        problems["subject"] = gettext("Enter a subject of one line, up to 200 characters.")
    instruction = INSTRUCTION.search(body)
    if not body or len(body) > 20_000 or has_control_characters(body.replace("\t", " ")):
        problems["body"] = gettext("Enter your letter (up to 20,000 characters).")
    elif instruction:
        problems["body"] = gettext(
            "Please replace %(instruction)s with your own words.", instruction=instruction.group(0)
        )
    if problems:
        raise LetterProblem(problems)
    original = question.letter
    seat = seat_by_constituency_id(original.constituency_id)
    if seat is None or seat.mp.id != original.mp_id or not seat.can_email:
        raise LetterProblem(
            {"body": gettext("Your MP has changed since your letter: write afresh instead.")}
        )
    with write_transaction() as session:
        if _followed_up(original.id):
            raise LetterProblem({"body": gettext(FOLLOWED_UP)})
        letter = Letter(
            public_id=secrets.token_urlsafe(16), submission_key=secrets.token_hex(16),
            campaign_id=original.campaign_id, constituency_id=original.constituency_id,
            mp_id=original.mp_id, sender_name=original.sender_name,
            sender_email=original.sender_email, sender_email_key=original.sender_email_key,
            address1=original.address1, address2=original.address2, town=original.town,
            postcode=original.postcode, constituency_chosen=original.constituency_chosen,
            subject=subject, body=body, source=original.source, share_code=new_share_code(),
            follow_up_of_id=original.id, language=original.language,
            status=LetterStatus.PENDING, confirmed_at=utcnow(),
        )  # fmt: skip
        session.add(letter)
        session.flush()
        route_confirmed(letter, detail="a follow-up, from the link that asked whether they replied")
        original.log(f"followed up by letter {letter.id}")
    return letter
