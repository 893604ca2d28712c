"""Alerts' emails and periodic jobs, as the outbox runs them."""

from __future__ import annotations

from app.alerts import emails
from app.alerts.alerts import fan_out, finish_alerts
from app.outbox import jobs, kinds
from app.outbox.models import EmailKind


def register() -> None:
    # A permanent failure on alert mail suppresses the subscriber.
    kinds.declare(EmailKind.SUBSCRIBE_CONFIRM,
                  kinds.Kind(emails.subscribe_confirm, on_failed=emails.bounced))  # fmt: skip
    kinds.declare(EmailKind.ALERT, kinds.Kind(emails.alert, on_failed=emails.bounced, bulk=True))
    kinds.declare(EmailKind.ALERT_TEST, kinds.Kind(emails.alert_test, in_english=True))
    kinds.declare(EmailKind.PREFERENCES_LINK, kinds.Kind(emails.preferences_link))
    # Alerts start within a second of pressing Send; each check is one cheap query.
    jobs.declare(fan_out, 1)
    jobs.declare(finish_alerts, 5)
