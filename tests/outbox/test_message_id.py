"""Message-IDs (app/outbox/mime.py): the same on every attempt at an email,
and unique across databases, by the random token each outbox row is given
when it is inserted (app/outbox/models.py, migration 7a1e0c3b9f52)."""

from __future__ import annotations

import re
import shutil
from email import message_from_bytes, policy

import flask_migrate
import pytest
from alembic.script import ScriptDirectory
from flask_migrate import Migrate
from sqlalchemy import event, inspect, select, text, update

from app import create_app
from app.db import utcnow
from app.extensions import db
from app.outbox import worker
from app.outbox.claims import claim_due, load_rows
from app.outbox.kinds import build_email
from app.outbox.mime import message_id, outbox_reference
from app.outbox.models import EmailKind, OutboxEmail, OutboxStatus
from tests.builders.alerts import alert_sending_to, an_admin
from tests.builders.letters import MP_ADDRESS, NO_MODERATION, confirmed_letter
from tests.builders.outbox import deliver, outbox_row
from tests.builders.settings import base_config

OURS = re.compile(r"<([a-z_]+)\.(\d+)\.([0-9a-f]{32})@([^>]+)>")
BEFORE, AFTER = "d7e5f6a8b9c0", "7a1e0c3b9f52"


@pytest.fixture
def site(make_app, mail_server):
    app = make_app(MAIL_PORT=mail_server.port, **NO_MODERATION)
    with app.app_context():
        yield app


def built_id(row: OutboxEmail) -> str:
    email = build_email(row)
    data = email.data if hasattr(email, "data") else email.as_bytes()
    return message_from_bytes(data, policy=policy.default)["Message-ID"]


def test_rows_inserted_every_way_each_have_their_own_token(site):
    """ORM inserts (a letter's confirmation to its writer and its letter to the
    MP), INSERT ... SELECT compiled once (a new letter's confirmation) and
    bulk inserts (an alert's copies): every row gets a token of its own."""
    confirmed_letter()
    confirmed_letter(email="sam@example.com", name="Sam Jones")
    alert_sending_to(an_admin(), ["a@example.com", "b@example.com", "c@example.com"])
    deliver()  # the worker queues the alert's copies, in batches
    rows = db.session.scalars(select(OutboxEmail)).all()
    kinds = {row.kind for row in rows}
    assert {EmailKind.CONFIRMATION, EmailKind.MP_LETTER, EmailKind.ALERT} <= kinds
    tokens = [row.message_token for row in rows]
    assert all(re.fullmatch(r"[0-9a-f]{32}", token) for token in tokens)
    assert len(set(tokens)) == len(rows) >= 7


def test_the_message_id_names_the_row_and_its_token_and_is_read_back(site):
    letter = confirmed_letter()
    row = outbox_row(letter)
    found = OURS.fullmatch(built_id(row))
    assert found is not None
    kind, number, token, domain = found.groups()
    assert (kind, int(number), token) == ("mp_letter", row.id, row.message_token)
    assert domain == "writetoyourmp.test"  # the site's own domain, as before
    assert outbox_reference(built_id(row)) == (row.id, row.message_token)
    assert outbox_reference(f"<mp_letter.{row.id}@writetoyourmp.test>") is None  # the old shape
    assert outbox_reference("<20260101.abc@mailgun.example>") is None


def test_an_email_tried_again_keeps_its_message_id(site, mail_server, monkeypatch):
    """The MP's server says "try later": the worker builds the email afresh
    for the next attempt, with the same Message-ID, so a receiving server can
    tell a repeat (one that did arrive the first time) from a new email."""
    built = []

    def building(row):
        email = build_email(row)
        if row.kind == EmailKind.MP_LETTER:
            built.append(message_from_bytes(email.data, policy=policy.default)["Message-ID"])
        return email

    monkeypatch.setattr(worker, "build_email", building)
    letter = confirmed_letter()
    mail_server.fail_next("451 4.3.0 Mailbox busy, try later", stage="RCPT", address=MP_ADDRESS)
    deliver()
    row = outbox_row(letter)
    assert (row.status, row.attempts) == (OutboxStatus.QUEUED, 1)
    db.session.execute(update(OutboxEmail).values(not_before=utcnow()))
    db.session.commit()
    deliver()
    [received] = mail_server.to(MP_ADDRESS)
    assert built == [received["Message-ID"]] * 2
    assert OURS.fullmatch(received["Message-ID"]).group(3) == row.message_token


def test_two_installs_give_the_same_row_different_message_ids(sqlite_template, tmp_path):
    """A second database (a staging copy's new rows, a restore, a second
    install: the same SECRET_KEY in each) numbers its rows from 1 too."""
    ids = []
    for n in range(2):
        path = tmp_path / f"install{n}.db"
        shutil.copy(sqlite_template, path)
        app = create_app(base_config(f"sqlite:///{path}"))
        with app.app_context():
            row = OutboxEmail(kind=EmailKind.DATA_LINK, to_address="jane@example.com")
            db.session.add(row)
            db.session.commit()
            assert row.id == 1
            ids.append(built_id(row))
            assert built_id(db.session.get(OutboxEmail, 1)) == ids[-1]  # built again: the same
            db.session.remove()
            db.engine.dispose()
    assert ids[0] != ids[1]
    assert OURS.fullmatch(ids[0]).group(2) == OURS.fullmatch(ids[1]).group(2) == "1"


def test_the_worker_loads_the_token_with_the_row(site):
    """The delivery path builds many emails a second: the token comes in the
    row's own SELECT, never in a query of its own."""
    confirmed_letter()
    claim = claim_due(10)
    rows = load_rows(claim.ids)
    assert rows
    queries = []

    def count(*args):
        queries.append(args)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for row in rows:
            assert "message_token" not in inspect(row).unloaded
            message_id(row, "example.org")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert queries == []


def test_the_migration_gives_each_existing_row_its_own_token_and_unwinds(empty_database):
    app = create_app(base_config(empty_database))
    with app.app_context():
        config = Migrate().get_config(directory=app.extensions["migrate"].directory)
        assert ScriptDirectory.from_config(config).get_revision(AFTER).down_revision == BEFORE
        flask_migrate.upgrade(revision=BEFORE)
        insert = text(
            "INSERT INTO outbox_email (kind, status, to_address, attempts, not_before, "
            "created_at, priority) VALUES ('data_link', 'sent', 'a@example.com', 1, "
            "'2026-01-01', '2026-01-01', 0)"
        )
        with db.engine.begin() as conn:
            for _ in range(3):
                conn.execute(insert)
        flask_migrate.upgrade(revision=AFTER)
        with db.engine.begin() as conn:
            tokens = conn.execute(text("SELECT message_token FROM outbox_email")).scalars().all()
            conn.execute(insert)  # by a process still running the release before: filled in
            newest = (
                conn.execute(text("SELECT message_token FROM outbox_email ORDER BY id DESC"))
                .scalars()
                .first()
            )
        assert len(set(tokens)) == 3
        assert all(re.fullmatch(r"[0-9a-f]{32}", t) for t in [*tokens, newest])
        assert newest not in tokens
        flask_migrate.downgrade(revision=BEFORE)
        columns = {c["name"] for c in inspect(db.engine).get_columns("outbox_email")}
        assert "message_token" not in columns
        db.engine.dispose()
