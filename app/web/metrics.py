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


def _answered(response):
    started = request.environ.get("app.started")
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    metrics.REQUESTS.labels(route, request.method, str(response.status_code)).inc()
    if started is not None:
        metrics.REQUEST_SECONDS.labels(route).observe(time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    app.before_request(_started)
    app.after_request(_answered)
    app.add_url_rule("/metrics", "metrics", scrape)
