"""Letters accepted by the submit endpoint, against a bare Flask endpoint.

    python -m bench.submit [--seconds 10] [--connections 16] [--recipients 1] [--postgres URL]

Both apps run under gunicorn with gunicorn.conf.py, as in bench/http.py. Ours
runs with the production config: every request is validated (WTForms),
checked against the four rate limits in Redis (per IP, email address, MP and
partner; raised so wrk's one address is never refused), checked for
near-duplicate text, stored, and its confirmation email queued in the
outbox, in one transaction. The bare endpoint parses the same JSON and
answers 202.

Each request is a different constituent: a random real postcode whose MP has
an address, their own address and words, and a signed form ticket issued a
minute earlier (as a page would have). With `--recipients 3`, each letter
goes to its MP and two of ten made-up national targets the campaign offers,
ticked at random (issue "several targets"). SQLite first, then PostgreSQL
(--postgres or BENCH_DATABASE_URL; default the local test server). After each
run the database is checked: one letter, one queued confirmation and each
ticked target's recipient per accepted request, none twice.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time

from sqlalchemy import create_engine, func, select

from bench.common import (
    Gunicorn,
    bench_config,
    machine,
    postcode_at,
    postgres_copy,
    real_data_database,
    run_wrk,
    sqlite_copy,
    wrk_script,
)
from bench.http import production_env

SUBMIT = "/api/v1/campaigns/mp-expenses/messages"
LETTERS = 30_000  # more than a run can send, so no request repeats
NO_LIMIT = "100000000/hour"
REASONS = [
    "I run a small business here and I pay every penny of tax I owe.",
    "I am a nurse at our hospital and I watch every pound we spend.",
    "I have lived in this constituency for thirty years and voted at every election.",
    "My children ask me why the rules for MPs are not the rules for everyone else.",
    "I volunteer at the food bank on Saturdays and I see what money means here.",
]


# Made-up national targets (the .example domain is reserved: no real person).
TARGETS = "bench-ministers"
TARGET_ROWS = [
    {"ref": f"m{n}", "name": f"Minister {n}", "role": "Minister for Benchmarks",
     "body": "Department of Benchmarks", "email": f"minister{n}@benchmarks.example",
     "postal_address": "", "area_type": "none", "area_code": ""}
    for n in range(10)
]  # fmt: skip


def offer_targets(database_url: str) -> None:
    """The demo campaign writes to its MP and to the writer's choice of TARGET_ROWS."""
    import csv
    import io

    from app import create_app
    from app.campaigns.models import Campaign
    from app.extensions import db
    from app.targets.campaigns import Settings, set_targets
    from app.targets.lists import COLUMNS, load_list

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(TARGET_ROWS)
    app = create_app(bench_config(database_url))
    with app.app_context():
        loaded = load_list(TARGETS, out.getvalue(), name="Bench ministers",
                           source="made up for bench")  # fmt: skip
        if loaded.target_list.id != 1:  # the id letters() ticks by
            raise RuntimeError(f"{database_url} had a target list already")
        set_targets(db.session.scalar(select(Campaign.id)), Settings(lists=(TARGETS,)))
        db.session.remove()
        db.engine.dispose()


def letters(count: int, recipients: int = 1) -> list[str]:
    """JSON bodies, each a different constituent writing to an MP with an
    address; with `recipients` over 1, ticking that many less one of
    TARGET_ROWS (the list is the first loaded: its id is 1)."""
    from app import create_app
    from app.reference.representatives import Found, find_mp, reference_cache
    from app.tokens import Purpose, sign

    rng = random.Random(1832)
    app = create_app(bench_config(real_data_database()))
    bodies = []
    with app.app_context():
        index = reference_cache().get().index
        shown_at = round(time.time() - 60, 3)
        while len(bodies) < count:
            postcode = postcode_at(index, rng.randrange(len(index)))
            found = find_mp(postcode)
            if not isinstance(found, Found) or not found.seat.can_email:
                continue
            n = len(bodies)
            ticked = [f"1:{row['ref']}" for row in rng.sample(TARGET_ROWS, recipients - 1)]
            bodies.append(json.dumps({
                "name": f"Constituent {n}", "email": f"writer{n}@example.com",
                "address1": f"{n} High Street", "address2": "", "town": "Anytown",
                "postcode": postcode, "subject": "Please publish MPs' expenses",
                "body": f"Dear {found.seat.mp.name},\n\n{rng.choice(REASONS)} "
                        f"{rng.choice(REASONS)} Please publish your expenses in full, "
                        f"receipts and all (letter {n}).\n\nYours sincerely,\nConstituent {n}",
                "form_ticket": sign(Purpose.FORM_TICKET, {"k": f"bench-{n}-{rng.getrandbits(64):x}",
                                                "t": shown_at}),
                **({"targets": ticked} if ticked else {}),
            }))  # fmt: skip
    return bodies


def stored(database_url: str) -> tuple[int, int, int, int]:
    """(letters, distinct submission keys, confirmations queued, recipients
    other than MPs)."""
    from app.config import database_url as sqlalchemy_url
    from app.letters.models import Letter, Recipient
    from app.outbox.models import EmailKind, OutboxEmail

    engine = create_engine(sqlalchemy_url(database_url))
    with engine.connect() as conn:
        rows = conn.scalar(select(func.count()).select_from(Letter))
        keys = conn.scalar(select(func.count(func.distinct(Letter.submission_key))))
        queued = conn.scalar(
            select(func.count())
            .select_from(OutboxEmail)
            .where(OutboxEmail.kind == EmailKind.CONFIRMATION)
        )
        others = conn.scalar(select(func.count()).select_from(Recipient))
    engine.dispose()
    return rows, keys, queued, others


def run(name: str, database_url: str, bodies: list[str], args) -> tuple[dict, dict]:
    env = production_env(
        database_url, args.redis,
        RATELIMIT_SUBMIT_PER_IP=NO_LIMIT, RATELIMIT_SUBMIT_PER_EMAIL=NO_LIMIT,
        RATELIMIT_SUBMIT_PER_MP=NO_LIMIT, RATELIMIT_SUBMIT_PER_PARTNER=NO_LIMIT,
        RATELIMIT_LOOKUP=NO_LIMIT, MODERATION_MAX_PER_IP_PER_DAY="100000000",
    )  # fmt: skip
    headers = {"Content-Type": "application/json"}
    bare_script = wrk_script("submit-bare", [("POST", "/bare", b) for b in bodies[:2000]], headers)
    our_script = wrk_script(f"submit-{name}", [("POST", SUBMIT, b) for b in bodies], headers)
    _flush_redis(args.redis)
    with Gunicorn("bench.bare:app", env, "/bare?postcode=x") as bare:
        run_wrk(bare.url("/"), bare_script, 2, args.connections)
        base = run_wrk(bare.url("/"), bare_script, args.seconds, args.connections)
    with Gunicorn("wsgi:app", env, "/api/v1/campaigns/mp-expenses") as ours:
        result = run_wrk(ours.url("/"), our_script, args.seconds, args.connections)
    result["accepted"] = result["requests"] - result["non_2xx"]
    result["accepted_rps"] = result["accepted"] / (result["duration_us"] / 1e6)
    result["rows"], result["keys"], result["queued"], result["others"] = stored(database_url)
    return base, result


def _flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--recipients", type=int, default=1, choices=range(1, 12), metavar="N",
        help="recipients a letter: its MP and this many less one national targets",
    )  # fmt: skip
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    )
    args = parser.parse_args()

    bodies = letters(LETTERS, args.recipients)
    databases = [("SQLite", sqlite_copy("submit.db"))]
    if args.postgres:
        databases.append(("PostgreSQL", postgres_copy(args.postgres, "bench_submit")))
    lines = []
    for name, url in databases:
        if args.recipients > 1:
            offer_targets(url)
        base, ours = run(name.lower(), url, bodies, args)
        others = ours["rows"] * (args.recipients - 1)
        exact = ours["keys"] == ours["rows"] == ours["queued"] and ours["others"] == others
        in_flight = ours["rows"] - ours["accepted"]
        lines += [
            f"{name}: bare endpoint {base['rps']:,.0f} req/s (p99 {base['p99_us'] / 1000:.1f} ms); "
            f"submit {ours['accepted_rps']:,.0f} letters/s (p99 {ours['p99_us'] / 1000:.1f} ms) "
            f"= {ours['accepted_rps'] / base['rps']:.0%} of bare",
            f"{name}: {ours['accepted']:,} accepted (202), {ours['non_2xx']} refused; "
            f"{ours['rows']:,} letters stored, {ours['queued']:,} confirmations queued, "
            f"{ours['others']:,} other recipients, "
            f"{ours['rows'] - ours['keys']} stored twice; "
            f"{'exact' if exact and 0 <= in_flight <= args.connections else 'MISMATCH'} "
            f"({in_flight} still in flight when wrk stopped)",
        ]
        print(lines[-2], flush=True)
    print(f"machine: {machine()}; {args.recipients} recipient(s) a letter")
    print(f"gunicorn: {(os.cpu_count() or 1) + 1} sync workers; wrk: 2 threads, "
          f"{args.connections} connections, {args.seconds} s per side")  # fmt: skip
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
