"""The retention schedule as data (app/privacy/schedule.py): it names every
column of every table, the privacy notice is written from it, the logs'
period in deploy/ agrees with it, and, with a frozen clock, the worker's daily
jobs leave nothing personal about each kind of person once their period is up
(and still hold it the day before, so the check can fail)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import Column, Integer, MetaData, String, Table, select

from app.accounts.models import AdminUser
from app.accounts.sign_in import AuthError, check_password, create_admin, deactivate_admin
from app.alerts import subscribers
from app.alerts.models import Subscriber
from app.bounces.intake import read_once
from app.db import utcnow
from app.extensions import db
from app.letters import moderation
from app.letters.models import Letter, LetterStatus
from app.letters.submission import confirm_letter, confirmation_token, expire_unconfirmed
from app.parliament.dissolution import dissolve
from app.privacy.requests import erase, request_link
from app.privacy.retention import purge
from app.privacy.schedule import LOG_DAYS, NOT_PERSONAL, Periods, unclassified
from tests.bounces.builders import BOUNCE_DOMAIN, sample
from tests.builders.admins import ADMIN_PASSWORD
from tests.builders.alerts import subscriber
from tests.builders.letters import MP_ADDRESS, NO_MODERATION, PERSONAL_BODY, submit
from tests.builders.outbox import deliver, fresh, outbox_row

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_every_column_of_every_table_has_a_rule_or_a_reason(app):
    assert unclassified(db.metadata.sorted_tables) == []
    assert set(NOT_PERSONAL) <= set(db.metadata.tables)


def test_a_column_added_without_a_rule_fails(app):
    copy = MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(copy)
    copy.tables["subscriber"].append_column(Column("phone", String(20)))
    Table("petition_signature", copy, Column("id", Integer, primary_key=True))
    assert sorted(unclassified(copy.sorted_tables)) == [
        "petition_signature.id has no rule",
        "subscriber.phone has no rule",
    ]


def test_the_notice_is_written_from_the_schedule(make_app):
    app = make_app(RETENTION_SUBSCRIBER_DAYS=45, RETENTION_HELD_DAYS=75, CONFIRM_LINK_DAYS=5)
    html = app.test_client().get("/privacy").get_data(as_text=True)
    assert "45 days, or until you ask us to delete your data" in html
    assert "if it is never sent: 75 days" in html
    assert "a letter you never confirm: 5 days" in html
    assert f"{LOG_DAYS} days" in html
    assert "admin" not in html.lower()  # staff's own rules are for /admin/privacy


def test_the_admins_page_shows_the_whole_schedule(app, admin_client):
    html = admin_client.get("/admin/privacy").get_data(as_text=True)
    assert "The audit log" in html
    assert "365 days after the account is deactivated" in html


def test_the_journal_keeps_logs_as_long_as_the_notice_says():
    conf = (DEPLOY / "journald.conf.d" / "write-to-your-mp.conf").read_text()
    assert re.search(r"^MaxRetentionSec=(\d+)day$", conf, re.M).group(1) == str(LOG_DAYS)


# Ten kinds of person, and one the schedule must keep. Each `make` goes
# through the services the site uses, at day 0, and returns what would
# identify them; `days` is when the last of it must be gone.


@dataclass
class Kind:
    make: Callable[[int], list[str]]
    days: Callable[[Periods], int]


def _writer(n: int, **changes) -> tuple[Letter, list[str]]:
    person = {
        "name": f"Writer Number{n}",
        "email": f"writer{n}@example.com",
        "address1": f"{n} Retention Row",
        "body": PERSONAL_BODY.replace("small business", f"bakery called Crumb{n}"),
    }
    letter = submit(key=f"kind{n}", **{**person, **changes})
    return letter, [person["name"], person["email"], person["address1"], f"Crumb{n}"]


def _confirm(letter):
    confirm_letter(confirmation_token(letter))


def writer_delivered(n):
    letter, marks = _writer(n)
    _confirm(letter)
    deliver()
    assert fresh(letter).status == LetterStatus.SENT
    return marks


def writer_never_confirmed(n):
    return _writer(n)[1]


def _confirmed_then(n, status: LetterStatus, detail: str) -> tuple[Letter, list[str]]:
    letter, marks = _writer(n)
    _confirm(letter)
    db.session.get(Letter, letter.id).move_to(status, detail=detail)
    db.session.commit()
    return letter, marks


def writer_held_for_a_moderator(n):
    return _confirmed_then(n, LetterStatus.HELD, "for a check")[1]


def writer_kept_through_a_dissolution(n):
    return _confirmed_then(n, LetterStatus.WAITING, "dissolved")[1]


def writer_rejected_with_a_note(n):
    letter, marks = _confirmed_then(n, LetterStatus.HELD, "for a check")
    moderator = create_admin("moderator@example.org", ADMIN_PASSWORD)
    moderation.reject(letter.id, moderator, note=f"Writer Number{n} is abusive about the MP")
    return marks


def sign_up_by_someone_else(n):
    subscribers.record_consent(f"not-theirs{n}@example.com", source="site", postcode="TE1 1AA")
    return [f"not-theirs{n}@example.com"]


def subscriber_who_left(n):
    person = subscriber(f"leaver{n}@example.com", postcode="TE1 1AA")
    subscribers.unsubscribe(subscribers.token_for(person, subscribers.Purpose.UNSUBSCRIBE))
    return [f"leaver{n}@example.com"]


def complainer(n):
    subscriber(f"complainer{n}@example.com", postcode="TE1 1AA")
    subscribers.suppress(f"complainer{n}@example.com", f"{subscribers.COMPLAINED}: abuse report")
    return [f"complainer{n}@example.com"]


def data_requester(n):
    request_link(f"asker{n}@example.com")
    deliver()
    return [f"asker{n}@example.com"]


def writer_whose_letter_bounced(n):
    """The MP's server said "user unknown": the letter failed, its writer was told."""
    letter, marks = _writer(n)
    _confirm(letter)
    deliver()
    row = outbox_row(letter)
    assert "failed" in read_once(sample("postfix_dsn.eml", outbox_id=row.id, recipient=MP_ADDRESS))
    assert fresh(letter).status == LetterStatus.FAILED
    deliver()  # the email telling them
    return marks


def admin_who_left(n):
    admin = create_admin(f"staffer{n}@example.org", ADMIN_PASSWORD)
    letter, _marks = _confirmed_then(n + 100, LetterStatus.HELD, "for a check")
    moderation.release(letter.id, admin)  # their address in the letter's history
    today = date.today()
    dissolve(admin, today + timedelta(days=30), today + timedelta(days=60))
    deactivate_admin(admin.email)
    return [f"staffer{n}@example.org"]


def writer_who_asked_to_be_deleted(n):
    marks = writer_delivered(n)
    erase(f"writer{n}@example.com")
    return marks


KINDS = {
    "writer, delivered": Kind(writer_delivered, lambda p: p.letter),
    "writer who never confirmed": Kind(writer_never_confirmed, lambda p: p.link),
    "writer held for a moderator, never decided": Kind(writer_held_for_a_moderator,
                                                       lambda p: p.held),
    "writer kept through a dissolution": Kind(writer_kept_through_a_dissolution,
                                              lambda p: p.held),
    "writer rejected, with a moderator's note": Kind(writer_rejected_with_a_note,
                                                     lambda p: p.letter),
    "writer who asked to be deleted": Kind(writer_who_asked_to_be_deleted, lambda p: 0),
    "sign-up made by someone else": Kind(sign_up_by_someone_else, lambda p: p.link),
    "subscriber who unsubscribed": Kind(subscriber_who_left, lambda p: p.subscriber),
    "complainer": Kind(complainer, lambda p: p.subscriber),
    "data requester": Kind(data_requester, lambda p: p.subscriber),
    "writer whose letter bounced": Kind(writer_whose_letter_bounced, lambda p: p.letter),
    "admin who left": Kind(admin_who_left, lambda p: p.audit),
}  # fmt: skip


def where_found(marks: list[str]) -> set[str]:
    """Every table.column holding any of `marks`, in every row of every table
    (the postcode index, public reference data, aside)."""
    db.session.expire_all()
    found = set()
    for table in db.metadata.sorted_tables:
        if table.name == "postcode_index":
            continue
        for row in db.session.execute(select(table)).mappings():
            for name, value in row.items():
                if isinstance(value, bytes):
                    value = value.decode("utf-8", "replace")
                if isinstance(value, str) and any(m.lower() in value.lower() for m in marks):
                    found.add(f"{table.name}.{name}")
    db.session.rollback()
    return found


def the_daily_jobs():
    expire_unconfirmed()
    purge()


@pytest.mark.parametrize("kind", KINDS)
def test_nothing_personal_outlives_its_period(make_app, mail_server, kind):
    app = make_app(MAIL_PORT=mail_server.port, BOUNCE_DOMAIN=BOUNCE_DOMAIN, **NO_MODERATION)
    with app.app_context(), freeze_time(utcnow()) as clock:
        marks = KINDS[kind].make(len(kind))
        days = KINDS[kind].days(Periods.of(app.config))
        if days:
            clock.tick(timedelta(days=days, hours=-1))
            the_daily_jobs()
            assert where_found(marks), "gone before its time"
            clock.tick(timedelta(hours=2))
        the_daily_jobs()
        assert where_found(marks) == set()


def test_a_confirmed_subscriber_is_kept_until_they_leave(make_app):
    app = make_app()
    with app.app_context(), freeze_time(utcnow()) as clock:
        subscriber("stays@example.com", postcode="TE1 1AA")
        clock.tick(timedelta(days=Periods.of(app.config).longest() + 1))
        the_daily_jobs()
        assert where_found(["stays@example.com"]) == {"subscriber.email"}
        assert db.session.scalar(select(Subscriber.postcode)) == "TE1 1AA"


def test_a_deactivated_admin_cannot_sign_in_and_is_erased_later(make_app):
    app = make_app()
    with app.app_context(), freeze_time(utcnow()) as clock:
        create_admin("leaving@example.org", ADMIN_PASSWORD)
        check_password("leaving@example.org", ADMIN_PASSWORD)
        said = app.test_cli_runner().invoke(args=["admin", "deactivate", "Leaving@example.org"])
        assert "erased in 365 days" in said.output
        with pytest.raises(AuthError):
            check_password("leaving@example.org", ADMIN_PASSWORD)
        clock.tick(timedelta(days=app.config["RETENTION_AUDIT_DAYS"] + 1))
        the_daily_jobs()
        admin = db.session.scalars(select(AdminUser)).one()
        assert admin.email.startswith("erased:")
        assert admin.password_hash == ""
        assert not admin.active
