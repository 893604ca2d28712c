"""Partners: sites that embed the widget, their allowed origins, and the kill switch.

Partners are read on the hot path (every widget request checks its origin),
so each process caches them (app/reference/cache.py); every change bumps the
reference version, and every process sees it within REFERENCE_REFRESH_SECONDS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select

from app.accounts import audit
from app.db import write_transaction
from app.extensions import db
from app.i18n import N_
from app.partners.models import Partner
from app.reference.cache import bump_reference_version, cached
from app.tokens import InvalidToken, Purpose, sign_id, unsign_id

SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,58}[a-z0-9]")
DISABLED_NOTICE = N_("This campaign form isn't available on this site at the moment.")


class PartnerError(Exception):
    """A partner could not be created or changed as asked."""


class NotForPartners(PartnerError):
    """People's data asked for a partner: they agreed to hear from the organisation."""


@dataclass(frozen=True)
class PartnerInfo:
    id: int
    slug: str
    name: str
    origins: frozenset[str]
    active: bool

    def allows(self, origin: str | None) -> bool:
        return origin is not None and origin in self.origins


def normalise_origin(value: str) -> str:
    """'https://Blog.Example.org/path' -> 'https://blog.example.org' (scheme, host, port)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise PartnerError(f"{value!r} is not an http(s) origin such as https://blog.example.org")
    default = {"https": 443, "http": 80}[parts.scheme]
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


def origin_of(url: str | None) -> str | None:
    try:
        return normalise_origin(url) if url else None
    except (PartnerError, ValueError):
        return None


def save_partner(
    slug: str, *, name: str, origins: list[str], active: bool = True, admin=None
) -> Partner:
    """Create a partner, or update it if the slug exists (audited when an admin does it)."""
    if not SLUG.fullmatch(slug):
        raise PartnerError("a slug is 2-60 lower-case letters, digits and hyphens")
    clean = sorted({normalise_origin(o) for o in origins})
    with write_transaction() as session:
        partner = session.scalar(select(Partner).where(Partner.slug == slug))
        if partner is None:
            partner = Partner(slug=slug)
            session.add(partner)
        partner.name = name.strip() or slug
        partner.origins_text = "\n".join(clean)
        partner.active = active
        bump_reference_version(session)
        state = "active" if active else "disabled"
        audit.record(admin, "partner.saved", "partner", slug, f"{state}; {', '.join(clean)}")
    return partner


def set_active(slug: str, active: bool, admin=None) -> Partner:
    """The kill switch (and its undoing)."""
    with write_transaction() as session:
        partner = session.scalar(select(Partner).where(Partner.slug == slug))
        if partner is None:
            raise PartnerError(f"no partner {slug!r}")
        partner.active = active
        bump_reference_version(session)
        audit.record(admin, "partner.enabled" if active else "partner.disabled", "partner", slug)
    return partner


def list_partners() -> list[Partner]:
    return list(db.session.scalars(select(Partner).order_by(Partner.slug)))


def _load_partners(_previous, _version) -> dict[str, PartnerInfo]:
    return {
        p.slug: PartnerInfo(p.id, p.slug, p.name, frozenset(p.origins), p.active)
        for p in db.session.scalars(select(Partner))
    }


def find_partner(slug: str | None) -> PartnerInfo | None:
    """A partner by slug, from this process's cache (active or not)."""
    if not slug:
        return None
    return cached("partners", _load_partners).get().get(slug)


def safe_return_url(partner: PartnerInfo | Partner | None, url: str | None) -> str | None:
    """The embedding page, only if it is on one of the partner's own origins."""
    if partner is None or not url:
        return None
    origins = partner.origins if isinstance(partner, PartnerInfo) else set(partner.origins)
    return url if origin_of(url) in origins else None


# A partner's page of its own figures is reached through a signed link an
# admin gives it, good for this long (a new one can be made at any time).
FIGURES_LINK_DAYS = 90


def figures_token(partner_id: int) -> str:
    return sign_id(Purpose.PARTNER_FIGURES, partner_id, timed=True)


def partner_for_figures(token: str) -> Partner | None:
    """The active partner a figures link is for; None for a link altered,
    expired, or for a partner since disabled."""
    try:
        partner_id = unsign_id(Purpose.PARTNER_FIGURES, token, timed=True,
                               max_age_seconds=FIGURES_LINK_DAYS * 86400)  # fmt: skip
    except InvalidToken:
        return None
    partner = db.session.get(Partner, partner_id)
    return partner if partner is not None and partner.active else None


def partner_for(slug: str | None, *, hears_of_people: bool, what: str) -> Partner | None:
    """The partner an API key or a webhook endpoint is for (None: the
    organisation running the site). A partner never gets people's data:
    they agreed to hear from the organisation, not from its partners."""
    if not slug:
        return None
    partner = db.session.scalar(select(Partner).where(Partner.slug == slug))
    if partner is None:
        raise PartnerError(f"No partner {slug!r}.")
    if hears_of_people:
        raise NotForPartners(
            f"A partner's {what} hears of letters only: people agreed to hear from the"
            " organisation running the site, not from its partners."
        )
    return partner
