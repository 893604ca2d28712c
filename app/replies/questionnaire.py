"""Asking writers whether their MP replied, and recording what they say.

QUESTIONNAIRE_AFTER_DAYS after a letter was delivered its writer gets one
email; a reminder a week later if they have not answered; and, if they
answered "not yet", one more question two weeks after that. Answers are
given by a button on the page each link opens (a POST), so a mail scanner
following links answers nothing, and can be changed from the same link.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, select

from app.db import utcnow, write_transaction
from app.extensions import db
from app.letters.models import Letter, LetterStatus
from app.outbox.models import EmailKind, OutboxEmail
from app.replies.models import Answer, ReplyQuestion
from app.tokens import InvalidToken, Purpose, sign_id, unsign_id
from app.webhooks.announcing import announce
from app.webhooks.models import Event

REMIND_AFTER = timedelta(days=7)
ASK_AGAIN_AFTER = timedelta(days=14)  # after "not yet"
BATCH = 500  # questions queued per run of the job, at most, of each sort


def question_token(letter_id: int) -> str:
    return sign_id(Purpose.DID_REPLY, letter_id)


def question_for(token: str) -> ReplyQuestion | None:
    """The question a link is for, or None for a link that is not genuine."""
    try:
        letter_id = unsign_id(Purpose.DID_REPLY, token)
    except InvalidToken:
        return None
    return db.session.scalar(select(ReplyQuestion).where(ReplyQuestion.letter_id == letter_id))


def _never_asked(now: datetime, after: timedelta):
    """Delivered letters, `after` ago or more, whose writers were never asked."""
    asked = exists().where(ReplyQuestion.letter_id == Letter.id)
    return (Letter.status == LetterStatus.SENT, Letter.sent_at <= now - after,
            Letter.erased_at.is_(None), ~asked)  # fmt: skip


def _to_ask_again(now: datetime):
    """Questions unanswered a week on (the reminder), or "not yet" two weeks on."""
    return (
        (and_(ReplyQuestion.answer.is_(None), ReplyQuestion.asks == 1,
              ReplyQuestion.last_asked_at <= now - REMIND_AFTER))
        | (and_(ReplyQuestion.answer == Answer.NOT_YET, ReplyQuestion.asks < 3,
                ReplyQuestion.answered_at <= now - ASK_AGAIN_AFTER))
    )  # fmt: skip


def ask_due(now: datetime | None = None) -> int:
    """The worker's job: queue every question that is due; how many."""
    now = now or utcnow()
    after = timedelta(days=current_app.config["QUESTIONNAIRE_AFTER_DAYS"])
    due = db.session.scalar(select(
        exists(select(Letter.id).where(*_never_asked(now, after)))
        | exists(select(ReplyQuestion.id).where(_to_ask_again(now)))
    ))  # fmt: skip
    db.session.rollback()  # end the read: the usual case takes no write lock
    if not due:
        return 0
    with write_transaction() as session:
        first = session.scalars(
            select(Letter.id).where(*_never_asked(now, after)).order_by(Letter.id).limit(BATCH)
        ).all()
        for letter_id in first:
            session.add(ReplyQuestion(letter_id=letter_id, asks=1, last_asked_at=now))
            session.add(OutboxEmail(kind=EmailKind.DID_REPLY, letter_id=letter_id))
        again = session.scalars(select(ReplyQuestion).where(_to_ask_again(now)).limit(BATCH)).all()
        for question in again:
            if question.letter.erased_at is not None:
                continue
            if question.answer == Answer.NOT_YET:
                question.asks = 3  # the last time, whatever was asked before
            else:
                question.asks += 1
            question.last_asked_at = now
            session.add(OutboxEmail(kind=EmailKind.DID_REPLY, letter_id=question.letter_id))
    return len(first) + len(again)


def record_answer(question_id: int, answer: Answer, first_time: bool | None) -> None:
    """The writer's answer (which may change an earlier one)."""
    with write_transaction() as session:
        question = session.get_one(ReplyQuestion, question_id)
        if question.answer != answer:
            question.answered_at = utcnow()
            if answer == Answer.YES and not _announced_reply(session, question.letter_id):
                letter = question.letter
                announce(
                    session, Event.MP_REPLIED, letter_id=letter.id, partner_id=letter.partner_id
                )
        question.answer = answer
        if first_time is not None:
            question.first_time = first_time
        question.letter.log(f"did the MP reply? the writer says: {answer.value.replace('_', ' ')}")


def _announced_reply(session, letter_id: int) -> bool:
    """Whether endpoints were told already: a yes, a no, then a yes again is not news."""
    told = exists().where(OutboxEmail.letter_id == letter_id, OutboxEmail.kind == Event.MP_REPLIED)
    return bool(session.scalar(select(told)))


def still_to_ask(question: ReplyQuestion) -> bool:
    """Whether a queued question still needs sending (not answered meanwhile)."""
    return question.answer in (None, Answer.NOT_YET)
