"""The delivery worker: 20,000 confirmed letters to MPs, against a plain smtplib loop.

    python -m bench.deliver [--letters 20000] [--recipients 1] [--postgres URL]

With `--recipients 3`, each letter goes to its MP and two other targets
(app/targets/), each its own email with its own outcome: the case of a
campaign writing to several targets at once.

SQLite by default: the loop, then one worker. With --postgres (or
BENCH_DATABASE_URL): the loop, one worker, then two worker processes on a
fresh copy of the same letters.

Baseline: the same letters, built beforehand by the real builder, sent by a
plain smtplib loop over one connection to the same SMTP sink (bench/sink.py,
its own process). Ours: from the worker starting to the queue drained
(its process's start-up, the same for a worker that then runs for days, is
printed apart):
claiming leases, building each letter, sending it, and for each letter the
state change, its event and the copy to the constituent, which the worker
then sends too. So a letter costs the worker two emails; rates are given per
email, and the sink checks that every email arrived exactly once (by the
Message-ID, which names the outbox row).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import time

from sqlalchemy import insert, select, text

from bench.common import SmtpSink, bench_config, machine, postgres_copy, smtplib_loop, sqlite_copy


def config(database_url: str, port: int) -> dict:
    return bench_config(
        database_url, MAIL_PORT=port, LOG_LEVEL="WARNING", DELIVERY_BATCH_SIZE=200,
        WORKER_IDLE_SECONDS=0.05,
    )  # fmt: skip


def fill(app, letters: int, recipients: int = 1) -> None:
    """Confirmed letters to every MP who has an address, each with its outbox
    row; with `recipients` over 1, to that many less one other targets too
    (made-up national targets), each with its recipient and outbox rows."""
    from app.campaigns.models import Campaign
    from app.db import utcnow
    from app.extensions import db
    from app.letters.models import Letter, Recipient
    from app.outbox.models import EmailKind, OutboxEmail
    from app.reference.models import MP
    from app.targets.models import Target, TargetList

    rng = random.Random(2009)
    with app.app_context():
        campaign_id = db.session.scalar(select(Campaign.id))
        others = []
        if recipients > 1:
            list_id = db.session.scalar(insert(TargetList).returning(TargetList.id), {
                "slug": "bench", "name": "Bench targets", "version": 1, "target_count": 10,
            })  # fmt: skip
            others = db.session.scalars(insert(Target).returning(Target.id), [
                {"list_id": list_id, "version": 1, "ref": f"t{n}", "name": f"Target {n}",
                 "role": "Minister for Benchmarks", "body": "Department of Benchmarks",
                 "email": f"target{n}@benchmarks.example", "area_type": "none"}
                for n in range(10)
            ]).all()  # fmt: skip
        seats = [(mp.constituency_id, mp.id) for mp in db.session.scalars(select(MP)) if mp.email]
        now = utcnow()
        for start in range(0, letters, 5000):
            rows = []
            for n in range(start, min(start + 5000, letters)):
                constituency_id, mp_id = rng.choice(seats)
                rows.append({
                    "public_id": f"bench{n}", "submission_key": f"bench{n}", "campaign_id": campaign_id,
                    "constituency_id": constituency_id, "mp_id": mp_id, "status": "queued",
                    "sender_name": f"Person {n}", "sender_email": f"p{n}@example.com",
                    "sender_email_key": f"p{n}@example.com", "address1": f"{n} High Street",
                    "address2": "", "town": "Testington", "postcode": "SW1A 0AA",
                    "constituency_chosen": False, "subject": "MPs' expenses",
                    "body": f"Dear MP,\n\nI am writing as your constituent ({n}). Please publish "
                            "every receipt, in full, before the summer.\n\nYours sincerely,",
                    "source": "direct", "ip_hash": "", "created_at": now, "confirmed_at": now,
                    "share_code": f"b{n}", "own_percent": 100,  # measured on confirming
                    "recipient_count": recipients - 1,
                })  # fmt: skip
            ids = db.session.scalars(insert(Letter).returning(Letter.id), rows).all()
            db.session.execute(
                insert(OutboxEmail),
                [{"kind": EmailKind.MP_LETTER, "letter_id": i, "not_before": now} for i in ids],
            )
            if others:
                chosen = [(i, position, target_id) for i in ids
                          for position, target_id in enumerate(rng.sample(others, recipients - 1))]  # fmt: skip
                returning = insert(Recipient).returning(Recipient.id, sort_by_parameter_order=True)
                recipient_ids = db.session.scalars(returning, [
                    {"letter_id": i, "target_id": target_id, "position": position,
                     "name": f"Target {target_id}", "role": "Minister for Benchmarks",
                     "body": "Department of Benchmarks",
                     "email": f"target{target_id}@benchmarks.example", "status": "queued"}
                    for i, position, target_id in chosen
                ]).all()  # fmt: skip
                db.session.execute(insert(OutboxEmail), [
                    {"kind": EmailKind.TO_RECIPIENT, "letter_id": i, "recipient_id": r,
                     "not_before": now}
                    for (i, _, _), r in zip(chosen, recipient_ids, strict=True)
                ])  # fmt: skip
        db.session.commit()
        # Statistics as autovacuum keeps them on a live site (it would not have
        # run yet on a table filled a moment ago): with none, PostgreSQL takes
        # the status index for every letter's outcome and walks all the queued.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        db.session.remove()


def prebuilt(app) -> list[tuple[str, str, bytes]]:
    """Every queued letter as the worker would send it, built before timing starts."""
    from app.adapters.smtp import as_raw
    from app.extensions import db
    from app.outbox.claims import load_rows
    from app.outbox.kinds import build_email
    from app.outbox.models import OutboxEmail

    with app.app_context():
        ids = db.session.scalars(select(OutboxEmail.id).order_by(OutboxEmail.id)).all()
        built = []
        for start in range(0, len(ids), 2000):
            for row in load_rows(ids[start : start + 2000]):
                raw = as_raw(build_email(row))
                built.append((raw.sender, raw.recipient, raw.data))
        db.session.remove()
    return built


def one_worker(database_url: str, port: int) -> tuple[int, float, float]:
    """(emails sent, when the worker began, when it finished), wall clock."""
    from app import create_app
    from app.extensions import db
    from app.outbox.worker import run_worker

    app = create_app(config(database_url, port))
    with app.app_context():
        began = time.time()
        sent = run_worker(once=True).sent
        finished = time.time()
        db.session.remove()
    return sent, began, finished


def workers(database_url: str, port: int, count: int) -> tuple[float, float]:
    """Emails per second from `count` worker processes draining the queue
    together, from the first one's start to the last one's end; and the
    seconds their processes took to start (a worker starts once and runs for
    days, so that is not part of its rate)."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(count) as pool:
        spawned = time.time()
        runs = pool.starmap(one_worker, [(database_url, port)] * count)
    began = min(run[1] for run in runs)
    return sum(run[0] for run in runs) / (max(run[2] for run in runs) - began), began - spawned


def run(label: str, url: str, sink: SmtpSink, letters: int, count: int, loop_rate: float,
        recipients: int = 1) -> None:  # fmt: skip
    sink.stats(reset=True)
    rate, start_up = workers(url, sink.port, count)
    stats = sink.stats()
    expected = (recipients + 1) * letters  # each recipient's letter, then the copy to its writer
    exact = stats["message_ids"] == expected and stats["duplicate_ids"] == 0
    print(
        f"[{label}] {count} worker{'s' if count > 1 else ''} (claim, build, send, record, copy): "
        f"{rate:,.0f} emails/s = {rate / loop_rate:.0%} of the loop (target 70%); "
        f"{stats['message_ids']:,} of {expected:,} emails, {stats['duplicate_ids']} duplicates: "
        f"{'each exactly once' if exact else 'WRONG'} "
        f"(process start-up {start_up:.1f} s, not counted)",
        flush=True,
    )


def measure(label: str, urls: list[str], letters: int, recipients: int = 1) -> None:
    from app import create_app

    with SmtpSink() as sink:
        for url in urls:
            fill(create_app(config(url, sink.port)), letters, recipients)
        messages = prebuilt(create_app(config(urls[0], sink.port)))
        sink.stats(reset=True)
        loop_rate = smtplib_loop(sink.port, messages)
        print(
            f"[{label}] plain smtplib loop (pre-built letters, one connection): "
            f"{loop_rate:,.0f} emails/s ({sink.stats()['messages']:,} sent)",
            flush=True,
        )
        del messages
        for count, url in enumerate(urls, start=1):
            run(label, url, sink, letters, count, loop_rate, recipients)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=20_000)
    parser.add_argument(
        "--recipients",
        type=int,
        default=1,
        choices=range(1, 11),
        help="recipients a letter: its MP and this many less one others",
    )
    parser.add_argument("--postgres", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    print(f"machine: {machine()}; {args.recipients} recipient(s) a letter")
    if args.postgres:
        urls = [postgres_copy(args.postgres, f"bench_deliver_{n}") for n in (1, 2)]
        measure("PostgreSQL", urls, args.letters, args.recipients)
    else:
        measure("SQLite", [sqlite_copy("deliver.db")], args.letters, args.recipients)


if __name__ == "__main__":
    main()
