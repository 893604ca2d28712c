"""The privacy package's email and its daily job, as the outbox runs them."""

from __future__ import annotations

from app.outbox import jobs, kinds
from app.outbox.models import EmailKind
from app.privacy import emails
from app.privacy.retention import purge_daily


def register() -> None:
    kinds.declare(EmailKind.DATA_LINK, kinds.Kind(emails.data_link))
    jobs.declare(purge_daily, 24 * 3600)  # erase personal data whose time is up
