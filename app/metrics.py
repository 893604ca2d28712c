"""What the site counts for Prometheus (prometheus-client), and its exposition.

Counters live in each process. Under gunicorn (several processes) and with
workers beside it on one host, set PROMETHEUS_MULTIPROC_DIR for every process
of the host *before it starts* (prometheus-client reads it at import): each
process then keeps its counts in a file there, and /metrics adds them up, so
any web process answers for the whole host. Without it (one process, or
tests) the counts are this process's own.

Only counters and histograms are kept per process; gauges (the outbox's depth
and age) are read from the database when scraped, so nothing goes stale when
a process dies. Labels are bounded: routes are URL rules, never paths.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

REQUESTS = Counter(
    "wtym_http_requests", "Requests answered, by URL rule, method and status.",
    ["route", "method", "status"],
)  # fmt: skip
REQUEST_SECONDS = Histogram(
    "wtym_http_request_duration_seconds", "Time to answer a request, by URL rule.", ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)  # fmt: skip
LOOKUPS = Counter(
    "wtym_lookups", "Postcode lookups, by outcome: found, choose (a list to pick from), "
    "refused (the postcode), unavailable (the site's data or postcode source).",
    ["outcome"],
)  # fmt: skip
LETTERS_SUBMITTED = Counter(
    "wtym_letters_submitted", "Letters stored awaiting confirmation, by where they came from.",
    ["source"],
)  # fmt: skip
LETTERS_CONFIRMED = Counter(
    "wtym_letters_confirmed", "Letters confirmed by their writers: queued, or held for moderation.",
    ["outcome"],
)  # fmt: skip
EMAILS = Counter(
    "wtym_emails", "Emails the worker finished trying, by kind and outcome: "
    "sent, retried, failed, unbuilt (the site could not build it), skipped.",
    ["kind", "outcome"],
)  # fmt: skip
CALLS = Counter(
    "wtym_webhook_calls", "Calls to webhooks the worker finished trying, by event and outcome:"
    " sent, retried, deferred (the endpoint paused), failed, skipped. Apart from emails: a"
    " partner's endpoint failing is the partner's, not the site's.",
    ["event", "outcome"],
)  # fmt: skip
BOUNCES = Counter(
    "wtym_bounces", "Bounce reports and complaints acted on, by email kind and type: "
    "recipient, transient, site, complaint.",
    ["kind", "type"],
)  # fmt: skip
RATE_LIMITED = Counter(
    "wtym_rate_limit_refusals", "Requests refused by a rate limit (429), by allowance.", ["scope"]
)


class _ThisProcess(Collector):
    """The default registry's metrics, for one process without a shared directory."""

    def collect(self):
        return REGISTRY.collect()


def exposition(extra: Iterable[Collector] = ()) -> tuple[bytes, str]:
    """The text format for a scrape: this host's counters and `extra` collectors."""
    registry = CollectorRegistry()
    shared = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if shared:
        MultiProcessCollector(registry, shared)
    else:
        registry.register(_ThisProcess())
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST


def process_gone(pid: int) -> None:
    """gunicorn's child_exit: forget a dead process's live gauges (it keeps no
    other kind; its counters stay counted, as totals must)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
