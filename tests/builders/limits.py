"""Clients of apps whose rate limits are counted in a chosen store."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from app.extensions import db, rate_store


def limited_clients(make_app, storage: str) -> Iterator[Callable]:
    """For a fixture to yield from: make(**limits) -> a test client of an
    app with those limits, its counters in `storage` (memory:// or a Redis
    URL) and emptied, its app context pushed until the test ends."""
    contexts = []

    def make(**limits):
        app = make_app(**{"RATELIMIT_STORAGE_URI": storage, **limits})
        context = app.app_context()
        context.push()
        rate_store.reset()  # counters left in Redis by an earlier test
        contexts.append(context)
        return app.test_client()

    yield make
    for context in reversed(contexts):
        db.session.remove()
        context.pop()
