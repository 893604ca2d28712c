"""Requests counted for Prometheus, and /metrics for it to scrape.

/metrics answers only with `Authorization: Bearer <METRICS_TOKEN>`, and is
not there at all (404) while METRICS_TOKEN is unset. It reports this host:
its processes' counters (app/metrics.py) and the outbox read from the
database.
"""

from __future__ import annotations

import hmac
import time

from flask import Flask, Response, abort, current_app, request

from app import metrics
from app.outbox.health import OutboxCollector

UNMATCHED = "(unmatched)"  # a 404's route: never the path, which anyone can vary


def scrape():
    token = current_app.config["METRICS_TOKEN"]
    if not token:
        abort(404)
    sent = request.headers.get("Authorization", "")
    if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return Response("A bearer token is required.\n", 401, {"WWW-Authenticate": "Bearer"})
    body, content_type = metrics.exposition([OutboxCollector()])
    return Response(body, 200, {"Content-Type": content_type, "Cache-Control": "no-store"})


def _started() -> None:
    request.environ["app.started"] = time.perf_counter()


# Methods are named by the client: any other is counted as "other", so no
# one can add label values (series) at will.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_series: dict[tuple[str, str, int], tuple] = {}  # the labelled children, found once


def _answered(response):
    environ = request.environ
    rule = request.url_rule
    count_request(
        rule.rule if rule is not None else UNMATCHED,
        environ["REQUEST_METHOD"],
        response.status_code,
        environ.get("app.started"),
    )
    return response


def count_request(route: str, method: str, status: int, started: float | None) -> None:
    """Count an answered request, and its time since `started` (perf_counter) if known."""
    key = (route, method if method in METHODS else "other", status)
    series = _series.get(key)
    if series is None:
        series = _series[key] = (
            metrics.REQUESTS.labels(key[0], key[1], str(status)),
            metrics.REQUEST_SECONDS.labels(route),
        )
    series[0].inc()
    if started is not None:
        series[1].observe(time.perf_counter() - started)


def init_app(app: Flask) -> None:
    app.before_request(_started)
    app.after_request(_answered)
    app.add_url_rule("/metrics", "metrics", scrape)
