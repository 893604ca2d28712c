"""A dissolution's emails, job and rule, as the outbox and letters run them."""

from __future__ import annotations

from app.letters.outbox import declare_letter_kind
from app.letters.routing import declare_wait
from app.outbox import jobs
from app.outbox.models import EmailKind
from app.parliament import emails
from app.parliament.dissolution import hold_queued, wait_if_dissolved

BUILDERS = {EmailKind.DISSOLVED: emails.dissolved, EmailKind.RECONFIRM: emails.reconfirm}


def register() -> None:
    for kind, build in BUILDERS.items():
        declare_letter_kind(kind, build)
    jobs.declare(hold_queued, 60)  # while Parliament is dissolved, letters wait for the new MPs
    declare_wait("dissolution", wait_if_dissolved)  # a letter confirmed meanwhile waits too
