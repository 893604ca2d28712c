"""Alert fan-out: 100,000 personalised alerts, against a plain smtplib loop, same sink, same run.

    python -m bench.fanout [--recipients 100000] [--postgres URL] [--ab]

SQLite by default; with --postgres (or BENCH_DATABASE_URL), PostgreSQL instead,
so that each run stays within a few minutes.

The sink (bench/sink.py) runs in its own process and counts recipients.
Baseline: the same alert's 100,000 messages, built beforehand, sent by a plain
smtplib loop over one connection: half just before ours and half just after,
so a machine whose speed drifts during the run (shared virtual machines do,
by a quarter within minutes) weighs on both sides alike. Ours: from pressing Send to the queue
drained, by one worker (fan-out into the outbox, building each personalised
message with its signed links, sending, recording each outcome). Checks that
every recipient got exactly one.

With --ab, ours is an alert with an A/B test running (a second variant,
20% of the segment first): the worker sends the test's share, the winner
is chosen at once (as if its hours were up), and the worker sends the
rest. The clock runs through all of it.
"""

from __future__ import annotations

import argparse
import os
import time

from sqlalchemy import insert, select

from bench.common import SmtpSink, bench_config, machine, postgres_copy, smtplib_loop, sqlite_copy


def prepare(database_url: str, recipients: int, port: int):
    from app import create_app
    from app.accounts.sign_in import create_admin
    from app.alerts.models import Subscriber
    from app.extensions import db
    from app.reference.areas import newest_load

    app = create_app(bench_config(
        database_url, MAIL_PORT=port, MAIL_DEFAULT_SENDER="Bench <noreply@bench.test>",
        ALERT_SEND_RATE=0, LOG_LEVEL="WARNING", DELIVERY_BATCH_SIZE=500,
    ))  # fmt: skip
    with app.app_context():
        # Placed in their areas, as signing up places them (app/alerts/places.py):
        # the worker has none to place while the alert goes out.
        placed = {"council_code": "E09000033", "ward_code": "E05013806",
                  "placed_with": newest_load()}  # fmt: skip
        rows = [
            {"email": f"reader{i}@example.com", "status": "confirmed", "postcode": "SW1A 0AA",
             **placed}
            for i in range(recipients)
        ]  # fmt: skip
        for start in range(0, recipients, 20_000):
            db.session.execute(insert(Subscriber), rows[start : start + 20_000])
        db.session.commit()
        create_admin("bench@example.org", "benchmark-password-1")
        db.session.remove()
    return app


def new_alert(admin, subject, *, ab: bool = False):
    from app.alerts import sending
    from app.alerts.models import Segment
    from app.campaigns.models import Campaign
    from app.extensions import db

    campaign_id = db.session.scalar(select(Campaign.id))
    trial = sending.Trial({"B": (f"{subject}: five minutes", "Please write **today**.")}, 20, 1)
    return sending.save_alert(
        admin, None, campaign_id=campaign_id, subject=subject, segment=Segment.ALL,
        body_markdown="MPs vote **on Thursday**. Please write to yours today: it takes five minutes.\n\n"
                      "[Why it matters](https://example.org/why)",
        call_to_action="Write to your MP", trial=trial if ab else None,
    )  # fmt: skip


def baseline_messages(app) -> list[tuple[str, str, bytes]]:
    """The alert's messages, built by the real builder, before any timing starts."""
    from app.accounts.models import AdminUser
    from app.alerts import sending
    from app.extensions import db
    from app.outbox.claims import load_rows
    from app.outbox.kinds import build_email
    from app.outbox.models import OutboxEmail

    with app.app_context():
        admin = db.session.scalar(select(AdminUser))
        alert = new_alert(admin, "Baseline copy")
        sending.start_sending(alert, admin)
        while sending.fan_out(batch=20_000):
            pass
        ids = db.session.scalars(
            select(OutboxEmail.id).where(OutboxEmail.alert_id == alert.id).order_by(OutboxEmail.id)
        ).all()
        built = []
        for start in range(0, len(ids), 2000):  # loaded as the worker loads them
            for row in load_rows(ids[start : start + 2000]):
                email = build_email(row)  # a RawEmail: exactly the bytes a worker sends
                built.append((email.sender, email.recipient, email.data))
        sending.cancel_alert(alert, admin)  # its outbox rows must not be sent by our run
        db.session.remove()
    return built


def ours(app, *, ab: bool = False) -> float:
    from datetime import timedelta

    from app.accounts.models import AdminUser
    from app.alerts import sending
    from app.alerts.models import Alert
    from app.alerts.variants import decide_tests
    from app.db import utcnow
    from app.extensions import db
    from app.outbox.worker import run_worker

    with app.app_context():
        admin = db.session.scalar(select(AdminUser))
        alert = new_alert(admin, "MPs vote on Thursday", ab=ab)
        db.session.remove()
    with app.app_context():
        started = time.perf_counter()
        sending.start_sending(db.session.get(Alert, alert.id), admin)
        sent = run_worker(once=True).sent
        if ab:  # the test's share is sent; its hours are up at once
            decide_tests(now=utcnow() + timedelta(hours=2))
            sent += run_worker(once=True).sent
        elapsed = time.perf_counter() - started
        db.session.remove()
    return sent / elapsed


def measure(label: str, database_url: str, recipients: int, *, ab: bool = False) -> None:
    with SmtpSink() as sink:
        app = prepare(database_url, recipients, sink.port)
        messages = baseline_messages(app)
        half = len(messages) // 2
        before = smtplib_loop(sink.port, messages[:half])
        sink.stats(reset=True)
        our_rate = ours(app, ab=ab)
        stats = sink.stats()
        after = smtplib_loop(sink.port, messages[half:])
        loop_rate = len(messages) / (half / before + (len(messages) - half) / after)
    ok = (
        stats["messages"] == recipients
        and stats["recipients"] == recipients
        and stats["duplicates"] == 0
    )
    print(
        f"[{label}] plain smtplib loop (pre-built messages, one connection): {loop_rate:,.0f} messages/s "
        f"({len(messages):,} sent: half before ours at {before:,.0f}/s, half after at {after:,.0f}/s)"
    )
    print(
        f"[{label}] fan-out{' with an A/B test' if ab else ''} (queue, build, send, record):"
        f" {our_rate:,.0f} messages/s "
        f"= {our_rate / loop_rate:.0%} of the loop (target 70%); "
        f"{stats['messages']:,} messages to {stats['recipients']:,} recipients, {stats['duplicates']} duplicates: "
        f"{'each recipient exactly once' if ok else 'WRONG'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--ab", action="store_true", help="an alert with an A/B test running")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    if args.postgres:
        database = postgres_copy(args.postgres, "bench_fanout")
        measure("PostgreSQL", database, args.recipients, ab=args.ab)
        return
    measure("SQLite", sqlite_copy("fanout.db"), args.recipients, ab=args.ab)


if __name__ == "__main__":
    main()
