"""The admin, signed in with a password and a TOTP code (the `admin` fixture),
takes one real action on each admin page over HTTPS; then an alert reaches a
subscriber, who changes their preferences and leaves with the mail client's
one-click unsubscribe."""

from __future__ import annotations

import http.client
import json
import re
import ssl
import urllib.parse

from playwright.sync_api import expect

from tests.bounces.builders import site_fault_dsn_to
from tests.deployed.people import (
    confirm_the_letter,
    letter_status,
    sign_up_for_alerts,
    write_a_letter,
)

QUILL_IS = "SELECT 1 FROM letter_recipient WHERE name = 'Pat Quill' AND status = '{status}'"


def test_moderation_releases_a_held_letter(site, desktop, admin):
    """A letter with no words of its writer's own is held; the moderator
    reads it and releases it, and it is delivered."""
    email = "hal.held@example.com"
    write_a_letter(desktop, site, email=email, own_words="", postcode="CF1 1AA", mp="Carys Evans")
    confirm_the_letter(desktop, site, email)
    assert site.wait_for_row(
        "SELECT 1 FROM message WHERE sender_email = :e AND status = 'held'", e=email
    )
    admin.goto(f"{site.url}/admin/")
    admin.get_by_role("link", name=re.compile("^Moderation")).click()
    [(letter_id,)] = site.query("SELECT id FROM message WHERE sender_email = :e", e=email)
    admin.get_by_role("button", name=f"Release letter {letter_id}").click()
    site.emails("carys.evans.mp@parliament.uk", "Pat Example")
    assert letter_status(site, email) == "sent"


def test_letters_an_admin_cancels_one_not_yet_confirmed(site, desktop, admin):
    email = "cass.cancelled@example.com"
    words = "I changed my mind about writing, but the admin should still be able to stop it."
    write_a_letter(desktop, site, email=email, own_words=words)
    [(letter_id,)] = site.query("SELECT id FROM message WHERE sender_email = :e", e=email)
    admin.goto(f"{site.url}/admin/letters")
    admin.locator(f"a[href$='/admin/letters/{letter_id}']").click()
    admin.get_by_role("button", name=re.compile("^Cancel")).click()
    expect(admin.get_by_role("status").first).to_be_visible()
    assert letter_status(site, email) == "cancelled"


def test_mps_an_admin_redirects_an_mp_s_letters(site, admin):
    admin.goto(f"{site.url}/admin/mps")
    admin.get_by_label(re.compile("Find|Search")).first.fill("Fergal")
    admin.get_by_role("button", name="Find").click()
    admin.get_by_role("link", name="Fergal Og").click()
    admin.get_by_label("Send this MP's letters to").fill("casework.baker@parliament.uk")
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_role("status").first).to_be_visible()
    assert site.query("SELECT email_override FROM mp WHERE name = 'Fergal Og'") == [
        ("casework.baker@parliament.uk",)
    ]


def test_partners_an_admin_adds_one(site, admin):
    admin.goto(f"{site.url}/admin/partners")
    admin.get_by_role("link", name="New partner").click()
    admin.get_by_label("Slug").fill("second-blog")
    admin.get_by_label(re.compile("^Name")).fill("The Second Blog")
    admin.get_by_label(re.compile("[Oo]rigins")).fill("https://second.example.org")
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_role("cell", name="The Second Blog").or_(
        admin.get_by_text("The Second Blog").first)).to_be_visible()  # fmt: skip
    assert site.query("SELECT name FROM partner WHERE slug = 'second-blog'") == [
        ("The Second Blog",)
    ]


def test_a_crm_reads_the_osdi_api_with_a_key_the_admin_made(site, admin):
    """Through HAProxy, in production: the key made on the admin's page (a
    form with its CSRF token), shown once, read by a server with it."""
    admin.goto(f"{site.url}/admin/api-keys")
    admin.get_by_role("link", name="New key").click()
    admin.get_by_label("What it is for").fill("Our CRM's nightly sync")
    admin.get_by_label(re.compile("outreaches:read")).check()
    admin.get_by_role("button", name="Make the key").click()
    key = admin.locator("#secret").inner_text().strip()
    assert key.startswith("wtym_")
    answer = site.get("/api/osdi/v1/outreaches", headers={"OSDI-API-Token": key})
    assert answer.status == 200
    assert answer.getheader("Content-Type").startswith("application/hal+json")
    assert json.loads(answer.body)["total_records"] >= 1  # the letters written so far
    assert site.get("/api/osdi/v1/outreaches").status == 401
    assert site.get("/api/osdi/v1/people", headers={"OSDI-API-Token": key}).status == 403
    assert key not in site.logs()


def test_webhooks_an_admin_registers_an_endpoint_and_stops_it(site, admin):
    admin.goto(f"{site.url}/admin/webhooks")
    admin.get_by_role("link", name="New endpoint").click()
    admin.get_by_label(re.compile("^URL to call")).fill("https://crm.example.org/hooks/ours")
    admin.get_by_label(re.compile("letter.delivered")).check()
    admin.get_by_role("button", name="Register").click()
    secret = admin.locator("#secret").inner_text().strip()
    assert secret.startswith("whsec_")
    admin.get_by_role("link", name="Back").click()
    admin.get_by_role("button", name="Stop endpoint 1").click()
    expect(admin.get_by_role("status").first).to_be_visible()
    assert site.query("SELECT active FROM webhook_endpoint") == [(False,)]
    assert secret not in site.logs()


def test_targets_an_admin_loads_a_list_and_a_letter_reaches_a_councillor(
    site, desktop, admin, tmp_path
):
    """Through HAProxy, in production: a CSV uploaded on the Targets page (a
    multipart form with its CSRF token), the campaign set to write to it, and
    a writer's letter reaching their MP and their councillor, each its own
    email, Reply-To the writer. The councillor's server then refuses it for
    the site's reasons until it is held, and the admin sends it again. The
    campaign goes back to MPs only after."""
    councillor = "cllr.pat.quill@testington-council.example"
    listed = tmp_path / "councillors.csv"
    listed.write_text(
        "ref,name,role,body,email,postal_address,area_type,area_code\n"
        f"quill,Pat Quill,Councillor for Testington East,Testington District Council,"
        f"{councillor},,council,E07999901\n"
    )  # made-up people and codes (tests/builders/targets.py)
    admin.goto(f"{site.url}/admin/targets")
    admin.get_by_label(re.compile("^Short name")).fill("councillors")
    admin.get_by_label(re.compile("^What admins see it called")).fill("Testington councillors")
    admin.get_by_label(re.compile("^The list, as a CSV file")).set_input_files(str(listed))
    admin.get_by_role("button", name="Check and load").click()
    expect(admin.get_by_role("heading", name="Testington councillors")).to_be_visible()
    [(campaign_id,)] = site.query("SELECT id FROM campaign WHERE slug = 'mp-expenses'")
    admin.goto(f"{site.url}/admin/campaigns/{campaign_id}/targets")
    admin.get_by_label("Writers' MPs").select_option("offered")
    admin.get_by_label(re.compile("Testington councillors")).check()
    admin.get_by_role("button", name="Save").click()
    expect(admin.get_by_role("status").first).to_be_visible()

    email = "tia.targets@example.com"
    words = "The bus to the hospital stopped running on Sundays last month."
    write_a_letter(desktop, site, email=email, own_words=words)  # everyone ticked at first
    confirm_the_letter(desktop, site, email)
    [to_councillor] = site.emails(councillor, words)
    assert to_councillor["Reply-To"].addresses[0].addr_spec == email
    assert "Dear Pat Quill," in to_councillor.text
    site.emails("alice.able.mp@parliament.uk", words)
    assert site.wait_for_row(
        "SELECT 1 FROM letter_recipient WHERE name = 'Pat Quill' AND status = 'sent'"
    )

    # The council's server then refuses it three times in bounce reports, for
    # the site's reasons (a blocklist), read as the MTA's pipe hands them
    # over: written to again after each pause, then held for an admin, who
    # sends it again once the cause is mended.
    for refusal in (1, 2, 3):
        refused = site.emails(councillor, words, count=refusal)[refusal - 1]
        report = site_fault_dsn_to(refused.mail_from, councillor).decode()
        site.flask("bounces", "read", "-", stdin=report)
        if refusal < 3:
            assert site.wait_for_row(QUILL_IS.format(status="queued"))
            site.hours_pass(refusal * 4)
            site.emails(councillor, words, count=refusal + 1)
            assert site.wait_for_row(QUILL_IS.format(status="sent"))
    assert site.wait_for_row(QUILL_IS.format(status="held"))
    admin.goto(f"{site.url}/admin/moderation")
    admin.get_by_role("button", name=re.compile("^Send again letter .* to Pat Quill")).click()
    expect(admin.get_by_text("The letter will go again to its held recipients.")).to_be_visible()
    admin.goto(f"{site.url}/admin/")  # its domain still waits: the admin ends the pause
    admin.get_by_role("button", name="Send to testington-council.example again now").click()
    site.emails(councillor, words, count=4)
    assert site.wait_for_row(QUILL_IS.format(status="sent"))
    assert len(site.emails("alice.able.mp@parliament.uk", words)) == 1  # the MP's, once
    assert not [m for m in site.mail.to(email) if "could not deliver" in m["Subject"]]

    admin.goto(f"{site.url}/admin/campaigns/{campaign_id}/targets")
    admin.get_by_role("button", name="Write to MPs only").click()
    expect(admin.get_by_role("status").first).to_be_visible()
    assert site.query("SELECT count(*) FROM campaign_targets") == [(0,)]


def test_subscribers_an_admin_suppresses_an_address(site, phone, admin):
    sign_up_for_alerts(phone, site, "complained@example.com")
    admin.goto(f"{site.url}/admin/subscribers")
    admin.get_by_label("Email address").fill("complained@example.com")
    admin.get_by_label("Why").fill("a spam complaint by telephone")
    admin.get_by_role("button", name="Suppress").click()
    admin.get_by_label("Find").fill("complained@example.com")
    admin.get_by_role("button", name="Find").click()
    expect(admin.get_by_role("cell", name="complained@example.com", exact=True)).to_be_visible()
    assert site.query("SELECT status FROM subscriber WHERE email = 'complained@example.com'") == [
        ("suppressed",)
    ]


def test_exports_replies_dashboard_privacy_and_audit(site, admin):
    admin.goto(f"{site.url}/admin/exports")
    with admin.expect_download() as download:
        admin.get_by_role("link", name="Letters per constituency").click()
    assert "Testington North" in download.value.path().read_text("utf-8")

    # The replies page and the dashboard, each for one campaign.
    for page in ("replies", ""):
        admin.goto(f"{site.url}/admin/{page}")
        admin.get_by_label("Campaign").select_option("mp-expenses")
        admin.get_by_role("button", name="Show").click()
        assert admin.url.endswith("campaign=mp-expenses")
        expect(admin.get_by_role("heading", level=1)).to_be_visible()
    expect(admin.get_by_text(re.compile(r"Written|letters", re.I)).first).to_be_visible()
    admin.goto(f"{site.url}/admin/privacy")
    expect(admin.get_by_role("heading", level=1)).to_be_visible()
    admin.goto(f"{site.url}/admin/audit")
    expect(admin.get_by_role("cell", name="export constituencies.csv").first).to_be_visible()


def test_an_alert_reaches_a_subscriber_who_changes_then_leaves(site, phone, admin):
    email = "sam.subscriber@example.com"
    sign_up_for_alerts(phone, site, email, postcode="TE2 2BB")

    admin.goto(f"{site.url}/admin/alerts")
    admin.get_by_role("link", name="New alert").click()
    admin.get_by_label("Subject", exact=True).fill("Your MP votes on Thursday")
    admin.get_by_label("Text of the alert (Markdown)").fill("Please write **today**.")
    admin.get_by_label("Send to").select_option("all")
    admin.get_by_role("button", name="Save").click()
    admin.get_by_role("button", name=re.compile(r"^Send to \d+")).click()
    admin.get_by_role("button", name=re.compile(r"^Yes, send to \d+")).click()
    expect(admin.get_by_text(re.compile(r"done: \d+ sent"))).to_be_visible(timeout=30_000)

    [alert] = site.emails(email, "Your MP votes on Thursday")
    # The forwardable preferences link stops alerts or mails a fresh link.
    phone.goto(site.link(alert, "/alerts/preferences/"))
    phone.get_by_role("button", name="Email me a link to change my settings").click()
    [fresh] = site.emails(email, "/alerts/preferences/", count=2)[-1:]
    phone.goto(site.link(fresh, "/alerts/preferences/"))
    phone.get_by_label(re.compile("postcode", re.I)).fill("TE1 1AA")
    phone.get_by_role("button", name="Save").click()
    expect(phone.get_by_role("status").first).to_be_visible()
    assert site.query("SELECT postcode FROM subscriber WHERE email = :e", e=email) == [("TE1 1AA",)]

    # The mail client's one-click unsubscribe (RFC 8058): a POST from its
    # server, with no cookie, no token and no browser headers.
    target = re.search(r"<(https://[^>]+)>", alert["List-Unsubscribe"]).group(1)
    assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = urllib.parse.urlsplit(target)
    context = ssl.create_default_context(cafile=str(site.certificate.cert))
    context.check_hostname = False
    conn = http.client.HTTPSConnection("127.0.0.1", url.port, context=context, timeout=10)
    conn.request(
        "POST", url.path, body="List-Unsubscribe=One-Click",
        headers={"Host": url.netloc, "Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert conn.getresponse().status == 200
    conn.close()
    assert site.query("SELECT status FROM subscriber WHERE email = :e", e=email) == [
        ("unsubscribed",)
    ]
