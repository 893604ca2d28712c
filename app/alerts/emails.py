"""The emails of the alerts system: subscription confirmations, alerts, test copies.

Alert mail is bulk mail done right: From the campaign, `List-Id`, an https
one-click `List-Unsubscribe` with `List-Unsubscribe-Post` (RFC 8058), a
visible unsubscribe link, multipart text and HTML, and per-recipient signed
links. The Markdown is rendered once per alert; each recipient only gets
their own links swapped in. Transactional mail (confirmations) carries no
List-* headers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import parseaddr
from functools import lru_cache

from flask import current_app
from markupsafe import escape

from app.adapters.smtp import RawEmail
from app.alerts.measuring import click_token
from app.alerts.models import Alert, AlertStatus, SubscriberStatus
from app.alerts.subscribers import (
    mark_suppressed,
    token_for,
)
from app.campaigns.languages import in_language
from app.extensions import db
from app.i18n import current_language, gettext, site_name
from app.links import external_url
from app.outbox.mime import (
    Unbuildable,
    Unsendable,
    date_header,
    message_id,
    new_email,
    person,
    relay_headers,
    render_email,
    site_sender,
    text_part,
)
from app.outbox.models import OutboxEmail
from app.text import is_single_line, markdown_to_html, markdown_to_text
from app.tokens import Purpose

CLICK, UNSUBSCRIBE, PREFERENCES = "@@CLICK@@", "@@UNSUBSCRIBE@@", "@@PREFERENCES@@"


def subscribe_confirm(row: OutboxEmail):
    subscriber = row.subscriber
    assert subscriber is not None, f"outbox row {row.id} has no subscriber"
    if subscriber.status != SubscriberStatus.PENDING:
        return None  # confirmed meanwhile, unsubscribed or suppressed: nothing to ask
    link = external_url(
        "public.alerts_confirm", token=token_for(subscriber, Purpose.CONFIRM_SUBSCRIPTION)
    )
    text = render_email("subscribe_confirm/body.txt", link=link, site_name=site_name())
    return new_email(
        row,
        to=person("", subscriber.email),
        subject=gettext("Confirm your campaign alerts"),
        text=text,
    )


def preferences_link(row: OutboxEmail):
    """A fresh preferences link, asked for from an alert's (maybe forwarded) one."""
    subscriber = row.subscriber
    assert subscriber is not None, f"outbox row {row.id} has no subscriber"
    link = external_url(
        "public.alerts_preferences", token=token_for(subscriber, Purpose.FRESH_PREFERENCES)
    )
    text = render_email("preferences_link/body.txt", link=link, site_name=site_name())
    return new_email(
        row, to=person("", subscriber.email), subject=gettext("Your alert settings"), text=text
    )


def _alert_sender(campaign):
    """From the campaign: its own address if it has one, else the site's, with its title."""
    if campaign.alert_sender:
        name, address = parseaddr(campaign.alert_sender)
        if address:
            return person(name or campaign.title, address)
    return site_sender(campaign.title)


@dataclass(frozen=True)
class BulkTemplate:
    """One alert, rendered once: headers and MIME structure by the standard library,
    with placeholders where each recipient's address and links go."""

    envelope_from: str
    domain: str
    headers: bytes  # From, Subject, List-Id, ...: folded lines, each ending CRLF
    boundary: str
    text: str
    html: str


@lru_cache(maxsize=32)
def _template(
    alert_id: int, variant: str | None, version: str, test: bool, language: str
) -> BulkTemplate:
    """The alert (or its variant) rendered once per version and language (the
    caller's force_locale is the reader's: `language` keys the cache by it)."""

    alert = db.session.get_one(Alert, alert_id)
    subject, body = alert.content(variant)
    campaign = in_language(alert.campaign)  # the reader's: `language`
    context = {
        "subject": subject,
        "body_html": markdown_to_html(body),
        "body_text": markdown_to_text(body),
        "cta": alert.call_to_action,
        "campaign_title": campaign.title,
        "accent": campaign.accent_colour or "#0b3d91",  # checked for white text (branding.py)
        "organisation_name": campaign.organisation_name,
        "organisation_url": campaign.organisation_url,
        "site_name": site_name(),
        "click_url": CLICK,
        "unsubscribe_url": UNSUBSCRIBE,
        "preferences_url": PREFERENCES,
    }
    sender = _alert_sender(campaign)
    domain = sender.domain or "localhost"
    boundary = f"=_alert_{alert_id}{variant or ''}_{version[:12]}"
    head = EmailMessage(policy=policy.SMTP)
    try:
        head["From"] = sender.as_address()
        head["Subject"] = f"[Test] {subject}" if test else subject
    except (ValueError, TypeError) as exc:
        raise Unbuildable(f"unsafe header value ({type(exc).__name__})") from exc
    head["MIME-Version"] = "1.0"
    head["Content-Type"] = f'multipart/alternative; boundary="{boundary}"'
    head["List-Id"] = f"{campaign.title} <{campaign.slug}.alerts.{domain}>"
    if not test:
        head["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return BulkTemplate(
        envelope_from=sender.addr_spec,
        domain=domain,
        headers=b"".join(head.policy.fold_binary(name, value) for name, value in head.items()),
        boundary=boundary,
        text=render_email("alert/body.txt", **context),
        html=render_email("alert/body.html", **context),
    )


def _bulk_email(
    row: OutboxEmail,
    alert,
    to: str,
    links: dict[str, str],
    *,
    test: bool = False,
    variant: str | None = None,
) -> RawEmail:
    """One recipient's copy: their address and links in the alert's (or its
    variant's) rendered template."""
    if not to.isascii() or not is_single_line(to):
        raise Unsendable("unusable address for bulk mail")
    # Everything the rendered template holds: an edit to any of it renders anew.
    campaign = in_language(alert.campaign)  # the template is kept per language
    subject, body = alert.content(variant)
    parts = (subject, body, alert.call_to_action, campaign.alert_sender,
             campaign.title, campaign.slug, campaign.accent_colour,
             campaign.organisation_name, campaign.organisation_url)  # fmt: skip
    version = hashlib.sha256("\0".join(p or "" for p in parts).encode()).hexdigest()
    template = _template(alert.id, variant, version, test, current_language())
    text, html = template.text, template.html
    for placeholder, url in links.items():
        text = text.replace(placeholder, url)
        html = html.replace(placeholder, str(escape(url)))
    own = [f"To: {to}", f"Date: {date_header()}",
           f"Message-ID: {message_id(row, template.domain)}"]  # fmt: skip
    own += [f"{name}: {value}" for name, value in relay_headers(row).items()]
    if not test:
        own.append(f"List-Unsubscribe: <{links[UNSUBSCRIBE]}>")
    separator = f"--{template.boundary}\r\n".encode()
    data = b"".join([
        template.headers, "\r\n".join(own).encode(), b"\r\n\r\n",
        separator, text_part("plain", text), b"\r\n",
        separator, text_part("html", html), b"\r\n",
        f"--{template.boundary}--\r\n".encode(),
    ])  # fmt: skip
    return RawEmail(template.envelope_from, to, data)


def _link(endpoint: str, token: str) -> str:
    """external_url(endpoint, token=token), with the URL's fixed parts built
    once per language (the reader's goes in the link)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a proxy typed as Flask
    before, after = _link_parts(app, endpoint, current_language())
    return before + token + after


SLOT = "__slot__"


@lru_cache(maxsize=16)
def _link_parts(app, endpoint: str, language: str) -> tuple[str, str]:
    """What comes before and after the token in this app's URL for `endpoint`."""
    before, _, after = external_url(endpoint, token=SLOT).partition(SLOT)
    return before, after


def alert(row: OutboxEmail):
    recipient = row.alert_recipient
    assert recipient is not None, f"outbox row {row.id} has no alert recipient"
    alert, subscriber = recipient.alert, recipient.subscriber
    if alert.status != AlertStatus.SENDING or subscriber.status != SubscriberStatus.CONFIRMED:
        return None  # cancelled, or they unsubscribed since it was queued
    links = {
        CLICK: _link("public.alert_click", click_token(recipient.id)),
        UNSUBSCRIBE: _link("public.alerts_unsubscribe", token_for(subscriber, Purpose.UNSUBSCRIBE)),
        PREFERENCES: _link(
            "public.alerts_preferences", token_for(subscriber, Purpose.ALERT_PREFERENCES)
        ),
    }
    return _bulk_email(row, alert, subscriber.email, links, variant=recipient.variant)


def alert_test(row: OutboxEmail):

    alert = db.session.get_one(Alert, row.alert_id)
    assert row.to_address is not None, f"outbox row {row.id} has no address"
    campaign_url = external_url("public.campaign", slug=alert.campaign.slug)
    links = dict.fromkeys((CLICK, UNSUBSCRIBE, PREFERENCES), campaign_url)
    return _bulk_email(row, alert, row.to_address, links, test=True)


def bounced(row: OutboxEmail, reason: str) -> None:
    """A permanent failure on alert mail: never mail that address again.

    Runs inside the worker's outcome transaction, so it only changes rows.
    """
    subscriber = row.to_subscriber
    if subscriber is not None:
        mark_suppressed(subscriber, f"bounced: {reason}")
