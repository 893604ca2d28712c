"""Asking writers whether their MP replied, and recording what they say.

A letter with other recipients (app/targets/) asks about each one it reached
too, on the same page: the MP (if written to) and every recipient whose
server took the letter. The question's own `answer` is the MP's, or, for a
letter not to its MP, the least settled of the recipients' ("not yet" if
any, then "yes" if any), which decides whether to ask again.

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
from app.i18n import in_words
from app.letters.models import Letter, LetterStatus, Recipient, RecipientStatus
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


def asked_about(letter: Letter) -> list[Recipient]:
    """The letter's recipients besides the MP its writer is asked about:
    those whose server took it."""
    if not letter.recipient_count:
        return []
    return [r for r in letter.recipients if r.status == RecipientStatus.SENT]


def people_asked_about(letter: Letter) -> str:
    """Who the question asks about, in words: "Alice Able and Pat Quill"."""
    people = ([letter.mp.name] if letter.to_mp else []) + [r.name for r in asked_about(letter)]
    return in_words(people) or letter.mp.name


def record_answer(
    question_id: int,
    answer: Answer | None,
    first_time: bool | None,
    recipients: dict[int, Answer] | None = None,
) -> None:
    """The writer's answers (which may change earlier ones): `answer` for the
    MP (None for a letter not to its MP), `recipients` by recipient id."""
    with write_transaction() as session:
        question = session.get_one(ReplyQuestion, question_id)
        letter = question.letter
        for recipient in asked_about(letter):
            given = (recipients or {}).get(recipient.id)
            if given is not None and recipient.answer != given:
                recipient.answer, recipient.answered_at = given, utcnow()
                letter.log(f"did {recipient.name} reply? the writer says: {_words(given)}")
        if not letter.to_mp:
            answer = _least_settled([r.answer for r in asked_about(letter)])
        if answer is None:
            return
        if question.answer != answer:
            question.answered_at = utcnow()
            if answer == Answer.YES and letter.to_mp and not _announced_reply(session, letter.id):
                announce(
                    session, Event.MP_REPLIED, letter_id=letter.id, partner_id=letter.partner_id
                )
        question.answer = answer
        if first_time is not None:
            question.first_time = first_time
        if letter.to_mp:
            letter.log(f"did the MP reply? the writer says: {_words(answer)}")


def _words(answer: str) -> str:
    return answer.replace("_", " ")


def _least_settled(answers: list[str | None]) -> Answer | None:
    """For a letter not to its MP: unanswered while any recipient is; then
    "not yet" if any is (asked again later), "yes" if any replied, else "no"."""
    if not answers or None in answers:
        return None
    for settled in (Answer.NOT_YET, Answer.YES):
        if settled in answers:
            return settled
    return Answer.NO


def _announced_reply(session, letter_id: int) -> bool:
    """Whether endpoints were told already: a yes, a no, then a yes again is not news."""
    told = exists().where(OutboxEmail.letter_id == letter_id, OutboxEmail.kind == Event.MP_REPLIED)
    return bool(session.scalar(select(told)))


def still_to_ask(question: ReplyQuestion) -> bool:
    """Whether a queued question still needs sending (not answered meanwhile)."""
    return question.answer in (None, Answer.NOT_YET)
