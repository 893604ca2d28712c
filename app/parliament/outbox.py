"""A dissolution's emails, job and rule, as the outbox and letters run them."""

from __future__ import annotations

from app.letters.outbox import to_writer
from app.letters.outcomes import FAILED, RETRY, SENT, UNBUILT
from app.letters.routing import declare_wait
from app.outbox import jobs, kinds
from app.outbox.models import EmailKind
from app.parliament import emails
from app.parliament.dissolution import hold_queued, wait_if_dissolved

BUILDERS = {EmailKind.DISSOLVED: emails.dissolved, EmailKind.RECONFIRM: emails.reconfirm}


def register() -> None:
    for kind, build in BUILDERS.items():
        kinds.declare(kind, kinds.Kind(
            build, addressee=to_writer, on_sent=SENT.get(kind), on_failed=FAILED.get(kind),
            on_retry=RETRY.get(kind), on_unbuilt=UNBUILT,
        ))  # fmt: skip
    jobs.declare(hold_queued, 60)  # while Parliament is dissolved, letters wait for the new MPs
    declare_wait("dissolution", wait_if_dissolved)  # a letter confirmed meanwhile waits too
