"""One row per letter asked about: when it was asked, and the answers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Model
from app.letters.models import Letter


class Answer(StrEnum):
    YES = "yes"  # the MP replied
    NOT_YET = "not_yet"  # no reply yet: asked once more later
    NO = "no"  # no reply, and the writer does not expect one


class ReplyQuestion(Model):
    __tablename__ = "reply_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column("message_id", ForeignKey("message.id"), unique=True)
    asks: Mapped[int] = mapped_column(default=0)  # emails queued: the first, a reminder, once more
    last_asked_at: Mapped[datetime]
    answer: Mapped[Answer | None] = mapped_column(String(8))
    answered_at: Mapped[datetime | None]
    # The second, optional question: is this the first time they wrote to their MP?
    first_time: Mapped[bool | None]

    letter: Mapped[Letter] = relationship()

    __table_args__ = (Index("ix_reply_question_answer", "answer", "answered_at"),)
