"""Database plumbing: pooled connections to a database server that cut them."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from app.campaigns.finding import open_campaign_rules
from app.db import end_read_transaction
from app.extensions import db
from app.letters.models import Letter
from app.outbox.models import EmailKind, OutboxEmail
from tests.builders.letters import submit


def backend_pid() -> int:
    with db.engine.connect() as conn:
        return conn.scalar(text("SELECT pg_backend_pid()"))


def cut_by_the_server(pid: int) -> None:
    """What a restart, a failover or an idle timeout does to a pooled connection."""
    engine = create_engine(db.engine.url, poolclass=NullPool)
    with engine.connect() as other:
        other.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        other.commit()
    engine.dispose()


@pytest.fixture
def server_app(make_app, backend):
    if backend != "postgresql":
        pytest.skip("SQLite is a file: there is no server to cut a connection")
    return make_app


def test_a_connection_cut_while_idle_is_replaced_unseen(server_app):
    app = server_app(DATABASE_PING_AFTER_SECONDS=0)  # every checkout counts as idle
    with app.app_context():
        pid = backend_pid()
        cut_by_the_server(pid)
        assert backend_pid() != pid  # pinged, found dead, replaced: no error


def test_a_connection_cut_while_busy_fails_once_then_the_pool_reconnects(server_app):
    app = server_app(DATABASE_PING_AFTER_SECONDS=3600)  # used just now: not pinged
    with app.app_context():
        first, second = db.engine.connect(), db.engine.connect()
        pids = [conn.scalar(text("SELECT pg_backend_pid()")) for conn in (first, second)]
        first.close()
        second.close()
        for pid in pids:
            cut_by_the_server(pid)
        with pytest.raises(OperationalError), db.engine.connect() as conn:
            conn.scalar(text("SELECT 1"))
        # The failure marked the whole pool stale: the other cut connection is not used.
        assert backend_pid() not in pids


def test_a_letter_written_on_a_connection_cut_while_busy_fails_once_and_loses_nothing(
    server_app,
):
    # One pooled connection, used just now, and no reads on the way to the INSERT.
    app = server_app(
        DATABASE_PING_AFTER_SECONDS=3600, REFERENCE_REFRESH_SECONDS=3600,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0},
    )  # fmt: skip
    with app.app_context():
        campaign = open_campaign_rules("mp-expenses")  # a copy: nothing to reload
        submit(campaign=campaign, key="warm", email="first@example.com")  # caches filled
        db.session.commit()
        cut_by_the_server(backend_pid())
        with pytest.raises(OperationalError):
            submit(campaign=campaign, key="cut")
        letter = submit(campaign=campaign, key="cut")  # on a new connection
        assert letter.status == "pending"
        assert db.session.scalar(select(func.count()).select_from(Letter)) == 2
        kinds = db.session.scalars(select(OutboxEmail.kind)).all()
        assert kinds == [EmailKind.CONFIRMATION, EmailKind.CONFIRMATION]


def test_ending_a_read_transaction_gives_no_session_to_a_request_that_read_nothing(app):
    with app.app_context():
        end_read_transaction()  # the submit endpoint's usual case: nothing read
        assert not db.session.registry.has()
        db.session.scalar(select(func.count()).select_from(Letter))
        assert db.session().in_transaction()
        end_read_transaction()
        assert not db.session().in_transaction()
