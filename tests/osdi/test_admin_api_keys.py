"""The admin's API keys page, and the CLI's."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.accounts.models import AuditEvent
from app.api_keys.models import ApiKey
from app.extensions import db
from app.partners.registry import save_partner


def text(response) -> str:
    return response.get_data(as_text=True)


def key_on(page: str) -> str:
    return re.search(r'<pre class="code" id="secret">(wtym_[^<]+)</pre>', page).group(1)


def test_an_admin_makes_replaces_and_revokes_a_key(app, admin_client):
    made = admin_client.post(
        "/admin/api-keys/new",
        data={"name": "Our CRM", "owner": "organisation",
              "scopes": ["people:read", "outreaches:read"]},
    )  # fmt: skip
    assert made.status_code == 200
    key = key_on(text(made))
    row = db.session.scalar(select(ApiKey))
    assert row.scopes_text == "outreaches:read people:read"
    listing = text(admin_client.get("/admin/api-keys"))
    assert f"<code>{key[:12]}…</code>" in listing
    assert key not in listing
    assert admin_client.get("/api/osdi/v1/", headers={"OSDI-API-Token": key}).status_code == 200

    replaced = admin_client.post(f"/admin/api-keys/{row.id}/rotate")
    new_key = key_on(text(replaced))
    assert new_key != key
    assert "keeps working for a day" in text(replaced)
    listing = text(admin_client.get("/admin/api-keys"))
    assert "until " in listing  # the old one works a day more
    admin_client.post("/admin/api-keys/2/revoke")
    assert admin_client.get("/api/osdi/v1/", headers={"OSDI-API-Token": new_key}).status_code == 401
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.startswith("api_key."))
    ).all()
    assert actions == ["api_key.issued", "api_key.rotated", "api_key.revoked"]
    assert not any(
        key in e.detail or new_key in e.detail for e in db.session.scalars(select(AuditEvent))
    )


def test_a_partners_key_cannot_read_people(app, admin_client):
    save_partner("gazette", name="The Test Gazette", origins=["https://g.example"])
    refused = admin_client.post(
        "/admin/api-keys/new",
        data={"name": "Gazette", "owner": "gazette", "scopes": ["people:read"]},
    )
    assert refused.status_code == 422
    assert 'id="scopes-error"' in text(refused)
    assert "letters only" in text(refused)
    nameless = admin_client.post(
        "/admin/api-keys/new", data={"name": "", "owner": "organisation", "scopes": ["people:read"]}
    )
    assert nameless.status_code == 422
    assert db.session.scalar(select(ApiKey)) is None


def test_a_viewer_sees_keys_but_cannot_make_one(app, admin_client, viewer_client):
    admin_client.post(
        "/admin/api-keys/new",
        data={"name": "Our CRM", "owner": "organisation", "scopes": ["outreaches:read"]},
    )
    assert "Our CRM" in text(viewer_client.get("/admin/api-keys"))
    assert viewer_client.post("/admin/api-keys/1/rotate").status_code == 403
    assert admin_client.post("/admin/api-keys/9/revoke").status_code == 404


def test_the_cli_issues_lists_rotates_and_revokes(app, runner):
    issued = runner.invoke(args=["api-keys", "issue", "Nightly sync", "--scope", "people:read"])
    assert issued.exit_code == 0, issued.output
    key = issued.output.split("(shown once): ")[1].strip()
    listed = runner.invoke(args=["api-keys", "list"]).output
    assert listed.startswith(f"1\t{key[:12]}...\tpartner -\tpeople:read\tlive\tnever used")
    assert key not in listed
    rotated = runner.invoke(args=["api-keys", "rotate", "1"])
    assert rotated.output.startswith("key 2 (shown once): wtym_")
    assert runner.invoke(args=["api-keys", "revoke", "2"]).output == "2: revoked\n"
    wrong = runner.invoke(args=["api-keys", "issue", "x", "--scope", "people:delete"])
    assert wrong.exit_code == 1
    assert "No scope 'people:delete'" in wrong.output
    missing = runner.invoke(args=["api-keys", "revoke", "9"])
    assert missing.exit_code == 1
