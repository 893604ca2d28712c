"""The admin's webhooks page: register, see, stop, resume, rotate."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts.models import AuditEvent
from app.db import utcnow
from app.extensions import db
from app.partners.registry import save_partner
from app.webhooks.models import Endpoint

URL = "https://crm.example.org/hooks/s3cret-path-token"


def text(response) -> str:
    return response.get_data(as_text=True)


def secret_on(page: str) -> str:
    return re.search(r'<pre class="code" id="secret">(whsec_[^<]+)</pre>', page).group(1)


def test_an_admin_registers_an_endpoint_and_sees_its_secret_once(app, admin_client):
    save_partner("gazette", name="The Test Gazette", origins=["https://gazette.example"])
    form = admin_client.get("/admin/webhooks/new")
    assert "The Test Gazette (letters through its widget)" in text(form)

    made = admin_client.post(
        "/admin/webhooks/new",
        data={"url": URL, "owner": "organisation",
              "events": ["letter.delivered", "person.subscribed"]},
    )  # fmt: skip
    assert made.status_code == 200
    assert made.headers["Cache-Control"] == "no-store"
    secret = secret_on(text(made))
    endpoint = db.session.scalar(select(Endpoint))
    assert endpoint.secret == secret
    assert endpoint.event_names == ["letter.delivered", "person.subscribed"]

    listing = text(admin_client.get("/admin/webhooks"))
    assert "Endpoint 1: crm.example.org" in listing
    assert "s3cret" not in listing
    assert secret not in listing
    assert "the organisation" in listing

    rotated = admin_client.post("/admin/webhooks/1/rotate")
    assert secret_on(text(rotated)) != secret
    assert "keeps signing too for a day" in text(rotated)
    admin_client.post("/admin/webhooks/1/stop")
    assert "stopped: stopped by an admin" in text(admin_client.get("/admin/webhooks"))
    admin_client.post("/admin/webhooks/1/resume")
    db.session.refresh(endpoint)
    assert endpoint.active
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.startswith("webhook."))
    ).all()
    assert actions == ["webhook.registered", "webhook.secret_rotated", "webhook.stopped",
                       "webhook.resumed"]  # fmt: skip
    assert not any(secret in e.detail or "s3cret" in e.detail
                   for e in db.session.scalars(select(AuditEvent)))  # fmt: skip


def test_a_refused_registration_says_why_beside_the_field(app, admin_client):
    save_partner("gazette", name="The Test Gazette", origins=["https://gazette.example"])
    plain = admin_client.post(
        "/admin/webhooks/new",
        data={"url": "http://crm.example.org/hook", "owner": "organisation",
              "events": ["letter.delivered"]},
    )  # fmt: skip
    assert plain.status_code == 422
    assert 'id="url-error"' in text(plain)
    assert "not an https URL" in text(plain)

    people = admin_client.post(
        "/admin/webhooks/new",
        data={"url": URL, "owner": "gazette", "events": ["person.subscribed"]},
    )
    assert people.status_code == 422
    assert 'id="events-error"' in text(people)
    assert "letters only" in text(people)

    none = admin_client.post("/admin/webhooks/new", data={"url": URL, "owner": "organisation"})
    assert none.status_code == 422
    assert "Choose at least one event." in text(none)
    assert db.session.scalar(select(Endpoint)) is None


def test_a_viewer_sees_the_endpoints_but_changes_nothing(app, admin_client, viewer_client):
    admin_client.post(
        "/admin/webhooks/new",
        data={"url": URL, "owner": "organisation", "events": ["letter.delivered"]},
    )
    page = text(viewer_client.get("/admin/webhooks"))
    assert "Endpoint 1: crm.example.org" in page
    assert "New secret" not in page
    assert viewer_client.post("/admin/webhooks/1/rotate").status_code == 403
    assert viewer_client.post("/admin/webhooks/1/stop").status_code == 403


def test_the_dashboard_says_when_an_endpoint_is_paused(app, admin_client):
    admin_client.post(
        "/admin/webhooks/new",
        data={"url": URL, "owner": "organisation", "events": ["letter.delivered"]},
    )
    assert "webhook endpoint" not in text(admin_client.get("/admin/"))
    endpoint = db.session.scalar(select(Endpoint))
    endpoint.paused_until = utcnow().replace(year=utcnow().year + 1)
    endpoint.failures, endpoint.last_error = 3, "it answered 503"
    db.session.commit()
    dashboard = text(admin_client.get("/admin/"))
    assert "1 webhook endpoint is paused or stopped by its own answers" in dashboard
    assert "after 3 failures in a row (it answered 503)" in text(
        admin_client.get("/admin/webhooks")
    )


def test_an_unknown_endpoint_is_not_found(app, admin_client):
    assert admin_client.post("/admin/webhooks/9/rotate").status_code == 404
    assert admin_client.post("/admin/webhooks/9/stop").status_code == 404
    assert admin_client.post("/admin/webhooks/9/resume").status_code == 404
