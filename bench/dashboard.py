"""The dashboard's home page with 100,000 letters, against the same page with none.

    python -m bench.dashboard [--letters 100000] [--postgres URL]

Letters are spread over all 650 real constituencies, the last 90 days, every
state, source and partner. Times the whole signed-in request (routing,
session check, every GROUP BY, the 650-hex map, rendering) through Flask's
test client, 30 times each, and prints the median and p95 beside the same
page on an empty database (the baseline) in the same run. PostgreSQL runs too
when --postgres (or BENCH_DATABASE_URL / TEST_DATABASE_URL) names a server.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import timedelta

from sqlalchemy import insert, select, text

from bench.common import bench_config, machine, percentile, postgres_copy, sqlite_copy

RUNS = 30
STATUSES = ["sent"] * 60 + ["pending"] * 12 + ["expired"] * 10 + ["queued"] * 5 + ["held"] * 4 +\
    ["failed"] * 4 + ["rejected"] * 2 + ["cancelled"] * 3  # fmt: skip
SOURCES = ["direct"] * 50 + ["widget"] * 30 + ["alert"] * 12 + ["share"] * 8


def fill(app, letters: int) -> None:
    from app.campaigns.models import Campaign
    from app.db import utcnow
    from app.extensions import db
    from app.letters.models import Letter
    from app.partners.models import Partner
    from app.partners.registry import save_partner
    from app.reference.models import Constituency

    rng = random.Random(2009)
    with app.app_context():
        for i in range(5):
            save_partner(f"partner-{i}", name=f"Partner {i}", origins=[f"https://p{i}.example"])
        partner_ids = db.session.scalars(select(Partner.id)).all()
        campaign_id = db.session.scalar(select(Campaign.id))
        seats = db.session.execute(text("SELECT constituency_id, id FROM mp")).all()
        weights = [rng.random() ** 3 for _ in seats]  # some seats far busier than others
        now = utcnow()
        rows = []
        for n in range(letters):
            constituency_id, mp_id = rng.choices(seats, weights)[0]
            status = rng.choice(STATUSES)
            source = rng.choice(SOURCES)
            created = now - timedelta(seconds=rng.randrange(90 * 86400))
            rows.append({
                "public_id": f"bench{n}", "submission_key": f"bench{n}", "campaign_id": campaign_id,
                "constituency_id": constituency_id, "mp_id": mp_id, "status": status,
                "sender_name": "Bench Person", "sender_email": f"b{n}@example.com", "sender_email_key": f"b{n}@example.com",
                "address1": "1 Bench St", "address2": "", "town": "Benchtown", "postcode": "SW1A 0AA",
                "constituency_chosen": False, "subject": "Expenses", "body": "A letter.",
                "source": source, "partner_id": rng.choice(partner_ids) if source == "widget" else None,
                "ip_hash": "", "created_at": created,
                "confirmed_at": None if status in ("pending", "expired") else created,
            })  # fmt: skip
            if len(rows) == 10_000:
                db.session.execute(insert(Letter), rows)
                rows = []
        if rows:
            db.session.execute(insert(Letter), rows)
        db.session.commit()
        assert db.session.query(Constituency).count() == 650
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE message"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        db.session.remove()


def time_dashboard(app) -> list[float]:
    from app.accounts.sign_in import create_admin, start_session
    from app.extensions import db

    with app.app_context():
        admin = create_admin(f"bench{random.randrange(10**9)}@example.org", "benchmark-password-1")
        token = start_session(admin)
        db.session.remove()
    client = app.test_client()
    client.set_cookie("admin_session", token, path="/admin")
    timings = []
    for run in range(RUNS + 3):
        started = time.perf_counter()
        response = client.get("/admin/")
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.status_code
        if run >= 3:  # warm-up: caches, the hex map file, compiled templates
            timings.append(elapsed)
    return timings


def measure(label: str, empty_url: str, full_url: str, letters: int) -> None:
    from app import create_app

    started = time.perf_counter()
    fill(create_app(bench_config(full_url)), letters)
    print(
        f"[{label}] inserted {letters:,} letters in {time.perf_counter() - started:.0f}s",
        flush=True,
    )
    baseline = time_dashboard(create_app(bench_config(empty_url)))
    full = time_dashboard(create_app(bench_config(full_url)))
    b, f = statistics.median(baseline), statistics.median(full)
    print(
        f"[{label}] baseline (no letters): median {b:.1f} ms, p95 {percentile(baseline, 0.95):.1f} ms"
    )
    print(
        f"[{label}] dashboard with {letters:,} letters: median {f:.1f} ms, "
        f"p95 {percentile(full, 0.95):.1f} ms ({f / b:.1f}x the empty page; target < 300 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=100_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL"),
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")
    measure(
        "SQLite", sqlite_copy("dashboard-empty.db"), sqlite_copy("dashboard-full.db"), args.letters
    )
    if args.postgres:
        measure("PostgreSQL", postgres_copy(args.postgres, "bench_dashboard_empty"),
                postgres_copy(args.postgres, "bench_dashboard_full"), args.letters)  # fmt: skip
    else:
        print("[PostgreSQL] skipped: pass --postgres URL or set BENCH_DATABASE_URL")


if __name__ == "__main__":
    main()
