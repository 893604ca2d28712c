"""MPs' contact details as the campaign team sees them: overrides, gaps and failures."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts import audit
from app.db import write_transaction
from app.extensions import db
from app.reference.cache import bump_reference_version
from app.reference.models import MP


class OverrideRefused(Exception):
    """The override is not a usable email address."""


def set_email_override(admin, mp_id: int, email: str | None) -> MP:
    """Send this MP's letters to `email` instead of the source address (None clears it).

    The source value is kept untouched; the change is audited and reaches every
    process through the reference version.
    """
    clean = None
    if email and email.strip():
        try:
            clean = validate_email(email.strip(), check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise OverrideRefused(str(exc)) from exc
    with write_transaction() as session:
        mp = session.get(MP, mp_id)
        if mp is None:
            raise OverrideRefused("There is no such MP.")
        before = mp.email_override or f"(source: {mp.source_email})"
        mp.email_override = clean
        bump_reference_version(session)
        audit.record(
            admin, "mp.email_override", "mp", mp.id, f"{mp.name}: {before} -> {clean or 'cleared'}"
        )
    return mp


def all_mps() -> list[MP]:
    return list(
        db.session.scalars(select(MP).options(joinedload(MP.constituency)).order_by(MP.name))
    )


def unreachable() -> list[MP]:
    """MPs letters cannot go to: no usable address, or a vacant seat."""
    return [mp for mp in all_mps() if mp.email is None]


def bounced() -> list[MP]:
    """MPs whose current address bounced: their letters wait for a new one."""
    flagged = db.session.scalars(
        select(MP).options(joinedload(MP.constituency)).where(MP.bounced_address.is_not(None))
    )
    return sorted((mp for mp in flagged if mp.address_bounced), key=lambda mp: mp.name)
