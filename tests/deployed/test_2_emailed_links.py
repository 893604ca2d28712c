"""Every page reached from an emailed link, and its button, over HTTPS with
CSRF on. These pages send Referrer-Policy: no-referrer (a link's token never
reaches another site), so their forms arrive with no Referer: the case that
once answered 400 to "Send my letter"."""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from tests.deployed.people import (
    MP_ADDRESS,
    confirm_the_letter,
    letter_status,
    sign_up_for_alerts,
    write_a_letter,
)


def test_your_data_download_then_delete(site, phone):
    email = "dana.data@example.com"
    sign_up_for_alerts(phone, site, email)
    phone.goto(f"{site.url}/your-data")
    phone.get_by_label("Your email address").fill(email)
    phone.get_by_role("button", name="Email me the link").click()
    expect(phone.get_by_role("heading", name="Check your email")).to_be_visible()
    [message] = site.emails(email, "/your-data/")
    phone.goto(site.link(message, "/your-data/"))
    expect(phone.get_by_text(f"For {email}.")).to_be_visible()

    with phone.expect_download() as download:
        phone.get_by_role("button", name="Download it (JSON)").click()
    exported = json.loads(download.value.path().read_text("utf-8"))
    assert email in json.dumps(exported)

    phone.get_by_role("button", name="Delete it").click()
    phone.get_by_role("button", name="Yes, delete it all").click()
    expect(phone.get_by_role("heading", name="Deleted")).to_be_visible()
    assert site.query("SELECT 1 FROM subscriber WHERE email = :e", e=email) == []  # erased


def test_did_your_mp_reply_then_a_follow_up_letter(site, desktop, admin):
    # The campaign team offers a follow-up (the campaign editor's Save).
    admin.goto(f"{site.url}/admin/campaigns")
    admin.get_by_role("link", name=re.compile("MPs' expenses")).first.click()
    admin.get_by_label("Follow-up letter, offered to writers whose MP did not reply").fill(
        "Dear {mp_name},\n\nI wrote to you on {sent_date} and have not had a reply.\n\n"
        "Yours sincerely,\n{constituent_name}"
    )
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(admin.get_by_role("status").first).to_be_visible()
    assert site.query(
        "SELECT follow_up_template <> '' FROM campaign WHERE slug = 'mp-expenses'"
    ) == [(True,)]

    email = "frankie.followup@example.com"
    words = "The council's bus cuts left my village with one service a week, and I wrote before."
    write_a_letter(desktop, site, email=email, own_words=words)
    confirm_the_letter(desktop, site, email)
    site.emails(MP_ADDRESS, words)
    site.wait_for_row("SELECT 1 FROM message WHERE sender_email = :e AND status = 'sent'", e=email)
    site.restart_worker()  # a fresh worker asks every question due at once

    [question] = site.emails(email, "/replied/", timeout=60)
    desktop.goto(site.link(question, "/replied/").split("?")[0])
    expect(desktop.get_by_role("heading", level=1)).to_have_text(
        "Did Alice Able reply to your letter?"
    )
    desktop.get_by_label("No, and I do not expect them to").check()
    desktop.get_by_label("No, I have written before").check()
    desktop.get_by_role("button", name="Save my answer").click()
    expect(desktop.get_by_role("status").first).to_contain_text("your answer is saved")
    [(answer,)] = site.query(
        "SELECT q.answer FROM reply_question q JOIN message m ON m.id = q.message_id "
        "WHERE m.sender_email = :e",
        e=email,
    )
    assert answer == "no"

    desktop.get_by_role("link", name="Write a follow-up").click()
    body = desktop.get_by_label("Your letter")
    body.fill(body.input_value() + "\n\nA month on, the one bus still runs on Tuesdays only.")
    desktop.get_by_role("button", name="Send my follow-up").click()
    expect(desktop.get_by_role("heading", level=1)).to_contain_text("Your follow-up is on its way")
    followed = site.emails(MP_ADDRESS, "the one bus still runs on Tuesdays only")
    assert followed[0]["Reply-To"].addresses[0].addr_spec == email


def test_an_mp_s_office_chooses_a_daily_digest(site, desktop):
    """The link in a letter only offers to email the office's own address;
    the link sent there makes the change."""
    [letter] = site.emails(MP_ADDRESS, "/office/")[:1]
    desktop.goto(site.link(letter, "/office/"))
    expect(desktop.get_by_role("heading", level=1)).to_contain_text("How your office receives")
    desktop.get_by_role("button", name="Email our office a link to change this").click()
    expect(desktop.get_by_role("status")).to_contain_text("We have emailed the office")
    assert site.query("SELECT active FROM office_digest") == []  # nothing changed yet

    [asked] = site.emails(MP_ADDRESS, "/office/change/")
    desktop.goto(site.link(asked, "/office/change/"))
    desktop.get_by_role("button", name="Receive them as one email a day").click()
    expect(desktop.get_by_text("Saved: one email a day.")).to_be_visible()
    assert site.query("SELECT active FROM office_digest") == [(True,)]
    desktop.get_by_role("button", name="Receive each letter as it is sent").click()
    expect(desktop.get_by_text("Saved: each letter as it is sent.")).to_be_visible()
    assert site.query("SELECT active FROM office_digest") == [(False,)]
    entries = site.query("SELECT detail FROM audit_event WHERE action LIKE 'office%' ORDER BY id")
    assert [detail for (detail,) in entries] == [
        "campaign 1: each letter -> one email a day, from the office's inbox",
        "campaign 1: one email a day -> each letter, from the office's inbox",
    ]


def test_a_letter_held_over_a_dissolution_goes_to_the_new_mp(site, desktop, admin):
    """An admin sets the dissolution; a letter confirmed then waits; after the
    election the new MPs are loaded and the dissolution ended; its writer
    presses "Send it to ..." on the emailed page and the new MP gets it."""
    admin.goto(f"{site.url}/admin/parliament")
    today = site.query("SELECT CURRENT_DATE")[0][0]
    admin.get_by_label(re.compile("dissolved", re.I)).fill(today.isoformat())
    admin.get_by_label(re.compile("[Pp]olling day")).fill(
        today.replace(year=today.year + 1).isoformat()
    )
    admin.get_by_role("button", name="Set the dissolution").click()
    expect(admin.get_by_role("heading", name="Parliament is dissolved")).to_be_visible()

    email = "wyn.waiting@example.com"
    words = "Whoever wins the election here should publish every claim, and I will ask them too."
    write_a_letter(desktop, site, email=email, own_words=words, postcode="TE2 2BB", mp="Bob Baker")
    confirm_the_letter(desktop, site, email)
    assert site.wait_for_row(
        "SELECT 1 FROM message WHERE sender_email = :e AND status = 'waiting'", e=email
    )

    site.load_new_mps({"Bob Baker": ("Nia Newcomer", "nia.newcomer.mp@parliament.uk")})
    admin.goto(f"{site.url}/admin/parliament")
    admin.get_by_role("button", name=re.compile("^End the dissolution")).click()
    expect(admin.get_by_role("heading", name="Parliament is dissolved")).to_have_count(0)

    [ask] = site.emails(email, "/new-mp/")
    desktop.goto(site.link(ask, "/new-mp/"))
    desktop.get_by_role("button", name="Send it to Nia Newcomer").click()
    expect(desktop.get_by_role("heading", level=1)).to_have_text(
        "Your letter is on its way to Nia Newcomer"
    )
    [delivered] = site.emails("nia.newcomer.mp@parliament.uk", words)
    assert delivered["Reply-To"].addresses[0].addr_spec == email
    assert letter_status(site, email) in ("queued", "sent")
