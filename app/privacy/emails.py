"""The email of a data request: the signed link, sent only to the address."""

from __future__ import annotations

from app.i18n import gettext, site_name
from app.links import external_url
from app.outbox.mime import Email, new_email, person, render_email
from app.outbox.models import OutboxEmail
from app.privacy.requests import LINK_HOURS, link_token


def data_link(row: OutboxEmail) -> Email:
    address = row.to_address or ""
    text = render_email(
        "data_link/body.txt",
        link=external_url("public.your_data", token=link_token(address)),
        hours=LINK_HOURS,
        site_name=site_name(),
    )
    subject = gettext("Your data at %(site)s", site=site_name())
    return new_email(row, to=person("", address), subject=subject, text=text)
