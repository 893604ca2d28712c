"""MPs' contact details as the campaign team sees them: overrides, gaps and failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.accounts import audit
from app.db import write_transaction
from app.extensions import db
from app.letters.models import Letter, LetterStatus
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


@dataclass(frozen=True)
class Failing:
    mp: MP
    failed: int
    last_failure: datetime | None


def failing() -> list[Failing]:
    """MPs whose letters have failed to deliver, most failures first."""
    rows = db.session.execute(
        select(Letter.mp_id, func.count(), func.max(Letter.created_at))
        .where(Letter.status == LetterStatus.FAILED)
        .group_by(Letter.mp_id)
        .order_by(func.count().desc())
    ).all()
    mps = {
        mp.id: mp
        for mp in db.session.scalars(
            select(MP).options(joinedload(MP.constituency)).where(MP.id.in_([r[0] for r in rows]))
        )
    }
    return [Failing(mps[mp_id], n, last) for mp_id, n, last in rows if mp_id in mps]
