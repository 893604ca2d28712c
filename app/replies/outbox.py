"""The "did your MP reply?" email and its job, as the outbox runs them."""

from __future__ import annotations

from app.letters.outbox import to_writer
from app.outbox import jobs, kinds
from app.outbox.models import EmailKind
from app.replies import emails
from app.replies.questionnaire import ask_due
from app.replies.webhooks import reply_data
from app.webhooks.delivery import declare_event
from app.webhooks.models import Event


def register() -> None:
    kinds.declare(EmailKind.DID_REPLY, kinds.Kind(emails.did_reply, addressee=to_writer))
    declare_event(Event.MP_REPLIED, reply_data)
    jobs.declare(ask_due, 60)
