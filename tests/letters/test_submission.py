"""Submitting and confirming a letter: the rules, and what is stored."""

import contextlib

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from app.campaigns.demo import DEMO_CAMPAIGN
from app.extensions import db
from app.letters.models import (
    ALLOWED_TRANSITIONS,
    IllegalTransition,
    Letter,
    LetterEvent,
    LetterStatus,
)
from app.letters.submission import (
    DuplicateLetter,
    LetterProblem,
    LinkExpired,
    LinkInvalid,
    MPUnreachable,
    confirm_letter,
    confirmation_token,
    expire_unconfirmed,
    send_reminders,
)
from app.letters.suggested import suggested_letter
from app.outbox.models import EmailKind, OutboxEmail
from app.reference.representatives import find_mp
from tests.builders.letters import LETTER, demo_campaign, submit


def outbox(kind=None):
    query = select(OutboxEmail)
    if kind:
        query = query.where(OutboxEmail.kind == kind)
    return db.session.scalars(query).all()


@contextlib.contextmanager
def inserts_refused(engine, table: str):
    """A database that refuses every new row of `table` (a trigger raises)."""
    if engine.dialect.name == "postgresql":
        create = [
            "CREATE FUNCTION refuse_insert() RETURNS trigger AS "
            "$$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER refuse_insert BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_insert()",
        ]
        drop = [f"DROP TRIGGER refuse_insert ON {table}", "DROP FUNCTION refuse_insert()"]
    else:
        create = [
            f"CREATE TRIGGER refuse_insert BEFORE INSERT ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        ]
        drop = ["DROP TRIGGER refuse_insert"]
    with engine.begin() as conn:
        for statement in create:
            conn.execute(text(statement))
    try:
        yield
    finally:
        with engine.begin() as conn:
            for statement in drop:
                conn.execute(text(statement))


def test_a_letter_is_stored_with_its_confirmation_or_not_at_all(app):
    with inserts_refused(db.engine, "outbox_email"), pytest.raises(DBAPIError):
        submit(key="first-try")
    assert db.session.scalar(select(func.count()).select_from(Letter)) == 0
    assert db.session.scalar(select(func.count()).select_from(LetterEvent)) == 0
    letter = submit(key="first-try")  # sent again, it is stored whole
    assert [e.kind for e in outbox()] == [EmailKind.CONFIRMATION]
    assert [e.detail for e in letter.events] == ["submitted (direct)"]


def test_a_database_error_never_quotes_the_letter(app):
    with inserts_refused(db.engine, "message"), pytest.raises(DBAPIError) as refused:
        submit()
    said = str(refused.value)  # what a log of the error would show
    assert "refused" in said
    assert "parameters hidden" in said  # (a long list would be cut short anyway)
    assert LETTER["email"] not in said
    assert "small business" not in said  # the letter's body


def test_submitting_stores_a_pending_message_and_queues_a_confirmation(app):
    letter = submit()
    assert letter.status == LetterStatus.PENDING
    assert (letter.sender_name, letter.postcode, letter.constituency.name) == (
        "Jane Smith",
        "TE1 1AA",
        "Testington North",
    )
    assert [row.kind for row in outbox()] == [EmailKind.CONFIRMATION]
    assert [e.to_status for e in letter.events] == [LetterStatus.PENDING]


def test_placeholders_are_filled_with_the_constituent_name(app):
    letter = submit(
        body="Dear {mp_name} of {constituency}, this is {constituent_name} writing to you."
    )
    assert letter.body == "Dear Alice Able of Testington North, this is Jane Smith writing to you."


def test_the_untouched_template_is_refused(app):
    seat = find_mp("TE1 1AA").seat
    _subject, body = suggested_letter(demo_campaign(), seat, "Jane Smith")
    with pytest.raises(LetterProblem) as caught:
        submit(body=body)
    assert "in your own words" in caught.value.fields["body"]
    _, raw = suggested_letter(demo_campaign(), seat)  # with {constituent_name} still in it
    with pytest.raises(LetterProblem):
        submit(body="  " + raw.replace("\n\n", "\n") + "\n")  # whitespace changes are not edits


def test_leaving_the_bracketed_instruction_is_refused(app):
    seat = find_mp("TE1 1AA").seat
    _, body = suggested_letter(demo_campaign(), seat, "Jane Smith")
    with pytest.raises(LetterProblem) as caught:
        submit(body=body.replace("Will you", "Would you please"))
    assert "[Say in your own words why this matters to you]" in caught.value.fields["body"]


def test_the_postcode_must_belong_to_the_mp(app):
    with pytest.raises(LetterProblem) as caught:
        submit(constituency="E14001064")
    assert "TE1 1AA is in Testington North" in caught.value.fields["postcode"]


def test_northern_ireland_needs_a_chosen_ni_seat(app):
    with pytest.raises(LetterProblem) as caught:
        submit(postcode="BT7 1NN")
    assert caught.value.choose.reason == "northern_ireland"
    letter = submit(postcode="BT7 1NN", constituency="N05000001")
    assert letter.constituency.name == "Belfast Test"
    assert letter.constituency_chosen


@pytest.mark.parametrize("postcode", ["G1 1AA", "VA1 1AA"])
def test_no_email_or_vacant_seat_cannot_be_written_to(app, postcode):
    with pytest.raises(MPUnreachable):
        submit(postcode=postcode)
    assert outbox() == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "Jane\r\nBcc: victim@example.com"), ("subject", "Hi\nX-Injected: 1"), ("email", "a@b.c\r\n"),
     ("address1", "1 High St\x00"), ("town", "Test\u202etown")],
)  # fmt: skip
def test_line_breaks_and_control_characters_never_reach_a_header(app, field, value):
    with pytest.raises(LetterProblem) as caught:
        submit(**{field: value})
    assert field in caught.value.fields


def test_a_double_submit_makes_one_message(app):
    first = submit(key="same-form")
    second = submit(key="same-form")
    assert first.id == second.id
    assert db.session.scalar(select(func.count()).select_from(Letter)) == 1
    assert len(outbox(EmailKind.CONFIRMATION)) == 1


def test_one_message_per_constituent_per_campaign(app):
    first = submit()
    with pytest.raises(DuplicateLetter) as caught:
        submit(email="JANE@example.com ", body=first.body + " Again.")
    assert caught.value.existing.id == first.id


def test_after_expiry_the_constituent_may_write_again(app):
    with freeze_time("2026-01-01"):
        submit()
    with freeze_time("2026-01-09"):
        assert expire_unconfirmed() == 1
        again = submit()
    assert again.status == LetterStatus.PENDING


def test_confirming_queues_the_letter_once(app):
    letter = submit()
    token = confirmation_token(letter)
    confirmed = confirm_letter(token)
    assert confirmed.status == LetterStatus.QUEUED
    assert confirmed.confirmed_at is not None
    confirm_letter(token)  # a second click
    assert len(outbox(EmailKind.MP_LETTER)) == 1
    statuses = [(e.from_status, e.to_status) for e in confirmed.events]
    assert statuses == [(None, "pending"), ("pending", "queued")]


def test_a_tampered_link_is_invalid(app):
    token = confirmation_token(submit())
    with pytest.raises(LinkInvalid):
        confirm_letter(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    with pytest.raises(LinkInvalid):
        confirm_letter("not-a-token")


def test_a_link_older_than_seven_days_has_expired(app):
    with freeze_time("2026-03-01 12:00"):
        token = confirmation_token(submit())
    with freeze_time("2026-03-08 12:01"), pytest.raises(LinkExpired):
        confirm_letter(token)


def test_one_reminder_after_a_day_then_expiry_after_seven(app):
    with freeze_time("2026-03-01 09:00"):
        letter = submit()
    with freeze_time("2026-03-01 20:00"):
        assert send_reminders() == 0
    with freeze_time("2026-03-02 09:30"):
        assert send_reminders() == 1
        assert send_reminders() == 0  # only one
    with freeze_time("2026-03-07 09:00"):
        assert expire_unconfirmed() == 0
    with freeze_time("2026-03-08 09:01"):
        assert expire_unconfirmed() == 1
    db.session.refresh(letter)
    assert letter.status == LetterStatus.EXPIRED
    assert len(outbox(EmailKind.REMINDER)) == 1
    with pytest.raises(LinkExpired):
        confirm_letter(confirmation_token(letter))


def test_confirmed_messages_get_no_reminder(app):
    with freeze_time("2026-03-01 09:00"):
        confirm_letter(confirmation_token(submit()))
    with freeze_time("2026-03-02 10:00"):
        assert send_reminders() == 0


def test_the_state_machine_allows_only_its_transitions(app):
    letter = submit()
    for target in LetterStatus:
        allowed = target in ALLOWED_TRANSITIONS[LetterStatus.PENDING]
        if not allowed:
            with pytest.raises(IllegalTransition):
                letter.move_to(target)
    letter.move_to(LetterStatus.QUEUED)
    letter.move_to(LetterStatus.SENT)
    with pytest.raises(IllegalTransition):
        letter.move_to(LetterStatus.EXPIRED)
    assert ALLOWED_TRANSITIONS[LetterStatus.EXPIRED] == frozenset()
    assert ALLOWED_TRANSITIONS[LetterStatus.REJECTED] == frozenset()


def test_events_never_hold_the_body_or_an_address(app):
    letter = submit()
    confirm_letter(confirmation_token(letter))
    for event in letter.events:
        assert "jane@example.com" not in event.detail
        assert "small business" not in event.detail


def test_demo_campaign_is_seeded_live(app):
    campaign = demo_campaign()
    assert campaign.title == DEMO_CAMPAIGN["title"]
    assert campaign.is_live
