"""A letter to several recipients: one confirmation, an email each, an
outcome each. Through a real SMTP server and the worker, on SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import replace

from sqlalchemy import select, update

from app.accounts.models import AuditEvent
from app.db import utcnow
from app.extensions import db
from app.letters.models import Attribution, Letter, LetterStatus, Recipient, RecipientStatus
from app.letters.submission import confirm_letter, confirmation_token, submit_letter
from app.letters.webhooks import describe
from app.outbox.claims import claim_due
from app.outbox.models import EmailKind, OutboxEmail
from app.outbox.worker import deliver_claim
from app.reports import stats
from app.reports.exports import safe_cell
from app.reports.momentum import momentum
from app.targets.campaigns import Settings, Variant, set_targets, settings_for
from app.targets.models import Target
from app.targets.placing import offer_for
from tests.bounces.builders import sample, site_fault_dsn
from tests.builders.admins import signed_in_client
from tests.builders.letters import LETTER, MP_ADDRESS, demo_campaign, draft
from tests.builders.outbox import deliver, end_the_pauses, fresh, statements_run
from tests.builders.targets import (
    COUNCILLOR,
    COUNCILLOR_TWO,
    COUNCILLORS,
    COUNTY,
    MINISTER,
    NATIONAL,
    load,
    targeted_campaign,
)
from tests.conftest import run_in_thread

WRITER = LETTER["email"]


def write(campaign, refs: list[str], *, to_mp: bool, **changes) -> Letter:
    """A letter from TE1 1AA to its MP (or not) and the targets named, its
    confirmation sent and the link followed."""
    offer = offer_for(campaign.id, "TE1 1AA", "E14001063")
    chosen = [t.id for t in offer.targets if t.ref in refs]
    assert len(chosen) == len(refs)
    letter_id = submit_letter(campaign=campaign, draft=draft(**changes), attribution=Attribution(),
                              submission_key=secrets.token_hex(16), to_mp=to_mp,
                              target_ids=chosen)  # fmt: skip
    deliver()  # its confirmation email
    letter = db.session.get(Letter, letter_id)
    confirm_letter(confirmation_token(letter))
    return letter


def test_a_claim_reads_its_letters_recipients_at_once_and_none_for_the_mp_alone(site, mail_server):
    """The names in every email of a letter to several people come in one
    SELECT ... IN for the claim; a claim of letters to their MP alone asks
    nothing (most letters have no other recipients)."""
    campaign = targeted_campaign(demo_campaign())
    alone_id = submit_letter(campaign=campaign, attribution=Attribution(),
                             draft=draft(email="mp.only@example.com", name="Sam Solo"),
                             submission_key=secrets.token_hex(16))  # fmt: skip
    confirm_letter(confirmation_token(db.session.get(Letter, alone_id)))
    assert recipients_read(deliver_all) == []
    write(campaign, ["quill", "minister"], to_mp=True)
    statements = recipients_read(deliver_all)
    assert statements, "the recipients were not read at all"
    assert all(" IN " in statement for statement in statements), statements  # never one a letter
    assert len(statements) <= 2  # one a claim that holds such a letter
    [copy] = [m for m in mail_server.to(WRITER) if m["Subject"].startswith("Sent:")]
    assert "- Pat Quill, Councillor for Testington East" in copy.text
    assert "- Morgan Example, Minister for Examples" in copy.text
    [alone] = [m for m in mail_server.to("mp.only@example.com") if m["Subject"].startswith("Sent:")]
    assert alone["Subject"] == "Sent: your letter to Alice Able"
    assert "also goes to" not in alone.text


def deliver_all() -> None:
    deliver()  # the letters
    deliver()  # the copies


def recipients_read(action) -> list[str]:
    """The statements that read letters' recipients while `action` runs."""
    with statements_run() as statements:
        action()
    return [s for s in statements if s.startswith("SELECT letter_recipient.")]


def row_to(letter: Letter, name: str) -> OutboxEmail:
    db.session.commit()
    return db.session.scalar(
        select(OutboxEmail)
        .join(OutboxEmail.recipient)
        .where(OutboxEmail.letter_id == letter.id, OutboxEmail.kind == EmailKind.TO_RECIPIENT)
        .where(OutboxEmail.recipient.has(name=name))
    )


def test_each_recipient_gets_its_own_email_and_the_writer_confirms_once(site, mail_server):
    campaign = targeted_campaign(demo_campaign())
    letter = write(campaign, ["quill", "minister"], to_mp=True)
    deliver()
    [confirmation] = [m for m in mail_server.to(WRITER) if "Confirm" in m["Subject"]]
    assert (
        confirmation["Subject"] == "Confirm your letter to Alice Able, Pat Quill and Morgan Example"
    )
    assert "- Pat Quill, Councillor for Testington East" in confirmation.text

    assert len(mail_server.to(MP_ADDRESS)) == 1
    for address, name in ((COUNCILLOR, "Pat Quill"), (MINISTER, "Morgan Example")):
        [sent] = mail_server.to(address)
        assert sent["Reply-To"] == f"Jane Smith <{WRITER}>"
        assert sent["Subject"] == LETTER["subject"]
        assert "Jane Smith via" in sent["From"]
        text = sent.text
        assert text.startswith("Jane Smith\n1 High Street")
        assert f"Dear {name},\n" in text
        assert "Dear Alice Able" not in text
        assert 'as part of the campaign "Publish MPs\' expenses in full"' in text.replace("\n", " ")
        assert sent["X-Campaign-Id"].startswith("mp-expenses@")
    assert not mail_server.to(COUNTY)  # not ticked, not written to

    letter = fresh(letter)
    assert letter.status == LetterStatus.SENT  # it follows its MP
    assert {r.name: r.status for r in letter.recipients} == {
        "Pat Quill": RecipientStatus.SENT, "Morgan Example": RecipientStatus.SENT,
    }  # fmt: skip
    [copy] = [m for m in mail_server.to(WRITER) if m["Subject"].startswith("Sent:")]
    assert "Your letter also goes to:\n- Pat Quill, Councillor for Testington East" in copy.text
    assert any("accepted by the mail server of Pat Quill" in e.detail for e in letter.events)
    # Momentum, in public: one person, one MP, and the others by body.
    figures = momentum(campaign.id)
    assert (figures.letters, figures.mps) == (1, 1)
    assert figures.bodies == (("Department of Examples", 1), ("Testington District Council", 1))
    page = site.test_client().get("/c/mp-expenses").get_data(as_text=True)
    assert "And to: 1 person at Department of Examples; 1 person at Testington" in page


def test_a_recipients_bounce_fails_that_recipient_only_and_tells_the_writer(
    site, mail_server, tmp_path
):
    campaign = targeted_campaign(demo_campaign())
    letter = write(campaign, ["quill", "minister"], to_mp=True)
    deliver()
    row = row_to(letter, "Pat Quill")
    path = tmp_path / "report.eml"
    path.write_bytes(sample("postfix_dsn.eml", outbox_id=row.id, recipient=COUNCILLOR))
    result = site.test_cli_runner().invoke(args=["bounces", "read", str(path)])
    assert result.exit_code == 0, result.output
    deliver()

    letter = fresh(letter)
    assert letter.status == LetterStatus.SENT  # the MP had it: still delivered
    status = {r.name: r.status for r in letter.recipients}
    assert status == {"Pat Quill": RecipientStatus.FAILED, "Morgan Example": RecipientStatus.SENT}
    assert letter.mp.bounced_address is None  # not the MP's address
    told = [m for m in mail_server.to(WRITER) if "could not deliver" in m["Subject"]]
    assert [m["Subject"] for m in told] == ["We could not deliver your letter to Pat Quill"]
    assert "Pat Quill (Councillor for Testington East)" in told[0].text
    assert "- Pat Quill, Councillor for Testington East (not delivered)" in told[0].text
    assert letter.body.splitlines()[2] in told[0].text  # nothing they wrote is lost


def newest_row_to(letter: Letter, name: str) -> OutboxEmail:
    db.session.commit()
    return db.session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.letter_id == letter.id, OutboxEmail.kind == EmailKind.TO_RECIPIENT)
        .where(OutboxEmail.recipient.has(name=name))
        .order_by(OutboxEmail.id.desc())
    ).first()


def test_a_recipient_refused_for_the_sites_reasons_goes_again_then_waits_for_an_admin(
    site, mail_server, tmp_path
):
    campaign = targeted_campaign(demo_campaign())
    letter = write(campaign, ["quill", "minister"], to_mp=True)
    deliver()
    for refusal, pause_hours in ((1, 1), (2, 4), (3, None)):
        row = newest_row_to(letter, "Pat Quill")
        path = tmp_path / f"report{refusal}.eml"
        path.write_bytes(site_fault_dsn(row.id, COUNCILLOR))
        result = site.test_cli_runner().invoke(args=["bounces", "read", str(path)])
        assert result.exit_code == 0, result.output
        quill = {r.name: r for r in fresh(letter).recipients}["Pat Quill"]
        if pause_hours is None:
            break
        assert "goes again" in result.output
        assert quill.status == RecipientStatus.QUEUED
        again = newest_row_to(letter, "Pat Quill")
        waits = (again.not_before - utcnow()).total_seconds() / 3600
        assert pause_hours - 0.1 < waits <= pause_hours
        deliver()
        assert fresh(quill).status == RecipientStatus.QUEUED  # not before the pause
        end_the_pauses()
        deliver()
        assert fresh(quill).status == RecipientStatus.SENT
        assert len(mail_server.to(COUNCILLOR)) == refusal + 1
    assert "held for an admin" in result.output
    assert quill.status == RecipientStatus.HELD
    assert quill.failure.startswith("refused 3 times for the site's reasons: ")
    assert quill.failure.endswith("blocked using zen.spamhaus.org")
    # Booked on no one: the letter, its writer, the target, the MP.
    letter = fresh(letter)
    assert letter.status == LetterStatus.SENT  # the MP had it
    assert db.session.get(Target, quill.target_id).bounced_at is None
    assert letter.mp.bounced_address is None
    assert not [m for m in mail_server.to(WRITER) if "could not deliver" in m["Subject"]]
    assert {r.name: r.status for r in letter.recipients}["Morgan Example"] == RecipientStatus.SENT

    # The moderation queue shows it; an admin sends it again once mended.
    client = signed_in_client(site)
    page = client.get("/admin/moderation").get_data(as_text=True)
    assert "Recipients held after the site's refusals" in page
    assert "Pat Quill, Councillor for Testington East" in page
    assert "refused 3 times for the site&#39;s reasons" in page
    assert 'class="count">1<' in page  # counted in the admin's menu
    sent = client.post(f"/admin/letters/{letter.id}/send-to-the-held")
    assert sent.status_code == 303
    end_the_pauses()
    deliver()
    assert fresh(quill).status == RecipientStatus.SENT
    assert len(mail_server.to(COUNCILLOR)) == 4
    assert len(mail_server.to(MP_ADDRESS)) == 1  # the MP's letter is not sent again
    audit = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert (audit.action, audit.target_id) == ("letter.held_sent", str(letter.id))
    assert "Recipients held" not in client.get("/admin/moderation").get_data(as_text=True)
    again = client.post(f"/admin/letters/{letter.id}/send-to-the-held", follow_redirects=True)
    assert "No recipient of this letter is held" in again.get_data(as_text=True)


def test_a_letter_stopped_while_a_recipient_is_held_cancels_it(site, mail_server, tmp_path):
    campaign = targeted_campaign(demo_campaign())
    letter = write(campaign, ["quill"], to_mp=False)
    deliver()
    for refusal in range(3):
        path = tmp_path / f"report{refusal}.eml"
        path.write_bytes(site_fault_dsn(newest_row_to(letter, "Pat Quill").id, COUNCILLOR))
        site.test_cli_runner().invoke(args=["bounces", "read", str(path)])
        end_the_pauses()
        deliver()
    letter = fresh(letter)
    [quill] = letter.recipients
    assert quill.status == RecipientStatus.HELD
    # Its only recipient held: nobody has it, but it has not failed.
    assert letter.status == LetterStatus.QUEUED
    copies = [m for m in mail_server.to(WRITER) if m["Subject"].startswith("Sent")]
    assert len(copies) == 1  # its server took it three times: one copy
    letter.move_to(LetterStatus.CANCELLED, detail="stopped by an admin")
    db.session.commit()
    assert fresh(quill).status == RecipientStatus.CANCELLED


def test_a_letter_not_to_the_mp_follows_its_recipients(site, mail_server):
    campaign = targeted_campaign(demo_campaign())
    mail_server.fail_next("550 5.1.1 no such user", stage="RCPT", address=COUNCILLOR)
    letter = write(campaign, ["quill", "minister"], to_mp=False)
    assert fresh(letter).status == LetterStatus.QUEUED
    deliver()
    deliver()
    letter = fresh(letter)
    assert not mail_server.to(MP_ADDRESS)
    assert letter.status == LetterStatus.SENT  # the minister's server took it
    assert {r.name: r.status for r in letter.recipients}["Pat Quill"] == RecipientStatus.FAILED
    subjects = [m["Subject"] for m in mail_server.to(WRITER)]
    assert "Confirm your letter to Pat Quill and Morgan Example" in subjects
    assert "Sent: your letter to Pat Quill and Morgan Example" in subjects
    assert "We could not deliver your letter to Pat Quill" in subjects
    [copy] = [m for m in mail_server.to(WRITER) if m["Subject"].startswith("Sent:")]
    assert "your MP for" not in copy.text
    assert "Your letter goes to:" in copy.text
    figures = momentum(campaign.id)
    assert (figures.letters, figures.mps) == (1, 0)  # a writer, and no MP written to
    assert figures.bodies == (("Department of Examples", 1),)


def test_a_letter_not_to_the_mp_is_sent_once_however_many_recipients_take_it(
    site, mail_server, backend
):
    """Each recipient's outcome is its own statement (joined on PostgreSQL);
    two settled at once, by two workers, move the letter once."""
    campaign = targeted_campaign(demo_campaign())
    letter = write(campaign, ["quill", "minister"], to_mp=False)
    claims = [claim_due(1), claim_due(1)]  # one recipient's email each
    assert sorted(len(c.ids) for c in claims) == [1, 1]
    workers = [run_in_thread(_deliver_in_context, site, claim) for claim in claims]
    for worker in workers:
        worker.join(30)
    letter = fresh(letter)
    assert letter.status == LetterStatus.SENT
    assert letter.sent_at is not None
    assert {r.name: r.status for r in letter.recipients} == {
        "Pat Quill": RecipientStatus.SENT, "Morgan Example": RecipientStatus.SENT,
    }  # fmt: skip
    assert all(r.sent_at is not None for r in letter.recipients)
    moves = [(e.from_status, e.to_status) for e in letter.events if e.is_transition]
    assert moves.count(("queued", "sent")) == 1
    accepted = sorted(e.detail for e in letter.events if e.detail.startswith("accepted by"))
    assert accepted == [
        "accepted by its first recipient's mail server",
        "accepted by the mail server of Morgan Example (Minister for Examples)",
        "accepted by the mail server of Pat Quill (Councillor for Testington East)",
    ]
    deliver()
    subjects = [m["Subject"] for m in mail_server.to(WRITER)]
    assert subjects.count("Sent: your letter to Pat Quill and Morgan Example") == 1


def _deliver_in_context(app, claim) -> None:
    with app.app_context():
        deliver_claim(claim)
        db.session.remove()


def refused_by_the_councillor(mail_server) -> Letter:
    """A letter to the councillor alone, whose server refused it, delivered."""
    campaign = targeted_campaign(demo_campaign())
    mail_server.fail_next("550 5.1.1 no such user", stage="RCPT", address=COUNCILLOR)
    letter = write(campaign, ["quill"], to_mp=False)
    deliver()
    deliver()
    return fresh(letter)


def test_a_letter_whose_every_recipient_fails_fails(site, mail_server):
    letter = refused_by_the_councillor(mail_server)
    assert letter.status == LetterStatus.FAILED
    subjects = [m["Subject"] for m in mail_server.to(WRITER)]
    assert subjects.count("We could not deliver your letter to Pat Quill") == 1


def test_a_passing_refusal_is_tried_again_and_booked_on_no_one(site, mail_server):
    campaign = targeted_campaign(demo_campaign())
    mail_server.fail_next("451 4.3.0 try again later", stage="RCPT", address=COUNCILLOR)
    letter = write(campaign, ["quill"], to_mp=True)
    deliver()
    recipient = fresh(letter).recipients[0]
    assert recipient.status == RecipientStatus.QUEUED
    assert any("delivery to Pat Quill delayed" in e.detail for e in fresh(letter).events)
    db.session.execute(
        OutboxEmail.__table__.update()
        .where(OutboxEmail.__table__.c.recipient_id == recipient.id)
        .values(not_before=OutboxEmail.__table__.c.created_at)
    )  # fmt: skip
    db.session.commit()
    deliver()
    assert fresh(recipient).status == RecipientStatus.SENT
    assert len(mail_server.to(COUNCILLOR)) == 1


def test_a_stopped_letter_writes_to_no_one(site, mail_server):
    campaign = targeted_campaign(demo_campaign())
    letter = write(campaign, ["quill"], to_mp=True)
    letter = fresh(letter)
    letter.move_to(LetterStatus.CANCELLED, detail="stopped by an admin")
    db.session.commit()
    deliver()
    assert not mail_server.to(COUNCILLOR)
    assert not mail_server.to(MP_ADDRESS)
    assert fresh(letter).recipients[0].status == RecipientStatus.CANCELLED


def test_an_admin_sees_each_recipient_and_resends_to_those_it_missed(site, mail_server):
    letter = refused_by_the_councillor(mail_server)
    assert letter.status == LetterStatus.FAILED
    client = signed_in_client(site, "ada@example.org")
    text = client.get(f"/admin/letters/{letter.id}").get_data(as_text=True)
    assert "Writer's MP (not written to)" in text
    assert "Pat Quill, Councillor for Testington East" in text
    assert "550 5.1.1" in text
    # The exports: each recipient with its outcome, and nothing of the writer's.
    exported = client.get("/admin/exports/recipients.csv").get_data(as_text=True)
    [row] = list(csv.DictReader(io.StringIO(exported)))
    assert (row["name"], row["body"], row["delivery"], row["status"]) == (
        "Pat Quill", "Testington District Council", "email", "failed")  # fmt: skip
    assert row["failure"].startswith("550 5.1.1")
    # As every cell: a reference that starts with "-" (one in 64) is kept text.
    assert row["reference"] == safe_cell(letter.public_id)
    assert WRITER not in exported
    assert letter.sender_name not in exported
    [listed] = list(csv.DictReader(io.StringIO(
        client.get("/admin/exports/letters.csv").get_data(as_text=True))))  # fmt: skip
    assert (listed["to_mp"], listed["other_recipients"]) == ("no", "1")

    resent = client.post(f"/admin/letters/{letter.id}/resend")
    assert resent.status_code == 303
    deliver()
    assert fresh(letter).status == LetterStatus.SENT
    assert len(mail_server.to(COUNCILLOR)) == 1
    assert not mail_server.to(MP_ADDRESS)  # never to the MP it was not written to


THANKS = "Thank you for backing open expenses. Please keep pressing for it."
THINK_AGAIN = "You have said you oppose publishing expenses. Please think again."


def test_supporters_and_opponents_get_their_variant_as_the_writer_saw_it(site, mail_server):
    campaign = targeted_campaign(
        demo_campaign(), supporters=("councillors:quill",), opponents=("ministers:minister",),
        variants=(Variant("supporter", "Thank you for backing open expenses", THANKS),
                  Variant("opponent", "", THINK_AGAIN)),
    )  # fmt: skip
    letter = write(campaign, ["quill", "vale", "minister"], to_mp=True)
    # Changed after the letter was written: its recipients keep what was shown.
    set_targets(campaign.id, replace(settings_for(campaign.id), variants=()))
    deliver()

    [to_supporter] = mail_server.to(COUNCILLOR)
    assert to_supporter["Subject"] == "Thank you for backing open expenses"
    opening = f"Dear Pat Quill,\n\n{THANKS}\n\nI am writing as a constituent"
    assert opening in to_supporter.text
    [to_opponent] = mail_server.to(MINISTER)
    assert to_opponent["Subject"] == LETTER["subject"]  # no subject of its own
    assert f"Dear Morgan Example,\n\n{THINK_AGAIN}\n\nI am writing" in to_opponent.text
    [unmarked] = mail_server.to(COUNCILLOR_TWO)
    assert unmarked["Subject"] == LETTER["subject"]
    assert "Dear Robin Vale,\n\nI am writing as a constituent" in unmarked.text
    [to_mp] = mail_server.to(MP_ADDRESS)  # the MP's letter is the writer's alone
    assert THANKS not in to_mp.text
    assert THINK_AGAIN not in to_mp.text
    stances = {r.name: (r.stance, r.subject) for r in fresh(letter).recipients}
    assert stances == {
        "Pat Quill": ("supporter", "Thank you for backing open expenses"),
        "Robin Vale": (None, None), "Morgan Example": ("opponent", None),
    }  # fmt: skip


def test_the_public_map_shows_where_letters_to_each_body_came_from(site, mail_server):
    campaign = targeted_campaign(demo_campaign())
    write(campaign, ["quill"], to_mp=False)  # not to the MP: not on the MPs' map
    deliver()
    deliver()
    client = site.test_client()
    mps = client.get("/c/mp-expenses/map").get_data(as_text=True)
    assert "0 of 7 MPs have received at least one letter" in mps
    assert "where the letters to others came from" in client.get("/c/mp-expenses").get_data(
        as_text=True)  # fmt: skip
    council = client.get("/c/mp-expenses/map?body=Testington District Council")
    assert council.status_code == 200
    text = council.get_data(as_text=True)
    assert "<h1>Where letters to Testington District Council came from</h1>" in text
    assert "1 letter delivered to Testington District Council." in text
    assert "They came from people in 1 constituency." in text
    assert "Testington North: 1 letter delivered to Testington District Council" in text
    assert 'aria-current="page">Testington District Council</a>' in text
    assert client.get("/c/mp-expenses/map?body=Nowhere Council").status_code == 404
    assert client.get("/c/mp-expenses/map?body=%00").status_code == 404  # never queried


def test_a_target_whose_address_failed_is_written_to_by_post_after(site, mail_server):
    town_hall = "Testington Town Hall, High Street, Testington TE1 1AA"
    load("councillors", [{**COUNCILLORS[0], "postal_address": town_hall}, COUNCILLORS[1]])
    load("ministers", NATIONAL)
    campaign = demo_campaign()
    set_targets(campaign.id, Settings(mp="offered", lists=("councillors", "ministers")))
    mail_server.fail_next("550 5.1.1 no such user", stage="RCPT", address=COUNCILLOR)
    write(campaign, ["quill", "minister"], to_mp=True)
    deliver()
    deliver()
    quill = next(t for t in offer_for(campaign.id, "TE1 1AA", "E14001063").targets
                 if t.ref == "quill")  # fmt: skip
    assert quill.bounced_at is not None
    assert not quill.emailable  # still offered: by post

    second = write(campaign, ["quill"], to_mp=True, email="second.writer@example.com")
    deliver()
    deliver()
    [recipient] = fresh(second).recipients
    assert (recipient.email, recipient.status) == (None, RecipientStatus.POSTED)
    assert len(mail_server.to(COUNCILLOR)) == 0  # the dead address is not tried again
    [copy] = [m for m in mail_server.to("second.writer@example.com")
              if m["Subject"].startswith("Sent:")]  # fmt: skip
    assert f"print it and post it to {town_hall}" in copy.text

    # Without a postal address it is not offered; a new version of the list
    # (a corrected address) is written to by email again.
    load("councillors", COUNCILLORS[:2])
    again = offer_for(campaign.id, "TE1 1AA", "E14001063")
    assert next(t for t in again.targets if t.ref == "quill").emailable
    bounced_only = load("councillors", COUNCILLORS[:2]).target_list
    db.session.execute(
        update(Target)
        .where(Target.list_id == bounced_only.id, Target.ref == "quill")
        .values(bounced_at=utcnow())
    )
    db.session.commit()
    refs = [t.ref for t in offer_for(campaign.id, "TE1 1AA", "E14001063").targets]
    assert "quill" not in refs
    assert "vale" in refs


def test_a_webhook_says_whom_else_a_letter_went_to_and_how_it_went(site, mail_server):
    described = describe(refused_by_the_councillor(mail_server))
    assert described["to_mp"] is False
    assert described["recipients"] == [{
        "name": "Pat Quill", "role": "Councillor for Testington East",
        "body": "Testington District Council", "status": "failed",
    }]  # fmt: skip


def test_a_letter_whose_emails_failed_but_one_is_to_post_is_for_its_writer_to_post(
    site, mail_server
):
    town_hall = "Testington Town Hall, High Street, Testington TE1 1AA"
    load("councillors", [COUNCILLORS[0], {**COUNCILLORS[1], "email": "",
                                          "postal_address": town_hall}])  # fmt: skip
    campaign = demo_campaign()
    set_targets(campaign.id, Settings(mp="offered", lists=("councillors",)))
    mail_server.fail_next("550 5.1.1 no such user", stage="RCPT", address=COUNCILLOR)
    letter = write(campaign, ["quill", "vale"], to_mp=False)
    deliver()
    deliver()
    letter = fresh(letter)
    assert letter.status == LetterStatus.POSTED  # not left queued for ever
    assert {r.name: r.status for r in letter.recipients} == {
        "Pat Quill": RecipientStatus.FAILED, "Robin Vale": RecipientStatus.POSTED}  # fmt: skip
    [copy] = [m for m in mail_server.to(WRITER) if m["Subject"].startswith("Sent:")]
    assert f"print it and post it to {town_hall}" in copy.text
    # Nothing an admin could resend to a letter everyone has had, or will post.
    admin = signed_in_client(site, "ada@example.org")
    quill = next(r for r in letter.recipients if r.name == "Pat Quill")
    db.session.execute(update(Recipient).where(Recipient.id == quill.id).values(status="sent"))
    db.session.commit()
    refused = admin.post(f"/admin/letters/{letter.id}/resend", follow_redirects=True)
    assert "nothing to resend" in refused.get_data(as_text=True)


def test_a_person_is_counted_once_through_new_versions_of_their_list(site, mail_server):
    campaign = targeted_campaign(demo_campaign())
    write(campaign, ["quill"], to_mp=True)
    load("councillors", COUNCILLORS)  # version 2: Pat Quill is a new row
    write(campaign, ["quill"], to_mp=True, email="second.writer@example.com")
    deliver()
    deliver()
    assert momentum(campaign.id).bodies == (("Testington District Council", 1),)
    [council] = stats.by_body(campaign.id)
    assert (council.people, council.by_status) == (1, {"sent": 2})
