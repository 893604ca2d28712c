"""Per-process caches of data that changes rarely (seats, postcodes, partners).

A cached value is rebuilt when the reference version counter in the database
moves, which every change to reference data (a `data load`, an admin's MP
email override, a partner edit) bumps. The counter is read at most once every
REFERENCE_REFRESH_SECONDS, so a hot path pays only for a clock read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from flask import current_app
from sqlalchemy import select

from app.db import utcnow
from app.extensions import db
from app.reference.models import ReferenceState

T = TypeVar("T")


def reference_version() -> int | None:
    return db.session.scalar(select(ReferenceState.version).where(ReferenceState.id == 1))


def bump_reference_version(session) -> None:
    """Call inside a write transaction that changed reference data."""
    state = session.get(ReferenceState, 1) or ReferenceState(id=1, version=0)
    state.version += 1
    state.changed_at = utcnow()
    session.add(state)


class VersionedCache(Generic[T]):
    """`build(previous, version)` makes the value; it is kept until the version moves."""

    def __init__(self, build: Callable[[T | None, int | None], T], refresh_seconds: float):
        self._build = build
        self.refresh_seconds = refresh_seconds
        self._value: T | None = None
        self._version: int | None = None
        self._next_check = 0.0
        self._lock = threading.Lock()

    def get(self) -> T:
        value = self._value
        if value is not None and time.monotonic() < self._next_check:
            return value
        with self._lock:
            if self._value is None or time.monotonic() >= self._next_check:
                version = reference_version()
                if self._value is None or version != self._version:
                    self._value = self._build(self._value, version)
                    self._version = version
                self._next_check = time.monotonic() + self.refresh_seconds
            return self._value

    def invalidate(self) -> None:
        self._next_check = 0.0


def check_now() -> None:
    """Once a change that moved the version is committed: this process's
    caches check the version at their next use, not at the next refresh,
    so the process that made the change sees it at once."""
    for cache in current_app.extensions.values():
        if isinstance(cache, VersionedCache):
            cache.invalidate()


def cached(name: str, build: Callable[[T | None, int | None], T]) -> VersionedCache[T]:
    """This app's cache called `name`, created on first use."""
    # One proxy resolution: attribute access through `current_app` costs
    # more than the rest of a postcode lookup.
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a proxy typed as Flask
    cache = app.extensions.get(name)
    if cache is None:
        refresh = app.config["REFERENCE_REFRESH_SECONDS"]
        cache = app.extensions[name] = VersionedCache(build, refresh)
    return cache
