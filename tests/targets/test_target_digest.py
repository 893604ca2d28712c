"""A target's office (here a fictional councillor's) chooses a daily digest
from a letter's footer, as an MP's office can: one email a day with every
letter to it once, each recipient's outcome as its own email's would be,
and a way back that sends whatever waits."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import AuditEvent
from app.db import utcnow
from app.extensions import db
from app.letters.models import Attribution, Letter, LetterStatus, Recipient, RecipientStatus
from app.letters.submission import confirm_letter, confirmation_token, submit_letter
from app.offices.targets import OFFICE, send_target_digests, switch, targets_on_digest
from app.outbox.claim_facts import one_claim
from app.outbox.kinds import build_email
from app.outbox.models import EmailKind, OutboxEmail
from app.targets.models import Target
from app.targets.placing import offer_for
from tests.bounces.builders import site_fault_dsn
from tests.builders import offices as builders
from tests.builders.admins import signed_in_client
from tests.builders.letters import demo_campaign, draft
from tests.builders.outbox import deliver, end_the_pauses, fresh
from tests.builders.targets import COUNCILLOR, COUNCILLORS, load, targeted_campaign

WRITERS = [("Jane Smith", "jane@example.com"), ("Sam Jones", "sam@example.com"),
           ("Kim Lee", "kim@example.com"), ("Bo Ng", "bo@example.com")]  # fmt: skip


def to_quill(campaign, writer: tuple[str, str]) -> Letter:
    """A letter to the councillor alone, confirmed (its confirmation email,
    no longer needed, is never sent)."""
    name, email = writer
    [quill] = [t.id for t in offer_for(campaign.id, "TE1 1AA", "E14001063").targets
               if t.ref == "quill"]  # fmt: skip
    letter_id = submit_letter(campaign=campaign, draft=draft(name=name, email=email),
                              attribution=Attribution(), submission_key=secrets.token_hex(16),
                              to_mp=False, target_ids=[quill])  # fmt: skip
    letter = db.session.get(Letter, letter_id)
    confirm_letter(confirmation_token(letter))
    return letter


def status_of(letter) -> RecipientStatus:
    [recipient] = fresh(letter).recipients
    db.session.refresh(recipient)
    return recipient.status


def office_link(mail) -> str:
    return builders.office_link(mail, "/office/target/")


def switch_from_the_inbox(client, link: str, mail_server, *, daily: str) -> str:
    change, asked = builders.switch_from_the_inbox(
        client, link, mail_server, office=COUNCILLOR, daily=daily
    )
    assert "Pat Quill (Councillor for Testington East)" in asked.text
    return change


def on_a_daily_digest(site, mail_server):
    """The campaign, whose councillor's office chose the daily digest from
    the link in a first letter."""
    campaign = targeted_campaign(demo_campaign())
    to_quill(campaign, WRITERS[0])
    deliver()
    link = office_link(mail_server.to(COUNCILLOR)[0])
    switch_from_the_inbox(site.test_client(), link, mail_server, daily="yes")
    return campaign


def test_a_targets_office_switches_to_one_email_a_day_and_back(site, mail_server):
    campaign = targeted_campaign(demo_campaign())
    first = to_quill(campaign, WRITERS[0])
    deliver()
    [letter_mail] = mail_server.to(COUNCILLOR)
    link = office_link(letter_mail)
    client = site.test_client()
    page = client.get(link).get_data(as_text=True)
    assert "For Pat Quill, Councillor for Testington East." in page
    assert "one by one" in page  # looking changes nothing
    change = switch_from_the_inbox(client, link, mail_server, daily="yes")
    assert "as one email a day" in client.get(change).get_data(as_text=True)
    audit = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert (audit.action, audit.actor, audit.target_type) == ("office.digest_on", OFFICE, "target")

    letters = [to_quill(campaign, writer) for writer in WRITERS[1:3]]
    deliver()  # the worker's jobs gather the digest, then it goes
    [digest] = [m for m in mail_server.to(COUNCILLOR)[1:] if "how your office" not in m["Subject"]]
    assert digest["Subject"] == "Publish MPs' expenses in full: 2 letters to you"
    assert digest["X-Campaign-Id"].startswith("mp-expenses@")
    assert "/office/target/" in digest.text  # the way back
    for (name, email), letter in zip(WRITERS[1:3], letters, strict=True):
        assert digest.text.count(f"From {name}") == 1  # every letter once
        assert f"Reply: mailto:{email.replace('@', '%40')}?subject=Re%3A%20" in digest.text
        assert status_of(letter) == RecipientStatus.SENT
        assert fresh(letter).status == LetterStatus.SENT  # not to its MP: it follows them
    assert "Dear Pat Quill," in digest.text
    deliver()  # the writers' copies
    assert any(m["Subject"].startswith("Sent") for m in mail_server.to("sam@example.com"))

    assert send_target_digests() == 0  # nothing waits
    later = to_quill(campaign, WRITERS[3])
    deliver()
    assert status_of(later) == RecipientStatus.QUEUED  # it waits for tomorrow's digest
    switch_from_the_inbox(client, office_link(digest), mail_server, daily="no")
    deliver()  # switched back: what waited goes on its own
    assert mail_server.to(COUNCILLOR)[-1]["Subject"] == fresh(later).subject
    assert status_of(later) == RecipientStatus.SENT
    assert status_of(first) == RecipientStatus.SENT


def test_the_choice_holds_through_a_new_version_of_the_list(site, mail_server):
    campaign = on_a_daily_digest(site, mail_server)
    load("councillors", COUNCILLORS, name="Testington councillors", source="reloaded")
    letter = to_quill(campaign, WRITERS[1])
    before = len(mail_server.to(COUNCILLOR))
    deliver()
    [digest] = mail_server.to(COUNCILLOR)[before:]
    assert digest["Subject"].endswith(": 1 letter to you")
    assert status_of(letter) == RecipientStatus.SENT
    assert send_target_digests(utcnow() + timedelta(hours=25)) == 0


def test_a_refused_digest_fails_each_recipient_in_it_and_tells_each_writer(site, mail_server):
    campaign = on_a_daily_digest(site, mail_server)
    letters = [to_quill(campaign, writer) for writer in WRITERS[1:3]]
    mail_server.fail_next("550 5.1.1 no such user", stage="RCPT", address=COUNCILLOR)
    deliver()
    for (_, email), letter in zip(WRITERS[1:3], letters, strict=True):
        assert status_of(letter) == RecipientStatus.FAILED
        assert fresh(letter).status == LetterStatus.FAILED  # its only recipient failed
        subjects = [m["Subject"] for m in mail_server.to(email)]
        assert subjects.count("We could not deliver your letter to Pat Quill") == 1


def test_a_forged_or_expired_target_office_link_is_refused(site):
    client = site.test_client()
    assert client.get("/office/target/not-a-token").status_code == 404
    assert client.post("/office/target/change/not-a-token", data={"daily": "yes"}).status_code in (
        400, 404,
    )  # fmt: skip


def test_a_letter_resent_after_its_digest_failed_goes_again(site, mail_server):
    campaign = on_a_daily_digest(site, mail_server)
    letter = to_quill(campaign, WRITERS[1])
    mail_server.fail_next("550 5.1.1 no such user", stage="RCPT", address=COUNCILLOR)
    deliver()
    assert status_of(letter) == RecipientStatus.FAILED
    admin = signed_in_client(site)
    assert admin.post(f"/admin/letters/{letter.id}/resend").status_code == 303
    # Still on the digest: the next one carries it, not the failed one.
    assert send_target_digests(utcnow() + timedelta(hours=25)) == 1
    deliver()
    assert status_of(letter) == RecipientStatus.SENT
    assert mail_server.to(COUNCILLOR)[-1]["Subject"].endswith(": 1 letter to you")


def test_letters_waiting_for_a_target_dropped_from_its_list_still_go(site, mail_server):
    campaign = on_a_daily_digest(site, mail_server)
    waiting = to_quill(campaign, WRITERS[1])
    deliver()  # gathered into today's digest at once: the first
    later = to_quill(campaign, WRITERS[2])
    deliver()
    assert status_of(later) == RecipientStatus.QUEUED
    load("councillors", COUNCILLORS[1:], name="Testington councillors", source="without Quill")
    assert send_target_digests(utcnow() + timedelta(hours=25)) == 1
    deliver()
    assert [status_of(letter) for letter in (waiting, later)] == [RecipientStatus.SENT] * 2
    assert mail_server.to(COUNCILLOR)[-1]["Subject"].endswith(": 1 letter to you")


def test_a_switch_back_during_a_claim_never_holds_a_letter_back(site, mail_server):
    """The claim read the office's choice before the switch: the builder
    asks afresh before holding a letter back for a digest."""
    campaign = on_a_daily_digest(site, mail_server)
    letter = to_quill(campaign, WRITERS[1])
    [row] = [r for r in fresh(letter).recipients]
    [[target_id]] = db.session.execute(select(Recipient.target_id).where(Recipient.id == row.id))
    outbox = db.session.scalar(select(OutboxEmail).where(OutboxEmail.recipient_id == row.id))
    with one_claim():
        assert (target_id, campaign.id) in targets_on_digest()  # read, and kept for the claim
        switch(db.session.get(Target, target_id), campaign.id, daily=False)
        assert build_email(outbox) is not None


def test_a_digest_refused_for_the_sites_reasons_goes_again_then_waits_for_an_admin(
    site, mail_server, tmp_path
):
    campaign = on_a_daily_digest(site, mail_server)
    letters = [to_quill(campaign, writer) for writer in WRITERS[1:3]]
    deliver()  # gathered, and taken by the office's server
    digests = select(OutboxEmail).where(OutboxEmail.kind == EmailKind.TARGET_DIGEST)
    for refusal in (1, 2, 3):
        [digest] = db.session.scalars(digests.order_by(OutboxEmail.id.desc()).limit(1))
        assert {status_of(letter) for letter in letters} == {RecipientStatus.SENT}
        path = tmp_path / f"report{refusal}.eml"
        path.write_bytes(site_fault_dsn(digest.id, COUNCILLOR))
        result = site.test_cli_runner().invoke(args=["bounces", "read", str(path)])
        assert result.exit_code == 0, result.output
        if refusal == 3:
            break
        assert "2 recipients go again, 0 held" in result.output
        assert {status_of(letter) for letter in letters} == {RecipientStatus.QUEUED}
        end_the_pauses()
        # Still on the digest: the next day's carries them, no email of their own.
        assert send_target_digests(utcnow() + timedelta(hours=25 * refusal)) == 1
        deliver()
        assert len(db.session.scalars(digests).all()) == refusal + 1
    assert "0 recipients go again, 2 held for an admin" in result.output
    for (_, email), letter in zip(WRITERS[1:3], letters, strict=True):
        assert status_of(letter) == RecipientStatus.HELD
        assert fresh(letter).status == LetterStatus.QUEUED  # nobody has it; not failed
        assert not [m for m in mail_server.to(email) if "could not deliver" in m["Subject"]]
    assert send_target_digests(utcnow() + timedelta(hours=100)) == 0  # none waits

    admin = signed_in_client(site)
    for letter in letters:
        assert admin.post(f"/admin/letters/{letter.id}/send-to-the-held").status_code == 303
    end_the_pauses()
    deliver()  # their own emails are skipped: the office still wants its digest
    assert {status_of(letter) for letter in letters} == {RecipientStatus.QUEUED}
    assert send_target_digests(utcnow() + timedelta(hours=125)) == 1
    deliver()
    assert {status_of(letter) for letter in letters} == {RecipientStatus.SENT}
    assert {fresh(letter).status for letter in letters} == {LetterStatus.SENT}
