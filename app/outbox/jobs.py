"""The periodic jobs the worker runs between batches, and how often (seconds)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.alerts.alerts import fan_out, finish_alerts
from app.letters.submission import expire_unconfirmed, send_reminders
from app.offices.digests import send_digests
from app.parliament.dissolution import hold_queued
from app.privacy.retention import purge_daily
from app.replies.questionnaire import ask_due


@dataclass
class Job:
    run: Callable[[], int]
    every: float
    due: float = 0.0


def jobs() -> list[Job]:
    """A fresh schedule for one worker."""
    return [
        Job(send_reminders, 60),
        Job(expire_unconfirmed, 60),
        # Alerts start within a second of pressing Send; each check is one cheap query.
        Job(fan_out, 1),
        Job(finish_alerts, 5),
        Job(purge_daily, 24 * 3600),  # erase personal data whose time is up
        Job(ask_due, 60),  # did your MP reply?
        Job(hold_queued, 60),  # while Parliament is dissolved, letters wait for the new MPs
        Job(send_digests, 300),  # the daily digests offices chose
    ]
