"""What a webhook call says when a writer tells us their MP replied."""

from __future__ import annotations

from sqlalchemy import select

from app.db import iso_time
from app.extensions import db
from app.letters.webhooks import letter_data
from app.outbox.models import OutboxEmail
from app.replies.models import Answer, ReplyQuestion
from app.webhooks.models import Endpoint


def reply_data(row: OutboxEmail, endpoint: Endpoint) -> dict | None:
    """The letter, and when its writer said the MP replied (not what the MP wrote:
    we never see it). None once the letter is erased or the answer taken back."""
    data = letter_data(row, endpoint)
    if data is None:
        return None
    question = db.session.scalar(
        select(ReplyQuestion).where(ReplyQuestion.letter_id == row.letter_id)
    )
    if question is None or question.answer != Answer.YES:
        return None
    data["reply"] = {
        "answer": str(question.answer),
        "first_time": question.first_time,
        "answered_at": iso_time(question.answered_at),
    }
    return data
