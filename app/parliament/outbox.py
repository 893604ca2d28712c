"""A dissolution's job, as the outbox runs it."""

from __future__ import annotations

from app.outbox import jobs
from app.parliament.dissolution import hold_queued


def register() -> None:
    jobs.declare(hold_queued, 60)  # while Parliament is dissolved, letters wait for the new MPs
