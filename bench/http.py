"""The representatives endpoint under gunicorn and wrk, against a bare Flask endpoint.

    python -m bench.http [--seconds 10] [--connections 16] [--redis URL]

Both apps are served the same way: gunicorn with gunicorn.conf.py (sync
workers, one per core plus one: a request is a few hundred microseconds of
CPU, so more processes than cores only adds switching, and the extra one
covers a worker waiting on Redis or the network). The real app runs with the
production config: APP_ENV=production, rate limits checked in Redis (the
shared store that several processes need; the default's two windows, each
raised so wrk's one address is never refused), security headers, the access log.

wrk (Debian package) drives each with 16 connections, rotating through
20,000 random real postcodes typed the ways people type them. The bare
endpoint echoes the postcode as JSON. Rounds alternate bare / ours so a
noisy neighbour hurts both; the last lines give each side's requests per
second (mean of rounds), p99 latency (worst round) and the ratio.
"""

from __future__ import annotations

import argparse
import os
import random
import urllib.parse

from bench.common import (
    DATA_DIR,
    SECRET,
    Gunicorn,
    machine,
    postcode_at,
    real_data_database,
    run_wrk,
    sqlite_copy,
    wrk_script,
)

POSTCODES = 20_000


def production_env(database_url: str, redis_url: str, **overrides: str) -> dict:
    """The environment of a production deployment, pointed at local services."""
    return {
        "APP_ENV": "production",
        "SECRET_KEY": SECRET,
        "SITE_URL": "https://bench.test",
        "MAIL_DEFAULT_SENDER": "Write to your MP <noreply@bench.test>",
        "DATABASE_URL": database_url,
        "DATA_DIR": str(DATA_DIR),
        "RATELIMIT_STORAGE_URI": redis_url,
        "LOG_LEVEL": "WARNING",
        **overrides,
    }


def sample_postcodes(count: int) -> list[str]:
    from app import create_app
    from app.services.representatives import reference_cache
    from bench.common import bench_config
    from bench.lookup import typed_like_people

    rng = random.Random(2009)
    app = create_app(bench_config(real_data_database()))
    with app.app_context():
        index = reference_cache().get().index
        picks = rng.sample(range(len(index)), count)
        return typed_like_people([postcode_at(index, i) for i in picks], rng)


def measure(server: Gunicorn, path: str, typed: list[str], seconds: float, conns: int) -> dict:
    requests = [("GET", f"{path}?postcode={urllib.parse.quote(p)}", None) for p in typed]
    script = wrk_script(path.strip("/").replace("/", "-"), requests, {})
    run_wrk(server.url("/"), script, 2, conns)  # warm up: caches, connections, JIT-less paths
    return run_wrk(server.url("/"), script, seconds, conns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    )
    args = parser.parse_args()

    typed = sample_postcodes(POSTCODES)
    database_url = sqlite_copy("http.db")
    # The default's shape (a minute and an hour window: two counters in Redis),
    # raised so wrk's one address is never refused.
    env = production_env(
        database_url, args.redis, RATELIMIT_LOOKUP="100000000/minute;1000000000/hour"
    )
    bare_runs, our_runs = [], []
    with (
        Gunicorn("bench.bare:app", env, "/bare?postcode=x") as bare,
        Gunicorn("wsgi:app", env, "/api/v1/representatives?postcode=SW1A0AA") as ours,
    ):
        for n in range(1, args.rounds + 1):
            b = measure(bare, "/bare", typed, args.seconds, args.connections)
            o = measure(ours, "/api/v1/representatives", typed, args.seconds, args.connections)
            bare_runs.append(b)
            our_runs.append(o)
            print(
                f"round {n}: bare {b['rps']:,.0f} req/s (p99 {b['p99_us'] / 1000:.1f} ms), "
                f"representatives {o['rps']:,.0f} req/s (p99 {o['p99_us'] / 1000:.1f} ms)",
                flush=True,
            )
    for name, runs in (("bare", bare_runs), ("representatives", our_runs)):
        bad = sum(r["non_2xx"] + r["socket_errors"] for r in runs)
        if bad:
            print(f"WARNING: {name}: {bad} responses were errors or not 2xx")

    bare_rps = sum(r["rps"] for r in bare_runs) / len(bare_runs)
    our_rps = sum(r["rps"] for r in our_runs) / len(our_runs)
    print(f"machine: {machine()}")
    print(
        f"gunicorn: {bare.workers} sync workers each; wrk: 2 threads, "
        f"{args.connections} connections, {args.rounds} x {args.seconds:g} s per side"
    )
    print(
        f"bare Flask JSON endpoint: {bare_rps:,.0f} req/s, "
        f"p99 {max(r['p99_us'] for r in bare_runs) / 1000:.1f} ms"
    )
    print(
        f"GET /api/v1/representatives: {our_rps:,.0f} req/s, "
        f"p99 {max(r['p99_us'] for r in our_runs) / 1000:.1f} ms "
        f"= {our_rps / bare_rps:.0%} of bare"
    )


if __name__ == "__main__":
    main()
