"""The dashboard's pages and actions, as an admin uses them."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from app.accounts.models import AuditEvent
from app.alerts.subscribers import CONSENT_WORDING
from app.campaigns.models import Campaign
from app.extensions import db
from app.letters.models import Letter, LetterStatus
from app.letters.submission import confirm_letter, confirmation_token
from app.reference.models import Constituency
from app.reports import stats
from app.reports.hexmap import BUCKETS
from tests.builders.letters import PERSONAL_BODY, submit


def page(response) -> str:
    return response.get_data(as_text=True)


def actions() -> list[str]:
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def seed(status: str, postcode: str, n: int = 1, **extra) -> list[Letter]:
    """Letters in a given state, through the real services where the state allows."""
    made = []
    for _ in range(n):
        body = f"{PERSONAL_BODY} Letter number {len(made)} {status} {postcode}."
        letter = submit(postcode=postcode, email=f"{status}{len(made)}{postcode[:3]}@example.com".replace(" ", ""),
                         body=body, **extra)  # fmt: skip
        if status != "pending":
            letter.status = status
        made.append(letter)
    db.session.commit()
    return made


def constituency_id(gss: str) -> int:
    return db.session.scalar(select(Constituency.id).where(Constituency.gss_code == gss))


def test_coverage_counts_on_a_seeded_set(app):
    seed("sent", "TE1 1AA", 3)  # Testington North: heard
    seed("sent", "CF1 1AA", 1)  # Cwm Test: heard
    seed("failed", "TE2 2BB", 2)  # Testington South: not heard (failed)
    seed("pending", "TE2 2BB", 1)
    seed("queued", "TE2 2BB", 1)
    coverage = stats.coverage()
    assert coverage.heard == 2
    assert coverage.seats == 7
    assert coverage.delivered == {constituency_id("E14001063"): 3, constituency_id("W07000081"): 1}
    totals = stats.totals()
    assert (totals.written, totals.confirmed, totals.sent) == (8, 7, 4)
    assert stats.by_source()[0].written == 8
    campaign = db.session.scalar(select(Campaign))
    assert stats.coverage(campaign.id).heard == 2
    other = Campaign(slug="other", title="Other", status="live")
    db.session.add(other)
    db.session.commit()
    assert stats.coverage(other.id).heard == 0


def test_the_dashboard_shows_the_headline_and_the_map(admin_client):
    seed("sent", "TE1 1AA", 2)
    html = page(admin_client.get("/admin/"))
    assert '<span class="big">1</span> of 7 MPs have heard from constituents' in html
    assert html.count("<polygon") == 650  # the real hex map, every constituency
    # The hex for E14001063 (Aldershot on the real map) is named as the data loaded names it.
    assert 'aria-label="Testington North (Alice Able): 2 letters delivered"' in html
    two_to_four = next(colour for threshold, colour, _ in BUCKETS if threshold == 2)
    assert f'fill="{two_to_four}"' in html
    assert "Letters written per day, last 30 days" in html


def test_every_admin_action_is_audited(app, admin_client):
    client = admin_client
    letter = confirm_letter(confirmation_token(submit()))
    client.post(f"/admin/letters/{letter.id}/body")
    client.post(f"/admin/letters/{letter.id}/cancel")
    client.post(f"/admin/letters/{letter.id}/resend")
    client.post(f"/admin/letters/{letter.id}/mark-delivered")
    client.post(
        "/admin/campaigns/new", data={"title": "Second", "slug": "second", "status": "draft"}
    )
    second = db.session.scalar(select(Campaign).where(Campaign.slug == "second"))
    client.post(
        f"/admin/campaigns/{second.id}",
        data={"title": "Second!", "slug": "second", "status": "draft"},
    )
    client.post(f"/admin/campaigns/{second.id}/status", data={"status": "live"})
    client.post(
        "/admin/partners/new",
        data={"slug": "gazette", "name": "Gazette", "origins": "https://g.example", "active": "y"},
    )
    client.post("/admin/partners/gazette/active", data={"active": "0"})
    mp_id = letter.mp_id
    client.post(f"/admin/mps/{mp_id}", data={"email": "office@example.org"})
    client.get("/admin/exports/constituencies.csv")
    audit_page = page(client.get("/admin/audit"))
    assert "mp.email_override" in audit_page
    assert "Dougal" not in audit_page
    assert (
        "Alice Able: (source: alice.able.mp@parliament.uk) -&gt; office@example.org" in audit_page
    )
    client.post("/admin/logout")
    assert actions() == [
        "admin.created", "admin.login", "letter.body_viewed", "letter.cancelled", "letter.resent",
        "letter.marked_delivered", "campaign.created", "campaign.updated", "campaign.live",
        "partner.saved", "partner.disabled", "mp.email_override", "export.constituencies", "admin.logout",
    ]  # fmt: skip
    events = db.session.scalars(select(AuditEvent)).all()
    assert all(e.actor == "ada@example.org" for e in events[1:])
    assert all(
        "jane@example.com" not in e.detail and "small business" not in e.detail for e in events
    )


def test_reading_a_letter_is_for_admins_and_recorded(admin_client, viewer_client):
    letter = submit()
    detail = page(admin_client.get(f"/admin/letters/{letter.id}"))
    assert "small business" not in detail  # hidden until asked for
    assert "Show the letter" in detail
    body = page(admin_client.post(f"/admin/letters/{letter.id}/body"))
    assert "small business" in body
    viewer = page(viewer_client.get(f"/admin/letters/{letter.id}"))
    assert "Only admins can read" in viewer
    assert "jane@example.com" not in viewer
    assert viewer_client.post(f"/admin/letters/{letter.id}/body").status_code == 403
    assert actions().count("letter.body_viewed") == 1


def test_moderation_holds_a_near_duplicate_and_release_sends_it(make_app, make_admin, mail_server):
    from app.outbox.worker import run_worker
    from tests.builders.admins import sign_in

    app = make_app(MAIL_PORT=mail_server.port)
    with app.app_context():
        admin, secret = make_admin()
        client = app.test_client()
        sign_in(client, admin.email, secret)
        first = confirm_letter(confirmation_token(submit()))
        held = confirm_letter(confirmation_token(submit(
            email="copier@example.com", name="Carl Copier", key="copy",
            body=PERSONAL_BODY.replace("Jane Smith", "Carl Copier"))))  # fmt: skip
        assert held.status == LetterStatus.HELD
        queue = page(client.get("/admin/moderation"))
        assert f"Letter {held.id}</a> to Alice Able" in queue
        assert f'Closest match: <a href="/admin/letters/{first.id}">letter {first.id}</a>' in queue
        assert "100% similar" in queue
        # What the two share is highlighted; the names that differ are not.
        assert "<mark>Dear Alice Able,\n\nI am writing as a constituent" in queue
        assert "Yours sincerely</mark>,\nCarl Copier" in queue

        assert client.post(f"/admin/moderation/{held.id}/release").status_code == 303
        with app.app_context():
            run_worker(once=True)
        letters = mail_server.to("alice.able.mp@parliament.uk")
        assert len(letters) == 2
        assert any("Carl Copier" in m["Reply-To"].addresses[0].display_name for m in letters)
        assert "moderation.released" in actions()
        assert (
            client.post(f"/admin/moderation/{held.id}/release").status_code == 303
        )  # already done
        assert "no longer held" in page(client.get("/admin/moderation"))


def test_rejecting_tells_the_constituent(make_app, make_admin, mail_server):
    from app.outbox.worker import run_worker
    from tests.builders.admins import sign_in

    app = make_app(MAIL_PORT=mail_server.port)
    with app.app_context():
        admin, secret = make_admin()
        client = app.test_client()
        sign_in(client, admin.email, secret)
        held = confirm_letter(
            confirmation_token(submit(body=PERSONAL_BODY + " I know where you live."))
        )
        client.post(f"/admin/moderation/{held.id}/reject", data={"note": "threatening"})
        with app.app_context():
            run_worker(once=True)
        [notice] = [m for m in mail_server.to("jane@example.com") if "was not sent" in m["Subject"]]
        assert "in their own words" in notice.text
        assert mail_server.to("alice.able.mp@parliament.uk") == []
        db.session.refresh(held)
        assert held.status == LetterStatus.REJECTED


def test_the_letter_log_filters(admin_client):
    seed("sent", "TE1 1AA", 2)
    seed("failed", "CF1 1AA", 1)
    html = page(admin_client.get("/admin/letters?status=failed"))
    assert html.count('class="tag tag--failed"') == 1
    html = page(admin_client.get("/admin/letters?constituency=Testington+North"))
    assert html.count('class="tag tag--sent"') == 2
    assert "No letters match" in page(admin_client.get("/admin/letters?constituency=Nowhere"))
    assert "No letters match" in page(admin_client.get("/admin/letters?written_from=2099-01-01"))
    # Days as the UK writes them, whatever the browser's locale; shown back so too.
    html = page(admin_client.get("/admin/letters?written_from=1/1/2099"))
    assert "No letters match" in html
    assert 'value="1/1/2099"' in html
    assert 'type="date"' not in html  # (a browser's own date box follows its locale)
    assert 'class="tag tag--sent"' in page(admin_client.get("/admin/letters?written_to=31/12/2099"))


def test_campaign_editor_previews_and_publishes(admin_client, client):
    data = {"title": "Save the library", "slug": "library", "status": "draft",
            "intro_markdown": "Our **library** is closing.", "subject_template": "Save {constituency}'s library",
            "body_template": "Dear {mp_name},\n\n[Why the library matters to you]\n\n{constituent_name}",
            "summary": "Write to save it."}  # fmt: skip
    preview = page(admin_client.post("/admin/campaigns/preview", data=data))
    assert "Our <strong>library</strong> is closing." in preview
    assert re.search(r"Subject:</strong> Save .+&#39;s library", preview)
    assert "1 Example Street" in preview  # the MP's email, with an address block
    response = admin_client.post("/admin/campaigns/new", data=data)
    assert response.status_code == 303
    assert client.get("/c/library").status_code == 404  # a draft is not public
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == "library"))
    admin_client.post(f"/admin/campaigns/{campaign.id}/status", data={"status": "live"})
    assert "Our <strong>library</strong> is closing." in page(client.get("/c/library"))
    clash = admin_client.post("/admin/campaigns/new", data={**data, "title": "Again"})
    assert clash.status_code == 422
    assert "Another campaign already uses this address" in page(clash)


def test_mp_override_is_used_and_the_source_is_kept(admin_client):
    from app.reference.models import MP
    from app.reference.representatives import find_mp

    glen = db.session.scalar(select(MP).where(MP.name == "Dougal Ross"))
    assert "Dougal Ross" in page(admin_client.get("/admin/mps"))  # listed as unreachable
    bad = admin_client.post(f"/admin/mps/{glen.id}", data={"email": "not an email"})
    assert bad.status_code == 422
    admin_client.post(f"/admin/mps/{glen.id}", data={"email": "dougal.office@example.org"})
    db.session.refresh(glen)
    assert (glen.email, glen.source_email) == ("dougal.office@example.org", "No email found")
    assert find_mp("G1 1AA").seat.can_email  # every process sees it via the version counter


def read_csv(response) -> list[dict]:
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_exports_are_valid_csv_with_the_right_rows(admin_client):
    seed("sent", "TE1 1AA", 2)
    seed("pending", "CF1 1AA", 1, name='=HYPERLINK("http://evil")')
    rows = read_csv(admin_client.get("/admin/exports/letters.csv"))
    assert len(rows) == 3
    assert "body" not in rows[0]
    assert "sender_email" not in rows[0]
    assert {r["status"] for r in rows} == {"sent", "pending"}
    assert any(r["sender_name"].startswith("'=HYPERLINK") for r in rows)  # no formula runs
    personal = read_csv(admin_client.get("/admin/exports/letters.csv?personal=1"))
    assert "small business" in personal[0]["body"]
    counts = {
        r["constituency"]: r
        for r in read_csv(admin_client.get("/admin/exports/constituencies.csv"))
    }
    assert len(counts) == 7
    assert (
        counts["Testington North"]["letters_written"],
        counts["Testington North"]["letters_delivered"],
    ) == ("2", "2")
    assert counts["Cwm Test"]["letters_confirmed"] == "0"


def test_subscribers_export_lists_only_confirmed_opt_ins_with_consent(admin_client):
    from app.alerts.subscribers import record_consent

    record_consent(
        "yes@example.com",
        source="share",
        wording=CONSENT_WORDING,
        postcode="TE1 1AA",
        verified=True,
    )
    record_consent("pending@example.com", source="site", wording=CONSENT_WORDING)
    rows = read_csv(admin_client.get("/admin/exports/subscribers.csv"))
    assert [r["email"] for r in rows] == ["yes@example.com"]
    assert rows[0]["consent_wording"] == CONSENT_WORDING
    assert rows[0]["consent_source"] == "share"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (datetime(2026, 7, 1, 12, 30), "2026-07-01 13:30 BST"),  # summer: an hour ahead
        (datetime(2026, 12, 1, 12, 30), "2026-12-01 12:30 GMT"),
        (
            datetime(2026, 3, 29, 0, 59),
            "2026-03-29 00:59 GMT",
        ),  # the minute before the clocks go forward
        (datetime(2026, 3, 29, 1, 0), "2026-03-29 02:00 BST"),
    ],
)
def test_admin_pages_show_times_in_london(app, stored, shown):
    from app.web.templating import local_time

    assert local_time(stored) == shown


def test_the_audit_log_shows_london_time_with_its_zone(app, admin_client):
    db.session.add(AuditEvent(at=datetime(2026, 7, 1, 12, 30, 5), actor="ada@example.org",
                              action="campaign.created", target_type="campaign", target_id="1",
                              detail=""))  # fmt: skip
    db.session.commit()
    html = page(admin_client.get("/admin/audit"))
    assert "<td>2026-07-01 13:30:05 BST</td>" in html
    assert "UTC" not in html


def test_admin_pages_have_their_own_footer(admin_client, client):
    admin_page = page(admin_client.get("/admin/"))
    footer = admin_page.split('<footer class="site-footer site-footer--admin">', 1)[1]
    assert "Signed in as" in footer
    assert "Europe/London time" in footer
    assert "Contains OS data" not in footer  # the public footer's credits
    assert "Contains OS data" in page(client.get("/c/mp-expenses"))


def test_a_display_time_zone_that_does_not_exist_stops_the_app_starting(make_app):
    from app.config import ConfigError

    with pytest.raises(ConfigError, match="DISPLAY_TIMEZONE"):
        make_app(DISPLAY_TIMEZONE="Europe/Atlantis")
