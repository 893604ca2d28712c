"""Postcode -> MP lookups in process, against a plain dict in the same run.

    python -m bench.lookup

Prints lookups per second over 100,000 random real postcodes (typed with
random case and spacing, so normalisation and the existence check are
included), p99 latency, the size of the lookup structures, a web worker's
memory with the data loaded and the app's start time (each in a fresh
process). The baseline is the simplest possible lookup: a Python dict of
every normalised postcode, which needs far more memory.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time

from bench.common import ROOT, bench_config, machine, percentile, postcode_at, real_data_database

SAMPLE = 100_000


def typed_like_people(postcodes: list[str], rng: random.Random) -> list[str]:
    styles = [str.upper, str.lower, lambda p: p.replace(" ", ""), lambda p: f" {p.lower()} "]
    return [rng.choice(styles)(p) for p in postcodes]


def child_measurements(database_url: str) -> dict:
    """Start time and memory, measured in a fresh interpreter like a gunicorn worker."""
    code = f"""
import json, time
started = time.perf_counter()
from bench.common import bench_config, rss_mb
from app import create_app
from app.reference.representatives import find_mp, reference_cache
app = create_app(bench_config({database_url!r}))
created = time.perf_counter()
before = rss_mb()
with app.app_context():
    find_mp("SW1A 0AA")
    snapshot = reference_cache().get()
ready = time.perf_counter()
print(json.dumps({{"import_and_create_s": created - started, "start_s": ready - started,
    "rss_before_mb": before, "rss_mb": rss_mb()}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    from app import create_app
    from app.reference.representatives import find_mp, reference_cache

    database_url = real_data_database()
    app = create_app(bench_config(database_url))
    rng = random.Random(2009)
    with app.app_context():
        snapshot = reference_cache().get()
        index = snapshot.index
        picks = rng.sample(range(len(index)), SAMPLE)
        canonical = [postcode_at(index, i) for i in picks]
        typed = typed_like_people(canonical, rng)

        # Warm up, then measure throughput and per-call latency separately
        # (timing every call adds its own overhead to the throughput figure).
        for raw in typed[:2000]:
            find_mp(raw)
        started = time.perf_counter()
        for raw in typed:
            find_mp(raw)
        ours = SAMPLE / (time.perf_counter() - started)
        latencies = []
        clock = time.perf_counter_ns
        for raw in typed:
            t0 = clock()
            find_mp(raw)
            latencies.append(clock() - t0)

    every = {postcode_at(index, i).replace(" ", ""): index.code_at(i) for i in range(len(index))}
    started = time.perf_counter()
    for raw in typed:
        every.get("".join(raw.split()).upper())
    baseline = SAMPLE / (time.perf_counter() - started)
    structures_mb = (len(index.keys) * 8 + len(index.slots) * 2) / 1e6
    dict_mb = _dict_size_mb(every)

    child = child_measurements(database_url)
    print(f"machine: {machine()}")
    print(f"postcodes in the index: {len(index):,}")
    print(f"lookup structures: {structures_mb:.1f} MB (baseline dict: {dict_mb:.0f} MB)")
    print(
        f"worker memory with the data loaded: {child['rss_mb']:.0f} MB RSS "
        f"({child['rss_mb'] - child['rss_before_mb']:.0f} MB for the data)"
    )
    print(
        f"app start: {child['start_s']:.2f} s to the first answered lookup "
        f"({child['import_and_create_s']:.2f} s to create the app)"
    )
    print(
        f"p50 / p99 latency: {percentile(latencies, 0.5) / 1000:.1f} / "
        f"{percentile(latencies, 0.99) / 1000:.1f} µs"
    )
    print(f"baseline (dict of normalised postcodes): {baseline:,.0f} lookups/s")
    print(
        f"find_mp (normalise, repair, exists, constituency, MP): {ours:,.0f} lookups/s "
        f"= {ours / baseline:.2f} x baseline"
    )


def _dict_size_mb(d: dict) -> float:
    return (sys.getsizeof(d) + sum(sys.getsizeof(k) for k in d)) / 1e6


if __name__ == "__main__":
    main()
