"""Every kind of email, and every webhook event, has its row in the outbox's
table once the app is made, declared by the feature it belongs to
(app/features.py)."""

from __future__ import annotations

from app.bounces.models import Bounce
from app.outbox.jobs import jobs
from app.outbox.kinds import KINDS
from app.outbox.models import CALLBACK_PRIORITY, EmailKind, OutboxEmail
from app.webhooks.models import Event


def test_every_email_kind_is_declared_by_its_feature(app):
    assert set(KINDS) == set(EmailKind) | set(Event)
    emails = {kind for kind, spec in KINDS.items() if spec.build is not None}
    assert emails == set(EmailKind)
    calls = {kind for kind, spec in KINDS.items() if spec.perform is not None}
    assert calls == set(Event)
    assert {KINDS[event].priority for event in Event} == {CALLBACK_PRIORITY}
    in_english = {kind for kind, spec in KINDS.items() if spec.in_english}
    assert in_english == {EmailKind.MP_LETTER, EmailKind.DIGEST, EmailKind.SITE_PROBLEM,
                          EmailKind.ALERT_TEST, EmailKind.OFFICE_LINK,
                          EmailKind.TO_RECIPIENT, EmailKind.TARGET_DIGEST,
                          EmailKind.TARGET_OFFICE_LINK}  # fmt: skip
    assert [kind for kind, spec in KINDS.items() if spec.bulk] == [EmailKind.ALERT]


def test_the_periodic_jobs_run_in_their_order(app):
    assert [(job.run.__name__, job.every) for job in jobs()] == [
        ("send_reminders", 60), ("expire_unconfirmed", 60), ("fan_out", 1),
        ("finish_alerts", 5), ("decide_tests", 60), ("place_unplaced", 300), ("purge_daily", 86400), ("ask_due", 60), ("hold_queued", 60),
        ("send_digests", 300), ("send_target_digests", 300), ("decide_share_tests", 60),
    ]  # fmt: skip


def test_every_kind_fits_each_column_that_keeps_it(app):
    # PostgreSQL refuses a longer string: a bounce report about a kind too
    # long for `bounce.kind` could never be acted on there.
    longest = max(len(kind) for kind in KINDS)
    for column in (OutboxEmail.__table__.c.kind, Bounce.__table__.c.kind):
        assert column.type.length >= longest, column
