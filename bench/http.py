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
endpoint echoes the postcode as JSON. These plain lookups are answered by the
app's fast path (app/web/api/fast_lookup.py), as most lookups are. A third
side is the real app with rate limits off, to show what the limit costs. Each round takes
the sides in turn so a noisy neighbour hurts all; the last lines give each
side's requests per second (mean of rounds), p99 latency (worst round) and
the ratio to bare.
"""

from __future__ import annotations

import argparse
import contextlib
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
API = "/api/v1/representatives"


def production_env(database_url: str, redis_url: str, **overrides: str) -> dict:
    """The environment of a production deployment, pointed at local services."""
    return {
        "APP_ENV": "production",
        "SECRET_KEY": SECRET,
        "SITE_URL": "https://bench.test",
        "MAIL_DEFAULT_SENDER": "Write to your MP <noreply@bench.test>",
        "OPERATOR_CONTACT": "privacy@bench.test",  # production requires one (the privacy notice)
        "DATABASE_URL": database_url,
        "DATA_DIR": str(DATA_DIR),
        "RATELIMIT_STORAGE_URI": redis_url,
        "LOG_LEVEL": "WARNING",
        **overrides,
    }


def sample_postcodes(count: int) -> list[str]:
    from app import create_app
    from app.reference.representatives import reference_cache
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
    # A third side, the same app with no rate limit, shows what the shared
    # counter's round trip to Redis costs apart from the app's own work.
    sides = {
        "bare": ("bench.bare:app", env, "/bare"),
        "representatives": ("wsgi:app", env, API),
        "representatives, no rate limit": (
            "wsgi:app", {**env, "RATELIMIT_ENABLED": "false"}, API,
        ),
    }  # fmt: skip
    runs: dict[str, list[dict]] = {name: [] for name in sides}
    with contextlib.ExitStack() as stack:
        servers = {
            name: stack.enter_context(Gunicorn(uri, side_env, f"{path}?postcode=SW1A0AA"))
            for name, (uri, side_env, path) in sides.items()
        }
        for n in range(1, args.rounds + 1):
            figures = []
            for name, (_, _, path) in sides.items():
                run = measure(servers[name], path, typed, args.seconds, args.connections)
                runs[name].append(run)
                figures.append(
                    f"{name} {run['rps']:,.0f} req/s (p99 {run['p99_us'] / 1000:.1f} ms)"
                )
            print(f"round {n}: " + ", ".join(figures), flush=True)
    for name, side_runs in runs.items():
        bad = sum(r["non_2xx"] + r["socket_errors"] for r in side_runs)
        if bad:
            print(f"WARNING: {name}: {bad} responses were errors or not 2xx")

    rps = {
        name: sum(r["rps"] for r in side_runs) / len(side_runs) for name, side_runs in runs.items()
    }
    p99 = {name: max(r["p99_us"] for r in side_runs) / 1000 for name, side_runs in runs.items()}
    print(f"machine: {machine()}")
    print(
        f"gunicorn: {servers['bare'].workers} sync workers each; wrk: 2 threads, "
        f"{args.connections} connections, {args.rounds} x {args.seconds:g} s per side"
    )
    print(f"bare Flask JSON endpoint: {rps['bare']:,.0f} req/s, p99 {p99['bare']:.1f} ms")
    for name, label in (
        ("representatives, no rate limit", "GET /api/v1/representatives, no rate limit"),
        ("representatives", "GET /api/v1/representatives"),
    ):
        print(
            f"{label}: {rps[name]:,.0f} req/s, p99 {p99[name]:.1f} ms "
            f"= {rps[name] / rps['bare']:.0%} of bare"
        )


if __name__ == "__main__":
    main()
